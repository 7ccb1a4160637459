import highsModule, { type Basis, type Highs, type Model } from 'highs';
import { allowanceKey, levelOn, totalOf, type Amounts, type LpMeasure, type Problem, type ReleaseCell, type Side, type Target } from './cube.ts';

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
let loaded: Highs | null = null;
export function highs(): Promise<Highs> {
  loading ??= loadHighs().then((h) => (loaded = h));
  return loading;
}

/** The WebAssembly memory of the solver loaded last, in bytes (0 before any): the log lines say where a release's memory goes. */
export function solverMemoryBytes(): number {
  return loaded?.memoryBytes ?? 0;
}

/**
 * Lets go of the solver: the next highs() loads a new one. A WebAssembly memory only grows, so the
 * solver that protected a national release keeps the 0.45 GB its largest models took; the proof
 * that follows needs less, and the old memory is freed once no model holds the old solver.
 */
export function releaseHighs(): void {
  loading = null;
  loaded = null;
}

/**
 * A direction over base cells (sparse, any scale): when it keeps every published cell (each sums it
 * to zero), the true table moved by k·d is a table the attacker cannot rule out, for every k up to
 * the first cell it empties — in every measure at once. Protection's repair LPs find such moves;
 * the audits that follow check them first (Attacker.run `directions`) and solve an LP only for the
 * sides none of them settles.
 */
export interface Direction { bases: number[]; steps: number[] }

/** Which cells each release of the problem publishes (key `geo|node`). */
export type Pattern = ReadonlyMap<number, ReadonlySet<string>>;

export interface Interval { lo: number; hi: number; loSolved: boolean; hiSolved: boolean }

/**
 * A side of a sensitive expression the attacker narrows to within its level. `insider`: the
 * contributor (owner) whose own figures the attacker knew, narrowing the other contributor's.
 */
export interface Exposure { target: number; measure: LpMeasure; direction: 'up' | 'down'; bound: number; insider?: number }

/** What one kind of attacker (DESIGN §7: outsider, insider, revision) was checked on and found. */
export interface AttackerSummary { sensitive: number; exact: number; inside: number }
export type AttackerKind = 'outsider' | 'insider' | 'revision';

export interface AuditResult {
  intervals: Partial<Record<LpMeasure, Interval[]>>; // per target, in the measure's own units (the problem's measures)
  exposures: Exposure[]; // (target, measure, side) whose bound lies inside the protection interval
  exact: number; // targets recovered exactly in some measure
  inside: number; // targets inside their interval in some measure (exact ones included)
  exactTargets: Set<number>;
  insideTargets: Set<number>;
  lps: number;
  directionsKept: number; // of the `directions` given, those that kept the pattern (tried before any LP)
  /** Per attacker: outsiders over cells and parts, insiders over two-contributor expressions, revisions over changes. */
  byAttacker: Record<AttackerKind, AttackerSummary>;
  /** Per target, what each attacker found (the outsider's LP covers cells, parts and changes alike). */
  outsideExactTargets: Set<number>;
  /** `swept`: insider sides a witness proved without their own LP (InsiderWitnesses). */
  insiders: { checked: number[]; exact: Set<number>; inside: Set<number>; swept: number; lps: number };
}

/**
 * Protection levels of a true value x: the attacker's bounds must reach x ± interval·|x|. As in
 * τ-ARGUS the levels are a share of the value, so a zero has none (it is not counted as exposed).
 */
export function protectionLevels(x: number, interval: number): { up: number; down: number } {
  const level = interval * Math.abs(x);
  return { up: x + level, down: x - level };
}

/**
 * A target's protection levels in measure m: its value ± the level its rule implies (the interval
 * share as a floor, cube.ts sensitivityOf). A sum of non-negative cells cannot be pushed below 0.
 */
export function targetLevels(t: Target, m: LpMeasure): { up: number; down: number } {
  const x = Number(t.truth[m]);
  const down = Number(levelOn(t, m, 'down'));
  return { up: x + Number(levelOn(t, m, 'up')), down: t.minus.length ? x - down : Math.max(0, x - down) };
}

/** The level an insider must not narrow the other contributor's share to within (max(interval, p) of it), on a side, as far as the earlier releases allow. */
export function insiderLevel(problem: Problem, t: Target, m: LpMeasure, insider: number, side: Side, theirs: number): number {
  const level = Math.max(problem.rules.interval, problem.rules.pPercent ?? 0) * Math.abs(theirs);
  const allowed = t.allowed?.get(allowanceKey(m, side, insider));
  return allowed !== undefined && Number(allowed) < level ? Number(allowed) : level;
}

/** The coefficient of each base cell in a target: +1 for its cells, −1 for those it subtracts (a change). */
export function targetTerms(t: Target): { indices: number[]; values: number[] } {
  return { indices: [...t.bases, ...t.minus], values: [...t.bases.map(() => 1), ...t.minus.map(() => -1)] };
}

/**
 * Terms over cells whose move is two columns, its rise (the term's column) and its fall (`offset`
 * columns on), as LPs that want a move to start at zero write it: d = d⁺ − d⁻.
 */
export function riseAndFall(terms: { indices: number[]; values: number[] }, offset: number): { indices: number[]; values: number[] } {
  return { indices: [...terms.indices, ...terms.indices.map((j) => offset + j)], values: [...terms.values, ...terms.values.map((v) => -v)] };
}

/** Each owner's share of a target in measure m (its cells less those it subtracts). */
export function ownerShares(problem: Problem, t: Target, m: LpMeasure): Map<number, number> {
  const out = new Map<number, number>();
  for (const [list, sign] of [[t.bases, 1], [t.minus, -1]] as const) {
    for (const b of list) for (const [owner, a] of problem.bases[b].owners) out.set(owner, (out.get(owner) ?? 0) + sign * Number(a[m]));
  }
  return out;
}

