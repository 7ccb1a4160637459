import type { Highs, Model } from 'highs';
import { highs, measureScale, publishedCellsOf, riseAndFall, targetLevels, type Direction, type Pattern } from './attack.ts';
import { allowanceKey, levelOn, type BaseCell, type LpMeasure, type Problem, type Side, type Target } from './cube.ts';

// The stored proof of a release (issue 21): for every sensitive expression, measure and side, a
// *witness* — a table the attacker of DESIGN §7 cannot rule out, in which the expression lies at
// or beyond its protection level. Anyone can re-check it with integer arithmetic, no solver.
//
// A witness is stored as a sparse integer *direction* d over base cells: every published cell of
// every release of the group sums d to exactly zero, so the true table moved by k·d (k > 0)
// publishes exactly what was published — for every measure at once, money, quantities and the
// employees' rounded averages alike. Moving as far as non-negativity allows in measure m gives the
// step k_m = min over cells that d lowers of truth_m / |d|, a fraction computed by the checker
// itself; an expression T is then protected upwards by d when k_m · Σ_T d ≥ its level in m (the
// rule's level with the interval as a floor, issue 22; a change between releases counts its later
// cells +1 and its earlier ones −1), and downwards by −d, or by d when Σ_T d < 0. Nothing in the
// check is a float. The proof answers for the outside attacker; the insiders of issue 22 (a
// contributor that knows its own figures) are in the LP audit, not in the witnesses.
//
// The witnesses are found after protection, on the problem exactly as the checker rebuilds it
// from stored contributions (no foresight releases): for each (expression, measure, side) that no
// witness found so far covers, a small LP asks for the least total movement (L1, so the direction
// is sparse) that keeps every published cell and pushes the expression past its level; the float
// solution is made exact by integer Gaussian elimination on its support (the free cells rounded,
// the others solved for exactly), and checked exactly before it is kept. A side the attacker
// reaches exactly at its level, no further, has no direction past it: a second LP asks for the
// level itself, and its solution is solved for exactly with the cells it empties and the
// expression's shift as right-hand sides (`exactDirectionAtLevel`).

export interface Witness { bases: number[]; steps: bigint[] }

/** What is stored (release_proofs.proof): base cells by identity, witnesses as index lists and integer steps. */
export interface StoredProof {
  version: 1;
  keys: string[]; // `province|category|sig`, the release itself written as 0 in its signature
  witnesses: { b: number[]; s: string[] }[];
  /**
   * Sides the earlier releases already pinned closer than their level (protect.ts `Allowance`):
   * the expression by identity, the measure, the side and the shift answered for instead of the
   * level. The checker holds the witnesses to that shift and counts these sides apart; that the
   * earlier releases pin them is the protection LP's finding, which needs a solver to re-check.
   */
  allowed?: StoredAllowance[];
}

export interface StoredAllowance { e: string; m: LpMeasure; side: Side; shift: string }

/** An expression's identity across problems: its base cells' identities, those it subtracts after a minus sign. */
export function expressionIdentity(problem: Problem, t: Target, self: number): string {
  const ids = (list: readonly number[]) => [...new Set(list.map((b) => baseIdentity(problem.bases[b], self)))].sort().join(';');
  return t.minus.length ? `${ids(t.bases)}−${ids(t.minus)}` : ids(t.bases);
}

/** The outside attacker's allowances the protection set on a problem's expressions (protect.ts), as the proof stores them. */
export function storedAllowances(problem: Problem, self: number): StoredAllowance[] {
  const out: StoredAllowance[] = [];
  for (const t of problem.targets) {
    if (!t.allowed || t.foresight) continue;
    for (const [key, shift] of t.allowed) {
      const [m, side, insider] = key.split('|') as [LpMeasure, Side, string | undefined];
      if (insider === undefined) out.push({ e: expressionIdentity(problem, t, self), m, side, shift: shift.toString() });
    }
  }
  return out;
}

/** Sets the stored allowances on the problem's expressions (matched by identity); the number of sides they hold. */
export function applyAllowances(problem: Problem, allowed: readonly StoredAllowance[], self: number): number {
  if (allowed.length === 0) return 0;
  const byIdentity = new Map<string, number[]>();
  problem.targets.forEach((t, i) => {
    const id = expressionIdentity(problem, t, self);
    const list = byIdentity.get(id);
    if (list) list.push(i); else byIdentity.set(id, [i]);
  });
  let held = 0;
  for (const a of allowed) {
    for (const i of byIdentity.get(a.e) ?? []) {
      (problem.targets[i].allowed ??= new Map()).set(allowanceKey(a.m, a.side), BigInt(a.shift));
      held++;
    }
  }
  return held;
}

export interface ProofSummary { expressions: number; sides: number; witnesses: number; lps: number; uncovered: number; seconds: number }

