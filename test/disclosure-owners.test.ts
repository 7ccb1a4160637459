import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { buildProblem, cellKey, failsPrimary, ruleLevel, VALUE_SPACE, type Problem } from '../src/stats/releases/cube.ts';
import { attack, targetLevels } from '../src/stats/releases/attack.ts';
import { protectRelease } from '../src/stats/releases/protect.ts';
import { protectInputs } from '../src/stats/releases/protect-job.ts';
import { perturbedCount, recordKeys } from '../src/stats/releases/counts.ts';
import { baseRows, publishInOrder, units, RULES, type Contribution } from './support/cubes.ts';
import { bruteForce } from './support/brute-force.ts';
import { defaultSettings, settingSchemas } from '../src/settings.ts';
import { packRows } from '../src/stats/releases/packed-rows.ts';

// Issue 22 on crafted cubes: contributors are owners, the p % rule and its levels, changes between
// releases of one period, insiders, counts; and a property test against a brute force over
// integer tables that knows nothing of the engine but the published equations.

const P1 = '23';
const P2 = '10';

const everyCell = (problem: Problem, release: number) => new Set(problem.cells.get(release)!.keys());

describe('contributors are owners (DESIGN §7)', () => {
  it('two plants of one owner beside one other unit are two contributors: the cell is suppressed', async () => {
    const c: Contribution[] = [
      { release: 1, unit: 1, owner: 100, month: '1404-01', province: P1, cls: '1071', pv: 40 },
      { release: 1, unit: 2, owner: 100, month: '1404-01', province: P1, cls: '1071', pv: 35 },
      { release: 1, unit: 3, owner: 200, month: '1404-01', province: P1, cls: '1071', pv: 30 },
      ...units(1, 10, 3, P1, '1072', 50), ...units(1, 20, 3, P2, '1071', 40), ...units(1, 30, 3, P2, '1072', 45),
    ];
    const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
    const p = await protectRelease(problem, 1);
    expect(p.primary.has(cellKey(P1, '1071'))).toBe(true);
    expect(p.published.has(cellKey(P1, '1071'))).toBe(false);
    expect(p.audit.exposures).toEqual([]);
    // The same three plants under three owners pass the rule.
    const apart = buildProblem(baseRows(c.map((x) => ({ ...x, owner: undefined }))), [{ id: 1, months: 1, published: null }], RULES);
    const q = await protectRelease(apart, 1);
    expect(q.primary.has(cellKey(P1, '1071'))).toBe(false);
  });

  it('dominance is judged on the owner: two plants of 45 % each make one contributor of 90 %', () => {
    expect(failsPrimary([45n, 45n, 5n, 5n], RULES)).toBe(false); // four owners: passes
    expect(failsPrimary([90n, 5n, 5n], RULES)).toBe(true); // one owner of both plants: dominant
  });
});

