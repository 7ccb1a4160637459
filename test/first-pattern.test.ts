import { describe, it, expect } from 'vitest';
import { buildProblem, type BaseRow, type ReleaseInProblem } from '../src/stats/releases/cube.ts';
import { inheritedSuppressions } from '../src/stats/releases/protect-job.ts';
import { earlierWitnessDirections } from '../src/stats/releases/proof.ts';

// The first pattern of a release after its parts (issue 21): a quarter or year published after its
// months starts from the cells the latest stored release of each part hides, which it could not
// publish without giving them away (never from a superseded release, another period or a foresight
// release), and its audits try the stored proofs' witnesses of the linked releases before any LP.

const RULES = { minUnits: 3, dominance: 0.85, interval: 0.1 };
const BUILDING = 20;
const MONTHS = Array.from({ length: 12 }, (_, i) => `1404-${String(i + 1).padStart(2, '0')}`);
const monthId = (m: number) => 100 + m; // 1404-01 is release 101
const row = (unit: number, province: string, category: string): BaseRow => ({
  unit, province, category, sig: [11, ...MONTHS.map((_, i) => monthId(i + 1)), 15, BUILDING, 99],
  amounts: { production_value: 100n + BigInt(unit), intermediate_consumption: 40n, employees: 5n },
});
const rows = [row(1, '23', '1050'), row(2, '23', '1050'), row(3, '10', '1050'), row(4, '10', '2410'), row(5, '10', '2410')];
const keys = [...buildProblem(rows, [{ id: BUILDING, months: 3, published: null, period: '1404-Q1' }], RULES).cells.get(BUILDING)!.keys()];
const allBut = (...hidden: string[]) => new Set(keys.filter((k) => !hidden.includes(k)));
const HIDDEN_BY_MONTH: Record<number, string[]> = { 1: ['23|T'], 2: ['IR|C'], 4: ['10|C'] };

/** The release of `building` in a problem with the months `stored` (1-based) published, each hiding HIDDEN_BY_MONTH's cells. */
function problemWith(building: string, stored = [1, 2, 3]): ReturnType<typeof buildProblem> {
  const releases: ReleaseInProblem[] = [
    { id: 11, months: 1, period: '1404-01', published: allBut('10|T') }, // Farvardin's preliminary, superseded by its final (101)
    ...stored.map((m) => ({ id: monthId(m), months: 1, period: MONTHS[m - 1], published: allBut(...(HIDDEN_BY_MONTH[m] ?? [])) })),
    { id: 15, months: 3, period: '1404-Q1', published: allBut('IR|24') }, // an earlier release of the quarter itself: the revision seed's
    { id: BUILDING, months: building === '1404' ? 12 : 3, period: building, published: null },
    { id: 99, months: 12, period: '1404', published: new Set(), foresight: true },
  ];
  return buildProblem(rows, releases, RULES);
}

describe('inheritedSuppressions', () => {
  it('a quarter after its months inherits what the latest release of each hides, not a month of another quarter', () => {
    expect(keys).toEqual(expect.arrayContaining(['10|T', '23|T', 'IR|C', '10|C', 'IR|24']));
    expect([...inheritedSuppressions(problemWith('1404-Q1', [1, 2, 3, 4]), BUILDING)].sort()).toEqual(['23|T', 'IR|C']);
  });

  it('a year after its months inherits from its months and its quarters', () => {
    const all = MONTHS.map((_, i) => i + 1);
    expect([...inheritedSuppressions(problemWith('1404', all), BUILDING)].sort()).toEqual(['10|C', '23|T', 'IR|24', 'IR|C']);
  });

  it('nothing while one of its months is still to come, and nothing for a month', () => {
    expect(inheritedSuppressions(problemWith('1404-Q1', [1, 2]), BUILDING).size).toBe(0);
    expect(inheritedSuppressions(problemWith('1404', [1, 2, 3, 4]), BUILDING).size).toBe(0);
    expect(inheritedSuppressions(problemWith('1404-03'), BUILDING).size).toBe(0);
  });
});

describe('earlierWitnessDirections', () => {
  const at = (unit: number, province: string, sig: number[]): BaseRow => ({ unit, province, category: '1050', sig, amounts: { production_value: 100n, intermediate_consumption: 40n, employees: 5n } });
  const problemOf = (rows: BaseRow[]) => buildProblem(rows, [
    { id: 1, months: 1, period: '1404-01', published: new Set(['IR|T']) },
    { id: 2, months: 1, period: '1404-01', published: new Set(['IR|T']) },
    { id: BUILDING, months: 3, period: '1404-Q1', published: null },
  ], RULES);
  const base = (p: ReturnType<typeof buildProblem>, province: string, sig: number[]) => p.bases.find((b) => b.province === province && b.sig.join(',') === sig.join(','))!.index;
  // Release 1 was built first (alone), release 2 with release 1 linked: each stored itself as 0.
  const proofOf1 = { keys: ['23|1050|0', '10|1050|0', '11|1050|0'], witnesses: [{ b: [0, 1], s: ['3', '-3'] }, { b: [0, 2], s: ['1', '-1'] }] };
  const proofOf2 = { keys: ['23|1050|0,1', '10|1050|0,1'], witnesses: [{ b: [1, 0], s: ['2', '-2'] }] };

  it('maps each stored cell to the cell of the problem with its signature among the releases it knew', () => {
    const p = problemOf([at(1, '23', [1, 2, BUILDING]), at(2, '10', [1, 2, BUILDING])]);
    const { directions, dropped } = earlierWitnessDirections(p, [{ release: 1, linked: [], proof: proofOf1 }, { release: 2, linked: [1], proof: proofOf2 }]);
    const [b23, b10] = [base(p, '23', [1, 2, BUILDING]), base(p, '10', [1, 2, BUILDING])];
    expect(directions).toEqual([{ bases: [b23, b10], steps: [3, -3] }, { bases: [b10, b23], steps: [2, -2] }]);
    expect(dropped).toBe(1); // the witness that moved a cell of province 11, which this problem lacks
  });

  it('leaves out a witness on a cell a later release split in two', () => {
    // Unit 3 was counted by release 1 but not by the quarter: release 1's cell of province 23 is now two.
    const p = problemOf([at(1, '23', [1, 2, BUILDING]), at(2, '10', [1, 2, BUILDING]), at(3, '23', [1])]);
    const { directions, dropped } = earlierWitnessDirections(p, [{ release: 1, linked: [], proof: proofOf1 }]);
    expect(directions).toEqual([]);
    expect(dropped).toBe(2);
  });
});
