import { describe, it, expect } from 'vitest';
import { buildProblem, type BaseRow, type Problem, type ReleaseInProblem } from '../src/stats/releases/cube.ts';
import { productFamilies, productProblems } from '../src/stats/releases/products.ts';
import { baseRows, monthsAndQuarter, RULES, units } from './support/cubes.ts';
import { packRows } from '../src/stats/releases/packed-rows.ts';

// The ways a release's build avoids copies of its rows (issue 20's memory): a problem without the
// foresight releases' ids (`without`) is the problem of the rows with those ids taken out; a problem
// of cells alone (`targets: false`) has the same cells; product families built one at a time are the
// families built all at once.

/** What a problem is, as plain data: its base cells, every release's cells and its sensitive expressions. */
function shape(p: Problem) {
  return {
    bases: p.bases.map((b) => ({ province: b.province, category: b.category, sig: [...b.sig], total: b.total, units: [...b.units], owners: [...b.owners] })),
    cells: [...p.cells].map(([id, cells]) => [id, [...cells.values()].map((c) => ({ key: c.key, bases: [...c.bases] }))]),
    targets: p.targets.map((t) => ({ key: t.key, bases: t.bases, minus: t.minus, truth: t.truth, release: t.release, cell: t.cell, kind: t.kind, level: t.level, pair: t.pair })),
  };
}

/** The rows as the store keeps them (the copy proof-release.ts made before `without`). */
const copiedWithout = (rows: readonly BaseRow[], later: ReadonlySet<number>): BaseRow[] =>
  rows.map((r) => ({ ...r, sig: r.sig.filter((id) => !later.has(id)) })).filter((r) => r.sig.length > 0);

describe('building a release problem without copying its rows', () => {
  // Months 1–3 stored, the quarter (4) being built; a foresight year (9) counts every row, and one unit only in it.
  const rows = [...baseRows([...monthsAndQuarter(), ...monthsAndQuarter().map((c) => ({ ...c, release: 9 })), ...units(9, 50, 1, '23', '1071', 70, '1404-04')])];
  const releases: ReleaseInProblem[] = [
    { id: 1, months: 1, published: new Set(['IR|T', '23|T']), period: '1404-01' },
    { id: 2, months: 1, published: new Set(['IR|T']), period: '1404-02' },
    { id: 3, months: 1, published: new Set(['IR|T']), period: '1404-03' },
    { id: 4, months: 3, published: null, period: '1404-Q1' },
  ];
  const later = new Set([9]);

  it('a problem `without` the foresight releases is the problem of the rows with their ids taken out', () => {
    expect(rows.some((r) => r.sig.length === 1 && r.sig[0] === 9)).toBe(true); // a row only the foresight release counts
    const copied = buildProblem(copiedWithout(rows, later), releases, RULES);
    const lean = buildProblem(rows, releases, RULES, undefined, { without: later });
    expect(copied.targets.length).toBeGreaterThan(0);
    expect(shape(lean)).toEqual(shape(copied));
    // Without the option the foresight id stays in the signatures: the two problems differ.
    expect(shape(buildProblem(rows, releases, RULES)).bases).not.toEqual(shape(copied).bases);
  });

  it('a problem of cells alone has the same base cells and cells, and no expressions', () => {
    const withForesight = [...releases, { id: 9, months: 12, published: new Set<string>(), foresight: true, period: '1404' }];
    const full = shape(buildProblem(rows, withForesight, RULES));
    const cells = shape(buildProblem(rows, withForesight, RULES, undefined, { targets: false }));
    expect(full.targets.length).toBeGreaterThan(0);
    expect(cells).toEqual({ ...full, targets: [] });
  });

  it('product families built one at a time are the families built at once, `without` included', () => {
    const productRows: BaseRow[] = rows.map((r, i) => ({ ...r, category: `${i % 3 === 0 ? '1071' : '1072'}${i % 2}0001~${i % 2 ? 'kg' : 'l'}`, amounts: { quantity: BigInt(1000 * (i + 1)) } }));
    const families = productFamilies(packRows(productRows, ['quantity']), releases, RULES, { without: later });
    const atOnce = productProblems(copiedWithout(productRows, later), releases, RULES);
    const oneByOne = [...families.problems];
    expect(families.count).toBe(atOnce.length);
    expect(atOnce.length).toBeGreaterThan(1);
    expect(oneByOne.map(shape)).toEqual(atOnce.map(shape));
    expect([...families.problems]).toEqual([]); // built once: the iteration does not start again
  });
});
