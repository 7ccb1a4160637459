import type { Knex } from 'knex';
import { addMonths, previousPeriod, type Period } from '../calendar.ts';
import { fa } from '../numbers.ts';
import type { FilingInput } from './forms.ts';
import { hbDistance, hbFit, hbRange, type HbFit } from './hidiroglou-berthelot.ts';

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
//
// Issue 24 (what officers return filings for):
// - employees_history: employees outside the unit's 12-month median ± max(tolerance × median,
//   4 robust deviations (1.4826 × MAD), 2 people) — employment moves little from month to month.
// - employees_peers: the change of employees since last month against the changes of the other
//   units of its ISIC class (in the province when at least 5 of them filed both months, else in
//   the nation), by the Hidiroglou–Berthelot method (./hidiroglou-berthelot.ts).
// - negative_value_added: intermediate consumption above production value.
// - price_history / price_class: a product's price (sales value ÷ quantity sold) beyond × / ÷ a
//   factor of its median over the unit's own 12 earlier months (at least MIN_HISTORY of them), or
//   of the median price of the same catalogue code and unit of measure at other units over those
//   months (at least MIN_HISTORY units).

export type WarningCode = 'over_capacity' | 'above_median' | 'below_median' | 'sold_over_stock'
  | 'employees_history' | 'employees_peers' | 'negative_value_added' | 'price_history' | 'price_class'
  | `rule_${number}`;
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
  /** Per product: stock at the start of the period (see above); whole only for the products warningHistory was given. */
  stock: Map<number, number>;
  /** Employees of earlier submitted filings in the 12 periods before this one. */
  employees?: number[];
  employeeTolerance?: number;
  /** The unit's employees last month, and its class's HB fit of this month's employees to last month's. */
  previousEmployees?: number | null;
  employeePeers?: { fit: HbFit; scope: 'province' | 'nation' } | null;
  /** Per product: its prices (sales value ÷ sold) in those filings, and at other units of the same code. */
  prices?: Map<number, number[]>;
  classPrices?: Map<number, number>;
  priceFactor?: number;
  classPriceFactor?: number;
}

/** Robust spread: the median absolute deviation scaled to a normal standard deviation. */
export function robustDeviation(xs: number[]): number {
  const m = median(xs);
  return 1.4826 * median(xs.map((x) => Math.abs(x - m)));
}