/** A base cell's identity, the same when the release is built (id 0) and when it is stored (its id). */
export function baseIdentity(b: Pick<BaseCell, 'province' | 'category' | 'sig'>, self: number): string {
  const sig = b.sig.filter((id) => id >= 0).map((id) => (id === self ? 0 : id)).sort((x, y) => x - y);
  return `${b.province}|${b.category}|${sig.join(',')}`;
}

/** Every distinct set of base cells the pattern publishes (a published cell of any release of the problem). */
export function publishedSets(problem: Problem, pattern: Pattern): number[][] {
  const out = new Map<string, number[]>();
  for (const { cell } of publishedCellsOf(problem, pattern)) {
    const sorted = [...cell.bases].sort((a, b) => a - b);
    out.set(sorted.join(','), sorted);
  }
  return [...out.values()];
}

// ---- exact coverage ---------------------------------------------------------------------------

const SIDES = ['up', 'down'] as const satisfies readonly Side[];

/** Step limit k = num/den (den 0: unlimited) of a signed direction in one measure. */
interface Step { num: bigint; den: bigint }

function stepOf(w: Witness, sign: bigint, truth: (b: number) => bigint): Step {
  let best: Step = { num: 1n, den: 0n };
  for (let i = 0; i < w.bases.length; i++) {
    const s = sign * w.steps[i];
    if (s >= 0n) continue;
    const t = truth(w.bases[i]);
    const cand = { num: t, den: -s };
    if (best.den === 0n || cand.num * best.den < best.num * cand.den) best = cand;
  }
  return best;
}

/**
 * How far an expression must move on `side` in measure m: its level (cube.ts), and downwards no
 * further than to 0 for a sum (a sum of non-negative figures cannot go below; a change can).
 */
export function shiftNeeded(t: Target, m: LpMeasure, side: Side): bigint {
  const level = levelOn(t, m, side);
  if (side === 'up' || t.minus.length) return level;
  const x = t.truth[m];
  return level < x ? level : x;
}

/** Σ over the expression of a direction: its cells +1, the cells it subtracts −1. */
export function shiftOf(t: Target, step: ReadonlyMap<number, bigint>): bigint {
  let sum = 0n;
  for (const b of t.bases) sum += step.get(b) ?? 0n;
  for (const b of t.minus) sum -= step.get(b) ?? 0n;
  return sum;
}

/**
 * Whether moving the truth by k·(sign·d) with shift Σ_T d = `sum` moves an expression at least
 * `needed` on `side`: k·|sum| ≥ needed, in integers.
 */
function reaches(step: Step, sign: bigint, sum: bigint, needed: bigint, side: Side): boolean {
  const s = sign * sum;
  if (side === 'up' ? s <= 0n : s >= 0n) return false;
  if (step.den === 0n) return true;
  const abs = s < 0n ? -s : s;
  return step.num * abs >= needed * step.den;
}

/** The sensitive expressions the proof answers for: those of published releases (foresight ones are not part of the verdict). */
function provedTargets(problem: Problem): number[] {
  return problem.targets.map((_, i) => i).filter((i) => !problem.targets[i].foresight);
}

class Coverage {
  readonly need: Uint8Array[]; // per measure × side: 1 = still to cover
  private readonly targetsOfBase: number[][];
  private readonly truthOf: bigint[][]; // per measure, per base

  constructor(private readonly problem: Problem, targets: readonly number[]) {
    this.targetsOfBase = problem.bases.map(() => []);
    for (const t of targets) for (const b of [...problem.targets[t].bases, ...problem.targets[t].minus]) this.targetsOfBase[b].push(t);
    this.truthOf = problem.measures.map((m) => problem.bases.map((b) => b.total[m]));
    this.need = [];
    for (const m of problem.measures) {
      for (let s = 0; s < 2; s++) {
        const need = new Uint8Array(problem.targets.length);
        for (const t of targets) if (shiftNeeded(problem.targets[t], m, s === 0 ? 'up' : 'down') > 0n) need[t] = 1;
        this.need.push(need);
      }
    }
  }

  slot(mi: number, side: Side): Uint8Array { return this.need[mi * 2 + (side === 'up' ? 0 : 1)]; }

  /** Marks every (target, measure, side) the witness covers; returns how many. */
  apply(w: Witness): number {
    const step = new Map<number, bigint>();
    w.bases.forEach((b, i) => step.set(b, w.steps[i]));
    const touched = new Set<number>();
    for (const b of w.bases) for (const t of this.targetsOfBase[b]) touched.add(t);
    let covered = 0;
    this.problem.measures.forEach((m, mi) => {
      const truth = this.truthOf[mi];
      for (const sign of [1n, -1n]) {
        const k = stepOf(w, sign, (b) => truth[b]);
        if (k.den !== 0n && k.num === 0n) continue;
        for (const t of touched) {
          const target = this.problem.targets[t];
          const sum = shiftOf(target, step);
          if (sum === 0n) continue;
          for (const side of SIDES) {
            const need = this.slot(mi, side);
            if (need[t] && reaches(k, sign, sum, shiftNeeded(target, m, side), side)) { need[t] = 0; covered++; }
          }
        }
      }
    });
    return covered;
  }

