import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { buildProblem, cellKey, NATIONAL } from '../src/stats/releases/cube.ts';
import { attack, Attacker, highs, type Direction } from '../src/stats/releases/attack.ts';
import { protectRelease } from '../src/stats/releases/protect.ts';
import { baseRows, monthsAndQuarter, publishInOrder, units, RULES, type Contribution } from './support/cubes.ts';
import { bruteForce } from './support/brute-force.ts';

// DESIGN §7 on crafted cubes: each hole the outside audit found, closed; every pattern checked by
// the LP attacker and, on small tables, by a brute force over integer tables.

const P1 = '23';
const P2 = '10';
const P3 = '08';
const P4 = '05';

const keysOf = (s: Iterable<string>) => [...s].sort();

/** Two provinces × three classes, the first province's first two classes each one unit alone. */
const twoByThree = (): Contribution[] => [
  ...units(1, 1, 1, P1, '1071', 5), ...units(1, 2, 1, P1, '1072', 4), ...units(1, 3, 3, P1, '1073', 3),
  ...units(1, 10, 3, P2, '1071', 2), ...units(1, 20, 3, P2, '1072', 2), ...units(1, 30, 3, P2, '1073', 3),
];

describe('secondary suppression by linear programming (DESIGN §7)', () => {
  it('a 2×3 table with two sensitive cells in one row loses exactly two more cells, the rectangle that protects them', async () => {
    const c = twoByThree();
    const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
    const p = await protectRelease(problem, 1);
    expect(keysOf(p.primary)).toEqual([cellKey(P1, '1071'), cellKey(P1, '1072')]);
    expect(keysOf(p.secondary)).toEqual([cellKey(P2, '1071'), cellKey(P2, '1072')]);
    expect(p.audit.exposures).toEqual([]);
    expect(p.audit.exact).toBe(0);
    // The brute force over integer tables agrees with the LP attacker on every sensitive cell.
    const pattern = new Map([[1, p.published]]);
    for (const m of ['production_value', 'employees'] as const) {
      const brute = bruteForce(problem, pattern, m, undefined, 60);
      brute.forEach((b, i) => {
        expect(b.lo).toBeCloseTo(p.audit.intervals[m]![i].lo, 6);
        expect(b.hi).toBeCloseTo(p.audit.intervals[m]![i].hi, 6);
      });
    }
  });

  it('repair moves shift a few base cells, not every hidden one', async () => {
    // A national-like month in miniature: 31 provinces × 14 classes in four sections, 0 to 6 units a
    // cell with skewed values, so that most cells are hidden and many exposures need a repair move.
    let x = 3 * 2654435761 % 4294967296;
    const rand = () => { x = (x * 1664525 + 1013904223) % 4294967296; return x / 4294967296; };
    const provinces = Array.from({ length: 31 }, (_, i) => String(i + 1).padStart(2, '0'));
    const classes = ['1050', '1071', '1072', '1073', '1079', '2410', '2420', '2431', '0710', '0810', '1311', '1312', '2011', '2012'];
    const c: Contribution[] = [];
    let u = 1;
    for (const province of provinces) for (const cls of classes) {
      const n = [0, 0, 1, 1, 2, 3, 4, 6][Math.floor(rand() * 8)];
      for (let k = 0; k < n; k++) c.push({ release: 1, unit: u++, month: '1404-01', province, cls, pv: Math.round(1000 * Math.exp(3 * rand())) });
    }
    const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
    const p = await protectRelease(problem, 1);
    expect(p.audit.exposures).toEqual([]);
    const hidden = new Set<number>();
    for (const [key, cell] of problem.cells.get(1)!) if (!p.published.has(key)) for (const b of cell.bases) hidden.add(b);
    const sizes = p.moves.map((m) => m.bases.length).sort((a, b) => a - b);
    expect(sizes.length).toBeGreaterThan(20);
    // 239 hidden base cells; the median move shifts 6 of them. With a base cell's move one column from
    // −value up, the simplex left what it did not need at that bound (the cell at zero): median 16, and in
    // a month at 3,000 units about half of all base cells in every move.
    expect(sizes[sizes.length >> 1]).toBeLessThanOrEqual(hidden.size / 20);
  });

  it('the audit tries a move first when it keeps every published cell to the LP\'s row tolerance, not when it moves one', async () => {
    const c = twoByThree();
    const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
    const p = await protectRelease(problem, 1);
    const cells = problem.cells.get(1)!;
    const base = (province: string, cls: string) => cells.get(cellKey(province, cls))!.bases[0];
    // The hidden rectangle, +length −length / −length +length (scaled units), one corner off by `error`.
    const rectangle = (length: number, error: number): Direction => ({ bases: [base(P1, '1071'), base(P1, '1072'), base(P2, '1071'), base(P2, '1072')], steps: [length, -length, -length, length + error] });
    const kept = async (d: Direction) => {
      const attacker = new Attacker(await highs(), problem);
      try {
        return (await attacker.run(new Map([[1, p.published]]), problem.measures, { directions: [d] })).directionsKept;
      } finally {
        attacker.dispose();
      }
    };
    expect(await kept(rectangle(1, 0))).toBe(1);
    // A repair LP holds its rows to 1e-7: 1e-9 of the amounts moved (4e-9 here) alone refused such a move.
    expect(await kept(rectangle(1, 5e-8))).toBe(1);
    expect(await kept(rectangle(1, 1e-3))).toBe(0);
    // The tolerance scales with the move: the same rectangle a million times shorter, off by 5e-8, is not kept.
    expect(await kept(rectangle(1e-6, 5e-8))).toBe(0);
  });

  it('protection reports its progress exposure by exposure, never backwards, and ends at 1', async () => {
    const c = twoByThree();
    const shares: number[] = [];
    const p = await protectRelease(buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES), 1, { progress: (share) => shares.push(share) });
    expect(p.secondary.size).toBeGreaterThan(0);
    expect(shares.at(-1)).toBe(1);
    expect(shares.slice(1).every((x, i) => x >= shares[i])).toBe(true);
    // One report for each exposure the repair settles (a measure's whole list gave one report before).
    expect(shares.filter((x) => x < 0.9).length).toBeGreaterThanOrEqual(4);
  });

  it('a bridge pattern passes "no line with exactly one suppressed cell" yet gives the bridge cell away; the audit says so and protection does not stop there', async () => {
    // 4 provinces × 4 classes; two suppressed rectangles joined by one cell (P2, 1073), which is sensitive.
    const provinces = [P1, P2, P3, P4];
    const classes = ['1071', '1072', '1073', '1074'];
    const c: Contribution[] = [];
    let u = 1;
    for (const p of provinces) for (const cls of classes) {
      const sensitive = p === P2 && cls === '1073';
      c.push(...units(1, u, sensitive ? 1 : 3, p, cls, 10));
      u += 3;
    }
    const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
    const bridge = [[P1, '1071'], [P1, '1072'], [P2, '1071'], [P2, '1072'], [P3, '1073'], [P3, '1074'], [P4, '1073'], [P4, '1074'], [P2, '1073']].map(([p, cls]) => cellKey(p, cls));
    const everyCell = [...problem.cells.get(1)!.keys()];
    const bridgePattern = new Map([[1, new Set(everyCell.filter((k) => !bridge.includes(k)))]]);
    // Every province row and every class column holds 0 or at least 2 suppressed cells …
    for (const p of provinces) expect(bridge.filter((k) => k.startsWith(`${p}|`)).length).not.toBe(1);
    for (const cls of classes) expect(bridge.filter((k) => k.endsWith(`|${cls}`)).length).not.toBe(1);
    // … and still the attacker recovers the bridge cell exactly.
    const audit = await attack(problem, bridgePattern);
    const t = problem.targets.findIndex((x) => x.cell === cellKey(P2, '1073'));
    const iv = audit.intervals.production_value![t];
    expect(iv.hi - iv.lo).toBeCloseTo(0, 6);
    expect(audit.exact).toBeGreaterThan(0);
    const p = await protectRelease(problem, 1);
    expect(p.audit.exposures).toEqual([]);
    expect(p.published.has(cellKey(P2, '1073'))).toBe(false);
  });

  it('month differencing through a quarter: a quarter published after its months cannot give away one month of a unit', async () => {
    const c = monthsAndQuarter(); // unit 1 alone in (P1, 1071) in Farvardin; the quarter counts all three months
    // Published naively (primary suppression only), the quarter minus its months is unit 1's Farvardin figure.
    const { published } = await publishInOrder(c, [{ id: 1, months: 1 }, { id: 2, months: 1 }, { id: 3, months: 1 }]);
    const rows = baseRows(c);
    const done = published.map((p) => ({ id: p.id, months: 1, published: p.protection.published }));
    const problem = buildProblem(rows, [...done, { id: 4, months: 3, published: null }], RULES);
    const quarterCells = [...problem.cells.get(4)!.keys()];
    const naive = new Map<number, Set<string>>([...done.map((d) => [d.id, d.published] as [number, Set<string>]), [4, new Set(quarterCells)]]);
    const naiveAudit = await attack(problem, naive);
    expect(naiveAudit.exact).toBeGreaterThan(0);
    // Protected jointly, nothing is recovered and nothing is narrowed to ±10 %.
    const p = await protectRelease(problem, 4);
    expect(p.audit.exposures).toEqual([]);
    expect(p.audit.exact).toBe(0);
    expect(p.published.has(cellKey(P1, '1071'))).toBe(false);
  });

  it('preliminary then final: the final release cannot give away the unverified part of the preliminary one', async () => {
    const c: Contribution[] = [];
    for (const rel of [1, 2]) c.push(...units(rel, 1, 3, P1, '1071', 100), ...units(rel, 10, 3, P1, '1072', 120), ...units(rel, 20, 3, P2, '1071', 90), ...units(rel, 30, 3, P2, '1072', 80));
    c.push(...units(1, 99, 1, P1, '1071', 70)); // unverified: only the preliminary release counts it
    const { published, problem } = await publishInOrder(c, [{ id: 1, months: 1 }, { id: 2, months: 1 }]);
    // The unverified unit alone is a part of a preliminary cell that the primary rule protects.
    expect(problem.targets.some((t) => t.part && t.bases.length === 1 && problem.bases[t.bases[0]].units.has(99))).toBe(true);
    const final = published[1].protection;
    expect(final.audit.exposures).toEqual([]);
    // Both cells published would give the unverified unit exactly.
    const both = new Map([[1, published[0].protection.published], [2, new Set([...final.published, cellKey(P1, '1071')])]]);
    expect((await attack(problem, both)).exact).toBeGreaterThan(0);
  });

  it('class, group and division: a class cannot be had from its group minus its sister classes, nor a group from the division', async () => {
    const c: Contribution[] = [
      ...units(1, 1, 1, P1, '1071', 400), ...units(1, 2, 3, P1, '1072', 100), // group 107 in P1: unit 1 alone in 1071
      ...units(1, 10, 3, P1, '1010', 300), ...units(1, 20, 1, P1, '1020', 900), // division 10: unit 20 alone in group 102
      ...units(1, 30, 3, P2, '1071', 200), ...units(1, 40, 3, P2, '1072', 150), ...units(1, 50, 3, P2, '1010', 250), ...units(1, 60, 3, P2, '1020', 300),
    ];
    const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
    const p = await protectRelease(problem, 1);
    for (const key of [cellKey(P1, '1071'), cellKey(P1, '1020'), cellKey(P1, '102')]) expect(p.primary.has(key)).toBe(true);
    expect(p.audit.exposures).toEqual([]);
    const primaryOnly = new Map([[1, new Set([...problem.cells.get(1)!.keys()].filter((k) => !p.primary.has(k)))]]);
    expect((await attack(problem, primaryOnly)).exact).toBeGreaterThan(0);
    expect(p.published.has(cellKey(NATIONAL, 'T'))).toBe(true);
  });

  it('random small cubes: no sensitive expression is ever left inside its interval, and no cell failing the primary rule is published', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ p: fc.constantFrom(P1, P2), cls: fc.constantFrom('1071', '1072', '1073'), n: fc.integer({ min: 1, max: 3 }), pv: fc.integer({ min: 1, max: 4 }) }), { minLength: 2, maxLength: 5 }),
      async (cells) => {
        let u = 1;
        const c: Contribution[] = [];
        for (const cell of cells) { c.push(...units(1, u, cell.n, cell.p, cell.cls, cell.pv)); u += cell.n; }
        const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
        const p = await protectRelease(problem, 1, { cleanupSeconds: 2 });
        expect(p.audit.exposures).toEqual([]);
        for (const key of p.primary) expect(p.published.has(key)).toBe(false);
        // An independent attacker over integer tables finds nothing the LP missed.
        const brute = bruteForce(problem, new Map([[1, p.published]]), 'production_value', undefined, 60);
        brute.forEach((b, i) => {
          const x = Number(problem.targets[i].truth.production_value);
          expect(b.hi - x >= 0.1 * x - 1e-9 || b.hi === Infinity).toBe(true);
          expect(x - b.lo >= 0.1 * x - 1e-9).toBe(true);
        });
      },
    ), { numRuns: 25 });
  });
});
