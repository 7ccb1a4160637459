import type { Highs, Model } from 'highs';
import { allowanceKey, cellChange, isSensitive, sensitivityOf, totalOf, type LpMeasure, type Problem, type Side } from './cube.ts';
import { Attacker, highs, solverMemoryBytes, type Direction, insiderLevel, riseAndFall, runConfirmed, measureScale, ownerShares, publishedRows, targetLevels, targetTerms, type AuditResult, type Exposure, type Pattern, type PublishedRows } from './attack.ts';

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
  audit: AuditResult; // the verdict on the published releases' expressions (foresight ones left out)
  auditSeconds: number; // spent in the attacker, every round and the clean-up included
  headlineHidden: string[]; // headline cells of the release left suppressed: primary ones, or a last resort
  foresightLeft: number; // expressions of later releases that the earlier ones already pin (nothing this release can do)
  allowances: Allowance[]; // sides the earlier releases already pin closer than their level: held there, not narrowed further
  moves: Direction[]; // every repair LP's move: each keeps what the release publishes (the proof tries them before its own LPs)
}

/**
 * A release that cannot be protected. `cell` is the sensitive cell (key `geo|node`) that stands in
 * the way and `blockers` the earlier releases whose published cells pin it.
 */
export class ProtectionFailure extends Error {
  constructor(message: string, readonly cell?: string, readonly blockers: readonly number[] = []) {
    super(message);
  }
}

/** Why a revision is refused when a change it carries cannot be protected (shown to the office as the failure's reason). */
export const CHANGE_UNPROTECTABLE = 'تغییر یکی از خانه‌ها نسبت به انتشار پیشین همین دوره (اصلاح رقم یا اظهارنامه دیررسیده) رقم یک یا دو واحد را آشکار می‌کند و این ویرایش نمی‌تواند آن را بپوشاند؛ طبق سیاست بازنگری، این اصلاح در ویرایش زمان‌بندی‌شده بعدی همراه اصلاح‌های دیگر منتشر می‌شود.';

/**
 * What hiding a headline cell costs against any other cell of the same value: the protection LP
 * takes one only when nothing else protects an exposure (DESIGN §7 "headline cells are always
 * published"; the release report names any it had to hide).
 */
const HEADLINE_COST = 10_000;

/**
 * A solver this large (its WebAssembly memory, which only grows; HiGHS stops at 2 GB) has the
 * audit's model let go before each repair model is built (Attacker.letGo). National months stay
 * under it (0.3–0.45 GB); quarters' held sides took it to 651 MB, the year's first audit to 826 MB.
 */
const LARGE_SOLVER_BYTES = 512 * 2 ** 20;

/** How far past its protection level the protection LP moves an expression (issue 21: room for an exact witness). */
const MARGIN = 1.0001;

export interface ProtectOptions {
  cleanupSeconds?: number; // time the clean-up may take (default 10 s)
  maxRounds?: number;
  log?: (line: string) => void; // progress, for the CLI and the bench
  /**
   * Cells to start suppressed (the pattern an earlier release of the group settled on): the first
   * audit then finds most exposures protected already. The result is proved all the same, and the
   * clean-up tries to publish them again like any secondary cell.
   */
  seed?: ReadonlySet<string>;
  /** Headline cells (DESIGN §7): never chosen for secondary suppression unless nothing else protects. */
  headline?: (key: string) => boolean;
  /** Progress of the protection, 0..1 (a rough share of the exposures settled). */
  progress?: (share: number) => void;
  /** false leaves the insider audit out (only to measure what it costs: bench/disclosure-loss.ts). */
  insiders?: boolean;
  /**
   * Moves known to keep what the earlier releases publish (their stored proofs' witnesses): the
   * audits try them before any LP, like the repair's own moves, and drop those the pattern breaks.
   */
  directions?: readonly Direction[];
  /** The solver's size from which the audit's model is let go before each repair (default LARGE_SOLVER_BYTES; tests: 0). */
  letGoAbove?: number;
}

