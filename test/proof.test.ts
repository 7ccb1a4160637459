import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { buildProblem, cellKey, VALUE_SPACE, type Problem } from '../src/stats/releases/cube.ts';
import { protectRelease } from '../src/stats/releases/protect.ts';
import { baseIdentity, buildProof, checkProof, joinProofs, earlierWitnesses, exactDirection, exactDirectionAtLevel, keepsAll, publishedSets, type StoredProof } from '../src/stats/releases/proof.ts';
import { attack, type Pattern } from '../src/stats/releases/attack.ts';
import { movesOn, proveRelease } from '../src/stats/releases/proof-release.ts';
import { movesForProof, PROOF_SEED_CELLS, PROOF_SEED_ENTRIES } from '../src/stats/releases/protect-job.ts';
import { baseRows, monthsAndQuarter, publishInOrder, units, RULES, type Contribution } from './support/cubes.ts';
import { packRows } from '../src/stats/releases/packed-rows.ts';

// Issue 21: the stored proof. Every witness must keep every published cell exactly and push its
// expressions past their levels; the checker does it in integers and must say no to anything else.

const P1 = '23';
const P2 = '10';

const patternOf = (problem: Problem): Pattern => new Map(problem.releases.map((r) => [r.id, r.published ?? new Set<string>()]));

const contributions2x3 = (): Contribution[] => [
  ...units(1, 1, 1, P1, '1071', 5), ...units(1, 2, 1, P1, '1072', 4), ...units(1, 3, 3, P1, '1073', 3),
  ...units(1, 10, 3, P2, '1071', 2), ...units(1, 20, 3, P2, '1072', 2), ...units(1, 30, 3, P2, '1073', 3),
];

const table2x3 = (): Problem => buildProblem(baseRows(contributions2x3()), [{ id: 1, months: 1, published: null }], RULES);

async function protectedTable(): Promise<{ problem: Problem; pattern: Pattern }> {
  const open = table2x3();
  const p = await protectRelease(open, 1);
  const problem = buildProblem(baseRows(contributions2x3()), [{ id: 1, months: 1, published: p.published }], RULES);
  return { problem, pattern: patternOf(problem) };
}

/** Cells of one release (n units each) protected, audited by the LP attacker and proved: the proof must cover every side and be accepted. */
async function protectAndProve(cells: readonly { p: string; cls: string; n: number; pv: number }[]): Promise<{ problem: Problem; pattern: Pattern; proof: StoredProof }> {
  let u = 1;
  const c: Contribution[] = [];
  for (const cell of cells) { c.push(...units(1, u, cell.n, cell.p, cell.cls, cell.pv)); u += cell.n; }
  const open = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
  const p = await protectRelease(open, 1, { cleanupSeconds: 2 });
  const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published: p.published }], RULES);
  const pattern = patternOf(problem);
  expect((await attack(problem, pattern)).exposures).toEqual([]);
  // As a release is proved: the protection's repair moves tried first (protect-job.ts).
  const moves = p.moves.map((d) => ({ keys: d.bases.map((b) => baseIdentity(open.bases[b], 1)), steps: d.steps }));
  const { proof, summary } = await buildProof(problem, pattern, 1, { seeds: movesOn(problem, moves, 1) });
  expect(summary.uncovered).toBe(0);
  const check = checkProof(problem, pattern, proof, 1);
  expect(check.failures).toEqual([]);
  expect(check.ok).toBe(true);
  return { problem, pattern, proof };
}

