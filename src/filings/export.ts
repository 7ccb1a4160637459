import { csvText } from '../export.ts';
import { plainXlsx, QUANTITY } from '../spreadsheet.ts';
import type { Knex } from 'knex';
import { db } from '../db.ts';
import type { Rules } from '../calendar.ts';
import { jalaliStamp } from '../calendar.ts';
import { productsOf, unitPeriods } from './model.ts';
import { FILING_STATE_LABELS as STATE_LABELS, TIMELINESS_LABELS } from '../glossary.ts';
import type { UnitRow } from '../units/row.ts';

// The unit's own history as a table (one row per period, one column group per product), for
// CSV (UTF-8 with BOM, so Excel reads Persian) and XLSX (right-to-left sheet). Amounts stay as the
// database gives them (a number, or a BigInt past 2^53): never through Number(), which rounds.

type Cell = string | number | bigint | null;
export interface HistoryTable { headers: string[]; rows: Cell[][] }

function jalaliText(at: Date | null): string {
  if (!at) return '';
  const { date, time } = jalaliStamp(at);
  return `${date} ${time}`;
}

export async function historyTable(unit: Pick<UnitRow, 'id' | 'obligation_start'>, at: Date, rules: Rules, k: Knex = db()): Promise<HistoryTable> {
  const products = await productsOf(unit.id, k);
  const periods = await unitPeriods(unit, at, rules, {}, k);
  const filings = await k('filings').where({ unit_id: unit.id }).select('id', 'period', 'employees', 'production_value', 'intermediate_consumption', 'value_added');
  const lines = await k('filing_lines as l').join('filings as f', 'f.id', 'l.filing_id').where('f.unit_id', unit.id)
    .select('f.period', 'l.product_id', 'l.produced', 'l.sold', 'l.sales_value');
  const fByPeriod = new Map(filings.map((f) => [f.period as string, f]));
  const lByKey = new Map(lines.map((l) => [`${l.period}:${l.product_id}`, l]));
  const headers = [
    'دوره', 'وضعیت اظهارنامه', 'به‌موقع بودن', 'مهلت', 'نخستین ارسال', 'آخرین ارسال', 'نسخه', 'کد رهگیری',
    'شمار کارکنان', 'ارزش تولید (ریال)', 'مصرف واسطه (ریال)', 'ارزش افزوده (ریال)',
    ...products.flatMap((p) => [`تولید ${p.name} (${p.unit_of_measure})`, `فروش ${p.name} (${p.unit_of_measure})`, `ارزش فروش ${p.name} (ریال)`]),
  ];
  const n = (v: number | bigint | null | undefined): number | bigint | null => v ?? null;
  const rows = [...periods].reverse().map((r): Cell[] => {
    const f = fByPeriod.get(r.period);
    return [
      r.period, STATE_LABELS[r.state], TIMELINESS_LABELS[r.timeliness], jalaliText(r.deadline), jalaliText(r.first_submitted_at), jalaliText(r.submitted_at),
      r.revision, r.tracking_code ?? '',
      n(f?.employees), n(f?.production_value), n(f?.intermediate_consumption), n(f?.value_added),
      ...products.flatMap((p) => {
        const l = lByKey.get(`${r.period}:${p.id}`);
        return [n(l?.produced), n(l?.sold), n(l?.sales_value)];
      }),
    ];
  });
  return { headers, rows };
}

export function toCsv(t: HistoryTable): string {
  return csvText([t.headers, ...t.rows]);
}

export function toXlsx(t: HistoryTable): Promise<Buffer> {
  return plainXlsx('سابقه آمار', null, t.headers, t.rows, undefined, QUANTITY);
}