  left(): { target: number; measure: LpMeasure; side: Side }[] {
    const out: { target: number; measure: LpMeasure; side: Side }[] = [];
    this.problem.measures.forEach((m, mi) => {
      for (const side of SIDES) this.slot(mi, side).forEach((v, t) => { if (v) out.push({ target: t, measure: m, side }); });
    });
    return out;
  }
}

// ---- the checker ------------------------------------------------------------------------------

export interface ProofCheck { ok: boolean; witnesses: number; expressions: number; sides: number; held: number; failures: string[] }

/**
 * Re-checks a stored proof against a problem rebuilt from stored data and the published pattern:
 * every witness keeps every published cell, and every sensitive expression, measure and side is
 * pushed past its level by some witness. Integer arithmetic only.
 */
export function checkProof(problem: Problem, pattern: Pattern, proof: StoredProof, self: number): ProofCheck {
  const failures: string[] = [];
  const index = new Map<string, number>();
  for (const b of problem.bases) index.set(baseIdentity(b, self), b.index);
  const witnesses: Witness[] = [];
  if (proof.version !== 1 || !Array.isArray(proof.keys) || !Array.isArray(proof.witnesses) || (proof.allowed !== undefined && !Array.isArray(proof.allowed))) return { ok: false, witnesses: 0, expressions: 0, sides: 0, held: 0, failures: ['the proof is not in a known format'] };
  let held = 0;
  try { held = applyAllowances(problem, proof.allowed ?? [], self); } catch { return { ok: false, witnesses: 0, expressions: 0, sides: 0, held: 0, failures: ['an allowance of the proof is not an integer'] }; }
  const resolved = proof.keys.map((k) => index.get(k));
  const rows = publishedSets(problem, pattern);
  const rowsOfBase: number[][] = problem.bases.map(() => []);
  rows.forEach((r, i) => { for (const b of r) rowsOfBase[b].push(i); });
  proof.witnesses.forEach((raw, wi) => {
    if (raw.b.length !== raw.s.length || raw.b.length === 0) { failures.push(`witness ${wi}: malformed`); return; }
    const bases: number[] = [];
    const steps: bigint[] = [];
    const seen = new Set<number>();
    for (let i = 0; i < raw.b.length; i++) {
      const b = resolved[raw.b[i]];
      let s: bigint;
      try { s = BigInt(raw.s[i]); } catch { failures.push(`witness ${wi}: a step is not an integer`); return; }
      if (b === undefined) { failures.push(`witness ${wi}: base cell ${proof.keys[raw.b[i]] ?? raw.b[i]} is not in the stored data`); return; }
      if (seen.has(b) || s === 0n) { failures.push(`witness ${wi}: malformed`); return; }
      seen.add(b);
      bases.push(b);
      steps.push(s);
    }
    const changed = changedSet({ bases, steps }, rowsOfBase);
    if (changed) { const r = changed.row; failures.push(`witness ${wi} changes a published cell (base cells ${rows[r].slice(0, 5).map((b) => baseIdentity(problem.bases[b], self)).join(' + ')}${rows[r].length > 5 ? ' …' : ''}) by ${changed.sum}`); return; }
    witnesses.push({ bases, steps });
  });
  const targets = provedTargets(problem);
  const coverage = new Coverage(problem, targets);
  let sides = 0;
  for (const need of coverage.need) for (const v of need) sides += v;
  if (failures.length === 0) for (const w of witnesses) coverage.apply(w);
  const left = coverage.left();
  for (const l of left.slice(0, 10)) {
    const t = problem.targets[l.target];
    failures.push(`no witness moves ${t.cell}${t.part ? ' (part)' : ''} of release ${t.release === 0 ? self : t.release} ${l.side} in ${l.measure}`);
  }
  if (left.length > 10) failures.push(`… and ${left.length - 10} more uncovered sides`);
  return { ok: failures.length === 0, witnesses: witnesses.length, expressions: targets.length, sides, held, failures };
}

// ---- the builder ------------------------------------------------------------------------------

/**
 * The witness LP of one measure: columns p_b, n_b ≥ 0 per free base cell (d = p − n, n ≤ truth so
 * that nothing goes negative), every published set of base cells an equality (its sum of d is
 * 0), cost Σ p + n. Base cells published alone are constants and left out; sets that are equal
 * once those are left out are one row. Each request adds the expression's row, solves from the
 * logical basis and removes it.
 */
class WitnessModel {
  private readonly model: Model;
  private readonly col = new Map<number, number>(); // base → index among free bases
  private readonly free: number[];
  private readonly rows: number;
  readonly scale: number;

