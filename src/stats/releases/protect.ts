import type { Highs } from 'highs';
import { isSensitive, totalOf, type LpMeasure, type Problem } from './cube.ts';
import { attack, highs, measureScale, protectionLevels, publishedRows, type AuditResult, type Exposure, type Pattern } from './attack.ts';

// Secondary suppression for the release being built, protected jointly with every earlier release
// of its group (DESIGN §7). The method, after Fischetti & Salazar's protection-level model as
// τ-ARGUS and sdcTable use it:
//
// 1. Primary: every cell of the new release that fails the primary rule is suppressed.
// 2. Audit (attack.ts). For every (sensitive expression, measure, side) still inside its interval,
//    solve the protection LP: find the cheapest perturbation of the base cells that moves the
//    expression by its protection level while every published cell of the earlier releases stays
//    as published, every published cell of the new release either stays or is paid for (its value
//    as the cost: the information lost), and no value goes negative. The cells it pays for are
//    suppressed: the perturbed table is then itself a table the attacker cannot rule out, so that
//    side of that expression is protected. Repeat 2 until the audit finds nothing.
// 3. Clean-up: try to publish again each secondary cell, largest first; keep it published when the
//    full audit still passes (a suppression chosen for one cell is often made redundant by a later one).
//
// The audit that ends the loop is the one stored with the release: nothing is stored that the
// attacker can narrow to within its interval.

export interface Protection {
  published: Set<string>;
  primary: Set<string>;
  secondary: Set<string>;
  audit: AuditResult;
  auditSeconds: number; // spent in the attacker, every round and the clean-up included
}

export class ProtectionFailure extends Error {}

export interface ProtectOptions {
  cleanupSeconds?: number; // time the clean-up may take (default 20 s)
  maxRounds?: number;
}

export async function protectRelease(problem: Problem, releaseId: number, opts: ProtectOptions = {}): Promise<Protection> {
  const cells = problem.cells.get(releaseId);
  if (!cells) throw new Error(`release ${releaseId} is not part of the problem`);
  const primary = new Set<string>();
  for (const c of cells.values()) if (isSensitive(c.bases.map((i) => problem.bases[i]), problem.rules)) primary.add(c.key);
  const published = new Set([...cells.keys()].filter((k) => !primary.has(k)));
  const secondary = new Set<string>();
  const patternWith = (pub: ReadonlySet<string>): Pattern => {
    const p = new Map<number, ReadonlySet<string>>();
    for (const rel of problem.releases) p.set(rel.id, rel.id === releaseId ? pub : rel.published ?? new Set());
    return p;
  };
  const weight = cellWeights(problem, releaseId);
  const h = await highs();
  let auditSeconds = 0;
  const audited = async (pattern: Pattern) => {
    const t = performance.now();
    const r = await attack(problem, pattern);
    auditSeconds += (performance.now() - t) / 1000;
    return r;
  };

  let audit = await audited(patternWith(published));
  for (let round = 0; audit.exposures.length > 0; round++) {
    if (round >= (opts.maxRounds ?? 100)) throw new ProtectionFailure('حفاظت جدول پس از دفعات بسیار به نتیجه نرسید.');
    let added = 0;
    for (const e of audit.exposures) {
      const add = repair(h, problem, releaseId, published, weight, e);
      await new Promise((resolve) => setImmediate(resolve));
      for (const key of add) { published.delete(key); secondary.add(key); added++; }
    }
    if (added === 0) throw new ProtectionFailure('حفاظت جدول به دقت عددی کافی نرسید؛ هیچ خانه تازه‌ای برای پنهان کردن یافت نشد.');
    audit = await audited(patternWith(published));
  }

  const deadline = Date.now() + 1000 * (opts.cleanupSeconds ?? 20);
  for (const key of [...secondary].sort((a, b) => weight.get(b)! - weight.get(a)!)) {
    if (Date.now() > deadline) break;
    const trial = new Set(published).add(key);
    const result = await audited(patternWith(trial));
    if (result.exposures.length === 0) {
      published.add(key);
      secondary.delete(key);
      audit = result;
    }
  }
  return { published, primary, secondary, audit, auditSeconds: Math.round(auditSeconds * 1000) / 1000 };
}