describe('the p % rule and the protection levels it implies', () => {
  it('p is a setting, 10 % by default, never below 5 %', () => {
    expect(defaultSettings.suppression_p_percent).toBe(0.1);
    expect(settingSchemas.suppression_p_percent.safeParse(0.05).success).toBe(true);
    expect(settingSchemas.suppression_p_percent.safeParse(0.04).success).toBe(false);
    expect(settingSchemas.suppression_p_percent.safeParse(0).success).toBe(false);
  });

  it('a 3-unit cell 1000 / 150 / 60 passes (1, 85) but fails p % and is protected', async () => {
    expect(failsPrimary([1000n, 150n, 60n], { minUnits: 3, dominance: 0.85 })).toBe(false);
    expect(failsPrimary([1000n, 150n, 60n], RULES)).toBe(true);
    // p × x1 − (T − x1 − x2) = 100 − 60 = 40; 100/85 × 1000 − 1210 < 0.
    expect(ruleLevel([1000n, 150n, 60n], RULES)).toBeCloseTo(40, 6);
    const c: Contribution[] = [
      { release: 1, unit: 1, month: '1404-01', province: P1, cls: '1071', pv: 1000 },
      { release: 1, unit: 2, month: '1404-01', province: P1, cls: '1071', pv: 150 },
      { release: 1, unit: 3, month: '1404-01', province: P1, cls: '1071', pv: 60 },
      ...units(1, 10, 3, P1, '1072', 400), ...units(1, 20, 3, P2, '1071', 300), ...units(1, 30, 3, P2, '1072', 350),
    ];
    const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
    const p = await protectRelease(problem, 1);
    expect(p.primary.has(cellKey(P1, '1071'))).toBe(true);
    expect(p.audit.exposures).toEqual([]);
    // Published naively, the cell is the province total minus its sister: exact.
    const naive = new Map([[1, new Set([...everyCell(problem, 1)].filter((k) => k !== cellKey(P1, '1071')))]]);
    expect((await attack(problem, naive)).exact).toBeGreaterThan(0);
  });

  it('a single-contributor cell keeps the dominance level 100/85 × x − x (17.6 %), more than the ±10 % floor', async () => {
    const c: Contribution[] = [
      ...units(1, 1, 1, P1, '1071', 1000), ...units(1, 10, 3, P1, '1072', 400),
      ...units(1, 20, 3, P2, '1071', 300), ...units(1, 30, 3, P2, '1072', 350),
    ];
    const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
    const t = problem.targets.find((x) => x.cell === cellKey(P1, '1071') && x.kind === 'cell')!;
    expect(Number(t.level.production_value)).toBe(Math.ceil(1000 / 0.85 - 1000)); // 177, not 100
    const p = await protectRelease(problem, 1);
    expect(p.audit.exposures).toEqual([]);
    const i = problem.targets.indexOf(t);
    const iv = p.audit.intervals.production_value![i];
    expect(iv.hi).toBeGreaterThanOrEqual(targetLevels(t, 'production_value').up - 1e-6);
  });
});