/** The audit restricted to the expressions of published releases and of the one being built. */
function verdictOf(problem: Problem, audit: AuditResult, givenUp: ReadonlySet<number>): AuditResult {
  const real = (i: number) => !problem.targets[i].foresight;
  const exactTargets = new Set([...audit.exactTargets].filter(real));
  const insideTargets = new Set([...audit.insideTargets].filter(real));
  return { ...audit, exposures: audit.exposures.filter((e) => real(e.target) || !givenUp.has(e.target)), exact: exactTargets.size, inside: insideTargets.size, exactTargets, insideTargets };
}

/** The earlier releases with a published cell that shares base cells with a target: what pins it. */
function blockersOf(problem: Problem, target: number, releaseId: number): number[] {
  const bases = new Set([...problem.targets[target].bases, ...problem.targets[target].minus]);
  const out: number[] = [];
  for (const rel of problem.releases) {
    if (rel.id === releaseId || rel.foresight || !rel.published) continue;
    const cells = problem.cells.get(rel.id);
    if (!cells) continue;
    for (const key of rel.published) {
      if (cells.get(key)?.bases.some((b) => bases.has(b))) { out.push(rel.id); break; }
    }
  }
  return out;
}

/**
 * One side of a sensitive expression that the earlier releases of the group already pin closer
 * than its level: the release being built is held to narrow it no further than they did (DESIGN
 * §7, no dead ends). `allowed` is the shift they leave, in the measure's units.
 */
export interface Allowance { target: number; measure: LpMeasure; side: Side; insider?: number; level: number; allowed: bigint; blockers: number[] }

/** A shift the earlier releases allow, kept a hair inside it so that the protection LP and the proof's witnesses have room (issue 21). */
const allowedShift = (reach: number): bigint => BigInt(Math.max(0, Math.floor(reach * (1 - 2e-4))));

