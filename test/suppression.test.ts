import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { suppressGrid, isPrimaryConfidential, recoverableLines, type Grid, type Suppression } from '../src/stats/suppression.ts';

// DESIGN §7 disclosure control, on pure tables: crafted patterns and a property over random tables.

const RULES = { minUnits: 3, dominance: 0.85 };
type Inner = [unit: string, value: number][][][]; // rows × cols × contributions

/** A grid with totals built from per-unit sums of each line, as the aggregates module does. */
function gridFrom(inner: Inner, opts: { totalRow?: boolean; totalCol?: boolean } = {}): Grid {
  const totalRow = opts.totalRow ?? true;
  const totalCol = opts.totalCol ?? true;
  const R = inner.length + (totalRow ? 1 : 0);
  const C = inner[0].length + (totalCol ? 1 : 0);
  const maps: Map<string, number>[][] = Array.from({ length: R }, () => Array.from({ length: C }, () => new Map()));
  const add = (r: number, c: number, u: string, v: number) => maps[r][c].set(u, (maps[r][c].get(u) ?? 0) + v);
  inner.forEach((row, r) => row.forEach((cell, c) => {
    for (const [u, v] of cell) {
      add(r, c, u, v);
      if (totalCol) add(r, C - 1, u, v);
      if (totalRow) add(R - 1, c, u, v);
      if (totalRow && totalCol) add(R - 1, C - 1, u, v);
    }
  }));
  return {
    totalRow,
    totalCol,
    cells: maps.map((row) => row.map((m) => {
      const contributions = [...m.values()];
      return { contributions, value: contributions.reduce((s, x) => s + x, 0) };
    })),
  };
}

/** n distinct units of `value` each, named after the cell so cells share no unit. */
const even = (tag: string, n: number, value: number): [string, number][] => Array.from({ length: n }, (_, i) => [`${tag}${i}`, value]);

function marks(p: Suppression[][]): string[] {
  const out: string[] = [];
  p.forEach((row, r) => row.forEach((s, c) => { if (s) out.push(`${r},${c}:${s}`); }));
  return out.sort();
}

describe('primary suppression', () => {
  it('fewer than 3 contributors is confidential; 3 equal contributors are not', () => {
    expect(isPrimaryConfidential([5], RULES)).toBe(true);
    expect(isPrimaryConfidential([5, 5], RULES)).toBe(true);
    expect(isPrimaryConfidential([5, 5, 5], RULES)).toBe(false);
  });

  it('the largest contributor above 85 % is dominant; exactly 85 % is not', () => {
    expect(isPrimaryConfidential([90, 5, 5], RULES)).toBe(true);
    expect(isPrimaryConfidential([85, 10, 5], RULES)).toBe(false);
    expect(isPrimaryConfidential([80, 10, 10], RULES)).toBe(false);
  });

  it('dominance uses absolute contributions (value added can be negative)', () => {
    expect(isPrimaryConfidential([-90, 5, 5], RULES)).toBe(true);
    expect(isPrimaryConfidential([-40, 30, 30], RULES)).toBe(false);
  });

  it('a cell of zeros has no dominant unit; an empty cell is not confidential', () => {
    expect(isPrimaryConfidential([0, 0, 0], RULES)).toBe(false);
    expect(isPrimaryConfidential([], RULES)).toBe(false);
  });

  it('follows the thresholds it is given', () => {
    expect(isPrimaryConfidential([5], { minUnits: 1, dominance: 1 })).toBe(false);
    expect(isPrimaryConfidential([90, 5, 5], { minUnits: 1, dominance: 1 })).toBe(false);
    expect(isPrimaryConfidential([5, 5, 5], { minUnits: 4, dominance: 1 })).toBe(true);
  });
});

