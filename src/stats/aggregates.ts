import type { Knex } from 'knex';
import { db, num } from '../db.ts';
import { loadSettings } from '../settings.ts';
import { monthsBetween } from '../calendar.ts';
import { periodLabel } from '../views.ts';
import { persianDigits } from '../text.ts';
import { suppressGrid, type Grid, type Suppression, type DisclosureRules } from './suppression.ts';
import { DIMENSION_LABELS, MEASURE_LABELS, type AggregateQuery, type Dimension } from './forms.ts';

// DESIGN §7: national tables. The SQL groups per (row, column, unit) so that suppression knows
// every unit's share of every cell; totals are built from the same contributions. Those per-unit
// rows never leave this module: what it returns has suppressed values already replaced by null.
//
// Measures:
// - units: number of distinct units with a counted filing (with a product dimension: units that
//   produced the product, produced > 0).
// - quantity: quantity produced, only with "product" as a dimension (product = name + unit of
//   measure, so tonnes and litres are never added together). No totals run across products.
// - production_value, value_added: Rial sums. employees: the average of the monthly totals over
//   the months of the range (a unit's contribution is its sum of employees ÷ months); with
//   "period" as a dimension each cell is one month's total and totals across months are averages.

export const TOTAL_KEY = '_total';

export interface Header { key: string; label: string }

export interface AggregateCell {
  row: string;
  col: string;
  value: number | null; // null when suppressed or empty
  suppressed: Suppression;
  empty: boolean;
}

export interface AggregateTable {
  query: AggregateQuery;
  rowsLabel: string;
  colsLabel: string | null;
  measureLabel: string;
  rows: Header[]; // the totals row last when hasTotalRow
  cols: Header[]; // the totals column last when hasTotalCol; one column `value` when cols is null
  cells: AggregateCell[][];
  hasTotalRow: boolean;
  hasTotalCol: boolean;
  rules: DisclosureRules;
  states: string[];
}

const DIM_SQL: Record<Dimension, string> = {
  province: 'u.province_code',
  isic_section: 'ic.section',
  isic_division: 'left(u.isic_class, 2)',
  isic_group: 'left(u.isic_class, 3)',
  isic_class: 'u.isic_class',
  product: `p.name || ' (' || p.unit_of_measure || ')'`,
  period: 'f.period',
};

const MEASURE_SQL = {
  units: '1',
  quantity: 'fl.produced',
  production_value: 'f.production_value',
  value_added: 'f.value_added',
  employees: 'f.employees',
} as const;

interface ContributionRow { r: string; c: string; unit_id: number; v: number; uom: string | null }

/** Dimensions that are attributes of the unit: a unit falls in exactly one row (or column) of each. */
const UNIT_DIMS: ReadonlySet<Dimension> = new Set(['province', 'isic_section', 'isic_division', 'isic_group', 'isic_class']);

/**
 * One row per (row key, column key, unit): the unit's contribution to that cell. The filings are
 * summed per unit (and per month or product when those are dimensions) before the units are
 * joined for their province and ISIC codes: grouping by the unit id alone is the same grouping,
 * since a unit has one province and one class, and it is about half the work at 100k units.
 */
async function contributions(q: AggregateQuery, k: Knex): Promise<ContributionRow[]> {
  const dims = [q.rows, q.cols];
  const byProduct = dims.includes('product');
  const measure = MEASURE_SQL[q.measure];
  const inner = dims.filter((d): d is Dimension => d !== null && !UNIT_DIMS.has(d));
  const outerSql = (d: Dimension | null) => (d === null ? `'value'` : UNIT_DIMS.has(d) ? DIM_SQL[d] : `x.d${inner.indexOf(d)}`);
  const productJoin = byProduct ? 'join filing_lines fl on fl.filing_id = f.id join products p on p.id = fl.product_id' : '';
  const productFilter = byProduct ? 'and fl.produced > 0' : '';
  const states = q.includeUnverified ? ['verified', 'submitted'] : ['verified'];
  // With only unit dimensions a year of a national table sums ~750,000 filings into one row per
  // unit (100,000): with PostgreSQL's default work_mem (4 MB) that hash spills to disk, about half
  // the query's time. (With a month or product dimension the rows are per unit-month and a larger
  // work_mem made the plan slower, so those keep the default.)
  const run = <T>(fn: (c: Knex) => Promise<T>): Promise<T> => (inner.length > 0 ? fn(k) : k.transaction(async (trx) => {
    await trx.raw("set local work_mem = '32MB'");
    return fn(trx);
  }));
  const res = await run((c) => c.raw(
    `select ${outerSql(q.rows)} as r, ${outerSql(q.cols)} as c, x.unit_id, x.v, ${byProduct ? 'x.uom' : 'null'} as uom
       from (select f.unit_id${inner.map((d, i) => `, ${DIM_SQL[d]} as d${i}`).join('')}${byProduct ? ', p.unit_of_measure as uom' : ''}, sum(${measure}) as v
               from filings f ${productJoin}
              where f.period between :from and :to and f.state = any(:states) and ${measure} is not null ${productFilter}
              group by f.unit_id${inner.map((_, i) => `, d${i}`).join('')}${byProduct ? ', uom' : ''}) x
       join units u on u.id = x.unit_id
       ${dims.includes('isic_section') ? 'join isic_codes ic on ic.code = u.isic_class' : ''}`,
    { from: q.from, to: q.to, states },
  ));
  return (res.rows as Record<string, unknown>[]).map((x) => ({ r: String(x.r), c: String(x.c), unit_id: Number(x.unit_id), v: num(x.v), uom: x.uom === null ? null : String(x.uom) }));
}