export async function protectRelease(problem: Problem, releaseId: number, opts: ProtectOptions = {}): Promise<Protection> {
  const cells = problem.cells.get(releaseId);
  if (!cells) throw new Error(`release ${releaseId} is not part of the problem`);
  const primary = new Set<string>();
  for (const c of cells.values()) if (isSensitive(c.bases.map((i) => problem.bases[i]), problem.rules, problem.measures)) primary.add(c.key);
  // A cell whose change since an earlier release of its period published it is sensitive (DESIGN §7,
  // "insiders and changes"): published again, it would give that change exactly. It fails the
  // primary rule on its change; the repair LP would hide it anyway, one exposure at a time (measured:
  // a national final after its preliminary, 6,082 exposures, 4,467 protection LPs, 388 s).
  for (const key of changeSensitive(problem, releaseId)) primary.add(key);
  const published = new Set([...cells.keys()].filter((k) => !primary.has(k) && !opts.seed?.has(k)));
  const secondary = new Set([...cells.keys()].filter((k) => !primary.has(k) && opts.seed?.has(k)));
  const patternWith = (pub: ReadonlySet<string>): Pattern => {
    const p = new Map<number, ReadonlySet<string>>();
    for (const rel of problem.releases) p.set(rel.id, rel.id === releaseId ? pub : rel.published ?? new Set());
    return p;
  };
  const weight = cellWeights(problem, releaseId);
  const headline = opts.headline ?? (() => false);
  for (const [key, w] of weight) if (headline(key)) weight.set(key, w * HEADLINE_COST);
  // Foresight expressions out of the audit's way: those the earlier releases already pin (nothing
  // this release can do), and, after the first round, all of them — the first round's protection LP
  // moved each past its level, and the suppressions added later only widen what the attacker cannot
  // tell, so proving them again would cost an LP each for nothing (foresight is a help, not the audit).
  const givenUp = new Set<number>();
  const pinnedAhead = new Set<number>();
  const allowances: Allowance[] = [];
  const foresight = problem.releases.some((r) => r.foresight);
  const h = await highs();
  let auditSeconds = 0;
  const attacker = new Attacker(h, problem);
  let lastAudit = 0;
  // Every move a repair LP found keeps the cells published after it: the audits try them first.
  const directions: Direction[] = [...(opts.directions ?? [])];
  const audited = async (pattern: Pattern, measures?: readonly LpMeasure[], prove = false) => {
    const t = performance.now();
    const r = verdictOf(problem, await attacker.run(pattern, measures, { prove, insiders: opts.insiders, deferInsiders: true, skip: givenUp, directions }), givenUp);
    lastAudit = (performance.now() - t) / 1000;
    auditSeconds += (performance.now() - t) / 1000;
    opts.log?.(`audit ${measures?.join(',') ?? 'all'}${prove ? ', proved' : ''}: ${r.lps} LPs (${r.directionsKept} of ${directions.length} repair moves tried first, ${r.insiders.swept} insider sides by witness, ${r.insiders.lps} insider LPs), ${r.exposures.length} exposures, ${((performance.now() - t) / 1000).toFixed(1)} s`);
    return r;
  };

  try {
    // The first round audits without proving (see Attacker.run): what the joint rounds leave
    // unproven goes straight to the protection LP, which proves it or suppresses what it takes.
    // Later rounds, and later measures within a round, are proved by the attacker first (below).
    let audit = await audited(patternWith(published));
    let proving = false;
    const initial = Math.max(1, audit.exposures.length);
    let settled = 0;
    for (let round = 0; audit.exposures.length > 0; round++) {
      if (round >= (opts.maxRounds ?? 100)) throw new ProtectionFailure('حفاظت جدول پس از دفعات بسیار به نتیجه نرسید.');
      let added = 0;
      const heldBefore = allowances.length;
      for (const m of problem.measures) {
        // Suppressions made for the measures before often protect this one too (at 2,000 units the
        // second and third measures' 392 unproven sides cost 314 protection LPs for 4 more cells):
        // the attacker proves it again first, and only what it finds exposed is repaired.
        const exposures = m === problem.measures[0] || added === 0 ? audit.exposures : (await audited(patternWith(published), [m], true)).exposures;
        const pending = exposures.filter((e) => e.measure === m);
        if (pending.length === 0) continue;
        // One measure's model at a time, let go after its repair: a WebAssembly memory only grows, so
        // three national models alive at once set the solver's size (measured: 452 MB against 314 MB).
        if (solverMemoryBytes() >= (opts.letGoAbove ?? LARGE_SOLVER_BYTES)) attacker.letGo();
        const model = new RepairModel(h, problem, releaseId, m, published, weight);
        try {
          // Exposures a move found for another already settles (RepairModel.covers), found through the
          // targets the move touches: comparing every exposure with every move was quadratic (a
          // revision's 18,000 exposures) and kept every move dense in memory.
          const covered = new Set<Exposure>();
          const waiting = new Map<number, Exposure[]>();
          for (const e of pending) {
            if (e.insider !== undefined) continue; // another exposure's move may move the insider's own figures
            const list = waiting.get(e.target);
            if (list) list.push(e); else waiting.set(e.target, [e]);
          }
          const settle = (move: Float64Array, support: readonly number[]) => {
            const touched = new Set<number>();
            const targetsOf = attacker.baseTargets(); // i, or −(i + 1) where the cell is subtracted
            for (const b of support) for (const e of targetsOf[b]) touched.add(e >= 0 ? e : -1 - e);
            for (const t of touched) for (const other of waiting.get(t) ?? []) if (!covered.has(other) && model.covers(move, other)) covered.add(other);
          };
          const started = performance.now();
          let solves = 0;
          let entries = 0; // of the moves found: how wide they are
          for (const e of pending) {
            // Exposure by exposure: a national quarter's repair takes minutes, and the office's progress bar follows it.
            opts.progress?.(Math.min(0.9, settled++ / initial));
            if (givenUp.has(e.target) || covered.has(e)) continue;
            solves++;
            let solved = model.solve(e, published);
            const target = problem.targets[e.target];
            if (solved === 'infeasible' && target.foresight) { givenUp.add(e.target); pinnedAhead.add(e.target); continue; }
            // Even with every cell of this release hidden the earlier releases pin this side closer
            // than its level (DESIGN §7): this release is held to narrow it no further than they
            // did — the most it can do — and its report names the side and the releases that pin it.
            // A change this revision carries is the exception: it waits for the next scheduled revision.
            // Held against the stored releases only: with foresight in the problem the later
            // releases' headline cells may be what pins it, and nothing is published yet — the
            // failure below has the job protect the release again without foresight (protect-job.ts).
            if (solved === 'infeasible' && !foresight && !(target.kind === 'change' && target.release === releaseId)) {
              const reach = model.reach(e);
              const a: Allowance = { target: e.target, measure: e.measure, side: e.direction, insider: e.insider, level: Math.abs(model.shiftNeeded(e)[e.direction]), allowed: allowedShift(reach), blockers: blockersOf(problem, e.target, releaseId) };
              (target.allowed ??= new Map()).set(allowanceKey(e.measure, e.direction, e.insider), a.allowed);
              allowances.push(a);
              opts.log?.(`held: ${target.kind} ${target.cell} of release ${target.release}, ${e.measure} ${e.direction}${e.insider === undefined ? '' : `, insider ${e.insider}`}: earlier releases ${a.blockers.join(', ')} leave ${a.allowed} of ${Math.abs(a.level)}`);
              solved = model.solve(e, published);
            }
            if (solved === 'infeasible') {
              opts.log?.(`unprotectable: ${target.kind} ${target.cell} of release ${target.release}, ${target.bases.length}${target.minus.length ? ` − ${target.minus.length}` : ''} base cells, ${e.measure} ${e.direction}${e.insider === undefined ? '' : `, insider ${e.insider}`}`);
              // DESIGN §7 revision policy: a correction this revision cannot protect waits for the next scheduled revision.
              if (target.kind === 'change') throw new ProtectionFailure(CHANGE_UNPROTECTABLE, target.cell, blockersOf(problem, e.target, releaseId));
              if (foresight) throw new ProtectionFailure('با پیش‌بینی انتشارهای بعدی این دوره، یکی از خانه‌های محرمانه پوشیده نمی‌شود.', target.cell, blockersOf(problem, e.target, releaseId));
              throw new ProtectionFailure('حفاظت جدول به دقت عددی کافی نرسید: یکی از خانه‌های محرمانه حتی با پنهان کردن همه خانه‌های این انتشار در حد مجاز انتشارهای پیشین نمی‌ماند.', target.cell, blockersOf(problem, e.target, releaseId));
            }
            const { delta, pay } = solved;
            const direction = sparseDirection(delta);
            if (direction) {
              entries += direction.bases.length;
              directions.push(direction);
              settle(delta, direction.bases);
              const opposite = model.reversed(delta);
              if (opposite) settle(opposite, direction.bases);
            }
            for (const key of pay) { published.delete(key); secondary.add(key); added++; model.suppress(key); }
            await new Promise((resolve) => setImmediate(resolve));
          }
          const { spent } = model;
          opts.log?.(`repair ${m}: ${pending.length} exposures, ${solves} LPs, ${((performance.now() - started) / 1000).toFixed(1)} s (${spent.solves} solves, ${Math.round(spent.iterations / Math.max(1, spent.solves))} simplex iterations and ${Math.round((1000 * spent.seconds) / Math.max(1, spent.solves))} ms each, ${spent.noMargin} targets without room for the margin); ${Math.round(entries / Math.max(1, solves))} base cells per move; ${secondary.size} secondary so far`);
          opts.progress?.(Math.min(0.9, settled / initial));
        } finally {
          model.dispose();
        }
      }
      if (added === 0 && allowances.length === heldBefore && proving) throw new ProtectionFailure('حفاظت جدول به دقت عددی کافی نرسید؛ هیچ خانه تازه‌ای برای پنهان کردن یافت نشد.');
      problem.targets.forEach((t, i) => { if (t.foresight) givenUp.add(i); });
      // After the first round the exposures left are few and most of them protected already: the
      // attacker proves (its LPs cost a fraction of the protection LP's; measured at 2,000 units,
      // a second round of protection LPs found nothing new in 480 solves, 20 s) and only what it
      // finds exposed goes to the protection LP; insiders once the outsiders are answered.
      proving = true;
      audit = await audited(patternWith(published), undefined, true);
    }

    // An audit that reports no exposure has proved every side of every sensitive expression (an
    // unproven one counts as exposed, proving or not): the loop's last is the pattern's audit.
    let provedAudit: AuditResult = audit;
    const deadline = Date.now() + 1000 * (opts.cleanupSeconds ?? 10);
    const cleanup = { started: performance.now(), candidates: secondary.size, tried: 0, given: 0, weight: 0 };
    for (const key of [...secondary].sort((a, b) => weight.get(b)! - weight.get(a)!)) {
      if (Date.now() + 1000 * lastAudit > deadline) break; // another audit would overrun the budget
      const trial = new Set(published).add(key);
      const result = await audited(patternWith(trial), undefined, true);
      cleanup.tried++;
      if (result.exposures.length === 0) {
        published.add(key);
        secondary.delete(key);
        provedAudit = result;
        cleanup.given++;
        cleanup.weight += weight.get(key)!;
      }
    }
    if (cleanup.tried) opts.log?.(`clean-up: ${cleanup.given} of ${cleanup.tried} secondary cells tried (of ${cleanup.candidates}) published again, weight ${cleanup.weight.toFixed(1)}, ${((performance.now() - cleanup.started) / 1000).toFixed(1)} s`);
    opts.progress?.(1);
    const headlineHidden = [...primary, ...secondary].filter(headline).sort();
    const foresightLeft = pinnedAhead.size;
    if (allowances.length) opts.log?.(`${allowances.length} sides held at what the earlier releases allow`);
    return { published, primary, secondary, audit: provedAudit, auditSeconds: Math.round(auditSeconds * 1000) / 1000, headlineHidden, foresightLeft, allowances, moves: directions.slice(opts.directions?.length ?? 0) };
  } finally {
    attacker.dispose();
  }
}