describe('the stored proof (issue 21)', () => {
  it('the 2×3 table: one witness per side, each keeping every published cell, and the checker accepts them', async () => {
    const { problem, pattern } = await protectedTable();
    const { proof, summary } = await buildProof(problem, pattern, 1);
    expect(summary.uncovered).toBe(0);
    expect(summary.expressions).toBeGreaterThan(0);
    const check = checkProof(problem, pattern, proof, 1);
    expect(check.failures).toEqual([]);
    expect(check.ok).toBe(true);
    // The rectangle: +d on the sensitive cells, −d on their partners (or the reverse), all four moved by the same amount.
    const w = proof.witnesses[0];
    expect(w.b).toHaveLength(4);
    expect(new Set(w.s.map((s) => BigInt(s) < 0n ? -BigInt(s) : BigInt(s))).size).toBe(1);
  });

  it('rejects a tampered witness: one step changed no longer keeps the published cells', async () => {
    const { problem, pattern } = await protectedTable();
    const { proof } = await buildProof(problem, pattern, 1);
    const tampered: StoredProof = structuredClone(proof);
    tampered.witnesses[0].s[0] = String(BigInt(tampered.witnesses[0].s[0]) * 2n);
    const check = checkProof(problem, pattern, tampered, 1);
    expect(check.ok).toBe(false);
    expect(check.failures.join('\n')).toMatch(/changes a published cell/);
  });

  it('rejects a witness that names a base cell the stored data does not have', async () => {
    const { problem, pattern } = await protectedTable();
    const { proof } = await buildProof(problem, pattern, 1);
    const tampered: StoredProof = structuredClone(proof);
    tampered.keys[0] = '99|9999|1';
    expect(checkProof(problem, pattern, tampered, 1).ok).toBe(false);
  });

  it('rejects the proof once a suppressed cell is published: its witness would change it', async () => {
    const { problem, pattern } = await protectedTable();
    const { proof } = await buildProof(problem, pattern, 1);
    const more = new Map(pattern);
    more.set(1, new Set([...pattern.get(1)!, cellKey(P2, '1071')]));
    const check = checkProof(problem, more, proof, 1);
    expect(check.ok).toBe(false);
  });

  it('rejects a pattern that does not protect: primary suppression alone leaves the sensitive cells without a witness', async () => {
    const problem = table2x3();
    const all = [...problem.cells.get(1)!.keys()];
    const primaryOnly: Pattern = new Map([[1, new Set(all.filter((k) => k !== cellKey(P1, '1071') && k !== cellKey(P1, '1072')))]]);
    const r = await buildProof(problem, primaryOnly, 1);
    const { summary, proof } = r;
    expect(summary.uncovered).toBeGreaterThan(0);
    // The sides left are those no witness of the whole proof covers, as a join of its parts counts them.
    expect(summary.uncovered).toBe(joinProofs(problem, 1, [r], [], 0).summary.uncovered);
    const check = checkProof(problem, primaryOnly, proof, 1);
    expect(check.ok).toBe(false);
    expect(check.failures.join('\n')).toMatch(/no witness moves/);
  });

  it('the checker asks for the whole protection level: a witness scaled to fall short does not count', async () => {
    // One suppressed rectangle whose smaller cell limits the step: 10 % of a large sensitive cell is more than the small cell can give.
    const c: Contribution[] = [
      ...units(1, 1, 1, P1, '1071', 100), ...units(1, 2, 3, P1, '1072', 1), ...units(1, 5, 3, P1, '1073', 50),
      ...units(1, 10, 3, P2, '1071', 50), ...units(1, 20, 3, P2, '1072', 1), ...units(1, 30, 3, P2, '1073', 50),
    ];
    const rect = new Set([cellKey(P1, '1071'), cellKey(P1, '1072'), cellKey(P2, '1071'), cellKey(P2, '1072')]);
    const open = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
    const pattern: Pattern = new Map([[1, new Set([...open.cells.get(1)!.keys()].filter((k) => !rect.has(k)))]]);
    const { summary } = await buildProof(open, pattern, 1);
    // The small cells (3 units of 1) can move the big one by at most 3 < 10: no witness reaches its downward level through them.
    expect(summary.uncovered).toBeGreaterThan(0);
  });

  it('month differencing through a quarter: the group\'s proof covers the months\' and the quarter\'s expressions', async () => {
    const c = monthsAndQuarter();
    const { problem } = await publishInOrder(c, [{ id: 1, months: 1 }, { id: 2, months: 1 }, { id: 3, months: 1 }, { id: 4, months: 3 }]);
    const pattern = patternOf(problem);
    const { proof, summary } = await buildProof(problem, pattern, 4);
    expect(summary.uncovered).toBe(0);
    expect(checkProof(problem, pattern, proof, 4).ok).toBe(true);
  });

  it('random months and their quarter, employees of 0–2: every release of the group proved, each side with a witness (the attacker knows the quarter\'s employees sum exactly)', async () => {
    const months = ['1404-01', '1404-02', '1404-03'];
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ p: fc.constantFrom(P1, P2), cls: fc.constantFrom('1071', '1072'), n: fc.integer({ min: 1, max: 3 }), pv: fc.integer({ min: 1, max: 40 }), emp: fc.integer({ min: 0, max: 2 }), from: fc.integer({ min: 0, max: 2 }) }), { minLength: 2, maxLength: 5 }),
      async (cells) => {
        const c: Contribution[] = [];
        let u = 1;
        for (const cell of cells) {
          for (const [i, month] of months.entries()) {
            if (i < cell.from) continue; // some units start filing later in the quarter
            for (const release of [i + 1, 4]) c.push(...units(release, u, cell.n, cell.p, cell.cls, cell.pv + i, month).map((x) => ({ ...x, emp: cell.emp })));
          }
          u += cell.n;
        }
        const { problem, published } = await publishInOrder(c, [{ id: 1, months: 1, period: '1404-01' }, { id: 2, months: 1, period: '1404-02' }, { id: 3, months: 1, period: '1404-03' }, { id: 4, months: 3, period: '1404-Q1' }]);
        // Sides held at what earlier releases allow are answered with their allowances (release-held.test.ts).
        fc.pre(published.every((p) => p.protection.allowances.length === 0));
        const pattern = patternOf(problem);
        expect((await attack(problem, pattern)).exposures).toEqual([]);
        const { proof, summary } = await buildProof(problem, pattern, 4);
        expect(summary.uncovered).toBe(0);
        expect(checkProof(problem, pattern, proof, 4).failures).toEqual([]);
      },
    ), {
      numRuns: Number(process.env.PROOF_RUNS ?? 25),
      // Found when the attacker knew a quarter's employees only to its rounding (±1.5): a side that
      // rounding alone protected passed the audit and had no witness.
      examples: [[[{ p: P1, cls: '1071', n: 1, pv: 1, emp: 1, from: 1 }, { p: P1, cls: '1071', n: 2, pv: 20, emp: 1, from: 1 }, { p: P1, cls: '1072', n: 1, pv: 3, emp: 0, from: 0 }, { p: P1, cls: '1071', n: 1, pv: 1, emp: 0, from: 2 }]]],
    });
  });

  it('exactDirection turns a slightly noisy float direction into an exact one that keeps every set', () => {
    // Sets {0,1}, {2,3}, {0,2}, {1,3}: the rectangle's null space is (1, −1, −1, 1).
    const rows = [[0, 1], [2, 3], [0, 2], [1, 3]];
    const rowsOfBase = [[0, 2], [0, 3], [1, 2], [1, 3]];
    const d = new Map([[0, 0.30000001], [1, -0.3], [2, -0.29999999], [3, 0.3]]);
    const w = exactDirection(d, rowsOfBase, rows)!;
    expect(w.steps.map(Number)).toEqual([1, -1, -1, 1]);
    const sets = publishedSets(buildProblem([], [], RULES), new Map());
    expect(sets).toEqual([]);
  });

  it('exactDirectionAtLevel solves for a shift exactly at the level, with the cells driven to zero pinned, and refuses equations with no common solution', () => {
    // The rectangle of sets {0,1}, {2,3}, {0,2}, {1,3}, truths 2 in cells 0 and 3: cell 1 pushed up by
    // exactly 2 empties cells 0 and 3, the attacker's maximum. The float direction is slightly off.
    const rows = [[0, 1], [2, 3], [0, 2], [1, 3]];
    const rowsOfBase = [[0, 2], [0, 3], [1, 2], [1, 3]];
    const d = new Map([[0, -2.0000000003], [1, 1.9999999998], [2, 2.0000000001], [3, -2]]);
    const pinned = new Map([[0, -2n], [3, -2n]]);
    const w = exactDirectionAtLevel(d, rowsOfBase, rows, pinned, { terms: [[1, 1n]], shift: 2n })!;
    expect(w.bases).toEqual([0, 1, 2, 3]);
    expect(w.steps).toEqual([-1n, 1n, 1n, -1n]);
    // A shift of 3 with the same pins has no solution: no direction, rather than one that misses.
    expect(exactDirectionAtLevel(d, rowsOfBase, rows, pinned, { terms: [[1, 1n]], shift: 3n })).toBeNull();
  });

  // Found by seed -1061668371 (the known gap of session 6): the side 23|total employees up has truth
  // 11 and level 13, and the LP attacker's maximum is exactly 13. The witness LP asked for the level
  // with a margin, had no solution, and the side was left without a witness although the LP audit
  // clears the pattern.
  it('a side the attacker reaches exactly at its level has a witness, the checker accepts it, and refuses it tampered', async () => {
    const { problem, pattern, proof } = await protectAndProve([{ p: P2, cls: '1071', n: 1, pv: 14 }, { p: P1, cls: '1071', n: 1, pv: 25 }, { p: P1, cls: '1072', n: 3, pv: 1 }, { p: P2, cls: '1073', n: 1, pv: 35 }]);
    proof.witnesses.forEach((w, wi) => {
      const tampered: StoredProof = structuredClone(proof);
      tampered.witnesses[wi].s[0] = String(BigInt(w.s[0]) * 2n);
      expect(checkProof(problem, pattern, tampered, 1).failures.join('\n')).toMatch(/changes a published cell/);
    });
  });

  it('random small cubes: the LP audit clears every protected pattern, and its proof covers every side and is accepted', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ p: fc.constantFrom(P1, P2), cls: fc.constantFrom('1071', '1072', '1073'), n: fc.integer({ min: 1, max: 3 }), pv: fc.integer({ min: 1, max: 40 }) }), { minLength: 2, maxLength: 6 }),
      async (cells) => { await protectAndProve(cells); },
    ), { numRuns: Number(process.env.PROOF_RUNS ?? 25) }); // PROOF_RUNS=200 (and FC_SEED) to hunt further
  });

  it('a proof split between two threads (a large release) covers every side and is accepted like one built in one', async () => {
    const rows = twelveCellRows();
    const open = buildProblem(rows, [{ id: 0, months: 1, published: null }], RULES);
    const p = await protectRelease(open, 0, { cleanupSeconds: 1 });
    // proveRelease takes the rows out of its inputs: each call is given its own.
    const inputs = () => ({ rules: RULES, releases: [{ id: 0, months: 1, published: null }], productReleases: [], valueRows: packRows(rows, VALUE_SPACE.measures), productRows: packRows([], ['quantity']) });
    const lines: string[] = [];
    const alone = await proveRelease(inputs(), p.published, new Set(), undefined, new Map(), { splitAt: Infinity });
    const split = await proveRelease(inputs(), p.published, new Set(), (line) => lines.push(line), new Map(), { splitAt: 1 });
    // Both threads found witnesses: the second thread's half is in the proof.
    const fromSecond = lines.map((l) => /\((\d+) from the second thread\).*in two threads/.exec(l)).find((m) => m);
    expect(Number(fromSecond?.[1])).toBeGreaterThan(0);
    // A problem with more base cells than a second copy may take is proved in one thread, and says so.
    const large: string[] = [];
    const one = await proveRelease(inputs(), p.published, new Set(), (line) => large.push(line), new Map(), { splitAt: 1, splitMaxBases: open.bases.length - 1 });
    expect(large.some((l) => l.startsWith(`proof in one thread: ${open.bases.length} base cells`))).toBe(true);
    expect(large.some((l) => /in two threads/.test(l))).toBe(false);
    const problem = buildProblem(rows, [{ id: 0, months: 1, published: p.published }], RULES);
    for (const r of [alone, split, one]) {
      expect(r.summary.uncovered).toBe(0);
      expect(r.summary.expressions).toBe(alone.summary.expressions);
      expect(checkProof(problem, patternOf(problem), r.rows[0].proof, 0).failures).toEqual([]);
    }
  }, 120_000);

  it('the protection\'s repair moves, given to the proof, stand in for witness LPs; the proof still covers every side and is accepted', async () => {
    const rows = twelveCellRows();
    const p = await protectRelease(buildProblem(rows, [{ id: 0, months: 1, published: null }], RULES), 0, { cleanupSeconds: 1 });
    expect(p.moves.length).toBeGreaterThan(0);
    const open = buildProblem(rows, [{ id: 0, months: 1, published: null }], RULES);
    const moves = p.moves.map((d) => ({ keys: d.bases.map((b) => baseIdentity(open.bases[b], 0)), steps: d.steps }));
    // A move that keeps nothing (one cell alone) is made exact by elimination or dropped, never trusted as it is.
    const noise = { keys: [baseIdentity(open.bases[0], 0)], steps: [1] };
    // proveRelease takes the rows out of its inputs: each call is given its own.
    const inputs = () => ({ rules: RULES, releases: [{ id: 0, months: 1, published: null }], productReleases: [], valueRows: packRows(rows, VALUE_SPACE.measures), productRows: packRows([], ['quantity']) });
    const lines: string[] = [];
    const alone = await proveRelease(inputs(), p.published, new Set(), undefined, new Map(), { splitAt: Infinity });
    const seeded = await proveRelease(inputs(), p.published, new Set(), (line) => lines.push(line), new Map(), { splitAt: Infinity, moves: [noise, ...moves] });
    const given = lines.map((l) => /\((\d+) of \d+ moves tried, (\d+) given/.exec(l)).find((m) => m);
    expect(Number(given?.[2])).toBe(moves.length + 1);
    expect(Number(given?.[1])).toBeGreaterThan(0);
    expect(seeded.summary.lps).toBeLessThan(alone.summary.lps);
    const problem = buildProblem(rows, [{ id: 0, months: 1, published: p.published }], RULES);
    expect(seeded.summary.uncovered).toBe(0);
    expect(checkProof(problem, patternOf(problem), seeded.rows[0].proof, 0).failures).toEqual([]);
  }, 120_000);

  it('an earlier release\'s witnesses, exact as stored, stand in for LPs once checked exactly; one that breaks a published cell is not kept', async () => {
    // Release 1 (a month) stored with its proof; the same cells in release 0 (its quarter, say) built after it.
    const rows = baseRows(contributions2x3());
    const p1 = await protectRelease(buildProblem(rows, [{ id: 1, months: 1, published: null }], RULES), 1, { cleanupSeconds: 1 });
    const month = buildProblem(rows.map((r) => ({ ...r, sig: [0] })), [{ id: 0, months: 1, published: p1.published }], RULES);
    const stored = await buildProof(month, patternOf(month), 0);
    const both = rows.map((r) => ({ ...r, sig: [0, 1] }));
    const later = buildProblem(both, [{ id: 1, months: 1, published: p1.published, period: '1404-01' }, { id: 0, months: 1, published: p1.published, period: '1404-Q1' }], RULES);
    const { witnesses, dropped } = earlierWitnesses(later, [{ release: 1, linked: [], proof: stored.proof }]);
    expect(dropped).toBe(0);
    expect(witnesses).toHaveLength(stored.proof.witnesses.length);
    expect(publishedSets(later, patternOf(later)).length).toBeGreaterThan(1);
    const alone = await buildProof(later, patternOf(later), 0);
    const reused = await buildProof(later, patternOf(later), 0, { exact: witnesses });
    expect(reused.summary.uncovered).toBe(0);
    expect(reused.summary.lps).toBeLessThan(alone.summary.lps);
    expect(checkProof(later, patternOf(later), reused.proof, 0).failures).toEqual([]);
    // One step changed: a published cell would move. It is not kept; its sides cost LPs again.
    const rowsOfBase: number[][] = later.bases.map(() => []);
    publishedSets(later, patternOf(later)).forEach((r, i) => { for (const b of r) rowsOfBase[b].push(i); });
    const tampered = witnesses.map((w) => ({ bases: w.bases, steps: w.steps.map((s, j) => (j === 0 ? s + 1n : s)) }));
    expect(witnesses.every((w) => keepsAll(w, rowsOfBase))).toBe(true);
    expect(tampered.some((w) => !keepsAll(w, rowsOfBase))).toBe(true);
    const broken = await buildProof(later, patternOf(later), 0, { exact: tampered });
    expect(broken.summary.lps).toBeGreaterThan(reused.summary.lps);
    expect(checkProof(later, patternOf(later), broken.proof, 0).failures).toEqual([]);
    // A stored proof is data: a witness with a step that is not an integer, steps that do not match its cells,
    // or a cell index the keys do not have is left out, not thrown on.
    const malformed: StoredProof = {
      ...stored.proof,
      witnesses: [
        { ...stored.proof.witnesses[0], s: stored.proof.witnesses[0].s.map((x, j) => (j === 0 ? '1.5' : x)) },
        { ...stored.proof.witnesses[0], s: stored.proof.witnesses[0].s.slice(1) },
        { ...stored.proof.witnesses[0], b: stored.proof.witnesses[0].b.map((i, j) => (j === 0 ? stored.proof.keys.length + 5 : i)) },
        ...stored.proof.witnesses.slice(1),
      ],
    };
    const read = earlierWitnesses(later, [{ release: 1, linked: [], proof: malformed }]);
    expect(read.dropped).toBe(3);
    expect(read.witnesses).toHaveLength(stored.proof.witnesses.length - 1);
  }, 120_000);
});