/** Information lost by suppressing a cell: its production value (scaled), plus one so that no cell is free. */
function cellWeights(problem: Problem, releaseId: number): Map<string, number> {
  const scale = measureScale(problem, 'production_value');
  const out = new Map<string, number>();
  for (const c of problem.cells.get(releaseId)!.values()) {
    out.set(c.key, 1 + Number(totalOf(c.bases.map((i) => problem.bases[i])).production_value) / scale);
  }
  return out;
}

/** The protection LP for one exposure: the cells of the new release to suppress. */
function repair(h: Highs, problem: Problem, releaseId: number, published: ReadonlySet<string>, weight: ReadonlyMap<string, number>, e: Exposure): string[] {
  const m: LpMeasure = e.measure;
  const target = problem.targets[e.target];
  const scale = measureScale(problem, m);
  const n = problem.bases.length;
  const truth = problem.bases.map((b) => Number(b.total[m]) / scale);
  const x = Number(target.truth[m]);
  const levels = protectionLevels(x, problem.rules.interval);

  // Rows of the earlier releases: their published cells may not move (within employees' rounding).
  const earlier = new Map<number, ReadonlySet<string>>();
  for (const rel of problem.releases) if (rel.id !== releaseId) earlier.set(rel.id, rel.published ?? new Set());
  const fixed = publishedRows(problem, earlier, m, scale);
  const starts = [...fixed.starts];
  const indices = [...fixed.indices];
  const values: number[] = indices.map(() => 1);
  const rowLower: number[] = [];
  const rowUpper: number[] = [];
  for (let r = 0; r < fixed.lower.length; r++) {
    let base = 0;
    for (let k = fixed.starts[r]; k < fixed.starts[r + 1]; k++) base += truth[fixed.indices[k]];
    rowLower.push(fixed.lower[r] - base);
    rowUpper.push(fixed.upper[r] - base);
  }
  // Rows of the new release's published cells: a change is paid through its slack pair.
  const cells = problem.cells.get(releaseId)!;
  const slackKeys = [...published].filter((k) => cells.has(k));
  slackKeys.forEach((key, j) => {
    for (const b of cells.get(key)!.bases) { indices.push(b); values.push(1); }
    indices.push(n + 2 * j, n + 2 * j + 1);
    values.push(-1, 1);
    starts.push(indices.length);
    rowLower.push(0);
    rowUpper.push(0);
  });
  // The target moved by its protection level.
  for (const b of target.bases) { indices.push(b); values.push(1); }
  starts.push(indices.length);
  if (e.direction === 'up') { rowLower.push((levels.up - x) / scale); rowUpper.push(Infinity); } else { rowLower.push(-Infinity); rowUpper.push((levels.down - x) / scale); }

  const numCols = n + 2 * slackKeys.length;
  const cap = 10 * truth.reduce((s, v) => s + v, 0) + 10;
  const colCost = new Float64Array(numCols);
  const colLower = new Float64Array(numCols);
  const colUpper = new Float64Array(numCols).fill(cap);
  for (let b = 0; b < n; b++) colLower[b] = -truth[b];
  slackKeys.forEach((key, j) => { colCost[n + 2 * j] = weight.get(key)!; colCost[n + 2 * j + 1] = weight.get(key)!; });
  const inf = h.infinity;
  const model = h.createModel({
    numCols,
    numRows: rowLower.length,
    sense: h.constants.objectiveSense.minimize,
    colCost, colLower, colUpper,
    rowLower: rowLower.map((v) => (v === -Infinity ? -inf : v)),
    rowUpper: rowUpper.map((v) => (v === Infinity ? inf : v)),
    matrix: { format: 'csr', numRows: rowLower.length, numCols, starts, indices, values },
  });
  try {
    model.options.set({ output_flag: false });
    model.run();
    const status = model.getModelStatus();
    if (status === h.constants.modelStatus.infeasible) {
      throw new ProtectionFailure('یکی از خانه‌های محرمانه را انتشارهای پیشین این دوره آشکار می‌کنند و با پنهان کردن خانه‌های این انتشار پوشیده نمی‌شود.');
    }
    if (status !== h.constants.modelStatus.optimal) throw new Error(`the protection linear programme ended with status ${status}`);
    const sol = model.getSolution().colValue;
    const add: string[] = [];
    slackKeys.forEach((key, j) => { if (sol[n + 2 * j] + sol[n + 2 * j + 1] > 1e-7) add.push(key); });
    return add;
  } finally {
    model.dispose();
  }
}
