import highsModule, { type Highs } from 'highs';
import { LP_MEASURES, publishedValue, totalOf, type LpMeasure, type Problem } from './cube.ts';

// The attacker of DESIGN §7 (sdcTable's attack(), τ-ARGUS's audit): for each sensitive expression,
// the least and the greatest value it can take over every non-negative table that agrees with
// everything published (every unsuppressed cell of every release of the group, with all their
// additivity, which the base cells carry). Two linear programmes per expression and measure, on
// one HiGHS model per measure whose objective alone changes (each solve starts from the last basis).
//
// Most expressions never need their own programme: any feasible table the solver returns is a
// witness, and when it already puts an expression beyond its protection level that side is proven.
// So the audit first maximises (then minimises) all pending expressions together, then solves one
// by one only those still unproven, sweeping every solution over the rest.

// highs ships one .d.ts for its CommonJS and ES builds; under nodenext TypeScript reads it as
// CommonJS, while Node loads the ES build, whose default export is the loader itself.
const loadHighs = highsModule as unknown as () => Promise<Highs>;
let loading: Promise<Highs> | null = null;
export function highs(): Promise<Highs> {
  loading ??= loadHighs();
  return loading;
}

/** Which cells each release of the problem publishes (key `geo|isic`). */
export type Pattern = ReadonlyMap<number, ReadonlySet<string>>;

export interface Interval { lo: number; hi: number; loSolved: boolean; hiSolved: boolean }

export interface Exposure { target: number; measure: LpMeasure; direction: 'up' | 'down'; bound: number }

export interface AuditResult {
  intervals: Record<LpMeasure, Interval[]>; // per target, in the measure's own units
  exposures: Exposure[]; // (target, measure, side) whose bound lies inside the protection interval
  exact: number; // targets recovered exactly in some measure
  inside: number; // targets inside their interval in some measure (exact ones included)
  exactTargets: Set<number>;
  insideTargets: Set<number>;
  lps: number;
}

/**
 * Protection levels of a true value x: the attacker's bounds must reach x ± interval·|x|. As in
 * τ-ARGUS the levels are a share of the value, so a zero has none (it is not counted as exposed).
 */
export function protectionLevels(x: number, interval: number): { up: number; down: number } {
  const level = interval * Math.abs(x);
  return { up: x + level, down: x - level };
}

const tolerance = (x: number) => 1e-6 * Math.max(1, Math.abs(x));

/** Scale so that a typical base cell is about 1 (values span rials to national totals). */
export function measureScale(problem: Problem, m: LpMeasure): number {
  const values = problem.bases.map((b) => Number(b.total[m])).filter((v) => v > 0).sort((a, b) => a - b);
  return values.length ? values[Math.floor(values.length / 2)] : 1;
}

export interface PublishedRows { starts: number[]; indices: number[]; lower: number[]; upper: number[] }

/**
 * One row per distinct set of base cells that some release publishes: money exactly, employees
 * within the rounding of a monthly average (±0.5 × months; exact for one month).
 */
export function publishedRows(problem: Problem, pattern: Pattern, m: LpMeasure, scale: number): PublishedRows {
  const rows = new Map<string, { bases: number[]; lo: number; hi: number }>();
  for (const rel of problem.releases) {
    const published = pattern.get(rel.id);
    const cells = problem.cells.get(rel.id);
    if (!published || !cells) continue;
    for (const key of published) {
      const c = cells.get(key);
      if (!c) continue;
      const members = c.bases.map((i) => problem.bases[i]);
      const value = Number(publishedValue(totalOf(members), m, rel.months));
      const [lo, hi] = m === 'employees' && rel.months > 1 ? [Math.max(0, (value - 0.5) * rel.months), (value + 0.5) * rel.months] : [value, value];
      const id = [...c.bases].sort((a, b) => a - b).join(',');
      const prev = rows.get(id);
      if (prev) { prev.lo = Math.max(prev.lo, lo / scale); prev.hi = Math.min(prev.hi, hi / scale); } else rows.set(id, { bases: c.bases, lo: lo / scale, hi: hi / scale });
    }
  }
  const out: PublishedRows = { starts: [0], indices: [], lower: [], upper: [] };
  for (const r of rows.values()) {
    out.indices.push(...r.bases);
    out.starts.push(out.indices.length);
    out.lower.push(r.lo);
    out.upper.push(r.hi);
  }
  return out;
}