const tolerance = (x: number) => 1e-6 * Math.max(1, Math.abs(x));

/**
 * HiGHS's primal feasibility tolerance (its default): how far an LP solution may leave a row, in
 * the measure's scaled units (a typical base cell is 1, a repair move's largest step about 1 or more).
 */
const ROW_TOLERANCE = 1e-7;

/** Scale so that a typical base cell is about 1 (values span rials to national totals). */
export function measureScale(problem: Problem, m: LpMeasure): number {
  const values = problem.bases.map((b) => Number(b.total[m])).filter((v) => v > 0).sort((a, b) => a - b);
  return values.length ? values[Math.floor(values.length / 2)] : 1;
}

export interface PublishedRows { starts: number[]; indices: number[]; lower: number[]; upper: number[] }

/**
 * What a published cell tells of the sum of its base cells, as the attacker is assumed to know it:
 * exactly, in every measure. A quarter's or the year's employees are published as a monthly average
 * rounded to whole persons, which leaves a real attacker ±0.5 × months; this attacker is given the
 * exact sum all the same. It is the stronger attacker, so a pattern that stands against it stands
 * against the real one, and it is the attacker the stored proof answers for (its witnesses keep
 * every published sum exact): with the rounding, a side that only the rounding protected passed
 * the audit and had no witness, and the release failed `stats:audit --verify` (the national year,
 * session 15).
 */
function knownRange(total: Amounts, m: LpMeasure): [number, number] {
  const value = Number(total[m]);
  return [value, value];
}

/** Every cell `pattern` publishes, in every release of the problem. */
export function* publishedCellsOf(problem: Problem, pattern: Pattern): Generator<{ cell: ReleaseCell }> {
  for (const rel of problem.releases) {
    const published = pattern.get(rel.id);
    const cells = problem.cells.get(rel.id);
    if (!published || !cells) continue;
    for (const key of published) {
      const cell = cells.get(key);
      if (cell) yield { cell };
    }
  }
}