describe('secondary suppression: crafted tables', () => {
  it('3×3 with one small cell: protects it in its row and column with the smallest cells', () => {
    const grid = gridFrom([
      [even('a', 1, 5), even('b', 4, 10), even('c', 3, 20)],
      [even('d', 3, 10), even('e', 4, 5), even('f', 3, 30)],
      [even('g', 3, 30), even('h', 3, 15), even('i', 3, 10)],
    ]);
    const p = suppressGrid(grid, RULES);
    expect(marks(p)).toEqual(['0,0:primary', '0,1:secondary', '1,0:secondary', '1,1:secondary']);
    expect(recoverableLines(grid, p)).toEqual([]);
  });

  it('no suppression when every cell is safe', () => {
    const grid = gridFrom([[even('a', 3, 1), even('b', 3, 2)], [even('c', 3, 3), even('d', 4, 1)]]);
    expect(marks(suppressGrid(grid, RULES))).toEqual([]);
  });

  it('a total that fails the primary rule is suppressed and takes part in the totals equations', () => {
    // Row 0: unit B and C cancel out across the row, so A dominates the row total only.
    const grid = gridFrom([
      [[['A', 100], ['B', 100], ['C', 100]], [['B', -99], ['C', -99], ['D', 10]]],
      [even('e', 3, 10), even('h', 3, 10)],
    ]);
    expect(isPrimaryConfidential(grid.cells[0][2].contributions, RULES)).toBe(true);
    const p = suppressGrid(grid, RULES);
    // Row 0: the total alone → (0,1) (|−188| < 300); column 1 → (1,1); row 1 → (1,0);
    // column 0 → (0,0); the totals column → (1,2).
    expect(marks(p)).toEqual(['0,0:secondary', '0,1:secondary', '0,2:primary', '1,0:secondary', '1,1:secondary', '1,2:secondary']);
    expect(recoverableLines(grid, p)).toEqual([]);
  });

  it('a one-column table (no column dimension): the column equation with the grand total', () => {
    const grid = gridFrom([[even('a', 2, 50)], [even('b', 3, 40)], [even('c', 3, 10)]], { totalCol: false });
    const p = suppressGrid(grid, RULES);
    expect(marks(p)).toEqual(['0,0:primary', '2,0:secondary']);
  });

  it('when only empty cells remain beside the suppressed one, the total is suppressed', () => {
    const grid = gridFrom([
      [even('a', 3, 10), []],
      [even('b', 1, 7), even('c', 3, 10)],
      [even('d', 3, 100), even('e', 3, 10)],
    ]);
    const p = suppressGrid(grid, RULES);
    // Column 0 protects (1,0) with (0,0); row 0 is then [×, empty | total]: only the total is left.
    expect(p[1][0]).toBe('primary');
    expect(p[0][0]).toBe('secondary');
    expect(p[0][1]).toBeNull();
    expect(p[0][2]).toBe('secondary');
    expect(recoverableLines(grid, p)).toEqual([]);
  });

  it('a table without a totals column has no row equations', () => {
    const grid = gridFrom([[even('a', 1, 5), even('b', 3, 5)], [even('c', 3, 5), even('d', 3, 5)]], { totalCol: false });
    const p = suppressGrid(grid, RULES);
    expect(marks(p)).toEqual(['0,0:primary', '1,0:secondary']);
  });
});

describe('secondary suppression: property over random tables', () => {
  const contribution = fc.tuple(fc.integer({ min: 0, max: 11 }), fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: -200, max: 500 }), fc.constant(1)));
  const table = fc.integer({ min: 1, max: 6 }).chain((rows) => fc.integer({ min: 1, max: 6 }).chain((cols) => fc.record({
    inner: fc.array(fc.array(fc.array(contribution, { maxLength: 6 }), { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows }),
    totalCol: fc.boolean(),
    totalRow: fc.boolean(),
  })));

  it('no row or column (totals included) has exactly one suppressed cell; nothing published breaks the primary rule', () => {
    fc.assert(fc.property(table, ({ inner, totalCol, totalRow }) => {
      // Units are shared across cells (12 of them), so totals sum several cells per unit.
      const grid = gridFrom(inner.map((row) => row.map((cell) => cell.map(([u, v]) => [`u${u}`, v] as [string, number]))), { totalCol, totalRow });
      const p = suppressGrid(grid, RULES);
      expect(recoverableLines(grid, p)).toEqual([]);
      const R = grid.cells.length;
      const C = grid.cells[0].length;
      for (let r = 0; r < R; r++) {
        if (totalCol && C > 1) expect(p[r].filter(Boolean).length).not.toBe(1);
        for (let c = 0; c < C; c++) {
          const cell = grid.cells[r][c];
          if (p[r][c] === null && cell.contributions.length > 0) {
            expect(cell.contributions.length).toBeGreaterThanOrEqual(3);
            const abs = cell.contributions.map(Math.abs);
            const sum = abs.reduce((s, x) => s + x, 0);
            expect(Math.max(...abs)).toBeLessThanOrEqual(0.85 * sum + 1e-9);
          }
          expect(p[r][c] === 'primary').toBe(isPrimaryConfidential(cell.contributions, RULES));
          if (cell.contributions.length === 0) expect(p[r][c]).toBeNull();
        }
      }
      if (totalRow && R > 1) for (let c = 0; c < C; c++) expect(p.filter((row) => row[c] !== null).length).not.toBe(1);
    }), { numRuns: 1500 });
  });
});
