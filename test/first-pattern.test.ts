import { describe, it, expect } from 'vitest';
import { buildProblem, type BaseRow, type ReleaseInProblem } from '../src/stats/releases/cube.ts';
import { inheritedSuppressions } from '../src/stats/releases/protect-job.ts';

// The inherited first pattern (issue 21): a quarter or year published after its parts starts from
// the cells the latest stored release of each part hides, which it could not publish without
// giving them away; never from a superseded release, another period or a foresight release.

const RULES = { minUnits: 3, dominance: 0.85, interval: 0.1 };
const BUILDING = 20;
const row = (unit: number, province: string, category: string): BaseRow => ({
  unit, province, category, sig: [11, 12, 13, 14, 15, BUILDING, 99],
  amounts: { production_value: 100n + BigInt(unit), intermediate_consumption: 40n, employees: 5n },
});
const rows = [row(1, '23', '1050'), row(2, '23', '1050'), row(3, '10', '1050'), row(4, '10', '2410'), row(5, '10', '2410')];
const keys = [...buildProblem(rows, [{ id: BUILDING, months: 3, published: null, period: '1404-Q1' }], RULES).cells.get(BUILDING)!.keys()];
const allBut = (...hidden: string[]) => new Set(keys.filter((k) => !hidden.includes(k)));

function problemWith(building: string): ReturnType<typeof buildProblem> {
  const releases: ReleaseInProblem[] = [
    { id: 11, months: 1, period: '1404-01', published: allBut('10|T') }, // Farvardin's preliminary, superseded by its final
    { id: 12, months: 1, period: '1404-01', published: allBut('23|T') }, // Farvardin's final
    { id: 13, months: 1, period: '1404-02', published: allBut('IR|C') },
    { id: 14, months: 1, period: '1404-04', published: allBut('10|C') }, // not a month of the first quarter
    { id: 15, months: 3, period: '1404-Q1', published: allBut('IR|24') }, // an earlier release of the quarter itself: the revision seed's
    { id: BUILDING, months: building === '1404' ? 12 : 3, period: building, published: null },
    { id: 99, months: 12, period: '1404', published: new Set(), foresight: true },
  ];
  return buildProblem(rows, releases, RULES);
}

describe('inheritedSuppressions', () => {
  it('a quarter inherits what the latest release of each of its months hides', () => {
    expect(keys).toEqual(expect.arrayContaining(['10|T', '23|T', 'IR|C', '10|C', 'IR|24']));
    expect([...inheritedSuppressions(problemWith('1404-Q1'), BUILDING)].sort()).toEqual(['23|T', 'IR|C']);
  });

  it('a year inherits from its months and its quarters', () => {
    expect([...inheritedSuppressions(problemWith('1404'), BUILDING)].sort()).toEqual(['10|C', '23|T', 'IR|24', 'IR|C']);
  });

  it('a month inherits nothing', () => {
    expect(inheritedSuppressions(problemWith('1404-03'), BUILDING).size).toBe(0);
  });
});