describe('changes between releases of one period are figures (DESIGN §7 "insiders and changes")', () => {
  // Four cells of 3+ units; unit 1 (in P1, 1071) corrects its production value in revision 2.
  const revised = (): Contribution[] => {
    const c: Contribution[] = [];
    for (const rel of [1, 2]) {
      c.push({ release: rel, unit: 1, month: '1404-07', province: P1, cls: '1071', pv: rel === 1 ? 100 : 140, ic: 50, emp: 3 });
      c.push(...units(rel, 2, 3, P1, '1071', 90, '1404-07'), ...units(rel, 10, 3, P1, '1072', 120, '1404-07'));
      c.push(...units(rel, 20, 3, P2, '1071', 80, '1404-07'), ...units(rel, 30, 3, P2, '1072', 70, '1404-07'));
    }
    return c;
  };

  it('a revision that corrects one unit: the difference of the two releases never isolates the correction', async () => {
    const c = revised();
    const { published, problem } = await publishInOrder(c, [{ id: 1, months: 1, period: '1404-07' }, { id: 2, months: 1, period: '1404-07' }]);
    // The change of every cell that holds unit 1 is the same expression: its new base cell less its old one.
    const change = problem.targets.find((t) => t.kind === 'change' && t.minus.length > 0);
    expect(change).toBeDefined();
    expect(Number(change!.truth.production_value)).toBe(40);
    const pattern = new Map(published.map((p) => [p.id, p.protection.published]));
    const audit = await attack(problem, pattern);
    expect(audit.exposures).toEqual([]);
    expect(audit.byAttacker.revision.sensitive).toBeGreaterThan(0);
    expect(audit.byAttacker.revision.exact).toBe(0);
    // Both releases published whole (the revision's cells unsuppressed), the difference is the correction, exactly.
    const naive = new Map([[1, published[0].protection.published], [2, everyCell(problem, 2)]]);
    const naiveAudit = await attack(problem, naive);
    expect(naiveAudit.exactTargets.has(problem.targets.indexOf(change!))).toBe(true);
  });

  it('a cell whose change since the published earlier release is sensitive is a primary suppression of the revision; a cell the earlier release hid is not', async () => {
    const c = revised();
    const { published, problem } = await publishInOrder(c, [{ id: 1, months: 1, period: '1404-07' }, { id: 2, months: 1, period: '1404-07' }]);
    const first = published[0].protection;
    const revision = published[1].protection;
    // Release 1 publishes every cell (each has 3+ units); the cells holding unit 1 change by unit 1's correction alone.
    const holding = [...problem.cells.get(2)!.values()].filter((cell) => problem.targets.some((t) => t.kind === 'change' && t.release === 2 && t.minus.length > 0 && cell.bases.some((b) => t.bases.includes(b))));
    expect(holding.length).toBeGreaterThan(0);
    for (const cell of holding) {
      expect(first.published.has(cell.key)).toBe(true);
      expect(revision.primary.has(cell.key)).toBe(true);
      expect(revision.published.has(cell.key)).toBe(false);
    }
    // Those of the revision that do not hold unit 1 fail no rule: none is primary.
    const others = [...problem.cells.get(2)!.keys()].filter((key) => !holding.some((cell) => cell.key === key));
    expect(others.filter((key) => revision.primary.has(key))).toEqual([]);
    // With the cell hidden in release 1, its change is no longer given by publishing it in release 2: not primary.
    const hidden = holding.find((cell) => cell.geo !== 'IR')!;
    const problem2 = buildProblem(baseRows(c), [{ id: 1, months: 1, period: '1404-07', published: new Set([...first.published].filter((k) => k !== hidden.key)) }, { id: 2, months: 1, period: '1404-07', published: null }], RULES);
    const again = await protectRelease(problem2, 2);
    expect(again.primary.has(hidden.key)).toBe(false);
  });

  it('the sum of two units\' preliminary − final changes over two months is an expression of two contributors, protected from each of them', async () => {
    // Months 1404-01 and 1404-02, preliminary (1, 2) then final (3, 4). Unit 1 changes in month 1, unit 2 in month 2.
    const c: Contribution[] = [];
    const month = (rel: number, m: string, pv1: number, pv2: number) => {
      c.push({ release: rel, unit: 1, month: m, province: P1, cls: '1071', pv: pv1, ic: 10, emp: 2 }, { release: rel, unit: 2, month: m, province: P1, cls: '1071', pv: pv2, ic: 10, emp: 2 });
      c.push(...units(rel, 3, 3, P1, '1071', 60, m), ...units(rel, 10, 3, P1, '1072', 70, m), ...units(rel, 20, 3, P2, '1071', 50, m), ...units(rel, 30, 3, P2, '1072', 55, m));
    };
    month(1, '1404-01', 100, 80); month(3, '1404-01', 130, 80);
    month(2, '1404-02', 100, 80); month(4, '1404-02', 100, 65);
    const releases = [{ id: 1, months: 1, period: '1404-01' }, { id: 2, months: 1, period: '1404-02' }, { id: 3, months: 1, period: '1404-01' }, { id: 4, months: 1, period: '1404-02' }];
    const { published, problem } = await publishInOrder(c, releases);
    const sum = problem.targets.find((t) => t.kind === 'change' && t.pair !== null);
    expect(sum).toBeDefined();
    expect(new Set(sum!.pair)).toEqual(new Set([1, 2]));
    const pattern = new Map(published.map((p) => [p.id, p.protection.published]));
    const audit = await attack(problem, pattern);
    expect(audit.exposures).toEqual([]);
    expect(audit.byAttacker.insider.sensitive).toBeGreaterThan(0);
    expect(audit.byAttacker.insider.inside).toBe(0);
  });
});

