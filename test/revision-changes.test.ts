import { describe, it, expect } from 'vitest';
import { buildProblem } from '../src/stats/releases/cube.ts';
import { baseRows, units, RULES, type Contribution } from './support/cubes.ts';

// A revision that changes nothing in a cell carries no change of it (cube.ts changesOf): the sums
// of a cell's changes across months keep the release that made them. Labelled with the revision,
// such a sum was a change "this revision carries", which protect.ts leaves to the next revision:
// the national 1404-01 revised after its quarter was refused (session 15).

describe('the changes a revision carries', () => {
  it('a revision with the final\'s figures: the sum of the months\' changes stays the finals\', and a correction in the revision is the revision\'s', () => {
    // One cell (23, 1071): three units file on time in Farvardin and Ordibehesht; a fourth files
    // late in each month, after the preliminary. Release 1: Farvardin preliminary; 2: its final;
    // 3: Ordibehesht preliminary; 4: its final; 0 (being built): Farvardin revised, the same figures.
    const c: Contribution[] = [];
    const month = (prelim: number, final: number, period: string, late: number, also: number[] = []) => {
      for (const r of [prelim, final, ...also]) c.push(...units(r, 1, 3, '23', '1071', 100, period));
      for (const r of [final, ...also]) c.push(...units(r, late, 1, '23', '1071', 7, period));
    };
    month(1, 2, '1404-01', 10, [0]);
    month(3, 4, '1404-02', 11);
    const releases = [
      { id: 1, months: 1, published: new Set(['23|1071']), period: '1404-01' },
      { id: 2, months: 1, published: new Set<string>(), period: '1404-01' },
      { id: 3, months: 1, published: new Set(['23|1071']), period: '1404-02' },
      { id: 4, months: 1, published: new Set<string>(), period: '1404-02' },
      { id: 0, months: 1, published: null, period: '1404-01' },
    ];
    // The sum of the two months' late filings (every cell of the hierarchy has the same one: one target).
    const sumOfChanges = (problem: ReturnType<typeof buildProblem>) => problem.targets.filter((t) => t.kind === 'change' && t.bases.length === 2);
    const same = buildProblem(baseRows(c), releases, RULES);
    expect(sumOfChanges(same).map((t) => t.release)).toEqual([4]);
    // The revision corrects the late unit's Farvardin figure: the change and the sums it enters are its own.
    const corrected = c.map((x) => (x.release === 0 && x.unit === 10 ? { ...x, pv: 9 } : x));
    const changed = buildProblem(baseRows(corrected), releases, RULES);
    expect(changed.targets.some((t) => t.kind === 'change' && t.release === 0)).toBe(true);
  });
});