  constructor(private readonly h: Highs, private readonly problem: Problem, readonly measure: LpMeasure, rows: readonly number[][], fixed: ReadonlySet<number>) {
    this.scale = measureScale(problem, measure);
    this.free = problem.bases.map((b) => b.index).filter((b) => !fixed.has(b));
    this.free.forEach((b, j) => this.col.set(b, j));
    const nf = this.free.length;
    const distinct = new Map<string, number[]>();
    for (const r of rows) {
      const cols = r.filter((b) => !fixed.has(b)).map((b) => this.col.get(b)!);
      if (cols.length === 0) continue;
      distinct.set(cols.join(','), cols);
    }
    const starts = [0];
    const indices: number[] = [];
    const values: number[] = [];
    for (const cols of distinct.values()) {
      for (const j of cols) { indices.push(j, nf + j); values.push(1, -1); }
      starts.push(indices.length);
    }
    this.rows = distinct.size;
    const numCols = 2 * nf;
    const total = problem.bases.reduce((s, b) => s + Number(b.total[measure]), 0) / this.scale;
    const colUpper = new Float64Array(numCols);
    for (let j = 0; j < nf; j++) {
      colUpper[j] = 10 * total + 10;
      colUpper[nf + j] = Number(problem.bases[this.free[j]].total[measure]) / this.scale;
    }
    this.model = h.createModel({
      numCols, numRows: this.rows, sense: h.constants.objectiveSense.minimize,
      colCost: new Float64Array(numCols).fill(1), colLower: new Float64Array(numCols), colUpper,
      rowLower: new Float64Array(this.rows), rowUpper: new Float64Array(this.rows),
      matrix: { format: 'csr', numRows: this.rows, numCols, starts, indices, values },
    });
    // Every witness LP starts from the logical basis (d = 0, every set kept: only the expression's
    // row to satisfy) with presolve off. Its witness is sparse, so the dual simplex reaches it in
    // a few pivots on a basis that stays nearly the identity. From the last witness's basis, as
    // before, it first undid that witness on a dense factor (measured on a national final's
    // proof: 64 ms and 200 iterations a witness, against 20 ms and 130); from the logical basis
    // with presolve on, each run presolved the whole model (300 ms).
    this.model.options.set({ output_flag: false, presolve: 'off' });
  }

  /**
   * The least movement pushing target `t` past its level on `side`, or null when none exists: with
   * a small margin (`margin`), or to the level exactly (`atLevel`, made exact by
   * `exactDirectionAtLevel`). Scaled: the measure's unit divided by `scale`.
   */
  solve(t: number, side: Side, reach: 'margin' | 'atLevel' = 'margin', fresh = false): Map<number, number> | null {
    const target = this.problem.targets[t];
    const terms = [...target.bases.map((b) => [b, 1] as const), ...target.minus.map((b) => [b, -1] as const)].filter(([b]) => this.col.has(b));
    if (terms.length === 0) return null;
    const x = Number(target.truth[this.measure]);
    const levels = targetLevels(target, this.measure);
    // A margin over the level: the exact direction is the float one rounded, and must still reach it.
    const need = reach === 'atLevel'
      ? Number(shiftNeeded(target, this.measure, side)) / this.scale
      : ((side === 'up' ? levels.up - x : x - levels.down) * 1.00005 + 1e-9 * Math.max(1, Math.abs(x))) / this.scale;
    const nf = this.free.length;
    const inf = this.h.infinity;
    const [lo, hi] = side === 'up' ? [need, inf] : [-inf, -need];
    // d = d⁺ − d⁻ over the free cells: a term's coefficient on both halves.
    this.model.addRow(lo, hi, riseAndFall({ indices: terms.map(([b]) => this.col.get(b)!), values: terms.map(([, c]) => c) }, nf));
    try {
      if (fresh) {
        // Another path to the same LP (buildProof's last try for a side): from scratch, presolved.
        this.model.clearSolver();
        this.model.options.set({ presolve: 'on' });
      } else this.model.setLogicalBasis();
      this.model.run();
      const status = this.model.getModelStatus();
      if (status !== this.h.constants.modelStatus.optimal) return null;
      const sol = this.model.getSolution().colValue;
      const d = new Map<number, number>();
      for (let j = 0; j < nf; j++) {
        const v = sol[j] - sol[nf + j];
        if (v !== 0) d.set(this.free[j], v);
      }
      return d;
    } finally {
      if (fresh) this.model.options.set({ presolve: 'off' });
      this.model.deleteRows({ kind: 'range', from: this.rows, to: this.rows });
    }
  }

  /** Cells the float solution drove to zero in this measure: kept exact (free) in the elimination. */
  atBound(d: ReadonlyMap<number, number>): Set<number> {
    const out = new Set<number>();
    for (const [b, v] of d) {
      const t = Number(this.problem.bases[b].total[this.measure]) / this.scale;
      if (v < 0 && Math.abs(v + t) <= 1e-9 * Math.max(1, t)) out.add(b);
    }
    return out;
  }