/**
 * The cells of the release being built whose change since an earlier release of the same period
 * that published them is sensitive (cube.ts changesOf: a change made only of added or only of
 * withdrawn filings is their sum).
 */
function changeSensitive(problem: Problem, releaseId: number): Set<string> {
  const out = new Set<string>();
  const self = problem.releases.find((r) => r.id === releaseId);
  const mine = problem.cells.get(releaseId);
  if (!self?.period || !mine) return out;
  for (const earlier of problem.releases) {
    if (earlier.id === releaseId || earlier.foresight || earlier.period !== self.period || !earlier.published) continue;
    const theirs = problem.cells.get(earlier.id);
    for (const key of earlier.published) {
      const before = theirs?.get(key);
      const after = mine.get(key);
      if (!before || !after) continue;
      const { plus, minus } = cellChange(before.bases, after.bases);
      if (plus.length === 0 && minus.length === 0) continue;
      const [added, withdrawn] = plus.length ? [plus, minus] : [minus, []];
      if (sensitivityOf(added.map((i) => problem.bases[i]), problem.rules, problem.measures, withdrawn.map((i) => problem.bases[i]))) out.add(key);
    }
  }
  return out;
}

/** A repair LP's move as a sparse direction (entries below 1e-12 of its largest are solver noise). */
function sparseDirection(delta: Float64Array): Direction | null {
  let max = 0;
  for (const v of delta) max = Math.max(max, Math.abs(v));
  if (max === 0) return null;
  const out: Direction = { bases: [], steps: [] };
  delta.forEach((v, b) => { if (Math.abs(v) > 1e-12 * max) { out.bases.push(b); out.steps.push(v); } });
  return out;
}