const round = (x: number, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits;
/** A price in Rials: whole Rials above 10, else three significant digits. */
const price = (x: number) => (x >= 10 ? Math.round(x) : Number(x.toPrecision(3)));

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * What a filing's figures are expected to be, as kept on its rows for the officer's score
 * (migration 150: the unit's own medians over the 12 months before, from MIN_HISTORY months or
 * none). The save computes them from the history it read for its warnings; the triggers of
 * migration 150 compute the same for every other writer (test/filings-save.test.ts compares them).
 */
export interface Expectations { productionValue: number | null; employees: number | null; prices: Map<number, number | null> }

export function expectationsOf(ctx: WarningContext, productIds: readonly number[]): Expectations {
  const med = (xs: number[] | undefined) => (xs && xs.length >= MIN_HISTORY ? median(xs) : null);
  return {
    productionValue: med(ctx.productionValues),
    employees: med(ctx.employees),
    prices: new Map(productIds.map((id) => [id, med(ctx.prices?.get(id))])),
  };
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
  out.push(...employeeWarnings(input, ctx), ...valueAddedWarnings(input), ...priceWarnings(input, ctx));
  return out;
}

function employeeWarnings(input: FilingInput, ctx: WarningContext): Warning[] {
  const out: Warning[] = [];
  const e = input.employees;
  if (e === null || e === undefined) return out;
  const history = ctx.employees ?? [];
  if (history.length >= MIN_HISTORY) {
    const med = median(history);
    const spread = Math.max((ctx.employeeTolerance ?? 0.2) * med, 4 * robustDeviation(history), 2);
    const lo = Math.max(0, Math.ceil(med - spread));
    const hi = Math.floor(med + spread);
    if (med > 0 && (e < lo || e > hi)) {
      out.push({
        code: 'employees_history', field: 'employees',
        message: `تعداد کارکنان (${fa(e)} نفر) بیرون از بازه معمول واحد در ۱۲ ماه گذشته است: میانه ${fa(round(med))} نفر، بازه پذیرفتنی ${fa(lo)} تا ${fa(hi)} نفر.`,
      });
    }
  }
  const prev = ctx.previousEmployees;
  const peers = ctx.employeePeers;
  if (peers && prev && prev > 0 && e > 0 && hbDistance(peers.fit, e, prev) > 1) {
    const [lo, hi] = hbRange(peers.fit, prev);
    const where = peers.scope === 'province' ? 'واحدهای هم‌رشته استان' : 'واحدهای هم‌رشته کشور';
    out.push({
      code: 'employees_peers', field: 'employees',
      message: `تغییر تعداد کارکنان از ${fa(prev)} نفر در ماه قبل به ${fa(e)} نفر با تغییر ${where} نمی‌خواند (روش هیدیروگلو–برتلو)؛ بازه پذیرفتنی ${fa(Math.ceil(lo))} تا ${fa(Math.floor(hi))} نفر.`,
    });
  }
  return out;
}

function valueAddedWarnings(input: FilingInput): Warning[] {
  const pv = input.production_value;
  const ic = input.intermediate_consumption;
  if (pv === null || ic === null || pv === undefined || ic === undefined || ic <= pv) return [];
  return [{
    code: 'negative_value_added', field: 'intermediate_consumption',
    message: `مصرف واسطه (${fa(ic)} ریال) بیش از ارزش تولید (${fa(pv)} ریال) است و ارزش افزوده منفی (${fa(pv - ic)} ریال) می‌شود؛ مصرف واسطه معمولاً از ۰ تا ارزش تولید است.`,
  }];
}

function priceWarnings(input: FilingInput, ctx: WarningContext): Warning[] {
  const out: Warning[] = [];
  const byId = new Map(ctx.products.map((p) => [p.id, p]));
  input.lines.forEach((line, i) => {
    const p = byId.get(line.product_id);
    if (!p || line.sold === null || line.sales_value === null || !(line.sold > 0) || !(line.sales_value > 0)) return;
    const unitPrice = line.sales_value / line.sold;
    const field = `lines.${i}.sales_value`;
    const range = (med: number, factor: number) => `${fa(price(med / factor))} تا ${fa(price(med * factor))} ریال`;
    const own = ctx.prices?.get(p.id) ?? [];
    const f = ctx.priceFactor ?? 3;
    if (own.length >= MIN_HISTORY) {
      const med = median(own);
      if (med > 0 && (unitPrice > med * f || unitPrice < med / f)) {
        out.push({
          code: 'price_history', field,
          message: `قیمت فروش «${p.name}» (${fa(price(unitPrice))} ریال برای هر ${p.unit_of_measure}) با قیمت‌های ۱۲ ماه گذشته واحد نمی‌خواند: میانه ${fa(price(med))} ریال، بازه پذیرفتنی ${range(med, f)}.`,
        });
      }
    }
    const classMed = ctx.classPrices?.get(p.id);
    const cf = ctx.classPriceFactor ?? 5;
    if (classMed && classMed > 0 && (unitPrice > classMed * cf || unitPrice < classMed / cf)) {
      out.push({
        code: 'price_class', field,
        message: `قیمت فروش «${p.name}» (${fa(price(unitPrice))} ریال برای هر ${p.unit_of_measure}) با قیمت همین کد محصول در واحدهای دیگر نمی‌خواند: میانه ${fa(price(classMed))} ریال، بازه پذیرفتنی ${range(classMed, cf)}.`,
      });
    }
  });
  return out;
}

export interface HistoryRow {
  id: number; period: Period; production_value: number | null; employees?: number | null;
  product_id: number | null; produced: number | null; sold: number | null; sales_value?: number | string | null;
}

/**
 * The products of a filing whose stock sold_over_stock needs: those it sells more of than it makes
 * this month. Any other line passes whatever the stock (never below zero), so the unit's older
 * months are not summed for it.
 */
export function productsSellingFromStock(input: Pick<FilingInput, 'lines'>): number[] {
  return input.lines.filter((l) => l.produced !== null && l.sold !== null && l.sold > l.produced).map((l) => l.product_id);
}

/**
 * The unit's own history a filing of `period` is compared with, in one query whatever its age
 * (saveFiling folds it into its first statement): each submitted filing of the 12 periods before,
 * with its lines, and before those one row per product with its quantities summed — all the stock
 * needs (sold_over_stock counts every earlier month) — for `stockOf` only (productsSellingFromStock;
 * with none, that part of the query does not run). So a unit with ten years of filings ships its
 * last year, not its decade, at every save, and sums its decade only for a line sold from stock.
 */
export function warningHistory(unitId: number, period: Period, stockOf: readonly number[]): { sql: string; bindings: (number | string)[] } {
  const from = addMonths(period, -12);
  const products = `{${stockOf.map((id) => Math.trunc(id)).join(',')}}`; // an array literal: knex would spread a JS array into a list
  return {
    sql: `select f.id, f.period, f.production_value, f.employees, l.product_id, l.produced, l.sold, l.sales_value
            from filings f left join filing_lines l on l.filing_id = f.id
           where f.unit_id = ? and f.first_submitted_at is not null and f.period >= ? and f.period < ?
          union all
          select 0, min(f.period), null, null, l.product_id, sum(l.produced), sum(l.sold), null
            from filings f join filing_lines l on l.filing_id = f.id
           where cardinality(?::int[]) > 0 and f.unit_id = ? and f.first_submitted_at is not null and f.period < ? and l.product_id = any(?::int[])
           group by l.product_id`,
    bindings: [unitId, from, period, products, unitId, from, products],
  };
}

export interface PeerRow { same_province: boolean; current: number | string | null; previous: number | string | null }
/** A class's fit kept by the nightly job (migration 261): the province's, or the nation's. */
export interface KeptFitRow { nation: boolean; r_med: number | string; e_med: number | string; d_low: number | string; d_high: number | string; n: number | string }
export interface ClassPriceRow { product_id: number; median: number | string; units: number | string }

/** A class with at least this many usable pairs in a province (or the nation) has its fit kept nightly (migration 261). */
export const KEPT_FIT_PAIRS = 30;

/**
 * Employees of the other units of the unit's class in the two months before `period` (those that
 * filed both): the peers of employees_peers. A subquery of saveFiling's first statement, where
 * `u` is the unit. Only the groups whose fit is not kept (keptEmployeeFitsSql) are read: the
 * province's peers without a kept province fit, the other provinces' without a kept national one.
 */
export function employeePeersSql(period: Period): { sql: string; bindings: string[] } {
  const pairs = `select pu.province_code = u.province_code as same_province, a.employees as current, b.employees as previous
            from units pu
            join filings a on a.unit_id = pu.id and a.period = ? and a.first_submitted_at is not null
            join filings b on b.unit_id = pu.id and b.period = ? and b.first_submitted_at is not null
           where pu.isic_class = u.isic_class and pu.id <> u.id`;
  const kept = (province: string) => `exists (select 1 from class_employee_fits k where k.isic_class = u.isic_class and k.period = ? and k.province_code = ${province})`;
  const window = [previousPeriod(period), addMonths(period, -2)];
  return {
    sql: `${pairs} and pu.province_code = u.province_code and not ${kept('u.province_code')}
          union all
          ${pairs} and pu.province_code <> u.province_code and not ${kept("''")}`,
    bindings: [...window, period, ...window, period],
  };
}

/** The kept fits of the unit's class for `period`: its province's and the nation's, where kept. A subquery like employeePeersSql's. */
export function keptEmployeeFitsSql(period: Period): { sql: string; bindings: string[] } {
  return {
    sql: `select k.province_code = '' as nation, k.r_med, k.e_med, k.d_low, k.d_high, k.n
            from class_employee_fits k
           where k.isic_class = u.isic_class and k.period = ? and k.province_code in (u.province_code, '')`,
    bindings: [period],
  };
}

/** A catalogue code with at least this many producers is common: its price median is kept by the nightly job (migration 260). */
export const COMMON_CODE_PRODUCERS = 30;

/** One price per line sold (Rials per unit of measure), the measure every class-price median is taken over. */
const LINE_PRICE = 'l.sales_value::float8 / l.sold::float8';

/** The lines of `op` products sold in the 12 months before the bound period (`?` twice: from, to). */
const PRICED_LINES = `join filing_lines l on l.product_id = op.id and l.sold > 0 and l.sales_value > 0
             join filings f on f.id = l.filing_id and f.first_submitted_at is not null and f.period >= ? and f.period < ?`;

/**
 * Median price of each of the unit's coded products at other units over the 12 months before
 * `period`. A common code's median is read from catalogue_price_medians (kept nightly, every
 * producer counted: among 30 or more, the unit's own lines barely move it); a rare code's is
 * computed here, the unit's own lines left out.
 */
export function classPricesSql(period: Period): { sql: string; bindings: string[] } {
  return {
    sql: `select p.id as product_id, m.median, m.units
            from products p
            left join catalogue_price_medians c on c.catalogue_code = p.catalogue_code and c.unit_of_measure_code = p.unit_of_measure_code and c.period = ?
            cross join lateral (
              select c.median, c.units - 1 as units where c.catalogue_code is not null
              union all
              select percentile_cont(0.5) within group (order by ${LINE_PRICE}), count(distinct op.unit_id)
                from products op
                ${PRICED_LINES}
               where c.catalogue_code is null and op.catalogue_code = p.catalogue_code and op.unit_of_measure_code = p.unit_of_measure_code and op.unit_id <> p.unit_id
            ) m
           where p.unit_id = u.id and p.catalogue_code is not null and m.units >= ${MIN_HISTORY}`,
    bindings: [period, addMonths(period, -12), period],
  };
}

/**
 * The nightly job's part (migration 260): the price median of every common catalogue code over
 * the 12 months before each period, replacing what was kept for those periods. One pass over the
 * lines of all the periods' windows (they overlap in all but a month each), one sort.
 */
export async function keepCommonPriceMedians(trx: Knex, periods: readonly Period[], producers = COMMON_CODE_PRODUCERS): Promise<number> {
  if (periods.length === 0) return 0;
  const windows = periods.map((p) => ({ period: p, from: addMonths(p, -12) }));
  const earliest = windows.map((w) => w.from).sort()[0];
  const latest = [...periods].sort().at(-1)!;
  const inWindow = 'f.period >= ? and f.period < ?';
  await trx('catalogue_price_medians').whereIn('period', [...periods]).delete();
  const res = await trx.raw(
    `insert into catalogue_price_medians (catalogue_code, unit_of_measure_code, period, median, units)
     select code, uom, w.period, w.median, w.units
       from (select op.catalogue_code as code, op.unit_of_measure_code as uom,
                    ${windows.map((_, i) => `percentile_cont(0.5) within group (order by ${LINE_PRICE}) filter (where ${inWindow}) as median_${i},
                    count(distinct op.unit_id) filter (where ${inWindow}) as units_${i}`).join(', ')}
               from products op
               ${PRICED_LINES}
              where op.catalogue_code is not null
              group by op.catalogue_code, op.unit_of_measure_code) m
       cross join lateral (values ${windows.map((_, i) => `(?, m.median_${i}, m.units_${i})`).join(', ')}) as w(period, median, units)
      where w.units >= ?`,
    [...windows.flatMap((w) => [w.from, w.period, w.from, w.period]), earliest, latest, ...windows.map((w) => w.period), producers],
  );
  const kept = res.rowCount ?? 0;
  const perPeriod = await trx('catalogue_price_medians').whereIn('period', [...periods]).groupBy('period').select('period', trx.raw('count(*) as codes'));
  const codes = new Map(perPeriod.map((r: { period: string; codes: number | string }) => [r.period, Number(r.codes)]));
  await trx('peer_checks_kept')
    .insert(periods.map((period) => ({ period, kind: 'prices', rows_kept: codes.get(period) ?? 0, computed_at: trx.fn.now() })))
    .onConflict(['period', 'kind']).merge();
  return kept;
}

/**
 * The class peers' HB fit: the province's when at least HB.MIN_PEERS filed, else the nation's. A
 * kept fit (30 pairs or more, the unit's own among them, which barely moves it) stands for the
 * live pairs of its group.
 */
export function employeePeersOf(rows: PeerRow[], kept: KeptFitRow[] = []): { fit: HbFit; scope: 'province' | 'nation' } | null {
  const pairs = (rs: PeerRow[]) => rs.filter((r) => r.current !== null && r.previous !== null).map((r) => [Number(r.current), Number(r.previous)] as [number, number]);
  const fitOf = (k: KeptFitRow | undefined): HbFit | null => (k ? { rMed: Number(k.r_med), eMed: Number(k.e_med), dLow: Number(k.d_low), dHigh: Number(k.d_high), n: Number(k.n) } : null);
  const province = fitOf(kept.find((k) => !k.nation)) ?? hbFit(pairs(rows.filter((r) => r.same_province)));
  if (province) return { fit: province, scope: 'province' };
  const nation = fitOf(kept.find((k) => k.nation)) ?? hbFit(pairs(rows));
  return nation ? { fit: nation, scope: 'nation' } : null;
}

/**
 * The nightly job's part (migration 261): the HB fit of every class, per province and for the
 * nation, from the units that filed both months before each period, kept where it has at least
 * KEPT_FIT_PAIRS usable pairs. One read of the two months' filings per period.
 */
export async function keepClassEmployeeFits(trx: Knex, periods: readonly Period[], minPairs = KEPT_FIT_PAIRS): Promise<number> {
  let kept = 0;
  for (const period of periods) {
    const rows = (await trx.raw(
      `select u.isic_class, u.province_code, a.employees as current, b.employees as previous
         from filings a
         join filings b on b.unit_id = a.unit_id and b.period = ? and b.first_submitted_at is not null and b.employees is not null
         join units u on u.id = a.unit_id
        where a.period = ? and a.first_submitted_at is not null and a.employees is not null`,
      [addMonths(period, -2), previousPeriod(period)],
    )).rows as { isic_class: string; province_code: string; current: number | string; previous: number | string }[];
    const groups = new Map<string, [number, number][]>();
    for (const r of rows) {
      const pair: [number, number] = [Number(r.current), Number(r.previous)];
      for (const key of [`${r.isic_class}|${r.province_code}`, `${r.isic_class}|`]) {
        const list = groups.get(key);
        if (list) list.push(pair); else groups.set(key, [pair]);
      }
    }
    const fits = [...groups].flatMap(([key, pairs]) => {
      const fit = hbFit(pairs);
      if (!fit || fit.n < minPairs) return [];
      const [isic_class, province_code] = key.split('|');
      return [{ isic_class, province_code, period, r_med: fit.rMed, e_med: fit.eMed, d_low: fit.dLow, d_high: fit.dHigh, n: fit.n }];
    });
    await trx('class_employee_fits').where({ period }).delete();
    for (let i = 0; i < fits.length; i += 1000) await trx('class_employee_fits').insert(fits.slice(i, i + 1000));
    await trx('peer_checks_kept').insert({ period, kind: 'employees', rows_kept: fits.length, computed_at: trx.fn.now() }).onConflict(['period', 'kind']).merge();
    kept += fits.length;
  }
  return kept;
}

/**
 * The nightly job's call: the price medians and employee fits of those of `periods` not kept yet
 * (each period's once, the first night it is filed; see migration 261). Returns what it kept.
 */
export async function keepMissingPeerChecks(trx: Knex, periods: readonly Period[]): Promise<{ prices: Period[]; employees: Period[] }> {
  const done = (await trx('peer_checks_kept').whereIn('period', [...periods]).select('period', 'kind')) as { period: string; kind: string }[];
  const missing = (kind: string) => [...new Set(periods)].filter((p) => !done.some((d) => d.period === p && d.kind === kind));
  const out = { prices: missing('prices'), employees: missing('employees') };
  if (out.prices.length) await keepCommonPriceMedians(trx, out.prices);
  if (out.employees.length) await keepClassEmployeeFits(trx, out.employees);
  return out;
}

/** The comparison context from the history rows: the last 12 months' figures and each product's stock. */
export function warningContextOf(
  rows: HistoryRow[],
  period: Period,
  factors: { capacityFactor: number; medianFactor: number; employeeTolerance?: number; priceFactor?: number; classPriceFactor?: number },
  products: WarningProduct[],
  peers: { employees?: PeerRow[]; employeeFits?: KeptFitRow[]; classPrices?: ClassPriceRow[] } = {},
): WarningContext {
  const from = addMonths(period, -12);
  const to = previousPeriod(period);
  const productionValues: number[] = [];
  const employees: number[] = [];
  let previousEmployees: number | null = null;
  const counted = new Set<number>();
  const produced = new Map<number, number[]>();
  const prices = new Map<number, number[]>();
  const stock = new Map<number, number>();
  for (const r of rows) {
    if (!counted.has(r.id)) {
      counted.add(r.id);
      if (r.period >= from && r.period <= to && r.production_value !== null) productionValues.push(Number(r.production_value));
      if (r.period >= from && r.period <= to && r.employees !== null && r.employees !== undefined) employees.push(Number(r.employees));
      if (r.period === to && r.employees !== null && r.employees !== undefined) previousEmployees = Number(r.employees);
    }
    if (r.product_id === null) continue;
    if (r.period >= from && r.produced !== null) produced.set(r.product_id, [...(produced.get(r.product_id) ?? []), Number(r.produced)]);
    if (r.period >= from && Number(r.sold) > 0 && Number(r.sales_value) > 0) prices.set(r.product_id, [...(prices.get(r.product_id) ?? []), Number(r.sales_value) / Number(r.sold)]);
    stock.set(r.product_id, (stock.get(r.product_id) ?? 0) + Number(r.produced ?? 0) - Number(r.sold ?? 0));
  }
  for (const [id, s] of stock) stock.set(id, Math.max(0, s));
  return {
    products: products.map((p) => ({ ...p, annual_capacity: Number(p.annual_capacity) })),
    ...factors,
    productionValues,
    produced,
    stock,
    employees,
    previousEmployees,
    employeePeers: employeePeersOf(peers.employees ?? [], peers.employeeFits ?? []),
    prices,
    classPrices: new Map((peers.classPrices ?? []).map((r) => [Number(r.product_id), Number(r.median)])),
  };
}
