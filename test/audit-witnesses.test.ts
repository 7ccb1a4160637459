import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { buildProblem, type Problem } from '../src/stats/releases/cube.ts';
import { Attacker, highs, type AuditResult, type Direction, type Pattern } from '../src/stats/releases/attack.ts';
import { buildProof } from '../src/stats/releases/proof.ts';
import { protectRelease } from '../src/stats/releases/protect.ts';
import { baseRows, RULES, type Contribution } from './support/cubes.ts';

// The insider audit proves most sides with witnesses (attack.ts InsiderWitnesses: every table an
// audit LP returns, moved back towards the truth until it agrees with what the insider knows) and
// solves an LP only for the rest. It must reach the verdict of the plain insider audit, which
// solves two LPs for every side: the same exposures, the same exact expressions.

const P1 = '23';
const P2 = '10';

const patternOf = (problem: Problem): Pattern => new Map(problem.releases.map((r) => [r.id, r.published ?? new Set<string>()]));

async function audit(problem: Problem, witnesses: boolean, directions: readonly Direction[] = []): Promise<AuditResult> {
  const attacker = new Attacker(await highs(), problem);
  try {
    return await attacker.run(patternOf(problem), problem.measures, { insiderWitnesses: witnesses, directions });
  } finally {
    attacker.dispose();
  }
}

const sides = (r: AuditResult) => r.exposures.filter((e) => e.insider !== undefined).map((e) => `${e.target}|${e.measure}|${e.direction}|${e.insider}`).sort();
const allSides = (r: AuditResult) => r.exposures.map((e) => `${e.target}|${e.measure}|${e.direction}|${e.insider ?? ''}`).sort();

/** Random cells of one release: a province, a class, the owners of its units (shared across cells), a production value. */
const cellsArbitrary = fc.array(fc.record({ p: fc.constantFrom(P1, P2), cls: fc.constantFrom('1071', '1072', '1073', '1074'), owners: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }), pv: fc.integer({ min: 1, max: 60 }) }), { minLength: 2, maxLength: 8 });

function contributionsOf(cells: readonly { p: string; cls: string; owners: number[]; pv: number }[]): Contribution[] {
  let u = 1;
  const c: Contribution[] = [];
  for (const cell of cells) {
    for (const [k, owner] of cell.owners.entries()) c.push({ release: 1, unit: u++, owner, month: '1404-01', province: cell.p, cls: cell.cls, pv: cell.pv + 7 * k });
  }
  return c;
}

