import { describe, it, expect } from 'vitest';
import { computeWarnings, median, type WarningContext } from '../src/filings/warnings.ts';
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
