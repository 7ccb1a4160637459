import type { Knex } from 'knex';
import { addMonths, previousPeriod, type Period } from '../calendar.ts';
import { fa } from '../views.ts';
import type { FilingInput } from './forms.ts';

// DESIGN §5 plausibility warnings: not errors, but a submission carrying any must be confirmed,
// and they are stored with the filing for the province officer. One function for form and API.
//
// - over_capacity: a product's quantity produced above capacity_warning_factor × (annual capacity ÷ 12).
// - above_median / below_median: production value, or a product's quantity produced, above
//   median_warning_factor × or below 1 / factor of the unit's own median over the 12 periods before
//   this one — only when at least MIN_HISTORY of those periods were submitted and the median is > 0.
// - sold_over_stock: sold more than produced plus the stock at the start of the month, where stock
//   is approximated as cumulative (produced − sold) over all earlier submitted filings of that
//   product, never below zero. (Last month alone would flag every unit that sells from older stock.)

export type WarningCode = 'over_capacity' | 'above_median' | 'below_median' | 'sold_over_stock';
export interface Warning { code: WarningCode; field: string; message: string }

export const MIN_HISTORY = 3;

export interface WarningProduct { id: number; name: string; unit_of_measure: string; annual_capacity: number }
export interface WarningContext {
  products: WarningProduct[];
  capacityFactor: number;
  medianFactor: number;
  /** Production values of earlier submitted filings in the 12 periods before this one. */
  productionValues: number[];
  /** Per product: quantities produced in those filings. */
  produced: Map<number, number[]>;
  /** Per product: stock at the start of the period (see above). */
  stock: Map<number, number>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function againstMedian(value: number, history: number[], factor: number, field: string, what: string, unit: string): Warning | null {
  if (history.length < MIN_HISTORY) return null;
  const med = median(history);
  if (med <= 0) return null;
  if (value > factor * med) {
    return { code: 'above_median', field, message: `${what} (${fa(value)}${unit}) بیش از ${fa(factor)} برابر میانه ۱۲ ماه گذشته واحد (${fa(med)}${unit}) است.` };
  }
  if (value < med / factor) {
    return { code: 'below_median', field, message: `${what} (${fa(value)}${unit}) کمتر از میانه ۱۲ ماه گذشته واحد (${fa(med)}${unit}) تقسیم بر ${fa(factor)} است.` };
  }
  return null;
}

export function computeWarnings(input: FilingInput, ctx: WarningContext): Warning[] {
  const out: Warning[] = [];
  const byId = new Map(ctx.products.map((p) => [p.id, p]));
  input.lines.forEach((line, i) => {
    const p = byId.get(line.product_id);
    if (!p || line.produced === null) return;
    const unit = ` ${p.unit_of_measure}`;
    const monthly = p.annual_capacity / 12;
    if (p.annual_capacity > 0 && line.produced > ctx.capacityFactor * monthly) {
      out.push({
        code: 'over_capacity',
        field: `lines.${i}.produced`,
        message: `تولید «${p.name}» (${fa(line.produced)}${unit}) بیش از ${fa(ctx.capacityFactor)} برابر ظرفیت اسمی ماهانه پروانه (${fa(Math.round(monthly * 1000) / 1000)}${unit}) است.`,
      });
    }
    const w = againstMedian(line.produced, ctx.produced.get(p.id) ?? [], ctx.medianFactor, `lines.${i}.produced`, `تولید «${p.name}»`, unit);
    if (w) out.push(w);
    const stock = ctx.stock.get(p.id) ?? 0;
    if (line.sold !== null && line.sold > line.produced + stock) {
      out.push({
        code: 'sold_over_stock',
        field: `lines.${i}.sold`,
        message: `فروش «${p.name}» (${fa(line.sold)}${unit}) بیش از تولید این ماه به‌علاوه موجودی انبار (${fa(line.produced)} + ${fa(stock)}${unit}) است.`,
      });
    }
  });
  if (input.production_value !== null) {
    const w = againstMedian(input.production_value, ctx.productionValues, ctx.medianFactor, 'production_value', 'ارزش تولید', ' ریال');
    if (w) out.push(w);
  }
  return out;
}

export interface HistoryRow { id: number; period: Period; production_value: number | null; product_id: number | null; produced: number | null; sold: number | null }

/**
 * The unit's own history a filing of `period` is compared with: each earlier submitted filing with
 * its lines, in one query whatever its size (saveFiling folds it into its first statement).
 */
export function warningHistory(k: Knex, unitId: number, period: Period): Knex.QueryBuilder {
  return k('filings as f')
    .leftJoin('filing_lines as l', 'l.filing_id', 'f.id')
    .where('f.unit_id', unitId).whereNotNull('f.first_submitted_at').where('f.period', '<', period)
    .select('f.id', 'f.period', 'f.production_value', 'l.product_id', 'l.produced', 'l.sold');
}

/** The comparison context from the history rows: the last 12 months' figures and each product's stock. */
export function warningContextOf(
  rows: HistoryRow[],
  period: Period,
  factors: { capacityFactor: number; medianFactor: number },
  products: WarningProduct[],
): WarningContext {
  const from = addMonths(period, -12);
  const to = previousPeriod(period);
  const productionValues: number[] = [];
  const counted = new Set<number>();
  const produced = new Map<number, number[]>();
  const stock = new Map<number, number>();
  for (const r of rows) {
    if (!counted.has(r.id)) {
      counted.add(r.id);
      if (r.period >= from && r.period <= to && r.production_value !== null) productionValues.push(Number(r.production_value));
    }
    if (r.product_id === null) continue;
    if (r.period >= from && r.produced !== null) produced.set(r.product_id, [...(produced.get(r.product_id) ?? []), Number(r.produced)]);
    stock.set(r.product_id, (stock.get(r.product_id) ?? 0) + Number(r.produced ?? 0) - Number(r.sold ?? 0));
  }
  for (const [id, s] of stock) stock.set(id, Math.max(0, s));
  return {
    products: products.map((p) => ({ ...p, annual_capacity: Number(p.annual_capacity) })),
    ...factors,
    productionValues,
    produced,
    stock,
  };
}
