import { describe, it, expect } from 'vitest';
import { computeWarnings, median, employeePeersOf, warningContextOf, type WarningContext, type PeerRow, type HistoryRow } from '../src/filings/warnings.ts';
import { hbFit, hbRange, hbDistance } from '../src/filings/hidiroglou-berthelot.ts';
import type { FilingInput } from '../src/filings/forms.ts';

const ctx = (over: Partial<WarningContext> = {}): WarningContext => ({
  products: [{ id: 1, name: 'آهن', unit_of_measure: 'تن', annual_capacity: 1200 }, { id: 2, name: 'مس', unit_of_measure: 'کیلوگرم', annual_capacity: 0 }],
  capacityFactor: 1.5,
  medianFactor: 3,
  productionValues: [],
  produced: new Map(),
  stock: new Map(),
  ...over,
});

const input = (lines: [number, number | null, number | null][], pv: number | null = 1000): FilingInput => ({
  employees: 1, production_value: pv, intermediate_consumption: 0,
  lines: lines.map(([product_id, produced, sold]) => ({ product_id, produced, sold, sales_value: 0 })),
});

const codes = (i: FilingInput, c: WarningContext) => computeWarnings(i, c).map((w) => `${w.code}:${w.field}`);

describe('plausibility warnings (DESIGN §5)', () => {
  it('capacity: above factor × annual ÷ 12 only; a product without capacity never warns', () => {
    expect(codes(input([[1, 150, 0]]), ctx())).toEqual([]);
    expect(codes(input([[1, 150.001, 0]]), ctx())).toEqual(['over_capacity:lines.0.produced']);
    expect(codes(input([[2, 1e9, 0]]), ctx())).toEqual([]);
    expect(codes(input([[1, 120, 0]]), ctx({ capacityFactor: 1.1 }))).toEqual(['over_capacity:lines.0.produced']);
  });

  it('median: above factor ×, below 1/factor, silent with fewer than 3 periods of history or a zero median', () => {
    const hist = ctx({ productionValues: [100, 200, 300], produced: new Map([[1, [10, 10, 90]]]) });
    expect(codes(input([[1, 30, 0]], 600), hist)).toEqual([]);
    expect(codes(input([[1, 31, 0]], 601), hist)).toEqual(['above_median:lines.0.produced', 'above_median:production_value']);
    expect(codes(input([[1, 3, 0]], 66), hist)).toEqual(['below_median:lines.0.produced', 'below_median:production_value']);
    expect(codes(input([[1, 31, 0]], 601), ctx({ productionValues: [100, 200], produced: new Map([[1, [10, 10]]]) }))).toEqual([]);
    expect(codes(input([[1, 31, 0]], 601), ctx({ productionValues: [0, 0, 0], produced: new Map([[1, [0, 0, 0]]]) }))).toEqual([]);
  });

  it('sold more than produced plus stock', () => {
    expect(codes(input([[1, 10, 15]]), ctx({ stock: new Map([[1, 5]]) }))).toEqual([]);
    expect(codes(input([[1, 10, 15.5]]), ctx({ stock: new Map([[1, 5]]) }))).toEqual(['sold_over_stock:lines.0.sold']);
    expect(codes(input([[1, 10, 11]]), ctx())).toEqual(['sold_over_stock:lines.0.sold']);
    expect(codes(input([[1, null, 11]]), ctx())).toEqual([]);
  });

  it('median of odd and even lists', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('messages are Persian with Persian digits', () => {
    const [w] = computeWarnings(input([[1, 200, 0]]), ctx());
    expect(w.message).toContain('«آهن»');
    expect(w.message).toContain('۲۰۰');
  });
});

describe('issue 24 checks: employees, value added, prices', () => {
  const emp = (employees: number, over: Partial<WarningContext>) => computeWarnings({ ...input([]), employees }, ctx(over));

  it('employees against the unit\'s own 12 months: 1,550, 120 and 105 in a unit of 159–170 warn; 150 and 190 do not', () => {
    const employees = [159, 162, 165, 165, 166, 168, 170, 164];
    for (const e of [1550, 120, 105]) expect(emp(e, { employees }).map((w) => w.code)).toEqual(['employees_history']);
    for (const e of [150, 165, 190]) expect(emp(e, { employees })).toEqual([]);
    // Too little history says nothing; a small unit is allowed ± 2 people.
    expect(emp(1550, { employees: [160, 161] })).toEqual([]);
    expect(emp(5, { employees: [3, 3, 3] })).toEqual([]);
    expect(emp(6, { employees: [3, 3, 3] }).map((w) => w.code)).toEqual(['employees_history']);
  });

  it('the employees message names the figure and the accepted range in Persian', () => {
    const [w] = emp(1550, { employees: [159, 162, 165, 165, 166, 168, 170, 164] });
    expect(w.field).toBe('employees');
    expect(w.message).toContain('۱٬۵۵۰ نفر');
    expect(w.message).toMatch(/بازه پذیرفتنی ۱۳۲ تا ۱۹۸ نفر/);
  });

  it('employees against the class\'s changes (Hidiroglou–Berthelot): a tenfold jump warns, a peer-like change does not', () => {
    const peers = [[100, 98], [52, 50], [300, 301], [20, 20], [75, 70], [160, 165], [41, 40]] as [number, number][];
    const fit = hbFit(peers)!;
    const employeePeers = { fit, scope: 'province' as const };
    expect(emp(1650, { previousEmployees: 165, employeePeers }).map((w) => w.code)).toEqual(['employees_peers']);
    expect(emp(168, { previousEmployees: 165, employeePeers })).toEqual([]);
    const [w] = emp(1650, { previousEmployees: 165, employeePeers });
    expect(w.message).toContain('هم‌رشته استان');
    const [lo, hi] = hbRange(fit, 165);
    expect(lo).toBeLessThan(165);
    expect(hi).toBeGreaterThan(165);
    expect(hi).toBeLessThan(1650);
    // The range is where the distance crosses 1.
    expect(hbDistance(fit, hi * 1.001, 165)).toBeGreaterThan(1);
    expect(hbDistance(fit, hi * 0.999, 165)).toBeLessThan(1);
  });

  it('the class peers: the province\'s when five filed both months, else the nation\'s, else none', () => {
    const row = (same: boolean, c: number, p: number): PeerRow => ({ same_province: same, current: c, previous: p });
    const five = [10, 20, 30, 40, 50].map((x) => row(true, x, x));
    expect(employeePeersOf(five)?.scope).toBe('province');
    expect(employeePeersOf([...five.slice(1), row(false, 9, 9)])?.scope).toBe('nation');
    expect(employeePeersOf(five.slice(1))).toBeNull();
  });

  it('value added below zero: intermediate consumption above production value', () => {
    const va = (pv: number, ic: number) => computeWarnings({ ...input([], pv), intermediate_consumption: ic }, ctx());
    expect(va(1000, 1000)).toEqual([]);
    const [w] = va(1000, 1001);
    expect(w).toMatchObject({ code: 'negative_value_added', field: 'intermediate_consumption' });
    expect(w.message).toContain('−۱');
  });

  it('price against the unit\'s own months and the same code at other units', () => {
    const line = (sold: number, value: number): FilingInput => ({ ...input([]), lines: [{ product_id: 1, produced: sold, sold, sales_value: value }] });
    const prices = new Map([[1, [1000, 1100, 1200]]]);
    expect(computeWarnings(line(10, 11_000), ctx({ prices }))).toEqual([]);
    const [hundred] = computeWarnings(line(10, 1_100_000), ctx({ prices }));
    expect(hundred).toMatchObject({ code: 'price_history', field: 'lines.0.sales_value' });
    expect(hundred.message).toContain('۱۱۰٬۰۰۰ ریال');
    expect(hundred.message).toMatch(/بازه پذیرفتنی ۳۶۷ تا ۳٬۳۰۰ ریال/);
    expect(computeWarnings(line(10, 3_000), ctx({ prices })).map((w) => w.code)).toEqual(['price_history']);
    const classPrices = new Map([[1, 1000]]);
    expect(computeWarnings(line(10, 49_000), ctx({ classPrices }))).toEqual([]);
    expect(computeWarnings(line(10, 51_000), ctx({ classPrices })).map((w) => w.code)).toEqual(['price_class']);
    // Nothing sold: no price.
    expect(computeWarnings({ ...input([]), lines: [{ product_id: 1, produced: 0, sold: 0, sales_value: 0 }] }, ctx({ prices, classPrices }))).toEqual([]);
  });

  it('the history rows give the context: employees of the 12 months, last month\'s, prices per product', () => {
    const rows = [
      { id: 1, period: '1404-01', production_value: 1, employees: 10, product_id: 1, produced: 5, sold: 4, sales_value: 400 },
      { id: 2, period: '1404-06', production_value: 1, employees: 11, product_id: 1, produced: 5, sold: 5, sales_value: 600 },
      { id: 3, period: '1403-05', production_value: 1, employees: 99, product_id: 1, produced: 5, sold: 5, sales_value: 9000 },
    ] as HistoryRow[];
    const c = warningContextOf(rows, '1404-07', { capacityFactor: 1.5, medianFactor: 3 }, []);
    expect(c.employees).toEqual([10, 11]);
    expect(c.previousEmployees).toBe(11);
    expect(c.prices?.get(1)).toEqual([100, 120]);
  });
});