/**
 * Information lost by suppressing a cell: its value in the problem's first measure (production
 * value, or the quantity of one product family), scaled, plus one so that no cell is free.
 */
function cellWeights(problem: Problem, releaseId: number): Map<string, number> {
  const m = problem.measures[0];
  const scale = measureScale(problem, m);
  const out = new Map<string, number>();
  for (const c of problem.cells.get(releaseId)!.values()) {
    out.set(c.key, (problem.nodeCost?.(c.node) ?? 1) * (1 + Number(totalOf(c.bases.map((i) => problem.bases[i]))[m]) / scale));
  }
  return out;
}

/**
 * The protection LP of one measure, kept in memory for the whole protection: the earlier releases'
 * published cells fixed, every cell of the new release with a pair of slack columns whose cost is
 * the cell's weight while it is published and 0 once suppressed. Each exposure adds its target's
 * row, solves from the logical basis (nothing moves: every row holds but the target's), and
 * removes the row again.
 *
 * A base cell's move is two columns, its rise (column b) and its fall (column n + b), both at no
 * cost and starting at 0, so the simplex moves only the base cells it needs. With one column from
 * −value to the cap, it left every base cell it did not need at that lower bound: each move set
 * about half the base cells to zero (1,760 of 3,349 in a month at 3,000 units), and the moves kept
 * for the attacker's first tries were dense (about 30 KB each in that month, 160 KB in a quarter).
 * Split, a month's moves shifted 25 to 75 base cells when each solve started from the last basis;
 * a quarter's still about 3,100 of 7,188 (what earlier solves left basic stayed where it was, as
 * nothing costs). From the logical basis a national month's moves shift 7 (preliminary) to 48
 * (final) base cells, at half the time a solve (bench/RESULTS.md, session 16). A small cost on
 * each unit moved gave moves of 2 to 4 base cells, but made a month's repair twice as slow and the
 * held sides' LPs eight times as slow, so it is not used; movesForProof (protect-job.ts) bounds
 * what wide moves cost the proof.
 */