/** The audit of `measures` (all by default: the result counts only what it audited). */
export async function attack(problem: Problem, pattern: Pattern, measures: readonly LpMeasure[] = LP_MEASURES): Promise<AuditResult> {
  const h = await highs();
  const intervals = {} as Record<LpMeasure, Interval[]>;
  const exposures: Exposure[] = [];
  let lps = 0;
  for (const m of LP_MEASURES) {
    if (!measures.includes(m)) {
      intervals[m] = problem.targets.map(() => ({ lo: -Infinity, hi: Infinity, loSolved: false, hiSolved: false }));
      continue;
    }
    const r = await attackMeasure(h, problem, pattern, m);
    intervals[m] = r.intervals;
    exposures.push(...r.exposures);
    lps += r.lps;
  }
  const insideTargets = new Set(exposures.map((e) => e.target));
  const exactTargets = new Set<number>();
  problem.targets.forEach((t, i) => {
    if (LP_MEASURES.some((m) => {
      const iv = intervals[m][i];
      return t.truth[m] !== 0n && iv.loSolved && iv.hiSolved && iv.hi - iv.lo <= tolerance(Number(t.truth[m]));
    })) exactTargets.add(i);
  });
  return { intervals, exposures, exact: exactTargets.size, inside: insideTargets.size, exactTargets, insideTargets, lps };
}

/** Gives the event loop a turn every 20 ms: a release is built inside a web request, and other requests go on meanwhile. */
function yielder(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < 20) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

async function attackMeasure(h: Highs, problem: Problem, pattern: Pattern, m: LpMeasure): Promise<{ intervals: Interval[]; exposures: Exposure[]; lps: number }> {
  const targets = problem.targets;
  const truth = targets.map((t) => Number(t.truth[m]));
  const intervals: Interval[] = truth.map((x) => ({ lo: x, hi: x, loSolved: false, hiSolved: false }));
  if (targets.length === 0) return { intervals, exposures: [], lps: 0 };
  const scale = measureScale(problem, m);
  const n = problem.bases.length;
  const rows = publishedRows(problem, pattern, m, scale);
  const cap = 10 * problem.bases.reduce((s, b) => s + Number(b.total[m]), 0) / scale + 10;
  const model = h.createModel({
    numCols: n,
    numRows: rows.lower.length,
    sense: h.constants.objectiveSense.maximize,
    colCost: new Float64Array(n),
    colLower: new Float64Array(n),
    colUpper: new Float64Array(n).fill(cap),
    rowLower: rows.lower,
    rowUpper: rows.upper,
    matrix: { format: 'csr', numRows: rows.lower.length, numCols: n, starts: rows.starts, indices: rows.indices, values: new Float64Array(rows.indices.length).fill(1) },
  });
  let lps = 0;
  try {
    model.options.set({ output_flag: false });
    const levels = truth.map((x) => protectionLevels(x, problem.rules.interval));
    const upDone = (i: number) => intervals[i].hi >= levels[i].up - tolerance(truth[i]);
    const downDone = (i: number) => intervals[i].lo <= levels[i].down + tolerance(truth[i]);
    const sweep = (x: Float64Array) => {
      targets.forEach((t, i) => {
        let v = 0;
        for (const b of t.bases) v += x[b];
        v *= scale;
        if (v > intervals[i].hi) intervals[i].hi = v;
        if (v < intervals[i].lo) intervals[i].lo = v;
      });
    };
    const pause = yielder();
    const solve = (costs: Float64Array, sense: 'max' | 'min'): number => {
      model.changeObjectiveSense(sense === 'max' ? h.constants.objectiveSense.maximize : h.constants.objectiveSense.minimize);
      model.changeColsCost({ kind: 'range', from: 0, to: n - 1 }, costs);
      model.run();
      lps++;
      const status = model.getModelStatus();
      if (status !== h.constants.modelStatus.optimal) throw new Error(`the attacker's linear programme ended with status ${status}`);
      const x = model.getSolution().colValue;
      sweep(x);
      return model.getObjectiveValue() * scale;
    };
    for (const sense of ['max', 'min'] as const) {
      const done = sense === 'max' ? upDone : downDone;
      // Together first: every pending expression pushed at once, weighted by its size.
      for (let round = 0; round < 2; round++) {
        const pending = targets.map((_, i) => i).filter((i) => !done(i));
        if (pending.length < 2) break;
        const costs = new Float64Array(n);
        for (const i of pending) for (const b of targets[i].bases) costs[b] += 1 / Math.max(truth[i] / scale, 1);
        solve(costs, sense);
        await pause();
      }
      // Then one by one, each solution a witness for the others.
      for (let i = 0; i < targets.length; i++) {
        if (done(i)) continue;
        const costs = new Float64Array(n);
        for (const b of targets[i].bases) costs[b] = 1;
        const opt = solve(costs, sense);
        if (sense === 'max') { intervals[i].hi = Math.max(opt, intervals[i].hi); intervals[i].hiSolved = true; } else { intervals[i].lo = Math.min(opt, intervals[i].lo); intervals[i].loSolved = true; }
        await pause();
      }
    }
    const exposures: Exposure[] = [];
    intervals.forEach((iv, i) => {
      if (!upDone(i)) exposures.push({ target: i, measure: m, direction: 'up', bound: iv.hi });
      if (!downDone(i)) exposures.push({ target: i, measure: m, direction: 'down', bound: iv.lo });
    });
    return { intervals, exposures, lps };
  } finally {
    model.dispose();
  }
}