  /**
   * The exact integer direction of a float solution asked to reach the level exactly: the cells it
   * drove to zero pinned at −truth, the expression moved by exactly its needed shift.
   */
  exactAtLevel(t: number, side: Side, d: ReadonlyMap<number, number>, rowsOfBase: readonly number[][], rows: readonly number[][]): Witness | null {
    const target = this.problem.targets[t];
    const pinned = new Map<number, bigint>();
    for (const b of this.atBound(d)) pinned.set(b, -this.problem.bases[b].total[this.measure]);
    const unscaled = new Map<number, number>();
    for (const [b, v] of d) unscaled.set(b, v * this.scale);
    const terms = [...target.bases.map((b) => [b, 1n] as const), ...target.minus.map((b) => [b, -1n] as const)];
    const needed = shiftNeeded(target, this.measure, side);
    return exactDirectionAtLevel(unscaled, rowsOfBase, rows, pinned, { terms, shift: side === 'up' ? needed : -needed });
  }

  dispose(): void { this.model.dispose(); }
}

const gcd = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
};

/** One linear equation over the columns of a support: Σ coef_c · y_c = rhs, in integers. */
interface Equation { coef: Map<number, bigint>; rhs: bigint }

/**
 * Gaussian elimination in integers, fraction-free, to row echelon form: each equation is reduced
 * by the pivots so far, in the order they were made, and, when anything is left, becomes the pivot
 * of its least column. A pivot keeps the columns of the pivots made after it (no Jordan step: back
 * substitution needs none, and the pivots stay sparser); reducing by the pivots in order still
 * clears them all, since each pivot holds none of the earlier ones'. It did not make a national
 * release's widest moves cheaper (measured: the same 494 of 607 moves within 50 ms each).
 * Null when an equation reduces to 0 = c ≠ 0: the system has no solution.
 */
function eliminate(equations: Iterable<Equation>): { col: number; eq: Equation }[] | null {
  const pivots: { col: number; eq: Equation }[] = [];
  for (let eq of equations) {
    for (const p of pivots) {
      const b = eq.coef.get(p.col);
      if (b) eq = combine(p.eq.coef.get(p.col)!, eq, b, p.eq);
    }
    if (eq.coef.size === 0) {
      if (eq.rhs !== 0n) return null;
      continue;
    }
    pivots.push({ col: Math.min(...eq.coef.keys()), eq });
  }
  return pivots;
}

/**
 * The integer direction over `support` (column c is base cell support[c]) that gives every
 * non-pivot column `free(c)` and solves the pivots exactly, by back substitution from the last
 * pivot (whose equation holds no other pivot's column) to the first: every value is kept as an
 * integer multiple of a common scale, raised whenever a pivot's coefficient does not divide, then
 * the whole divided by the gcd of its entries (a witness's step is relative: the checker's k
 * scales inversely). Null when every entry is 0.
 */
function solvedDirection(support: readonly number[], pivots: readonly { col: number; eq: Equation }[], free: (c: number) => bigint): Witness | null {
  const pivotCols = new Set(pivots.map((p) => p.col));
  const value = new Map<number, bigint>();
  for (let c = 0; c < support.length; c++) if (!pivotCols.has(c)) value.set(c, free(c));
  let scale = 1n;
  for (let i = pivots.length - 1; i >= 0; i--) {
    const { col, eq } = pivots[i];
    const a = eq.coef.get(col)!;
    let num = eq.rhs * scale;
    for (const [c, coef] of eq.coef) if (c !== col) num -= coef * value.get(c)!;
    const f = (a < 0n ? -a : a) / gcd(num, a);
    if (f > 1n) {
      for (const [c, v] of value) value.set(c, v * f);
      scale *= f;
      num *= f;
    }
    value.set(col, num / a);
  }
  let g = 0n;
  for (const v of value.values()) g = gcd(g, v);
  if (g === 0n) return null;
  const bases: number[] = [];
  const steps: bigint[] = [];
  for (const [c, v] of [...value].sort((x, y) => support[x[0]] - support[y[0]])) {
    if (v === 0n) continue;
    bases.push(support[c]);
    steps.push(v / g);
  }
  return { bases, steps };
}

/** The published sets that touch `order`'s cells, restricted to them, each once: Σ y = 0. */
function keptSets(order: ReadonlyMap<number, number>, rowsOfBase: readonly number[][], rows: readonly number[][]): Equation[] {
  const touched = new Set<number>();
  for (const b of order.keys()) for (const r of rowsOfBase[b]) touched.add(r);
  const out: Equation[] = [];
  const seen = new Set<string>();
  for (const r of touched) {
    const cols = rows[r].filter((b) => order.has(b)).map((b) => order.get(b)!).sort((a, b) => a - b);
    const key = cols.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ coef: new Map(cols.map((c) => [c, 1n])), rhs: 0n });
  }
  return out;
}

/**
 * An integer direction that keeps every published set exactly, close to the float `d`: Gaussian
 * elimination in integers over the sets that touch d's support (restricted to it), the free cells
 * set to d rounded (on a 2^-40 grid of its largest entry), the pivots solved for exactly.
 */