describe('the audit with witnesses (issue 21)', () => {
  it('random cubes with shared owners, random patterns: the same exposures and exact expressions as an LP for every side', async () => {
    let swept = 0;
    let lpSides = 0;
    let exposed = 0;
    await fc.assert(fc.asyncProperty(
      cellsArbitrary,
      fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
      fc.boolean(),
      async (cells, hidden, outsiderProtected) => {
        const c = contributionsOf(cells);
        const open = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
        // A random pattern, or one protected against the outsider only: there the insiders' sides lie
        // near their levels, where a witness that ignored what the insider knows would be wrong.
        const keys = [...open.cells.get(1)!.keys()].sort();
        const published = outsiderProtected ? (await protectRelease(open, 1, { insiders: false, cleanupSeconds: 1 })).published : new Set(keys.filter((_, i) => !hidden[i % hidden.length]));
        const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published }], RULES);
        const fast = await audit(problem, true);
        const plain = await audit(problem, false);
        expect(sides(fast)).toEqual(sides(plain));
        expect([...fast.insiders.exact].sort()).toEqual([...plain.insiders.exact].sort());
        expect(plain.insiders.swept).toBe(0);
        swept += fast.insiders.swept;
        lpSides += plain.lps - fast.lps;
        exposed += sides(plain).length;
      },
    ), { numRuns: 200 });
    // Not vacuous: the witnesses proved sides, and some patterns left insiders something to find.
    expect(swept).toBeGreaterThan(0);
    expect(lpSides).toBeGreaterThan(0);
    expect(exposed).toBeGreaterThan(0);
  }, 180_000);

  it('directions tried before the LPs: those that keep the pattern prove sides, those that move a published cell are left out, and the verdict is the LPs\' alone', async () => {
    let kept = 0;
    let saved = 0;
    await fc.assert(fc.asyncProperty(
      cellsArbitrary,
      fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
      fc.array(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 12, maxLength: 12 }), { maxLength: 4 }),
      fc.boolean(),
      async (cells, hidden, junk, outsiderProtected) => {
        const c = contributionsOf(cells);
        const open = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
        const keys = [...open.cells.get(1)!.keys()].sort();
        const published = outsiderProtected ? (await protectRelease(open, 1, { insiders: false, cleanupSeconds: 1 })).published : new Set(keys.filter((_, i) => !hidden[i % hidden.length]));
        const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published }], RULES);
        // Moves that keep every published cell exactly: the stored proof's witnesses. And random
        // moves, which almost never do: were they tried, they would "prove" sides no table reaches.
        const { witnesses } = await buildProof(problem, patternOf(problem), 1);
        const valid: Direction[] = witnesses.map((w) => ({ bases: w.bases, steps: w.steps.map(Number) }));
        const random: Direction[] = junk.map((steps) => ({ bases: steps.map((_, b) => b).filter((b) => b < problem.bases.length && steps[b] !== 0), steps: steps.filter((v, b) => b < problem.bases.length && v !== 0) })).filter((d) => d.bases.length > 0);
        const plain = await audit(problem, true);
        const withMoves = await audit(problem, true, [...valid, ...random]);
        expect(allSides(withMoves)).toEqual(allSides(plain));
        expect(withMoves.directionsKept).toBeGreaterThanOrEqual(valid.length);
        kept += withMoves.directionsKept;
        saved += plain.lps - withMoves.lps;
      },
    ), { numRuns: 150 });
    expect(kept).toBeGreaterThan(0);
    expect(saved).toBeGreaterThan(0);
  }, 180_000);

  it('one attacker over patterns that hide more and more (protection\'s rounds), then one that publishes again, its model let go between some: each verdict is a fresh attacker\'s', async () => {
    let carried = 0;
    await fc.assert(fc.asyncProperty(
      cellsArbitrary,
      fc.array(fc.nat({ max: 40 }), { minLength: 8, maxLength: 12 }),
      async (cells, hideOrder) => {
        const c = contributionsOf(cells);
        const problem = buildProblem(baseRows(c), [{ id: 1, months: 1, published: null }], RULES);
        const keys = [...problem.cells.get(1)!.keys()].sort();
        const published = new Set(keys);
        const steps: Set<string>[] = [];
        for (const [i, h] of hideOrder.entries()) { published.delete(keys[h % keys.length]); if (i >= 4) steps.push(new Set(published)); }
        steps.push(new Set([...published, keys[hideOrder[0] % keys.length]])); // publishes a hidden cell again: nothing carried
        const reused = new Attacker(await highs(), problem);
        try {
          for (const [i, step] of steps.entries()) {
            // Every other step the model is let go and built again from its last basis (protect.ts, a large solver).
            if (i % 2 === 1) reused.letGo();
            const pattern: Pattern = new Map([[1, step]]);
            const mine = await reused.run(pattern, problem.measures);
            const fresh = new Attacker(await highs(), problem);
            try {
              const theirs = await fresh.run(pattern, problem.measures);
              expect(allSides(mine)).toEqual(allSides(theirs));
              expect([...mine.exactTargets].sort()).toEqual([...theirs.exactTargets].sort());
              carried += theirs.lps - mine.lps;
            } finally {
              fresh.dispose();
            }
          }
        } finally {
          reused.dispose();
        }
      },
    ), { numRuns: 60 });
    expect(carried).toBeGreaterThan(0);
  }, 180_000);
});