export const OTHER_PRODUCTS = 'سایر محصولات';

/**
 * Product names are typed by the units: a product made by fewer than `minUnits` units in the whole
 * table would name its maker even with every figure suppressed. Such products are shown together,
 * per unit of measure (tonnes are never added to litres), as «سایر محصولات (تن)».
 */
export function mergeRareProducts(q: Pick<AggregateQuery, 'rows' | 'cols'>, rows: ContributionRow[], minUnits: number): ContributionRow[] {
  const axis = q.rows === 'product' ? 'r' : q.cols === 'product' ? 'c' : null;
  if (!axis) return rows;
  const makers = new Map<string, Set<number>>();
  for (const x of rows) {
    const set = makers.get(x[axis]) ?? new Set<number>();
    set.add(x.unit_id);
    makers.set(x[axis], set);
  }
  return rows.map((x) => ((makers.get(x[axis])?.size ?? 0) < minUnits ? { ...x, [axis]: `${OTHER_PRODUCTS} (${x.uom ?? '—'})` } : x));
}

async function labelsFor(dim: Dimension, keys: string[], k: Knex): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (dim === 'province') {
    for (const p of await k('provinces').whereIn('code', keys).select('code', 'name')) out.set(p.code, p.name);
  } else if (dim.startsWith('isic_')) {
    for (const i of await k('isic_codes').whereIn('code', keys).select('code', 'title_fa')) out.set(i.code, `${persianDigits(i.code)} — ${i.title_fa}`);
  } else if (dim === 'period') {
    for (const key of keys) out.set(key, periodLabel(key));
  }
  for (const key of keys) if (!out.has(key)) out.set(key, key);
  return out;
}

function sortKeys(dim: Dimension, keys: string[], labels: Map<string, string>): string[] {
  return dim === 'product' ? keys.sort((a, b) => (labels.get(a) ?? a).localeCompare(labels.get(b) ?? b, 'fa')) : keys.sort();
}

/** How per-unit amounts of several cells of a line combine into the unit's share of its total. */
function combiner(q: AggregateQuery, acrossPeriods: boolean, months: number): (amounts: number[]) => number {
  if (q.measure === 'units') return () => 1;
  if (q.measure === 'employees' && acrossPeriods) return (a) => a.reduce((s, x) => s + x, 0) / months;
  return (a) => a.reduce((s, x) => s + x, 0);
}

const round = (v: number) => Math.round(v * 1000) / 1000;