export function exactDirection(d: ReadonlyMap<number, number>, rowsOfBase: readonly number[][], rows: readonly number[][], last: ReadonlySet<number> = new Set()): Witness | null {
  let max = 0;
  for (const v of d.values()) max = Math.max(max, Math.abs(v));
  if (max === 0) return null;
  const support = [...d.keys()].filter((b) => Math.abs(d.get(b)!) > 1e-9 * max);
  // Pivots are taken in this order: cells driven to zero last, so that their (exact) share stays as rounded.
  support.sort((a, b) => Number(last.has(a)) - Number(last.has(b)) || a - b);
  const order = new Map(support.map((b, i) => [b, i]));
  const pivots = eliminate(keptSets(order, rowsOfBase, rows))!; // homogeneous: never inconsistent
  const grid = 2 ** 40;
  return solvedDirection(support, pivots, (c) => BigInt(Math.round((d.get(support[c])! / max) * grid)));
}

/**
 * An integer direction that moves an expression by exactly its needed shift, for a side whose
 * attacker reaches exactly its level and no further (the margin `exactDirection`'s LP asks for is
 * then out of reach; employees are small integers, so this is common). `d` is the float direction
 * in the measure's own units; `pinned` the cells it drives to zero, with their exact values (−truth);
 * `expression` the expression's terms (+1, or −1 for a cell a change subtracts) and the signed
 * shift Σ_T d must make. Solved in integers with these as right-hand sides — the published sets
 * sum to 0, each pinned cell equals its value, the expression moves by the shift — the free cells
 * set to d rounded (on a grid 2^40 times finer than its largest entry), the pivots solved exactly.
 * At step k = 1 the pinned cells reach 0 and the expression its level exactly, which the checker's
 * k·|Σ_T d| ≥ needed allows. Null when the equations have no common solution (d was not at a
 * vertex of them); the caller checks what the direction covers exactly.
 */
export function exactDirectionAtLevel(d: ReadonlyMap<number, number>, rowsOfBase: readonly number[][], rows: readonly number[][], pinned: ReadonlyMap<number, bigint>, expression: { terms: readonly (readonly [number, bigint])[]; shift: bigint }): Witness | null {
  let max = 0;
  for (const v of d.values()) max = Math.max(max, Math.abs(v));
  if (max === 0) return null;
  const support = [...d.keys()].filter((b) => pinned.has(b) || Math.abs(d.get(b)!) > 1e-9 * max);
  // The pinned cells last, so that a published set pivots on a cell the float solution left inside its bounds.
  support.sort((a, b) => Number(pinned.has(a)) - Number(pinned.has(b)) || a - b);
  const order = new Map(support.map((b, i) => [b, i]));
  // Everything in units of 1/grid of the measure's unit, so that the rounded free cells are integers.
  const exponent = Math.max(0, 40 - Math.ceil(Math.log2(max)));
  const grid = 2n ** BigInt(exponent);
  const equations = keptSets(order, rowsOfBase, rows);
  for (const [b, v] of pinned) {
    const c = order.get(b);
    if (c !== undefined) equations.push({ coef: new Map([[c, 1n]]), rhs: v * grid });
  }
  const own = new Map<number, bigint>();
  for (const [b, coef] of expression.terms) {
    const c = order.get(b);
    if (c !== undefined) own.set(c, (own.get(c) ?? 0n) + coef);
  }
  for (const [c, v] of own) if (v === 0n) own.delete(c);
  equations.push({ coef: own, rhs: expression.shift * grid });
  const pivots = eliminate(equations);
  if (!pivots) return null;
  return solvedDirection(support, pivots, (c) => BigInt(Math.round(d.get(support[c])! * 2 ** exponent)));
}

/** a·eq − b·pivot, divided by the gcd of its coefficients and right-hand side (fraction-free elimination). */
function combine(a: bigint, eq: Equation, b: bigint, pivot: Equation): Equation {
  const coef = new Map<number, bigint>();
  for (const [c, v] of eq.coef) coef.set(c, a * v);
  for (const [c, v] of pivot.coef) {
    const s = (coef.get(c) ?? 0n) - b * v;
    if (s === 0n) coef.delete(c); else coef.set(c, s);
  }
  let rhs = a * eq.rhs - b * pivot.rhs;
  let g = rhs;
  for (const v of coef.values()) g = gcd(g, v);
  if (g > 1n) {
    for (const [c, v] of coef) coef.set(c, v / g);
    rhs /= g;
  }
  return { coef, rhs };
}

/** What a protection move's exact form may cost before the proof stops trying wider ones: about a witness LP's time at national scale. */
const SEED_MS = 50;

/**
 * Finds witnesses for every sensitive expression, measure and side of `problem` under `pattern`.
 * Returns the stored form (`self`: the id the release has in the problem, 0 while it is built)
 * and what it cost; `uncovered` counts sides no witness was found for (0 for a protected release).
 */