/** One row per distinct set of base cells that some release publishes, its sum known exactly (knownRange). */
export function publishedRows(problem: Problem, pattern: Pattern, m: LpMeasure, scale: number): PublishedRows {
  const rows = new Map<string, { bases: number[]; lo: number; hi: number }>();
  for (const { cell: c } of publishedCellsOf(problem, pattern)) {
    const [lo, hi] = knownRange(totalOf(c.bases.map((i) => problem.bases[i])), m);
    const id = [...c.bases].sort((a, b) => a - b).join(',');
    const prev = rows.get(id);
    if (prev) { prev.lo = Math.max(prev.lo, lo / scale); prev.hi = Math.min(prev.hi, hi / scale); } else rows.set(id, { bases: c.bases, lo: lo / scale, hi: hi / scale });
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

/** Every distinct set of base cells that any release of the problem could publish, with each release's published value. */
interface UniverseRow { bases: number[]; cells: { release: number; key: string; total: Amounts }[] }

function rowUniverse(problem: Problem): UniverseRow[] {
  const rows = new Map<string, UniverseRow>();
  for (const rel of problem.releases) {
    for (const c of problem.cells.get(rel.id)?.values() ?? []) {
      const id = [...c.bases].sort((a, b) => a - b).join(',');
      let row = rows.get(id);
      if (!row) { row = { bases: c.bases, cells: [] }; rows.set(id, row); }
      row.cells.push({ release: rel.id, key: c.key, total: totalOf(c.bases.map((i) => problem.bases[i])) });
    }
  }
  return [...rows.values()];
}

/**
 * The attacker of one problem, kept across audits (protection audits the same problem many times
 * with growing suppression): one HiGHS model, its bounds set for the measure audited, holds a row
 * for every cell any release could publish; a suppressed cell's row is free (−∞, +∞), so a new
 * pattern only changes row bounds and every solve starts from the last basis.
 */
export class Attacker {
  private readonly universe: UniverseRow[];
  // One model for every measure: they differ only in bounds, and a national quarter's model takes
  // 0.2 GB of the solver's memory, which only grows (three of them: 0.65 GB).
  private shared: { model: Model; measure: LpMeasure } | null = null;
  private keptBasis: Basis | null = null; // the last basis of a model let go (letGo): the next one starts from it
  private readonly scales = new Map<LpMeasure, number>();
  private readonly colCap = new Map<LpMeasure, number>(); // each column's upper bound in a measure's scaled units
  private readonly basesOfOwner = new Map<number, number[]>();
  /**
   * What earlier runs witnessed (the extremes some allowed table gives each target, per measure; each
   * insider side's shifts) and under which pattern. A pattern that publishes no cell the remembered
   * one did not allows every table that one allowed, so what was witnessed holds: protection's audits
   * after each repair round (which only suppresses more) start from it instead of proving it again.
   */
  private witnessed: {
    pattern: Pattern;
    intervals: Map<LpMeasure, { lo: number; hi: number }[]>;
    insiders: Map<string, { up: number; down: number }>;
    kept: Set<Direction>; // directions that kept that pattern (so they keep one that publishes no more)
    swept: Map<LpMeasure, Set<Direction>>; // directions whose tables the remembered intervals include
  } | null = null;
  private rowsOfBase: number[][] | null = null; // universe rows of each base cell
  private targetsOfBase: readonly number[][] | null = null; // targets each base cell is in (added or subtracted)

  constructor(private readonly h: Highs, private readonly problem: Problem) {
    this.universe = rowUniverse(problem);
    for (const b of problem.bases) {
      for (const owner of b.owners.keys()) {
        const list = this.basesOfOwner.get(owner);
        if (list) list.push(b.index); else this.basesOfOwner.set(owner, [b.index]);
      }
    }
  }

  private bounds(pattern: Pattern, m: LpMeasure, scale: number): { lower: Float64Array; upper: Float64Array } {
    const inf = this.h.infinity;
    const lower = new Float64Array(this.universe.length).fill(-inf);
    const upper = new Float64Array(this.universe.length).fill(inf);
    this.universe.forEach((row, r) => {
      for (const c of row.cells) {
        if (!pattern.get(c.release)?.has(c.key)) continue;
        const [lo, hi] = knownRange(c.total, m);
        lower[r] = Math.max(lower[r], lo / scale);
        upper[r] = Math.min(upper[r], hi / scale);
      }
    });
    return { lower, upper };
  }

  private modelFor(pattern: Pattern, m: LpMeasure): { model: Model; scale: number } {
    const scale = this.scaleOf(m);
    const cap = this.colCap.get(m)!;
    const n = this.problem.bases.length;
    const { lower, upper } = this.bounds(pattern, m, scale);
    if (this.shared) {
      // Another measure's last basis is a start as good as any: its columns only take this measure's caps.
      if (this.shared.measure !== m) this.shared.model.changeColsBounds({ kind: 'range', from: 0, to: n - 1 }, new Float64Array(n), new Float64Array(n).fill(cap));
      this.shared.model.changeRowsBounds({ kind: 'range', from: 0, to: this.universe.length - 1 }, lower, upper);
      this.shared.measure = m;
      return { model: this.shared.model, scale };
    }
    const starts = [0];
    const indices: number[] = [];
    for (const row of this.universe) { indices.push(...row.bases); starts.push(indices.length); }
    const model = this.h.createModel({
      numCols: n,
      numRows: this.universe.length,
      sense: this.h.constants.objectiveSense.maximize,
      colCost: new Float64Array(n),
      colLower: new Float64Array(n),
      colUpper: new Float64Array(n).fill(cap),
      rowLower: lower,
      rowUpper: upper,
      matrix: { format: 'csr', numRows: this.universe.length, numCols: n, starts, indices, values: new Float64Array(indices.length).fill(1) },
    });
    // Between solves only the objective changes: the last basis stays primal feasible, so the
    // primal simplex goes on from it (the dual simplex would have to start over).
    model.options.set({ output_flag: false, simplex_strategy: 4 });
    if (this.keptBasis) model.setBasis(this.keptBasis);
    this.keptBasis = null;
    this.shared = { model, measure: m };
    return { model, scale };
  }

  /** A measure's scale, and its columns' cap (ten times the whole table, in scaled units). */
  private scaleOf(m: LpMeasure): number {
    let scale = this.scales.get(m);
    if (scale === undefined) {
      scale = measureScale(this.problem, m);
      this.scales.set(m, scale);
      this.colCap.set(m, 10 * this.problem.bases.reduce((sum, b) => sum + Number(b.total[m]), 0) / scale + 10);
    }
    return scale;
  }

  /**
   * The audit of `measures` (all by default: the result counts only what it audited). With
   * `prove: false` it stops after the joint rounds and reports every expression they did not prove
   * protected as exposed — the protection LP, which protection solves next for each exposure,
   * settles those at the same cost (a protected expression costs it nothing). `skip`: expressions
   * left out (no LP, no exposure; protection's foresight expressions once the first round moved them).
   * `directions`: moves to try before any LP (those that keep every cell `pattern` publishes).
   */
  async run(pattern: Pattern, measures: readonly LpMeasure[] = this.problem.measures, opts: { prove?: boolean; insiders?: boolean; deferInsiders?: boolean; insiderWitnesses?: boolean; skip?: ReadonlySet<number>; directions?: readonly Direction[] } = {}): Promise<AuditResult> {
    const intervals: Partial<Record<LpMeasure, Interval[]>> = {};
    const exposures: Exposure[] = [];
    let lps = 0;
    // Every table the outsider's LPs return is checked as a witness for the insiders too (cheap):
    // most insiders' sides are then proven before their own LPs would run.
    const carried = this.witnessed && publishesNoMore(pattern, this.witnessed.pattern) && opts.insiderWitnesses !== false ? this.witnessed : null;
    const insiderWitnesses = opts.insiders === false ? null : new InsiderWitnesses(this.problem, this.basesOfOwner, opts.insiderWitnesses ?? true, carried?.insiders);
    const directions = opts.directions?.length ? this.keptDirections(pattern, opts.directions, carried?.kept) : [];
    const swept = new Map<LpMeasure, Set<Direction>>();
    for (const m of this.problem.measures) {
      if (!measures.includes(m) || this.problem.targets.length === 0) {
        intervals[m] = this.problem.targets.map((t) => ({ lo: Number(t.truth[m]), hi: Number(t.truth[m]), loSolved: false, hiSolved: false }));
        continue;
      }
      // Directions an earlier run swept are in what it witnessed: only the new ones are swept.
      const before = carried?.intervals.has(m) ? carried.swept.get(m) : undefined;
      const r = await this.runMeasure(pattern, m, opts.prove ?? true, insiderWitnesses, opts.skip, before ? directions.filter((d) => !before.has(d)) : directions, carried?.intervals.get(m));
      swept.set(m, new Set([...(before ?? []), ...directions]));
      intervals[m] = r.intervals;
      exposures.push(...r.exposures);
      lps += r.lps;
    }
    const outsideInside = new Set(exposures.map((e) => e.target));
    const exactTargets = new Set<number>();
    this.problem.targets.forEach((t, i) => {
      if (this.problem.measures.some((m) => {
        const iv = intervals[m]![i];
        return t.truth[m] !== 0n && iv.loSolved && iv.hiSolved && iv.hi - iv.lo <= tolerance(Number(t.truth[m]));
      })) exactTargets.add(i);
    });
    const byAttacker: Record<AttackerKind, AttackerSummary> = { outsider: { sensitive: 0, exact: 0, inside: 0 }, insider: { sensitive: 0, exact: 0, inside: 0 }, revision: { sensitive: 0, exact: 0, inside: 0 } };
    this.problem.targets.forEach((t, i) => {
      if (t.foresight) return; // a later release's expressions: best effort, not in the verdict
      const s = byAttacker[t.kind === 'change' ? 'revision' : 'outsider'];
      s.sensitive++;
      if (exactTargets.has(i)) s.exact++;
      if (outsideInside.has(i)) s.inside++;
    });
    const outsideExactTargets = new Set(exactTargets);
    const insiders = { checked: [] as number[], exact: new Set<number>(), inside: new Set<number>(), swept: 0, lps: 0 };
    // Insiders only once the outsider is answered (or when proving, unless `deferInsiders`: the
    // protection's rounds): while outsider exposures are left, protection suppresses more anyway,
    // and every insider costs two LPs per measure.
    if (opts.insiders !== false && (exposures.length === 0 || (opts.prove !== false && !opts.deferInsiders))) {
      const ins = await this.runInsiders(pattern, measures.filter((m) => this.problem.measures.includes(m)), insiderWitnesses ?? new InsiderWitnesses(this.problem, this.basesOfOwner));
      exposures.push(...ins.exposures);
      lps += ins.lps;
      byAttacker.insider = ins.summary;
      insiders.checked = ins.checked;
      insiders.exact = ins.exactTargets;
      insiders.inside = new Set(ins.exposures.map((e) => e.target));
      insiders.swept = ins.swept;
      insiders.lps = ins.lps;
      for (const i of ins.exactTargets) exactTargets.add(i);
    }
    const insideTargets = new Set(exposures.map((e) => e.target));
    this.remember(pattern, intervals, measures, carried, insiderWitnesses, new Set(directions), swept);
    return { intervals, exposures, exact: exactTargets.size, inside: insideTargets.size, exactTargets, insideTargets, lps, directionsKept: directions.length, byAttacker, outsideExactTargets, insiders };
  }

  /**
   * The insider audit (DESIGN §7 "insiders and changes"): for every sensitive expression with two
   * contributors, each of them knows its own figures — in every base cell it contributes to, its
   * own amount is a floor, and where it is the only contributor the cell is known exactly — and
   * must not narrow the other's share of the expression to within max(interval, p) of it. Two LPs
   * per (expression, insider, measure), on the outsider's model with the insider's column bounds.
   * One-contributor expressions have no other contributor to protect from; larger ones are
   * covered by the p % rule's levels.
   */
  async runInsiders(pattern: Pattern, measures: readonly LpMeasure[], witnesses: InsiderWitnesses): Promise<{ exposures: Exposure[]; lps: number; summary: AttackerSummary; exactTargets: Set<number>; checked: number[]; swept: number }> {
    const summary: AttackerSummary = { sensitive: 0, exact: 0, inside: 0 };
    const exposures: Exposure[] = [];
    const exactTargets = new Set<number>();
    const insideTargets = new Set<number>();
    let lps = 0;
    let swept = 0;
    const targets = this.problem.targets.map((t, i) => ({ t, i })).filter(({ t }) => t.pair && !t.foresight);
    summary.sensitive = targets.length;
    const checked = targets.map(({ i }) => i);
    if (targets.length === 0 || measures.length === 0) return { exposures, lps, summary, exactTargets, checked, swept };
    const h = this.h;
    const pause = yielder();
    for (const m of measures) {
      const { model, scale } = this.modelFor(pattern, m);
      const n = this.problem.bases.length;
      lps += await this.jointInsiderRounds(model, m, scale, witnesses);
      for (const side of witnesses.sidesOf(m, scale)) {
        const t = this.problem.targets[side.target];
        const i = side.target;
        const tol = tolerance(side.theirs);
        // The insider's bounds on the other's share, as far as an LP settled them (null: a witness proved that side).
        let hi: number | null = null;
        let lo: number | null = null;
        const senses = (['max', 'min'] as const).filter((sense) => !witnesses.proven(side, sense === 'max' ? 'up' : 'down'));
        swept += 2 - senses.length;
        if (senses.length > 0) {
          const known = new Map(side.cells.map((c) => [c.b, [c.floor, c.sole ? c.floor : undefined] as [number, number | undefined]]));
          const cols = [...known.keys()].sort((a, b) => a - b);
          const cap = this.colCap.get(m)!;
          model.changeColsBounds({ kind: 'set', indices: cols }, cols.map((c) => known.get(c)![0]), cols.map((c) => known.get(c)![1] ?? cap));
          try {
            const costs = new Float64Array(n);
            const terms = targetTerms(t);
            terms.indices.forEach((b, k) => { costs[b] += terms.values[k]; });
            for (const sense of senses) {
              try {
                optimise(h, model, costs, sense, 'insider');
              } catch (e) {
                throw new Error(`${(e as Error).message} (insider ${side.insider}, ${t.kind} ${t.cell} of release ${t.release}, ${m}: ${this.truthOutside(pattern, m, scale, known).join('; ') || 'the true table is inside every bound'})`);
              }
              lps++;
              const v = model.getObjectiveValue() * scale - side.mine; // the insider's bound on the other's share
              if (sense === 'max') hi = v; else lo = v;
              // This insider's table is a table of the outsider's model too: a witness for the other insiders.
              witnesses.sweep(m, scale, model.getSolution().colValue);
              await pause();
            }
          } finally {
            model.changeColsBounds({ kind: 'set', indices: cols }, cols.map(() => 0), cols.map(() => cap));
          }
        }
        const upExposed = hi !== null && hi < side.theirs + side.levelUp - tol;
        const downExposed = lo !== null && lo > side.theirs - side.levelDown + tol;
        if (upExposed) exposures.push({ target: i, measure: m, direction: 'up', bound: hi! + side.mine, insider: side.insider });
        if (downExposed) exposures.push({ target: i, measure: m, direction: 'down', bound: lo! + side.mine, insider: side.insider });
        if (upExposed || downExposed) insideTargets.add(i);
        if (hi !== null && lo !== null && hi - lo <= tol) exactTargets.add(i);
      }
    }
    summary.exact = exactTargets.size;
    summary.inside = insideTargets.size;
    return { exposures, lps, summary, exactTargets, checked, swept };
  }

  /**
   * Before any insider's own LPs: a table allowed when every pending insider's knowledge holds at
   * once (each one's sole cells unchanged, the largest of their own amounts a floor in a shared
   * cell) is allowed for each of them alone. So the pending insiders' expressions are pushed up (then
   * down) together under all their bounds at once, as the outsider's joint rounds do, and each
   * solution is swept over their sides. Returns the LPs solved.
   */
  private async jointInsiderRounds(model: Model, m: LpMeasure, scale: number, witnesses: InsiderWitnesses): Promise<number> {
    let lps = 0;
    if (!witnesses.enabled) return lps;
    const cap = this.colCap.get(m)!;
    const pause = yielder();
    for (const sense of ['max', 'min'] as const) {
      const side: Side = sense === 'max' ? 'up' : 'down';
      for (let round = 0; round < 4; round++) {
        const pending = witnesses.sidesOf(m, scale).filter((s) => !witnesses.proven(s, side));
        if (pending.length < 2) break;
        const bounds = new Map<number, [number, number]>(); // column → [lower, upper]
        for (const s of pending) {
          for (const c of s.cells) {
            // A sole cell is fixed at its truth, and a floor (≤ truth) never loosens that.
            const [lo, hi] = bounds.get(c.b) ?? [0, cap];
            bounds.set(c.b, c.sole ? [c.truth, c.truth] : [Math.max(lo, c.floor), hi]);
          }
        }
        const cols = [...bounds.keys()].sort((a, b) => a - b);
        const costs = new Float64Array(this.problem.bases.length);
        for (const s of pending) {
          const t = this.problem.targets[s.target];
          const w = 1 / Math.max(s.theirs / scale, 1);
          for (const b of t.bases) costs[b] += w;
          for (const b of t.minus) costs[b] -= w;
        }
        model.changeColsBounds({ kind: 'set', indices: cols }, cols.map((c) => bounds.get(c)![0]), cols.map((c) => bounds.get(c)![1]));
        let solved = false;
        try {
          model.changeObjectiveSense(sense === 'max' ? this.h.constants.objectiveSense.maximize : this.h.constants.objectiveSense.minimize);
          model.changeColsCost({ kind: 'range', from: 0, to: costs.length - 1 }, costs);
          solved = runConfirmed(this.h, model) === this.h.constants.modelStatus.optimal;
          lps++;
          if (solved) witnesses.sweep(m, scale, model.getSolution().colValue);
        } finally {
          model.changeColsBounds({ kind: 'set', indices: cols }, cols.map(() => 0), cols.map(() => cap));
        }
        await pause();
        if (!solved || pending.filter((s) => !witnesses.proven(s, side)).length > 0.9 * pending.length) break;
      }
    }
    return lps;
  }

  /** Where the true table breaks a bound of the model (a diagnosis for an LP that says infeasible): published rows and the insider's columns. */
  private truthOutside(pattern: Pattern, m: LpMeasure, scale: number, known: ReadonlyMap<number, [number, number | undefined]>): string[] {
    const { lower, upper } = this.bounds(pattern, m, scale);
    const truth = this.problem.bases.map((b) => Number(b.total[m]) / scale);
    const out: string[] = [];
    this.universe.forEach((row, r) => {
      const x = row.bases.reduce((sum, b) => sum + truth[b], 0);
      if (x < lower[r] - 1e-9 * Math.max(1, Math.abs(x)) || x > upper[r] + 1e-9 * Math.max(1, Math.abs(x))) out.push(`row ${row.cells.map((c) => `${c.release}:${c.key}`).join(',')} true ${x * scale} outside [${lower[r] * scale}, ${upper[r] * scale}]`);
    });
    for (const [b, [lo, hi]] of known) if (truth[b] < lo - 1e-12 || (hi !== undefined && truth[b] > hi + 1e-12)) out.push(`base ${b} true ${truth[b] * scale} outside the insider's [${lo * scale}, ${hi === undefined ? '∞' : hi * scale}]`);
    return out.slice(0, 5);
  }

  /** Keeps what this run witnessed (with what it carried over) for the next run under a pattern that publishes no more. */
  private remember(pattern: Pattern, intervals: Partial<Record<LpMeasure, Interval[]>>, measures: readonly LpMeasure[], carried: Attacker['witnessed'], insiders: InsiderWitnesses | null, kept: Set<Direction>, swept: Map<LpMeasure, Set<Direction>>): void {
    const keptIntervals = new Map(carried?.intervals ?? []);
    for (const m of measures) {
      const iv = intervals[m];
      if (iv && this.problem.measures.includes(m)) keptIntervals.set(m, iv.map(({ lo, hi }) => ({ lo, hi })));
    }
    const ins = new Map(carried?.insiders ?? []);
    insiders?.witnessedInto(ins);
    const sweptAll = new Map(carried?.swept ?? []);
    for (const [m, set] of swept) sweptAll.set(m, set);
    // A copy: the caller's sets may change after the run (protection shrinks and grows its published set).
    const snapshot: Pattern = new Map([...pattern].map(([id, cells]) => [id, new Set(cells)]));
    this.witnessed = { pattern: snapshot, intervals: keptIntervals, insiders: ins, kept: new Set([...(carried?.kept ?? []), ...kept]), swept: sweptAll };
  }

  /** Base cell → the targets it is in: i where it is added, −(i + 1) where it is subtracted (a change). */
  baseTargets(): readonly number[][] {
    if (this.targetsOfBase) return this.targetsOfBase;
    const out: number[][] = this.problem.bases.map(() => []);
    this.problem.targets.forEach((t, i) => {
      for (const b of t.bases) out[b].push(i);
      for (const b of t.minus) out[b].push(-1 - i); // subtracted: −(i + 1)
    });
    this.targetsOfBase = out;
    return out;
  }

  /**
   * The directions that keep every cell `pattern` publishes: each published set of base cells sums
   * them to zero, to 1e-9 of the amounts moved in it plus ROW_TOLERANCE of the direction's largest
   * step (a repair LP's solution holds its rows to that tolerance). Both relative: a direction is
   * used at any length, so a tiny one must not pass on an absolute tolerance. The first term alone
   * passed dense moves and failed narrow ones: at 100,000 units 1 of 547 repair moves passed it.
   * A direction found under another pattern may move a cell published since.
   */
  private keptDirections(pattern: Pattern, directions: readonly Direction[], known?: ReadonlySet<Direction>): Direction[] {
    if (!this.rowsOfBase) {
      const rows: number[][] = this.problem.bases.map(() => []);
      this.universe.forEach((row, r) => { for (const b of row.bases) rows[b].push(r); });
      this.rowsOfBase = rows;
    }
    const rowsOfBase = this.rowsOfBase;
    const published = this.universe.map((row) => row.cells.some((c) => pattern.get(c.release)?.has(c.key)));
    return directions.filter((d) => {
      if (known?.has(d)) return true;
      let largest = 0;
      for (const v of d.steps) largest = Math.max(largest, Math.abs(v));
      const sum = new Map<number, number>();
      const moved = new Map<number, number>();
      d.bases.forEach((b, j) => {
        for (const r of rowsOfBase[b]) {
          if (!published[r]) continue;
          sum.set(r, (sum.get(r) ?? 0) + d.steps[j]);
          moved.set(r, (moved.get(r) ?? 0) + Math.abs(d.steps[j]));
        }
      });
      for (const [r, v] of sum) if (Math.abs(v) > 1e-9 * moved.get(r)! + ROW_TOLERANCE * largest) return false;
      return true;
    });
  }

  private async runMeasure(pattern: Pattern, m: LpMeasure, prove: boolean, insiders: InsiderWitnesses | null, skip: ReadonlySet<number> | undefined, directions: readonly Direction[], seen?: readonly { lo: number; hi: number }[]): Promise<{ intervals: Interval[]; exposures: Exposure[]; lps: number }> {
    const h = this.h;
    const targets = this.problem.targets;
    const truth = targets.map((t) => Number(t.truth[m]));
    const intervals: Interval[] = truth.map((x, i) => ({ lo: Math.min(x, seen?.[i].lo ?? x), hi: Math.max(x, seen?.[i].hi ?? x), loSolved: false, hiSolved: false }));
    const { model, scale } = this.modelFor(pattern, m);
    const n = this.problem.bases.length;
    let lps = 0;
    const levels = targets.map((t) => targetLevels(t, m));
    const upDone = (i: number) => intervals[i].hi >= levels[i].up - tolerance(truth[i]);
    const downDone = (i: number) => intervals[i].lo <= levels[i].down + tolerance(truth[i]);
    const sweep = (x: Float64Array) => {
      targets.forEach((t, i) => {
        let v = 0;
        for (const b of t.bases) v += x[b];
        for (const b of t.minus) v -= x[b];
        v *= scale;
        if (v > intervals[i].hi) intervals[i].hi = v;
        if (v < intervals[i].lo) intervals[i].lo = v;
      });
    };
    const pause = yielder();
    // The directions first: each, both ways, as far as the measure's figures allow.
    const targetsOf = this.baseTargets();
    const baseTruth = this.problem.bases.map((b) => Number(b.total[m]) / scale);
    const cap = this.colCap.get(m)!;
    for (const d of directions) {
      for (const sign of [1, -1]) {
        let k = Infinity;
        d.bases.forEach((b, j) => {
          const step = sign * d.steps[j];
          k = Math.min(k, step < 0 ? baseTruth[b] / -step : (cap - baseTruth[b]) / step);
        });
        if (!(k > 0 && Number.isFinite(k))) continue;
        // Each touched target's shift, summed over the move's cells (never over a large target's own).
        const shifts = new Map<number, number>();
        d.bases.forEach((b, j) => {
          const step = k * sign * d.steps[j];
          for (const e of targetsOf[b]) {
            const [i, c] = e >= 0 ? [e, step] : [-1 - e, -step];
            if (!skip?.has(i)) shifts.set(i, (shifts.get(i) ?? 0) + c);
          }
        });
        for (const [i, v0] of shifts) {
          const v = truth[i] + v0 * scale;
          if (v > intervals[i].hi) intervals[i].hi = v;
          if (v < intervals[i].lo) intervals[i].lo = v;
        }
        insiders?.sweepMove(m, scale, d, k * sign, shifts);
      }
      await pause();
    }
    const solve = (costs: Float64Array, sense: 'max' | 'min'): number => {
      optimise(h, model, costs, sense, 'attacker');
      lps++;
      const x = model.getSolution().colValue;
      sweep(x);
      insiders?.sweep(m, scale, x);
      return model.getObjectiveValue() * scale;
    };
    for (const sense of ['max', 'min'] as const) {
      const done = sense === 'max' ? upDone : downDone;
      // Together first: every pending expression pushed at once, weighted by its size, while that
      // still proves a good share of them.
      for (let round = 0; round < 6; round++) {
        const pending = targets.map((_, i) => i).filter((i) => !done(i) && !skip?.has(i));
        if (pending.length < 2) break;
        const costs = new Float64Array(n);
        for (const i of pending) {
          const w = 1 / Math.max(Math.abs(truth[i]) / scale, 1);
          for (const b of targets[i].bases) costs[b] += w;
          for (const b of targets[i].minus) costs[b] -= w;
        }
        solve(costs, sense);
        await pause();
        if (pending.filter((i) => !done(i)).length > 0.9 * pending.length) break;
      }
      // Then one by one, each solution a witness for the others.
      for (let i = 0; prove && i < targets.length; i++) {
        if (done(i) || skip?.has(i)) continue;
        const costs = new Float64Array(n);
        for (const b of targets[i].bases) costs[b] += 1;
        for (const b of targets[i].minus) costs[b] -= 1;
        const opt = solve(costs, sense);
        if (sense === 'max') { intervals[i].hi = Math.max(opt, intervals[i].hi); intervals[i].hiSolved = true; } else { intervals[i].lo = Math.min(opt, intervals[i].lo); intervals[i].loSolved = true; }
        await pause();
      }
    }
    const exposures: Exposure[] = [];
    intervals.forEach((iv, i) => {
      if (skip?.has(i)) return;
      if (!upDone(i)) exposures.push({ target: i, measure: m, direction: 'up', bound: iv.hi });
      if (!downDone(i)) exposures.push({ target: i, measure: m, direction: 'down', bound: iv.lo });
    });
    return { intervals, exposures, lps };
  }

  /**
   * Lets go of the model between runs, keeping its last basis (the next run builds it again and
   * starts from there): protection's repair models then have the solver's memory to themselves. The
   * year after its 28 releases left the audit's model at 826 MB of HiGHS's 2 GB, and the repair's
   * model beside it aborted the solver (bench/RESULTS.md, session 16).
   */
  letGo(): void {
    if (!this.shared) return;
    try {
      this.keptBasis = this.shared.model.getBasis();
    } catch {
      this.keptBasis = null; // no basis yet (no LP solved since it was built): the next model starts from the logical one
    }
    this.shared.model.dispose();
    this.shared = null;
  }

  dispose(): void {
    this.shared?.model.dispose();
    this.shared = null;
  }
}

/** One solve of an attacker's model with these costs and this sense; anything but an optimum is an error. */
function optimise(h: Highs, model: Model, costs: Float64Array, sense: 'max' | 'min', who: string): void {
  model.changeObjectiveSense(sense === 'max' ? h.constants.objectiveSense.maximize : h.constants.objectiveSense.minimize);
  model.changeColsCost({ kind: 'range', from: 0, to: costs.length - 1 }, costs);
  const status = runConfirmed(h, model);
  if (status !== h.constants.modelStatus.optimal) throw new Error(`the ${who}'s linear programme ended with status ${status}`);
}

/**
 * Runs a model and returns its status; anything but an optimum is confirmed by a second run from
 * scratch. A solve that starts from the last basis after bounds changed can declare a feasible
 * model infeasible (seen: an insider's LP on a 2,000-unit month whose true table met every bound).
 */
export function runConfirmed(h: Highs, model: Model): number {
  model.run();
  const status = model.getModelStatus();
  if (status === h.constants.modelStatus.optimal) return status;
  model.clearSolver();
  model.run();
  return model.getModelStatus();
}

/** Whether `pattern` publishes no cell that `before` did not (every table `before` allows, it allows). */
function publishesNoMore(pattern: Pattern, before: Pattern): boolean {
  for (const [release, cells] of pattern) {
    const was = before.get(release);
    if (!was) { if (cells.size) return false; continue; }
    for (const key of cells) if (!was.has(key)) return false;
  }
  return true;
}

/** One insider's side of a two-contributor expression in one measure (Attacker.runInsiders). */
export interface InsiderSide {
  target: number;
  insider: number;
  theirs: number; // the other contributor's share (the figure to protect), in the measure's units
  mine: number; // the insider's own share
  levelUp: number;
  levelDown: number;
  /** The base cells the insider contributes to, scaled: the true total, its own amount (a floor), and whether it is the only contributor (then the cell is known exactly). */
  cells: { b: number; truth: number; floor: number; sole: boolean }[];
  up: number; // the largest shift of the expression up (≥ 0) a witness showed the insider cannot rule out
  down: number; // the same downwards (≥ 0)
}

/**
 * Witnesses for the insider audit without its own LPs. A table x the outsider's model allows is a
 * table the insider cannot rule out once it agrees with what the insider knows. The true table x*
 * is allowed too, and so is every table between them (the model is convex): x* + λ(x − x*) keeps
 * every insider's sole cell when x does, and keeps its own amount as a floor for λ up to the first
 * of its shared cells x lowers to that amount. The expression then moves by λ·(T(x) − T(x*)).
 * Every LP solution of an audit (outsider and insider alike) is swept over the insiders' sides;
 * only the sides no solution proves get their own LP.
 */
export class InsiderWitnesses {
  private readonly sides = new Map<LpMeasure, InsiderSide[]>();
  private readonly sidesByTarget = new Map<LpMeasure, Map<number, InsiderSide[]>>();

  /** `enabled: false` proves nothing without an LP (the plain insider audit, which the tests compare it with). */
  constructor(private readonly problem: Problem, private readonly basesOfOwner: ReadonlyMap<number, readonly number[]>, readonly enabled = true, private readonly carried?: ReadonlyMap<string, { up: number; down: number }>) {}

  /** Adds the shifts witnessed so far, keyed by target, insider and measure. */
  witnessedInto(out: Map<string, { up: number; down: number }>): void {
    if (!this.enabled) return;
    for (const [m, list] of this.sides) for (const s of list) out.set(`${s.target}|${s.insider}|${m}`, { up: s.up, down: s.down });
  }

  /** Every insider side of measure m (scaled as the attacker's model of m), made on first use. */
  sidesOf(m: LpMeasure, scale: number): InsiderSide[] {
    const existing = this.sides.get(m);
    if (existing) return existing;
    const list: InsiderSide[] = [];
    this.problem.targets.forEach((t, i) => {
      if (!t.pair || t.foresight) return;
      const shares = ownerShares(this.problem, t, m);
      for (const [insider, other] of [t.pair, [t.pair[1], t.pair[0]] as [number, number]]) {
        const theirs = shares.get(other) ?? 0;
        if (theirs === 0) continue;
        const cells = (this.basesOfOwner.get(insider) ?? []).map((b) => {
          const base = this.problem.bases[b];
          return { b, truth: Number(base.total[m]) / scale, floor: Number(base.owners.get(insider)![m]) / scale, sole: base.owners.size === 1 };
        });
        const seen = this.enabled ? this.carried?.get(`${i}|${insider}|${m}`) : undefined;
        list.push({ target: i, insider, theirs, mine: shares.get(insider) ?? 0, levelUp: insiderLevel(this.problem, t, m, insider, 'up', theirs), levelDown: insiderLevel(this.problem, t, m, insider, 'down', theirs), cells, up: seen?.up ?? 0, down: seen?.down ?? 0 });
      }
    });
    this.sides.set(m, list);
    return list;
  }

  /** Whether a witness moved the expression past the insider's level on `side` (a level of 0 — a side held where the earlier releases pin it — always gets its LP: the audit reports it exact). */
  proven(s: InsiderSide, side: Side): boolean {
    const tol = tolerance(s.theirs);
    const level = side === 'up' ? s.levelUp : s.levelDown;
    return level > tol && (side === 'up' ? s.up : s.down) >= level - tol;
  }

  /**
   * A move of the truth (factor · d, scaled) that the outsider's model of m allows, checked for the
   * insider sides of the targets it touches (`shifts`: each one's shift, scaled; the others it leaves as they are).
   */
  sweepMove(m: LpMeasure, scale: number, d: Direction, factor: number, shifts: ReadonlyMap<number, number>): void {
    if (!this.enabled) return;
    const byTarget = this.byTarget(m, scale);
    let move: Map<number, number> | null = null;
    for (const [i, v] of shifts) {
      for (const s of byTarget.get(i) ?? []) {
        if (this.proven(s, 'up') && this.proven(s, 'down')) continue;
        move ??= new Map(d.bases.map((b, j) => [b, factor * d.steps[j]]));
        const changes = move;
        this.record(s, (c) => changes.get(c.b) ?? 0, 0, () => v * scale);
      }
    }
  }

  private byTarget(m: LpMeasure, scale: number): Map<number, InsiderSide[]> {
    const existing = this.sidesByTarget.get(m);
    if (existing) return existing;
    const out = new Map<number, InsiderSide[]>();
    for (const s of this.sidesOf(m, scale)) {
      const list = out.get(s.target);
      if (list) list.push(s); else out.set(s.target, [s]);
    }
    this.sidesByTarget.set(m, out);
    return out;
  }

  /** A solution x (scaled) of the outsider's model of m, checked as a witness for every insider side not proven yet. */
  sweep(m: LpMeasure, scale: number, x: ArrayLike<number>): void {
    if (!this.enabled) return;
    for (const s of this.sidesOf(m, scale)) {
      if (this.proven(s, 'up') && this.proven(s, 'down')) continue;
      const t = this.problem.targets[s.target];
      const shift = () => {
        let v = 0;
        for (const b of t.bases) v += x[b];
        for (const b of t.minus) v -= x[b];
        return v * scale - Number(t.truth[m]);
      };
      // A solver's table meets a fixed cell to within its tolerance: a sole cell counts as kept within 1e-9 of it.
      this.record(s, (c) => x[c.b] - c.truth, 1e-9, shift);
    }
  }

  /**
   * The table truth + change (scaled), which moves the side's expression by `shift` (in the
   * measure's units; asked only when needed), moved back towards the truth until it keeps what the insider knows: none of
   * it when it changes a sole cell (by more than `soleTolerance` of its value), else up to the first
   * shared cell it lowers to the insider's own amount. Records the shift λ·shift when it is the
   * side's largest so far.
   */
  private record(s: InsiderSide, change: (c: InsiderSide['cells'][number]) => number, soleTolerance: number, shiftOf: () => number): void {
    let lambda = 1;
    for (const c of s.cells) {
      const d = change(c);
      if (c.sole) {
        if (Math.abs(d) > soleTolerance * Math.max(1, Math.abs(c.truth))) return;
      } else if (d < 0) lambda = Math.min(lambda, (c.truth - c.floor) / -d);
    }
    if (lambda <= 0) return;
    const shift = lambda * shiftOf();
    if (shift > s.up) s.up = shift;
    else if (-shift > s.down) s.down = -shift;
  }
}

/** Gives the event loop a turn every 20 ms (the protection thread's messages, a stats:audit run's other work). */
function yielder(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < 20) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

/** One audit of a problem under a pattern (the attacker built for it and thrown away). */
export async function attack(problem: Problem, pattern: Pattern, measures: readonly LpMeasure[] = problem.measures): Promise<AuditResult> {
  const attacker = new Attacker(await highs(), problem);
  try {
    return await attacker.run(pattern, measures);
  } finally {
    attacker.dispose();
  }
}