describe('insiders: a contributor knows its own figures', () => {
  // One province. 1071: owner A's plant (50) and owner B's (60); 1072: owner A's other plant (80);
  // 1073: three other owners. The group 107 (five owners) passes every rule.
  const cube = (): Contribution[] => [
    { release: 1, unit: 1, owner: 1, month: '1404-01', province: P1, cls: '1071', pv: 50 },
    { release: 1, unit: 2, owner: 2, month: '1404-01', province: P1, cls: '1071', pv: 60 },
    { release: 1, unit: 3, owner: 1, month: '1404-01', province: P1, cls: '1072', pv: 80 },
    ...units(1, 10, 3, P1, '1073', 100),
  ];

  it('hiding only the primary cells stops the outsider, not owner A: it knows 1072, so 107 − 1073 − 1072 − its own 50 is B\'s figure', async () => {
    const problem = buildProblem(baseRows(cube()), [{ id: 1, months: 1, published: null }], RULES);
    const primaryOnly = new Map([[1, new Set([...everyCell(problem, 1)].filter((k) => !k.endsWith('|1071') && !k.endsWith('|1072')))]]);
    const outsider = await attack(problem, primaryOnly, undefined);
    expect(outsider.exposures.filter((e) => e.insider === undefined)).toEqual([]);
    const insider = outsider.exposures.filter((e) => e.insider === 1);
    expect(insider.length).toBeGreaterThan(0);
    expect(outsider.insiders.exact.size).toBeGreaterThan(0);
    // The brute force agrees: with A's figures known, B's share of 1071 is exactly 60.
    const t = problem.targets.findIndex((x) => x.cell.endsWith('|1071') && x.kind === 'cell');
    const brute = bruteForce(problem, primaryOnly, 'production_value', 1, 500)[t];
    expect(brute.lo).toBe(110);
    expect(brute.hi).toBe(110);
  });

  it('protection hides more until neither owner narrows the other', async () => {
    const problem = buildProblem(baseRows(cube()), [{ id: 1, months: 1, published: null }], RULES);
    const p = await protectRelease(problem, 1);
    expect(p.audit.exposures).toEqual([]);
    expect(p.audit.byAttacker.insider.sensitive).toBeGreaterThan(0);
    expect(p.audit.byAttacker.insider.inside).toBe(0);
    expect(p.secondary.size).toBeGreaterThan(0);
    const t = problem.targets.findIndex((x) => x.cell.endsWith('|1071') && x.kind === 'cell');
    const pattern = new Map([[1, p.published]]);
    for (const [insider, theirs] of [[1, 60], [2, 50]] as const) {
      const own = 110 - theirs;
      const b = bruteForce(problem, pattern, 'production_value', insider, 500)[t];
      expect(b.hi - own - theirs).toBeGreaterThanOrEqual(0.1 * theirs - 1e-9);
      expect(theirs - (b.lo - own)).toBeGreaterThanOrEqual(0.1 * theirs - 1e-9);
    }
  });
});

describe('counts (cell-key method)', () => {
  it('a count is never published behind a suppressed value, never below three, and the same units give the same count', async () => {
    const c: Contribution[] = [
      ...units(0, 1, 1, P1, '1071', 500), ...units(0, 2, 3, P1, '1072', 100),
      ...units(0, 10, 3, P2, '1071', 200), ...units(0, 20, 4, P2, '1072', 250),
    ];
    const rows = baseRows(c);
    const releases = [{ id: 0, months: 1, published: null, period: '1404-01' }];
    const out = await protectInputs({ rules: RULES, months: 1, releases, productReleases: releases, samePeriod: [], seedFromGroup: false, valueRows: packRows(rows, VALUE_SPACE.measures), productRows: packRows([], ['quantity']), headlineExtra: [], countSecret: 'test secret' });
    const unitsOf = (geo: string, isic: string) => out.cells.find((x) => x.geo === geo && x.isic === isic && x.measure === 'units')!;
    const lone = unitsOf(P1, '1071');
    expect(lone.suppressed).toBe(true);
    expect(lone.value).toBeNull(); // not "1"
    for (const cell of out.cells.filter((x) => x.measure === 'units')) {
      const value = out.cells.find((x) => x.geo === cell.geo && x.isic === cell.isic && x.measure === 'production_value')!;
      expect(cell.suppressed).toBe(value.suppressed);
      if (!cell.suppressed) expect(Number(cell.value)).toBeGreaterThanOrEqual(3);
    }
    const keys = recordKeys('test secret');
    expect(perturbedCount([20, 21, 22, 23], keys, 3)).toBe(perturbedCount([23, 22, 21, 20], keys, 3));
    expect(unitsOf('IR', 'T').suppressed).toBe(false); // a headline cell
    expect(Number(unitsOf('IR', 'T').value)).toBe(perturbedCount([1, 2, 3, 4, 10, 11, 12, 20, 21, 22, 23], keys, 3));
    // Over many cells the perturbation moves counts both ways and keeps their mean.
    let moved = 0;
    let drift = 0;
    for (let i = 0; i < 400; i++) {
      const set = Array.from({ length: 10 }, (_, j) => 1000 + 10 * i + j);
      const d = perturbedCount(set, keys, 3) - 10;
      if (d !== 0) moved++;
      drift += d;
    }
    expect(moved).toBeGreaterThan(150);
    expect(Math.abs(drift / 400)).toBeLessThan(0.3);
  });
});