export async function buildProof(problem: Problem, pattern: Pattern, self: number, opts: { log?: (line: string) => void; allowed?: readonly StoredAllowance[]; only?: (target: number) => boolean; seeds?: readonly ReadonlyMap<number, number>[]; exact?: readonly Witness[] } = {}): Promise<{ proof: StoredProof; summary: ProofSummary; witnesses: Witness[] }> {
  const started = performance.now();
  const allowed = opts.allowed ?? [];
  applyAllowances(problem, allowed, self);
  const h = await highs();
  const rows = publishedSets(problem, pattern);
  const rowsOfBase: number[][] = problem.bases.map(() => []);
  rows.forEach((r, i) => { for (const b of r) rowsOfBase[b].push(i); });
  const fixed = new Set<number>();
  for (const r of rows) if (r.length === 1) fixed.add(r[0]);
  const targets = provedTargets(problem).filter((t) => !opts.only || opts.only(t));
  const coverage = new Coverage(problem, targets);
  let sides = 0;
  for (const need of coverage.need) for (const v of need) sides += v;
  const witnesses: Witness[] = [];
  let lps = 0;
  const pause = async () => new Promise((resolve) => setImmediate(resolve));
  // Exact witnesses found before (the linked releases' stored proofs, earlierWitnesses): checked
  // exactly against this pattern's published sets and kept where they cover a side, no elimination.
  let earlier = 0;
  for (const [i, w] of (opts.exact ?? []).entries()) {
    if (keepsAll(w, rowsOfBase) && coverage.apply(w) > 0) { witnesses.push(w); earlier++; }
    if (i % 200 === 199) await pause();
  }
  // Moves found before the proof (the protection's repair LPs, as the caller maps them onto this
  // problem) are made exact and kept where they cover a side: each one an LP saved. exactDirection
  // solves the pivots so that every published set sums to zero whatever the move was, and the
  // coverage is counted exactly, so a move is never trusted as it is. How many are tried depends on
  // time (below), so two proofs of one release may differ; each is checked the same way.
  let seeded = 0;
  let tried = 0;
  const seeding = performance.now();
  // Narrowest first: a wide move's exact form (fraction-free elimination over every set it touches)
  // can cost far more than the LP of a witness (a national final: 607 moves, 250 s), so the moves
  // are tried until one costs more than an LP would.
  for (const d of [...(opts.seeds ?? [])].sort((x, y) => x.size - y.size)) {
    tried++;
    const t0 = performance.now();
    const w = exactDirection(d, rowsOfBase, rows);
    if (w && coverage.apply(w) > 0) { witnesses.push(w); seeded++; }
    if (performance.now() - t0 > SEED_MS) break;
    if (tried % 20 === 0) await pause();
  }
  const seedSeconds = (performance.now() - seeding) / 1000;
  for (const [mi, m] of problem.measures.entries()) {
    let model: WitnessModel | null = null;
    try {
      for (const t of targets) {
        for (const side of SIDES) {
          if (!coverage.slot(mi, side)[t]) continue;
          model ??= new WitnessModel(h, problem, m, rows, fixed);
          // The margin first; then the level itself: the attacker may reach the level exactly and no
          // further (small integers: employees, a sum whose level takes it to 0), where the margin is
          // out of reach or its rounding falls short, and that is solved for exactly. Both from the
          // logical basis, then, if neither found one (seen once in a national product family, whose
          // side the same LP covered when the proof was built again from the stored data), both from
          // scratch, presolved, before the side is left open.
          for (const fresh of [false, true]) {
            for (const reach of ['margin', 'atLevel'] as const) {
              if (!coverage.slot(mi, side)[t]) break;
              const d = model.solve(t, side, reach, fresh);
              lps++;
              const w = d && (reach === 'margin' ? exactDirection(d, rowsOfBase, rows, model.atBound(d)) : model.exactAtLevel(t, side, d, rowsOfBase, rows));
              if (w && coverage.apply(w) > 0) witnesses.push(w);
            }
          }
          // A side still open here may be covered by a later expression's witness: the sides left are counted at the end.
          if (lps % 50 === 0) await pause();
        }
      }
    } finally {
      model?.dispose();
    }
  }
  const uncovered = coverage.left().length;
  const summary: ProofSummary = { expressions: targets.length, sides, witnesses: witnesses.length, lps, uncovered, seconds: Math.round(performance.now() - started) / 1000 };
  opts.log?.(`proof: ${targets.length} expressions, ${sides} sides, ${witnesses.length} witnesses (${seeded} of ${tried} moves tried, ${opts.seeds?.length ?? 0} given, ${seedSeconds.toFixed(1)} s; ${earlier} of ${opts.exact?.length ?? 0} earlier releases' witnesses kept), ${lps} LPs, ${uncovered} uncovered, ${summary.seconds} s`);
  return { proof: storedProof(problem, witnesses, self, allowed), summary, witnesses };
}

/**
 * Witnesses found apart (proof-release.ts: halves of the expressions, in two threads) joined into
 * one proof: each half's summary added up, and the sides still uncovered counted over every
 * witness (one half's witness may cover the other's side).
 */
