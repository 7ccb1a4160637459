import type { LpMeasure, Problem } from '../../src/stats/releases/cube.ts';
import { publishedRows, type Pattern } from '../../src/stats/releases/attack.ts';

// The disclosure tests' oracle: an attacker that knows nothing of the engine but the published
// equations, enumerating integer tables.

/**
 * Every integer table consistent with what `pattern` publishes (and, for an insider, with its own
 * figures: a base cell it alone contributes to is known, one it shares is at least its amount):
 * the least and greatest value of each target (cells, parts and changes alike). Unknowns run up to
 * `cap` (small cubes: a cap too low could only make the brute force stricter, never hide a leak).
 */
export function bruteForce(problem: Problem, pattern: Pattern, m: LpMeasure, insider?: number, cap = 16): { lo: number; hi: number }[] {
  const rows = publishedRows(problem, pattern, m, 1);
  const n = problem.bases.length;
  const floor = new Array<number>(n).fill(0);
  const pinned = new Map<number, number>();
  for (let r = 0; r < rows.lower.length; r++) if (rows.starts[r + 1] - rows.starts[r] === 1) pinned.set(rows.indices[rows.starts[r]], rows.lower[r]);
  if (insider !== undefined) {
    for (const b of problem.bases) {
      const own = b.owners.get(insider);
      if (!own) continue;
      if (b.owners.size === 1) pinned.set(b.index, Number(own[m])); else floor[b.index] = Number(own[m]);
    }
  }
  const free = Array.from({ length: n }, (_, i) => i).filter((i) => !pinned.has(i));
  const bound = new Array<number>(n).fill(Infinity);
  for (let r = 0; r < rows.lower.length; r++) for (let k = rows.starts[r]; k < rows.starts[r + 1]; k++) bound[rows.indices[k]] = Math.min(bound[rows.indices[k]], rows.upper[r]);
  const x = new Array<number>(n).fill(0);
  for (const [i, v] of pinned) x[i] = v;
  const out = problem.targets.map(() => ({ lo: Infinity, hi: -Infinity }));
  const check = () => {
    for (let r = 0; r < rows.lower.length; r++) {
      let s = 0;
      for (let k = rows.starts[r]; k < rows.starts[r + 1]; k++) s += x[rows.indices[k]];
      if (s < rows.lower[r] || s > rows.upper[r]) return;
    }
    problem.targets.forEach((t, i) => {
      const v = t.bases.reduce((s, b) => s + x[b], 0) - t.minus.reduce((s, b) => s + x[b], 0);
      out[i].lo = Math.min(out[i].lo, v);
      out[i].hi = Math.max(out[i].hi, v);
    });
  };
  const walk = (k: number) => {
    if (k === free.length) return check();
    for (let v = floor[free[k]]; v <= Math.min(bound[free[k]], cap); v++) { x[free[k]] = v; walk(k + 1); }
  };
  walk(0);
  return out;
}