class RepairModel {
  private readonly model: Model;
  private readonly n: number;
  private readonly keys: string[];
  private readonly slack = new Map<string, number>();
  private readonly rows: number;
  private readonly truth: number[];
  private readonly fixed: PublishedRows;
  private readonly fixedLower: number[] = [];
  private readonly fixedUpper: number[] = [];
  private readonly cap: number;
  private readonly costs: Float64Array; // the objective as it stands: each published cell's slack at its weight, a suppressed one's at 0
  readonly scale: number;
  /** What its LPs cost so far (the repair's log line): solves, simplex iterations, seconds, and targets with no room for MARGIN. */
  readonly spent = { solves: 0, iterations: 0, seconds: 0, noMargin: 0 };

  constructor(private readonly h: Highs, private readonly problem: Problem, releaseId: number, readonly measure: LpMeasure, published: ReadonlySet<string>, weight: ReadonlyMap<string, number>) {
    const m = measure;
    this.scale = measureScale(problem, m);
    const n = problem.bases.length;
    this.n = n;
    const truth = problem.bases.map((b) => Number(b.total[m]) / this.scale);
    this.truth = truth;
    const earlier = new Map<number, ReadonlySet<string>>();
    for (const rel of problem.releases) if (rel.id !== releaseId) earlier.set(rel.id, rel.published ?? new Set());
    const fixed = publishedRows(problem, earlier, m, this.scale);
    this.fixed = fixed;
    const starts = [0];
    const indices: number[] = [];
    const values: number[] = [];
    for (let r = 0; r < fixed.lower.length; r++) {
      for (let k = fixed.starts[r]; k < fixed.starts[r + 1]; k++) { indices.push(fixed.indices[k], n + fixed.indices[k]); values.push(1, -1); }
      starts.push(indices.length);
    }
    const rowLower: number[] = [];
    const rowUpper: number[] = [];
    for (let r = 0; r < fixed.lower.length; r++) {
      let base = 0;
      for (let k = fixed.starts[r]; k < fixed.starts[r + 1]; k++) base += truth[fixed.indices[k]];
      rowLower.push(fixed.lower[r] - base);
      rowUpper.push(fixed.upper[r] - base);
    }
    this.fixedLower = [...rowLower];
    this.fixedUpper = [...rowUpper];
    const cells = problem.cells.get(releaseId)!;
    this.keys = [...cells.keys()];
    this.keys.forEach((key, j) => {
      this.slack.set(key, 2 * n + 2 * j);
      for (const b of cells.get(key)!.bases) { indices.push(b, n + b); values.push(1, -1); }
      indices.push(2 * n + 2 * j, 2 * n + 2 * j + 1);
      values.push(-1, 1);
      starts.push(indices.length);
      rowLower.push(0);
      rowUpper.push(0);
    });
    this.rows = rowLower.length;
    const numCols = 2 * n + 2 * this.keys.length;
    const cap = 10 * truth.reduce((sum, v) => sum + v, 0) + 10;
    this.cap = cap;
    const colCost = new Float64Array(numCols);
    const colLower = new Float64Array(numCols);
    const colUpper = new Float64Array(numCols).fill(cap);
    for (let b = 0; b < n; b++) colUpper[n + b] = truth[b]; // a base cell falls at most to zero
    this.keys.forEach((key, j) => {
      const w = published.has(key) ? weight.get(key)! : 0;
      colCost[2 * n + 2 * j] = w;
      colCost[2 * n + 2 * j + 1] = w;
    });
    this.costs = colCost;
    this.model = h.createModel({
      numCols, numRows: this.rows, sense: h.constants.objectiveSense.minimize, colCost: colCost.slice(), colLower, colUpper,
      rowLower, rowUpper, matrix: { format: 'csr', numRows: this.rows, numCols, starts, indices, values },
    });
    // Each repair LP starts from the logical basis (nothing moves, every earlier release's row holds:
    // only the target's row to satisfy) with presolve off, as the proof's witness LPs do: the dual
    // simplex then stops at the first cheap move it reaches. From the last move's basis it first
    // undid that move on a dense factor (a national final's production value: 156 ms and 770 base
    // cells a move, against 82 ms and 48); with presolve on, every run would presolve the model.
    this.model.options.set({ output_flag: false, presolve: 'off' });
  }

