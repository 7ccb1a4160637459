import { describe, it, expect } from 'vitest';
import { buildProblem, cellKey, levelOn, type Problem, type ReleaseInProblem } from '../src/stats/releases/cube.ts';
import { protectRelease } from '../src/stats/releases/protect.ts';
import { attack } from '../src/stats/releases/attack.ts';
import { buildProof, checkProof, storedAllowances } from '../src/stats/releases/proof.ts';
import { patternOf } from '../src/stats/releases/proof-release.ts';
import { baseRows, units, RULES, type Contribution } from './support/cubes.ts';

// DESIGN §7, no dead ends: where the earlier releases of a group already pin a sensitive
// expression closer than its level (a release published under older, weaker rules), the release
// being built cannot undo that. It is protected everywhere else, holds those sides at what the
// earlier releases allow — narrowing them no further — and says so; the proof answers for the
// shift it held them to.

const P1 = '23';
const P2 = '10';

/**
 * Month 1404-01 as release 1 and its revision as release 2, same figures: cell (23, 1071) is
 * 1000 / 150 / 60 — it passes n ≥ 3 and (1, 85) dominance but fails the p % rule (60 < 10 % of
 * 1000). Release 1, published under an older method, hid it alone: its group (23, 107) minus its
 * sister class (23, 1072) gives it away exactly.
 */
function contributions(): Contribution[] {
  const c: Contribution[] = [];
  for (const release of [1, 2]) {
    c.push(
      { release, unit: 1, month: '1404-01', province: P1, cls: '1071', pv: 1000 },
      { release, unit: 2, month: '1404-01', province: P1, cls: '1071', pv: 150 },
      { release, unit: 3, month: '1404-01', province: P1, cls: '1071', pv: 60 },
      ...units(release, 10, 3, P1, '1072', 300), ...units(release, 20, 3, P2, '1071', 200), ...units(release, 30, 3, P2, '1072', 250),
    );
  }
  return c;
}

/** Release 1 as the older method published it (every cell but (23, 1071)), release 2 being built. */
function group(release2: ReadonlySet<string> | null): Problem {
  const rows = baseRows(contributions());
  const all = new Set(buildProblem(rows, [{ id: 1, months: 1, published: null }], RULES).cells.get(1)!.keys());
  all.delete(cellKey(P1, '1071'));
  const releases: ReleaseInProblem[] = [{ id: 1, months: 1, published: all }, { id: 2, months: 1, published: release2 ? new Set(release2) : null }];
  return buildProblem(rows, releases, RULES);
}

describe('held at what the earlier releases allow (DESIGN §7, no dead ends)', () => {
  it('a revision after a release that gave a p % cell away by differencing publishes, hides the cell, holds that expression and names the release that pins it', async () => {
    const problem = group(null);
    const pinned = problem.targets.findIndex((t) => t.cell === cellKey(P1, '1071') && t.kind === 'cell');
    expect(pinned).toBeGreaterThanOrEqual(0);
    expect(problem.targets[pinned].level.production_value).toBeGreaterThan(0n);

    const p = await protectRelease(problem, 2);
    // Its own cell fails the p % rule: hidden in the revision all the same.
    expect(p.primary.has(cellKey(P1, '1071'))).toBe(true);
    expect(p.published.has(cellKey(P1, '1071'))).toBe(false);
    // Held, not refused: release 1 pins it exactly, so what it allows is 0, on both sides.
    const held = p.allowances.filter((a) => a.target === pinned && a.measure === 'production_value' && a.insider === undefined);
    expect(held.map((a) => a.side).sort()).toEqual(['down', 'up']);
    for (const a of held) {
      expect(a.allowed).toBe(0n);
      expect(a.level).toBeGreaterThan(0);
      expect(a.blockers).toEqual([1]);
    }
    expect(levelOn(problem.targets[pinned], 'production_value', 'up')).toBe(0n);
    // Everything else is protected to its level: the audit finds no side inside its interval.
    expect(p.audit.inside).toBe(0);
    // Nothing else had to go: the revision publishes what release 1 published.
    expect(p.published.has(cellKey(P2, '1071'))).toBe(true);
    expect(p.published.has(cellKey(P1, '107'))).toBe(true);
  });

  it('a held side is narrowed no further than the earlier releases did: a fresh attacker over both releases agrees', async () => {
    const first = group(null);
    const p = await protectRelease(first, 2);
    const stored = group(p.published);
    // Without the allowances the attacker reports the given-away expression; with them nothing else is inside.
    const bare = await attack(stored, patternOf(stored));
    expect(bare.inside).toBeGreaterThan(0);
    const insideWithout = new Set(bare.insideTargets);
    for (const t of first.targets) {
      if (!t.allowed) continue;
      const i = stored.targets.findIndex((s) => s.key === t.key);
      stored.targets[i].allowed = new Map(t.allowed);
      insideWithout.delete(i);
    }
    const held = await attack(stored, patternOf(stored));
    expect(held.inside).toBe(0);
    expect(insideWithout.size).toBe(0);
  });

  it('the stored proof answers for the held shift, and the checker refuses it without the allowance', async () => {
    const first = group(null);
    const p = await protectRelease(first, 2);
    const allowed = storedAllowances(first, 2);
    expect(allowed.length).toBeGreaterThan(0);
    const stored = group(p.published);
    const { proof, summary } = await buildProof(stored, patternOf(stored), 2, { allowed });
    expect(summary.uncovered).toBe(0);
    const check = checkProof(group(p.published), patternOf(stored), proof, 2);
    expect(check.failures).toEqual([]);
    expect(check.held).toBeGreaterThan(0);
    const { allowed: _dropped, ...without } = proof;
    const refused = checkProof(group(p.published), patternOf(stored), without, 2);
    expect(refused.ok).toBe(false);
    expect(refused.failures.join('\n')).toMatch(/no witness moves 23\|1071/);
  });
});