export function joinProofs(problem: Problem, self: number, parts: readonly { summary: ProofSummary; witnesses: Witness[] }[], allowed: readonly StoredAllowance[], seconds: number): { proof: StoredProof; summary: ProofSummary } {
  applyAllowances(problem, allowed, self);
  const targets = provedTargets(problem);
  const coverage = new Coverage(problem, targets);
  let sides = 0;
  for (const need of coverage.need) for (const v of need) sides += v;
  const witnesses = parts.flatMap((p) => p.witnesses);
  for (const w of witnesses) coverage.apply(w);
  const summary: ProofSummary = { expressions: targets.length, sides, witnesses: witnesses.length, lps: parts.reduce((n, p) => n + p.summary.lps, 0), uncovered: coverage.left().length, seconds };
  return { proof: storedProof(problem, witnesses, self, allowed), summary };
}

/** A proof as stored: only the base cells some witness moves, by identity, and integer steps as text. */
function storedProof(problem: Problem, witnesses: readonly Witness[], self: number, allowed: readonly StoredAllowance[]): StoredProof {
  const keyIndex = new Map<number, number>();
  const keys: string[] = [];
  const stored = witnesses.map((w) => ({
    b: w.bases.map((b) => {
      let i = keyIndex.get(b);
      if (i === undefined) { i = keys.length; keys.push(baseIdentity(problem.bases[b], self)); keyIndex.set(b, i); }
      return i;
    }),
    s: w.steps.map(String),
  }));
  return { version: 1, keys, witnesses: stored, ...(allowed.length ? { allowed: [...allowed] } : {}) };
}

/** A stored release's proof as a later release reads it: its id, the releases it was protected with, its witnesses. */
export interface EarlierProof { release: number; linked: readonly number[]; proof: Pick<StoredProof, 'keys' | 'witnesses'> }

/**
 * The witnesses of earlier releases' proofs over `problem`'s base cells, exact as stored. A base
 * cell of the problem is the stored one whose signature it has once the releases the earlier one
 * did not know are left out (the earlier release written as 0, as stored). A witness that moves a
 * cell the problem now splits in two, or lacks, is left out. Every witness kept what the earlier
 * releases published; whether it keeps what this problem publishes is checked where it is used
 * (the attacker's `keptDirections`, the proof's `keepsAll`) before it counts for anything.
 */
export function earlierWitnesses(problem: Problem, earlier: readonly EarlierProof[]): { witnesses: Witness[]; dropped: number } {
  const witnesses: Witness[] = [];
  let dropped = 0;
  for (const e of earlier) {
    const known = new Set([e.release, ...e.linked]);
    const byKey = new Map<string, number | null>(); // null: two cells of the problem have the key
    for (const b of problem.bases) {
      const sig = b.sig.filter((id) => known.has(id));
      if (sig.length === 0) continue;
      const key = baseIdentity({ province: b.province, category: b.category, sig }, e.release);
      byKey.set(key, byKey.has(key) ? null : b.index);
    }
    for (const w of e.proof.witnesses) {
      // A stored proof is data: a witness this problem cannot read is left out, never trusted or thrown on.
      const steps = stepsOf(w);
      const bases = Array.isArray(w.b) ? w.b.map((i) => byKey.get(e.proof.keys[i])) : [];
      if (!steps || steps.length !== bases.length || bases.length === 0 || bases.some((b) => b === undefined || b === null)) { dropped++; continue; }
      witnesses.push({ bases: bases as number[], steps });
    }
  }
  return { witnesses, dropped };
}

/** A stored witness's steps as integers, or null when one is not an integer. */
function stepsOf(w: { s: unknown }): bigint[] | null {
  if (!Array.isArray(w.s)) return null;
  const steps: bigint[] = [];
  for (const x of w.s) {
    if ((typeof x !== 'string' || !/^-?\d+$/.test(x)) && !(typeof x === 'number' && Number.isSafeInteger(x))) return null;
    steps.push(BigInt(x));
  }
  return steps;
}

/** The same as moves for the attacker and the repair (float steps). */
export function earlierWitnessDirections(problem: Problem, earlier: readonly EarlierProof[]): { directions: Direction[]; dropped: number } {
  const { witnesses, dropped } = earlierWitnesses(problem, earlier);
  return { directions: witnesses.map((w) => ({ bases: w.bases, steps: w.steps.map(Number) })), dropped };
}

/** The first published set (`rowsOfBase`: the sets each base cell is in) a direction does not sum to exactly zero over, with its sum; null when it keeps them all. */
function changedSet(w: Witness, rowsOfBase: readonly number[][]): { row: number; sum: bigint } | null {
  const sum = new Map<number, bigint>();
  w.bases.forEach((b, j) => { for (const r of rowsOfBase[b]) sum.set(r, (sum.get(r) ?? 0n) + w.steps[j]); });
  for (const [row, v] of sum) if (v !== 0n) return { row, sum: v };
  return null;
}

/** Whether a direction sums to exactly zero over every published set it touches (integer arithmetic; the checker's own test). */
export const keepsAll = (w: Witness, rowsOfBase: readonly number[][]): boolean => changedSet(w, rowsOfBase) === null;
