import type { Knex } from 'knex';
import { addMonths, periodOf, type Period } from '../src/calendar.ts';

// Shared by the filing tests: the period arithmetic relative to today, and a form body as the
// browser would post it.

export const NOW_PERIOD: Period = periodOf(new Date());
export const period = (n: number): Period => addMonths(NOW_PERIOD, n);

export interface LineValues { produced?: string; sold?: string; sales_value?: string }
export interface FormValues {
  employees?: string;
  production_value?: string;
  intermediate_consumption?: string;
  lines?: LineValues[];
}

export function formBody(csrf: string, productIds: number[], v: FormValues, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  p.set('_csrf', csrf);
  p.set('employees', v.employees ?? '12');
  p.set('production_value', v.production_value ?? '۱٬۲۰۰٬۰۰۰');
  p.set('intermediate_consumption', v.intermediate_consumption ?? '۷۰۰٬۰۰۰');
  productIds.forEach((id, i) => {
    const l = v.lines?.[i] ?? {};
    p.set(`lines[${i}][product_id]`, String(id));
    p.set(`lines[${i}][produced]`, l.produced ?? '۸۰');
    p.set(`lines[${i}][sold]`, l.sold ?? '۷۰');
    p.set(`lines[${i}][sales_value]`, l.sales_value ?? '۹۰۰٬۰۰۰');
  });
  for (const [k, val] of Object.entries(extra)) p.set(k, val);
  return p.toString();
}

/** A submitted filing written straight to the database (history for warnings and dashboards). */
export async function insertSubmitted(
  k: Knex,
  unitId: number,
  p: Period,
  opts: { productId?: number; produced?: number; sold?: number; productionValue?: number; at?: Date; state?: string; returnReason?: string } = {},
): Promise<number> {
  const at = opts.at ?? new Date();
  const [f] = await k('filings').insert({
    unit_id: unitId, period: p, state: opts.state ?? 'submitted', employees: 10, production_value: opts.productionValue ?? 1_000_000, intermediate_consumption: 400_000,
    first_submitted_at: at, submitted_at: at, revision: 1, tracking_code: `T${unitId}${p.replace('-', '')}`.slice(0, 20), return_reason: opts.returnReason ?? null,
    verified_at: opts.state === 'verified' ? at : null,
  }).returning('id');
  if (opts.productId) await k('filing_lines').insert({ filing_id: f.id, product_id: opts.productId, produced: opts.produced ?? 100, sold: opts.sold ?? 100, sales_value: 1000 });
  return f.id;
}
