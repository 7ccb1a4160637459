import { describe, expect, it } from 'vitest';
import { buildProblem, cellKey, NATIONAL } from '../src/stats/releases/cube.ts';
import { attack } from '../src/stats/releases/attack.ts';
import { aggregate, protectIndex } from '../src/production-index/compute.ts';
import { INDEX_SPACE, indexBaseRows, protectIndexCells, protectIndexInThread, type UnitTerm } from '../src/production-index/protection.ts';

// Issue 20 §4: the index's cells are protected and audited by the release engine (primary rule,
// protection LP, the LP attacker), no longer by "a family with one hidden cell hides its smallest
// sibling" — which hides the one sibling that protects least.

const RULES = { minUnits: 3, dominance: 0.85, interval: 0.1 };
const units = (first: number, isic: string, terms: number[], imputed = false): UnitTerm[] => terms.map((term, i) => ({ unit_id: first + i, isic_class: isic, term, imputed }));

// Group 103: class 1030 is one unit (weighted volume 100), 1031 three small units (5 in all),
// 1032 three units (50). Equal weights.
const ROWS = [...units(1, '1030', [1]), ...units(2, '1031', [0.02, 0.015, 0.015]), ...units(5, '1032', [0.2, 0.15, 0.15])];
const WEIGHTS = new Map([['1030', 100], ['1031', 100], ['1032', 100]]);
const COVERED = new Set(WEIGHTS.keys());

describe('the index under the release engine (DESIGN §7)', () => {
  it('the old family rule would hide the smallest sibling, which leaves the one-unit class inside its interval; the LP protection does not', async () => {
    const rows = indexBaseRows(ROWS, WEIGHTS, COVERED);
    const problem = buildProblem(rows, [{ id: 1, months: 1, published: null }], RULES, INDEX_SPACE);
    const all = [...problem.cells.get(1)!.keys()];
    // The family rule's pattern: 1030 (primary) and its smallest sibling 1031.
    const familyRule = new Set(all.filter((k) => k !== cellKey(NATIONAL, '1030') && k !== cellKey(NATIONAL, '1031')));
    const target = problem.targets.findIndex((t) => t.cell === cellKey(NATIONAL, '1030'));
    expect(target).toBeGreaterThanOrEqual(0);
    const exposed = await attack(problem, new Map([[1, familyRule]]));
    expect(exposed.insideTargets.has(target)).toBe(true);
    // By hand: 103 − 1032 = 1030 + 1031 = 105 (weighted), so 1030 ≤ 105 < 110.
    const iv = exposed.intervals.index_volume![target];
    expect(iv.hi / Number(problem.targets[target].truth.index_volume)).toBeCloseTo(1.05, 6);

    const p = await protectIndexCells({ rows, rules: RULES, headlineExtra: [] });
    expect(p.primary).toContain('1030');
    expect(p.suppressed).toContain('1030');
    expect(p.audit).toMatchObject({ exact: 0, inside: 0 });
    expect(p.audit.sensitive).toBeGreaterThan(0);
    const checked = await attack(problem, new Map([[1, new Set(p.published.map((n) => cellKey(NATIONAL, n)))]]));
    expect(checked.exposures).toEqual([]);
    // The national total is a headline cell: published.
    expect(p.published).toContain('T');
    // A national computation protects in a worker thread: the same answer.
    const threaded = await protectIndexInThread({ rows, rules: RULES, headlineExtra: [] });
    expect([...threaded.suppressed].sort()).toEqual([...p.suppressed].sort());
    expect(threaded.audit).toEqual(p.audit);
  });

  it('an imputed unit never counts as a contributor; its volume is spread over the respondents', async () => {
    const rows: UnitTerm[] = [...units(1, '1040', [1, 1]), ...units(3, '1040', [1], true)];
    const weights = new Map([['1040', 100]]);
    const covered = new Set(['1040']);
    const base = indexBaseRows(rows, weights, covered);
    expect(base.map((r) => r.unit).sort()).toEqual([1, 2]);
    expect(base.reduce((s, r) => s + Number(r.amounts.index_volume), 0)).toBeCloseTo(3e12, -1);
    const cells = aggregate(rows, weights, covered);
    await protectIndex(cells, rows, weights, covered, RULES, []);
    expect(cells.find((c) => c.node === '1040')).toMatchObject({ contributors: 2, primary: true, suppressed: true });
    const four = [...rows, ...units(4, '1040', [1])];
    const again = aggregate(four, weights, covered);
    await protectIndex(again, four, weights, covered, RULES, []);
    expect(again.find((c) => c.node === '1040')).toMatchObject({ contributors: 3, primary: false, suppressed: false });
  });

  it('two plants of one owner beside one other unit are two contributors, not three (issue 22)', async () => {
    const rows: UnitTerm[] = [
      { unit_id: 1, owner_id: 10, isic_class: '1040', term: 1, imputed: false },
      { unit_id: 2, owner_id: 10, isic_class: '1040', term: 1, imputed: false },
      { unit_id: 3, owner_id: 11, isic_class: '1040', term: 1, imputed: false },
    ];
    const weights = new Map([['1040', 100]]);
    const covered = new Set(['1040']);
    const cells = aggregate(rows, weights, covered);
    await protectIndex(cells, rows, weights, covered, RULES, []);
    expect(cells.find((c) => c.node === '1040')).toMatchObject({ contributors: 2, primary: true, suppressed: true });
    // Three owners pass.
    const three = rows.map((r, i) => ({ ...r, owner_id: 10 + i }));
    const again = aggregate(three, weights, covered);
    await protectIndex(again, three, weights, covered, RULES, []);
    expect(again.find((c) => c.node === '1040')).toMatchObject({ contributors: 3, primary: false, suppressed: false });
  });

  it('a class with no respondent is made of its units\' own earlier months: they are its contributors', () => {
    const rows = units(1, '1040', [1, 2], true);
    const base = indexBaseRows(rows, new Map([['1040', 1]]), new Set(['1040']));
    expect(base.map((r) => r.unit).sort()).toEqual([1, 2]);
    expect(aggregate(rows, new Map([['1040', 1]]), new Set(['1040'])).find((c) => c.node === '1040')!.contributors).toBe(2);
  });
});