describe('random small cubes with owners and revisions, against the brute force', () => {
  it('no attacker — outsider, insider, revision — narrows any sensitive expression within its level', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ p: fc.constantFrom(P1, P2), cls: fc.constantFrom('1071', '1072'), n: fc.integer({ min: 1, max: 2 }), pv: fc.integer({ min: 1, max: 2 }), sameOwner: fc.boolean() }), { minLength: 2, maxLength: 3 }),
      fc.integer({ min: 0, max: 8 }), fc.integer({ min: -2, max: 3 }),
      async (cells, pick, delta) => {
        let u = 1;
        const first: Contribution[] = [];
        for (const cell of cells) {
          for (let i = 0; i < cell.n; i++) first.push({ release: 1, unit: u + i, owner: cell.sameOwner ? 1000 + u : u + i, month: '1404-01', province: cell.p, cls: cell.cls, pv: cell.pv });
          u += cell.n;
        }
        // Revision 2 corrects one unit's figure (or leaves all as they were).
        const corrected = first[pick % first.length].unit;
        const second = first.map((x) => ({ ...x, release: 2, pv: x.unit === corrected ? Math.max(0, x.pv + delta) : x.pv }));
        const { published, problem } = await publishInOrder([...first, ...second], [{ id: 1, months: 1, period: '1404-01' }, { id: 2, months: 1, period: '1404-01' }]);
        const pattern = new Map(published.map((p) => [p.id, p.protection.published]));
        for (const p of published) for (const key of p.protection.primary) expect(p.protection.published.has(key)).toBe(false);
        const audit = await attack(problem, pattern);
        expect(audit.exposures).toEqual([]);
        // The outsider over integer tables.
        bruteForce(problem, pattern, 'production_value').forEach((b, i) => {
          const { up, down } = targetLevels(problem.targets[i], 'production_value');
          expect(b.hi >= up - 1e-9 || b.hi === Infinity).toBe(true);
          expect(b.lo <= down + 1e-9).toBe(true);
        });
        // Each insider of a two-contributor expression over integer tables.
        problem.targets.forEach((t, i) => {
          if (!t.pair) return;
          for (const [insider, other] of [t.pair, [t.pair[1], t.pair[0]]]) {
            const share = (owner: number) => t.bases.reduce((s, b) => s + Number(problem.bases[b].owners.get(owner)?.production_value ?? 0n), 0) - t.minus.reduce((s, b) => s + Number(problem.bases[b].owners.get(owner)?.production_value ?? 0n), 0);
            const theirs = share(other);
            const mine = share(insider);
            const level = 0.1 * Math.abs(theirs);
            const b = bruteForce(problem, pattern, 'production_value', insider)[i];
            expect(b.hi - mine >= theirs + level - 1e-9 || b.hi === Infinity).toBe(true);
            expect(b.lo - mine <= theirs - level + 1e-9).toBe(true);
          }
        });
      },
    ), { numRuns: 15 });
  });
});