/** Twelve cells over three provinces and four classes, of one to five units each: a release with many sensitive expressions. */
function twelveCellRows() {
  const c: Contribution[] = [];
  let u = 1;
  const sizes = [1, 3, 2, 4, 1, 3, 2, 1, 5, 2, 3, 1];
  for (const [i, p] of [P1, P2, '11'].entries()) {
    for (const [j, cls] of ['1071', '1072', '1073', '1074'].entries()) {
      const n = sizes[(i * 4 + j) % sizes.length];
      c.push(...units(0, u, n, p, cls, 10 + 7 * i + 3 * j));
      u += n;
    }
  }
  return baseRows(c);
}

describe('the proof\'s seeds', () => {
  it('are the repair\'s narrowest moves, none too wide to make exact, as many entries as their budget allows', () => {
    const move = (width: number, tag: number) => ({ bases: Array.from({ length: width }, (_, i) => i), steps: Array.from({ length: width }, () => tag) });
    const full = Array.from({ length: Math.ceil(PROOF_SEED_ENTRIES / PROOF_SEED_CELLS) + 5 }, (_, i) => move(PROOF_SEED_CELLS, 10 + i));
    const moves = [move(PROOF_SEED_CELLS + 1, 0), move(4, 2), ...full, move(2, 4), move(6, 6)];
    const given = movesForProof(moves);
    // The three narrow ones first, narrowest first, then the widest allowed while the budget lasts;
    // the one wider than that never.
    expect(given.slice(0, 3).map((d) => d.steps[0])).toEqual([4, 2, 6]);
    expect(given.length).toBe(3 + Math.floor((PROOF_SEED_ENTRIES - 12) / PROOF_SEED_CELLS));
    expect(given.some((d) => d.steps[0] === 0)).toBe(false);
    expect(given.reduce((n, d) => n + d.bases.length, 0)).toBeLessThanOrEqual(PROOF_SEED_ENTRIES);
    expect(movesForProof([])).toEqual([]);
  });
});