  /** A suppressed cell may move for free. */
  suppress(key: string): void {
    const col = this.slack.get(key)!;
    this.costs[col] = 0;
    this.costs[col + 1] = 0;
    this.model.changeColsCost({ kind: 'range', from: col, to: col + 1 }, [0, 0]);
  }

  /**
   * How far the exposure's side can move at most with every cell of this release hidden: what the
   * earlier releases allow (≥ 0, in the measure's units). The objective is the target itself for
   * one solve, then the costs are put back.
   */
  reach(e: Exposure): number {
    const target = this.problem.targets[e.target];
    const objective = new Float64Array(this.costs.length);
    const terms = targetTerms(target);
    const sign = e.direction === 'up' ? -1 : 1; // minimised: −shift for up, +shift for down
    terms.indices.forEach((b, k) => { objective[b] += sign * terms.values[k]; objective[this.n + b] -= sign * terms.values[k]; });
    const restore = e.insider === undefined ? null : this.holdInsider(e.insider);
    this.model.changeColsCost({ kind: 'range', from: 0, to: this.costs.length - 1 }, objective);
    try {
      const status = runConfirmed(this.h, this.model);
      if (status !== this.h.constants.modelStatus.optimal) throw new Error(`the reach linear programme ended with status ${status}`);
      return Math.max(0, -this.model.getObjectiveValue() * this.scale);
    } finally {
      restore?.();
      this.model.changeColsCost({ kind: 'range', from: 0, to: this.costs.length - 1 }, this.costs);
    }
  }

  /**
   * The cheapest perturbation moving the target past its protection level: its base-cell changes
   * (scaled) and the cells it pays for. For the outside attacker it asks a hair more (1e-4 of the
   * level, issue 21: room for the stored proof's exact witness), and only the level itself when the
   * hair is not to be had (a level reaching a bound the earlier releases set, a sum asked down to 0).
   */
  solve(e: Exposure, published: ReadonlySet<string>): { delta: Float64Array; pay: string[] } | 'infeasible' {
    if (e.insider === undefined) {
      const past = this.solveWith(e, published, MARGIN);
      if (past !== 'infeasible') return past;
      this.spent.noMargin++;
    }
    return this.solveWith(e, published, 1);
  }

  private solveWith(e: Exposure, published: ReadonlySet<string>, margin: number): { delta: Float64Array; pay: string[] } | 'infeasible' {
    const target = this.problem.targets[e.target];
    const { up, down } = this.shiftNeeded(e);
    const inf = this.h.infinity;
    const [lo, hi] = e.direction === 'up' ? [(up * margin) / this.scale, inf] : [-inf, (down * margin) / this.scale];
    this.model.addRow(lo, hi, riseAndFall(targetTerms(target), this.n));
    const restore = e.insider === undefined ? null : this.holdInsider(e.insider);
    const started = performance.now();
    try {
      this.model.setLogicalBasis();
      const status = runConfirmed(this.h, this.model);
      this.spent.solves++;
      this.spent.iterations += Number(this.model.info.get('simplex_iteration_count'));
      this.spent.seconds += (performance.now() - started) / 1000;
      if (status === this.h.constants.modelStatus.infeasible) return 'infeasible';
      if (status !== this.h.constants.modelStatus.optimal) throw new Error(`the protection linear programme ended with status ${status}`);
      const sol = this.model.getSolution().colValue;
      const pay = this.keys.filter((key) => {
        const col = this.slack.get(key)!;
        return published.has(key) && sol[col] + sol[col + 1] > 1e-7;
      });
      const delta = new Float64Array(this.n);
      for (let b = 0; b < this.n; b++) delta[b] = sol[b] - sol[this.n + b];
      return { delta, pay };
    } finally {
      restore?.();
      this.model.deleteRows({ kind: 'range', from: this.rows, to: this.rows });
    }
  }