export async function buildAggregateTable(q: AggregateQuery, k: Knex = db()): Promise<AggregateTable> {
  const settings = await loadSettings(k);
  const rules: DisclosureRules = { minUnits: settings.get('suppression_min_units'), dominance: settings.get('suppression_dominance') };
  const months = monthsBetween(q.from, q.to) + 1;
  const raw = mergeRareProducts(q, await contributions(q, k), rules.minUnits);
  const periodDim = q.rows === 'period' || q.cols === 'period';
  // Employees over a range without a period dimension: the unit's monthly average.
  const scale = q.measure === 'employees' && !periodDim ? 1 / months : 1;

  const rowKeysRaw = [...new Set(raw.map((x) => x.r))];
  const colKeysRaw = [...new Set(raw.map((x) => x.c))];
  const rowLabels = await labelsFor(q.rows, rowKeysRaw, k);
  const colLabels = q.cols ? await labelsFor(q.cols, colKeysRaw, k) : new Map([['value', MEASURE_LABELS[q.measure]]]);
  const rowKeys = sortKeys(q.rows, rowKeysRaw, rowLabels);
  const colKeys = q.cols ? sortKeys(q.cols, colKeysRaw, colLabels) : ['value'];
  const rIndex = new Map(rowKeys.map((key, i) => [key, i]));
  const cIndex = new Map(colKeys.map((key, i) => [key, i]));

  // No total may add up different units of measure: quantities are totalled only within a product.
  const hasTotalRow = !(q.measure === 'quantity' && q.rows === 'product');
  const hasTotalCol = q.cols !== null && !(q.measure === 'quantity' && q.cols === 'product');
  const R = rowKeys.length + (hasTotalRow ? 1 : 0);
  const C = colKeys.length + (hasTotalCol ? 1 : 0);

  // Per cell: unit → list of amounts (inner cells have one amount per unit).
  const perUnit: Map<number, number[]>[][] = Array.from({ length: R }, () => Array.from({ length: C }, () => new Map()));
  const add = (r: number, c: number, unit: number, v: number) => {
    const m = perUnit[r][c];
    const list = m.get(unit);
    if (list) list.push(v); else m.set(unit, [v]);
  };
  for (const x of raw) {
    const r = rIndex.get(x.r)!;
    const c = cIndex.get(x.c)!;
    const v = x.v * scale;
    add(r, c, x.unit_id, v);
    if (hasTotalCol) add(r, C - 1, x.unit_id, v);
    if (hasTotalRow) add(R - 1, c, x.unit_id, v);
    if (hasTotalRow && hasTotalCol) add(R - 1, C - 1, x.unit_id, v);
  }
  const inner = combiner(q, false, months);
  const acrossCols = combiner(q, q.cols === 'period', months); // row totals run across the columns
  const acrossRows = combiner(q, q.rows === 'period', months);
  const grand = combiner(q, periodDim, months);
  const grid: Grid = {
    totalRow: hasTotalRow,
    totalCol: hasTotalCol,
    cells: perUnit.map((row, r) => row.map((m, c) => {
      const isTotalRow = hasTotalRow && r === R - 1;
      const isTotalCol = hasTotalCol && c === C - 1;
      const f = isTotalRow && isTotalCol ? grand : isTotalCol ? acrossCols : isTotalRow ? acrossRows : inner;
      const contributions = [...m.values()].map(f);
      return { contributions, value: contributions.reduce((s, x) => s + x, 0) };
    })),
  };
  const pattern = suppressGrid(grid, rules);

  const rows: Header[] = rowKeys.map((key) => ({ key, label: rowLabels.get(key) ?? key }));
  if (hasTotalRow) rows.push({ key: TOTAL_KEY, label: 'جمع کل' });
  const cols: Header[] = colKeys.map((key) => ({ key, label: colLabels.get(key) ?? key }));
  if (hasTotalCol) cols.push({ key: TOTAL_KEY, label: 'جمع' });
  const cells = grid.cells.map((row, r) => row.map((cell, c): AggregateCell => {
    const empty = cell.contributions.length === 0;
    const suppressed = pattern[r][c];
    return { row: rows[r].key, col: cols[c].key, value: suppressed || empty ? null : round(cell.value), suppressed, empty };
  }));
  return {
    query: q,
    rowsLabel: DIMENSION_LABELS[q.rows],
    colsLabel: q.cols ? DIMENSION_LABELS[q.cols] : null,
    measureLabel: MEASURE_LABELS[q.measure],
    rows, cols, cells, hasTotalRow, hasTotalCol, rules,
    states: q.includeUnverified ? ['verified', 'submitted'] : ['verified'],
  };
}

export const SUPPRESSION_LABELS = { primary: 'محرمانه (اولیه)', secondary: 'محرمانه (ثانویه)' } as const;

export function legendText(rules: DisclosureRules): string {
  return `× : محرمانه. خانه‌ای که کمتر از ${persianDigits(rules.minUnits)} واحد در آن سهم دارند یا سهم بزرگ‌ترین واحد آن بیش از ${persianDigits(Math.round(rules.dominance * 100))}٪ است (محرمانگی اولیه)، و خانه‌هایی که برای جلوگیری از محاسبه آن از روی جمع‌ها پنهان شده‌اند (محرمانگی ثانویه). — : بدون داده.`;
}

export function periodsText(q: AggregateQuery): string {
  return q.from === q.to ? periodLabel(q.from) : `${periodLabel(q.from)} تا ${periodLabel(q.to)}`;
}