  /**
   * How far the target must move (up ≥ 0, down ≤ 0) for the exposure's side to be protected: to its
   * level for an outsider; for an insider, to the other contributor's level (max(interval, p) of its share).
   */
  shiftNeeded(e: Exposure): { up: number; down: number } {
    const target = this.problem.targets[e.target];
    const x = Number(target.truth[this.measure]);
    if (e.insider === undefined) {
      const levels = targetLevels(target, this.measure);
      return { up: levels.up - x, down: levels.down - x };
    }
    const shares = ownerShares(this.problem, target, this.measure);
    const other = target.pair!.find((o) => o !== e.insider)!;
    const theirs = shares.get(other) ?? 0;
    return { up: insiderLevel(this.problem, target, this.measure, e.insider, 'up', theirs), down: -insiderLevel(this.problem, target, this.measure, e.insider, 'down', theirs) };
  }

  /**
   * An insider's own figures do not move: a base cell it alone contributes to stays as it is, one
   * it shares cannot fall below its own amount. Returns what puts the columns back.
   */
  private holdInsider(owner: number): () => void {
    const own: { b: number; rise: number; fall: number }[] = [];
    for (const b of this.problem.bases) {
      const amounts = b.owners.get(owner);
      if (!amounts) continue;
      own.push(b.owners.size === 1 ? { b: b.index, rise: 0, fall: 0 } : { b: b.index, rise: this.cap, fall: this.truth[b.index] - Number(amounts[this.measure]) / this.scale });
    }
    if (own.length === 0) return () => {};
    // Rise and fall columns, in increasing order, as HiGHS's index sets expect.
    const cols = [...own.map((o) => o.b), ...own.map((o) => this.n + o.b)];
    const zeros = cols.map(() => 0);
    this.model.changeColsBounds({ kind: 'set', indices: cols }, zeros, [...own.map((o) => o.rise), ...own.map((o) => o.fall)]);
    return () => this.model.changeColsBounds({ kind: 'set', indices: cols }, zeros, [...own.map(() => this.cap), ...own.map((o) => this.truth[o.b])]);
  }

  /**
   * The opposite perturbation, when it is one too (no base cell would go negative, the earlier
   * releases' rows still hold): it protects the other side of the same targets.
   */
  reversed(delta: Float64Array): Float64Array | null {
    for (let b = 0; b < this.n; b++) if (delta[b] > this.truth[b] + 1e-9) return null;
    const minus = delta.map((v) => -v);
    for (let r = 0; r < this.fixed.lower.length; r++) {
      let s = 0;
      for (let k = this.fixed.starts[r]; k < this.fixed.starts[r + 1]; k++) s += minus[this.fixed.indices[k]];
      if (s < this.fixedLower[r] - 1e-9 || s > this.fixedUpper[r] + 1e-9) return null;
    }
    return minus;
  }

  /** Whether a perturbation already moves another exposure's target past its level (then that side is protected too). */
  covers(delta: Float64Array, e: Exposure): boolean {
    if (e.insider !== undefined) return false; // another exposure's perturbation may move the insider's own figures
    const target = this.problem.targets[e.target];
    const x = Number(target.truth[this.measure]);
    const { up, down } = this.shiftNeeded(e);
    let shift = 0;
    for (const b of target.bases) shift += delta[b];
    for (const b of target.minus) shift -= delta[b];
    shift *= this.scale;
    const tol = 1e-6 * Math.max(1, Math.abs(x));
    return e.direction === 'up' ? shift >= up - tol : shift <= down + tol;
  }

  dispose(): void {
    this.model.dispose();
  }
}
