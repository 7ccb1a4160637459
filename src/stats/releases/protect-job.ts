import { buildProblem, isSensitive, roundedAverage, totalOf, unitsOf, type BaseCell, type DisclosureRules, type Problem, type ReleaseInProblem } from './cube.ts';
import { unpackedRows, type PackedRows } from './packed-rows.ts';
import { protectRelease, ProtectionFailure, type Allowance } from './protect.ts';
import { productCategory, productFamilies, protectProducts, type ProductCellRow, type ProductProtectionReport } from './products.ts';
import { familySpace, proveRelease, type IdentifiedMove, type ProofRow } from './proof-release.ts';
import { baseIdentity, earlierWitnessDirections, storedAllowances, type EarlierProof, type StoredAllowance } from './proof.ts';
import { releaseHighs, type Direction } from './attack.ts';
import { gaussPattern } from './gauss.ts';
import { isHeadline } from './routine.ts';
import { parseReferencePeriod } from './period.ts';
import { BUILDING } from './sources.ts';
import { perturbedCount, recordKeys } from './counts.ts';
import type { HeldSide, ProtectionReport } from './types.ts';
import { collectGarbage, runInThread, type ProtectionHooks } from './thread.ts';

// The CPU half of building a release (DESIGN §7 "releases are jobs"): from the rows read in one
// snapshot to the cells to store. It runs in a worker thread (protectInThread in inputs.ts, thread.ts).

export interface ProtectionInputs {
  rules: DisclosureRules;
  months: number; // of the release being built (employees are a monthly average over them)
  releases: ReleaseInProblem[]; // the stored group, the release being built (id BUILDING) and the foresight releases
  productReleases: ReleaseInProblem[]; // the same releases with their published product cells
  samePeriod: number[]; // stored releases of the same period and flag or its counterpart: the seed of a revision
  seedFromGroup: boolean;
  /**
   * The LP repair's starting pattern: the primary cells (and the group's seed) only, or those and
   * the Gaussian elimination's (gauss.ts), or those and what the stored releases of its months or
   * quarters hide (inheritedSuppressions; the default: for a month, or a quarter whose months are
   * not all stored, it is the primary cells').
   */
  firstPattern?: FirstPattern;
  valueRows: PackedRows; // packed: each problem is built from them (two in a release that drops foresight, and the proof's), as objects they took a national quarter's 70 MB for the whole protection
  productRows: PackedRows; // needed only once the values are protected: packed until then
  /** The stored proofs of the linked releases' values: their witnesses are the protection's first moves. */
  earlierProofs?: EarlierProof[];
  headlineExtra: string[];
  countSecret: string; // the cell-key method's secret (counts.ts; migration 170)
  /** Product rows from which the families are protected in a thread of their own (PRODUCTS_THREAD_ROWS; tests set it). */
  productsThreadRows?: number;
  /** Value rows above which the values are protected in a thread of their own (VALUES_THREAD_ROWS; tests set it). */
  valuesThreadRows?: number;
}

/** What the values' protection is given (in the release's thread or in values-thread.ts): the inputs but the products'. */
export type ValuesInput = Omit<ProtectionInputs, 'productRows' | 'productReleases'>;

export type FirstPattern = 'primary' | 'gauss' | 'inherited';

export interface ValueCellRow { geo: string; isic: string; measure: string; value: string | null; suppressed: boolean; primary: boolean }

export interface ProtectionOutput {
  cells: ValueCellRow[];
  products: Omit<ProductCellRow, 'release_id'>[];
  proofs: ProofRow[]; // the stored proof (issue 21): witnesses for the values and each product family
  report: Omit<ProtectionReport, 'linked' | 'seconds' | 'products'> & { seconds: { protect: number; audit: number }; products: Omit<ProductProtectionReport, 'lines' | 'uncounted'> };
}

/**
 * The cells every earlier release of the same period suppresses (its revisions, its preliminary or
 * final counterpart): a revision starts from the pattern they settled on instead of from its
 * primary cells only, and most of its protection is then proved rather than searched for. Not the
 * months of a quarter: their patterns protect small cells the quarter does not have (measured at
 * 100,000 units: a quarter seeded with its month hid 3,676 cells instead of 1,497, information
 * loss 4.1 % instead of 0.8 %, for half the time), so a quarter is protected from its own primaries.
 */
export function sharedSuppressions(problem: Problem, samePeriod: ReadonlySet<number>): Set<string> {
  let shared = null as Set<string> | null;
  for (const rel of problem.releases) {
    if (!rel.published || !samePeriod.has(rel.id)) continue;
    const cells = problem.cells.get(rel.id);
    if (!cells) continue;
    const hidden = new Set([...cells.keys()].filter((key) => !rel.published!.has(key)));
    shared = shared === null ? hidden : new Set([...shared].filter((key: string) => hidden.has(key)));
  }
  return shared ?? new Set();
}

/**
 * The cells of a quarter or year, published after all its months, that the latest stored release
 * of one of its months or quarters hides. Published, such a cell would give the hidden one away
 * with the other parts (a quarter cell less two published months is the third): the repair would
 * find them one exposure at a time (a national quarter after its six months: 20,777 exposures in
 * its first audit). Nothing while a month is still to come: its cells are not known yet, and a
 * quarter seeded with its first month alone hid 3,676 cells instead of 1,497 (bench/RESULTS.md).
 */
export function inheritedSuppressions(problem: Problem, releaseId: number): Set<string> {
  const self = problem.releases.find((r) => r.id === releaseId);
  const mine = problem.cells.get(releaseId);
  const span = self?.period ? parseReferencePeriod(self.period) : null;
  const out = new Set<string>();
  if (!span || span.kind === 'month' || !mine) return out;
  const latest = new Map<string, ReleaseInProblem>();
  for (const r of problem.releases) {
    if (r.id === releaseId || r.foresight || !r.published || !r.period || r.period === span.code) continue;
    const part = parseReferencePeriod(r.period);
    if (!part || !part.months.every((m) => span.months.includes(m))) continue;
    const before = latest.get(r.period);
    if (!before || r.id > before.id) latest.set(r.period, r);
  }
  if (!span.months.every((m) => latest.has(m))) return out;
  for (const r of latest.values()) {
    for (const key of problem.cells.get(r.id)?.keys() ?? []) if (!r.published!.has(key) && mine.has(key)) out.add(key);
  }
  return out;
}

/** The headline cells of a later release that pass the primary rule: the ones it will publish. */
function headlinesOf(problem: Problem, releaseId: number, headline: (key: string) => boolean): Set<string> {
  const out = new Set<string>();
  for (const c of problem.cells.get(releaseId)?.values() ?? []) {
    if (headline(c.key) && !isSensitive(c.bases.map((i) => problem.bases[i]), problem.rules, problem.measures)) out.add(c.key);
  }
  return out;
}

/** The releases, each foresight release publishing the headline cells it will publish (from the cells alone: no expressions). */
function withForesightHeadlines(inputs: ValuesInput, headline: (key: string) => boolean): ReleaseInProblem[] {
  const cells = buildProblem(unpackedRows(inputs.valueRows), inputs.releases, inputs.rules, undefined, { targets: false });
  return inputs.releases.map((r) => (r.foresight ? { ...r, published: headlinesOf(cells, r.id, headline) } : r));
}

export { Cancelled, type Phase } from './thread.ts';

/** How many held sides a release report lists (their count is always whole). */
const HELD_SHOWN = 50;

/**
 * How many base-cell entries of the repair's moves the proof is given as seeds. It tries them narrowest first
 * and stops at the first whose exact form costs more than a witness LP (proof.ts SEED_MS), so wide moves are
 * rarely tried, yet each is kept by identity in both proof threads: a 3,000-unit quarter's 1,538 moves held
 * 4.8 million entries (a proof half's heap at 683 MB) and its proof tried one.
 */
export const PROOF_SEED_ENTRIES = 200_000;

/**
 * The widest move the proof is given: its exact form is a fraction-free elimination over every set
 * it touches, which for a national quarter's move of 17,000 base cells took 62 s, against a witness
 * LP's second or so (and the proof stops at the first move that costs more than an LP).
 */
export const PROOF_SEED_CELLS = 1_000;

/** The repair's narrowest moves, none wider than PROOF_SEED_CELLS, as many as PROOF_SEED_ENTRIES entries allow. */
export function movesForProof(moves: readonly Direction[]): Direction[] {
  const out: Direction[] = [];
  let entries = 0;
  for (const d of [...moves].sort((a, b) => a.bases.length - b.bases.length)) {
    if (d.bases.length > PROOF_SEED_CELLS || entries + d.bases.length > PROOF_SEED_ENTRIES) break;
    entries += d.bases.length;
    out.push(d);
  }
  return out;
}

const share = (x: bigint, truth: bigint): number | null => (truth === 0n ? null : Math.round((Number(x) / Math.abs(Number(truth))) * 10_000) / 10_000);

/** A side held at what the earlier releases allow, as the release report states it. */
function heldSide(problem: Problem, a: Allowance, space: string): HeldSide {
  const t = problem.targets[a.target];
  return { space, cell: t.cell, release: t.release, kind: t.kind, measure: a.measure, side: a.side, insider: a.insider !== undefined, levelShare: share(BigInt(Math.ceil(a.level)), t.truth[a.measure]), allowedShare: share(a.allowed, t.truth[a.measure]), blockers: a.blockers };
}

/** What the protection leaves for the proof and the store: no problem, no model (their memory is free before the proof builds its own). */
interface Protected {
  cells: ValueCellRow[];
  products: Omit<ProductCellRow, 'release_id'>[];
  valuePublished: ReadonlySet<string>;
  productPublished: ReadonlySet<string>;
  allowed: Map<string, StoredAllowance[]>;
  moves: IdentifiedMove[];
  productSeconds: number;
  report: Omit<ProtectionOutput['report'], 'proof' | 'seconds'> & { auditSeconds: number };
}

/** Protects the values, then the product families, of the release being built, and proves the result. Throws ProtectionFailure. */
export async function protectInputs(inputs: ProtectionInputs, hooks: ProtectionHooks = {}): Promise<ProtectionOutput> {
  const started = performance.now();
  const done = await protectCells(inputs, hooks);
  releaseHighs(); // the protection's models are gone: the proof starts from a solver of its own size
  hooks.progress?.('proof', 0);
  const proof = await proveRelease(inputs, done.valuePublished, done.productPublished, hooks.log, done.allowed, { moves: done.moves });
  const seconds = (performance.now() - started) / 1000 - done.productSeconds - proof.summary.seconds;
  const { auditSeconds, ...report } = done.report;
  return {
    cells: done.cells,
    products: done.products,
    proofs: proof.rows,
    report: { ...report, proof: proof.summary, seconds: { protect: Math.round((seconds - auditSeconds) * 1000) / 1000, audit: auditSeconds } },
  };
}

/**
 * Product rows from which the product families are protected in a thread of their own while the
 * values are (the families never depend on the values' pattern): a national month's 353,561 rows
 * took 13–17 s after the values, with the machine's other core idle. Below it, in this thread (a
 * thread's start costs about a second).
 */
export const PRODUCTS_THREAD_ROWS = 50_000;

/**
 * Value rows above which the families wait for the values after all: a quarter or the year, whose
 * values alone take the release near its 1 GB (their held sides grow the solver to 651 MB). The
 * national 1404-Q2 with its families beside peaked at 1.12 GB (reading 1.01, values 1.06), against
 * 1.03 for 1404-Q1 with them after. A national month has 175,000 value rows, a quarter 351,000.
 */
export const PRODUCTS_BESIDE_VALUE_ROWS = 250_000;

/**
 * Value rows above which the values are protected in a thread of their own (values-thread.ts), as
 * the proof is: a quarter's or the year's (a national month has 175,000, a quarter 351,000, the
 * year after its 28 releases 1.03 million). Their problem and solver then go back to the system for
 * certain when that thread ends, before the product families and the proof build theirs; a solver
 * let go (releaseHighs) in the same thread is freed only when V8 collects it. Measured in the same
 * run (bench/RESULTS.md, session 17): the national 1404-Q2 with its values in the release's thread
 * peaked at 1.19 GB in the values and 1.22 GB in the families, which started with the values' 651 MB
 * solver still resident; 1404-Q1 with them in a thread at 1.11 GB in the values and 0.61 GB in the
 * families.
 */
export const VALUES_THREAD_ROWS = PRODUCTS_BESIDE_VALUE_ROWS;

/** The values protected: their cells to store, what the proof and the report need of them, and the sides held. */
export type ValuesProtected = Awaited<ReturnType<typeof protectValues>>;

/** The values of the release being built protected (in this thread: values-thread.ts calls it in its own). Throws ProtectionFailure. */
export function protectValuesOf(inputs: ValuesInput, hooks: ProtectionHooks): Promise<ValuesProtected> {
  const extra = new Set(inputs.headlineExtra);
  const keys = recordKeys(inputs.countSecret);
  return protectValues(inputs, hooks, {
    headline: (key: string) => isHeadline(key, extra),
    samePeriod: new Set(inputs.samePeriod),
    inheriting: (inputs.firstPattern ?? 'inherited') === 'inherited',
    countOf: (members: readonly BaseCell[]) => perturbedCount(unitsOf(members), keys, inputs.rules.minUnits),
  });
}

/** The values, then the product families, protected: the cells to store and what the proof needs. */
async function protectCells(inputs: ProtectionInputs, hooks: ProtectionHooks): Promise<Protected> {
  const inheriting = (inputs.firstPattern ?? 'inherited') === 'inherited';
  const families: ProductsInput = { productRows: inputs.productRows, productReleases: inputs.productReleases, rules: inputs.rules, samePeriod: inputs.samePeriod, seedFromGroup: inputs.seedFromGroup, inheriting, countSecret: inputs.countSecret };
  let stopped = false;
  const aside = inputs.productRows.length >= (inputs.productsThreadRows ?? PRODUCTS_THREAD_ROWS) && inputs.valueRows.length <= PRODUCTS_BESIDE_VALUE_ROWS
    ? runInThread<ProductsProtected>(new URL('./products-thread.ts', import.meta.url), families, { log: hooks.log, cancelled: () => stopped })
    : null;
  aside?.catch(() => {}); // awaited below, or abandoned when the values fail
  // The values' problem and solver are let go before the product families: a WebAssembly memory
  // only grows, and the national values' models had taken 0.45 GB that no family needs.
  let values: ValuesProtected;
  try {
    const { productRows: _rows, productReleases: _releases, ...valuesInput } = inputs;
    const aThread = inputs.valueRows.length > (inputs.valuesThreadRows ?? VALUES_THREAD_ROWS);
    if (aThread) collectGarbage(); // this thread waits idle meanwhile: what its reading left goes first
    values = aThread
      ? await runInThread<ValuesProtected>(new URL('./values-thread.ts', import.meta.url), valuesInput, { log: hooks.log, progress: hooks.progress })
      : await protectValuesOf(valuesInput, hooks);
  } catch (e) {
    stopped = true;
    throw e;
  }
  releaseHighs();

  hooks.progress?.('products', 0);
  const products = aside ? await aside : await protectProductFamilies(families, hooks);
  hooks.progress?.('products', 1);
  const { held, allowed } = values;
  held.push(...products.held);
  for (const [space, list] of products.allowed) allowed.set(space, list);
  const productPublished = new Set(products.rows.filter((r) => r.measure === 'quantity' && !r.suppressed).map((r) => `${r.geo}|${productCategory(r.product, r.unit_of_measure_code)}`));
  return {
    cells: values.cells,
    products: products.rows,
    valuePublished: values.published,
    productPublished,
    allowed,
    moves: values.moves,
    productSeconds: aside ? 0 : products.report.seconds, // in a thread of its own, its time is not the release's
    report: {
      ...values.report,
      ...(held.length ? { held: { sides: held.length, expressions: new Set(held.map((h) => `${h.space}|${h.release}|${h.cell}|${h.kind}`)).size, cells: held.slice(0, HELD_SHOWN) } } : {}),
      products: (({ lines: _l, uncounted: _u, ...rest }) => rest)(products.report),
    },
  };
}

/** What the product families' protection is given (in this thread or in products-thread.ts). */
export interface ProductsInput { productRows: PackedRows; productReleases: ReleaseInProblem[]; rules: DisclosureRules; samePeriod: number[]; seedFromGroup: boolean; inheriting: boolean; countSecret: string }

/** The product families protected: their cells to store, the report, the sides held and each family's allowances for the proof. */
export interface ProductsProtected { rows: Omit<ProductCellRow, 'release_id'>[]; report: ProductProtectionReport; held: HeldSide[]; allowed: [string, StoredAllowance[]][] }

/** Protects the product families of the release being built (each with the linked releases). Throws ProtectionFailure. */
export async function protectProductFamilies(input: ProductsInput, hooks: ProtectionHooks): Promise<ProductsProtected> {
  const keys = recordKeys(input.countSecret);
  const samePeriod = new Set(input.samePeriod);
  const families = productFamilies(input.productRows, input.productReleases, input.rules);
  const held: HeldSide[] = [];
  const allowed: [string, StoredAllowance[]][] = [];
  let done = 0;
  const products = await protectProducts(families, BUILDING, {
    log: hooks.log,
    countOf: (members) => perturbedCount(unitsOf(members), keys, input.rules.minUnits),
    seedOf: (p) => new Set([...(input.seedFromGroup ? sharedSuppressions(p, samePeriod) : []), ...(input.inheriting ? inheritedSuppressions(p, BUILDING) : [])]),
    onFamily: () => hooks.progress?.('products', ++done / Math.max(1, families.count)),
    onProtected: (family, p) => {
      held.push(...p.allowances.map((a) => heldSide(family, a, familySpace(family))));
      const list = storedAllowances(family, BUILDING);
      if (list.length) allowed.push([familySpace(family), list]);
    },
  });
  if (products.report.audit.inside > 0) throw new ProtectionFailure('ممیزی جدول محصولات پس از حفاظت هنوز خانه‌ای محرمانه را در بازه حفاظت می‌یابد.');
  return { rows: products.rows.map(({ release_id: _id, ...row }) => row), report: products.report, held, allowed };
}

interface ValueContext { headline: (key: string) => boolean; samePeriod: ReadonlySet<number>; inheriting: boolean; countOf: (members: readonly BaseCell[]) => number }

/** The values protected: their cells to store, what the proof and the report need of them, and the sides held (products add theirs). */
async function protectValues(inputs: ValuesInput, hooks: ProtectionHooks, { headline, samePeriod, inheriting, countOf }: ValueContext) {
  const started = performance.now();
  // The later releases will publish their headline cells (those that pass the primary rule): with
  // foresight, those are known now, so a preliminary is not the one to leave the final no choice.
  const releases = inputs.releases.some((r) => r.foresight) ? withForesightHeadlines(inputs, headline) : inputs.releases;
  hooks.progress?.('values', 0);
  const seedOf = (p: Problem): Set<string> | undefined => {
    const shared = inputs.seedFromGroup ? sharedSuppressions(p, samePeriod) : undefined;
    if (inheriting) {
      const inherited = inheritedSuppressions(p, BUILDING);
      if (inherited.size) hooks.log?.(`inherited first pattern: ${inherited.size} cells its months or quarters hide`);
      return new Set([...(shared ?? []), ...inherited]);
    }
    if (inputs.firstPattern !== 'gauss') return shared;
    const t = performance.now();
    const gauss = gaussPattern(p, BUILDING, { headline });
    hooks.log?.(`gauss first pattern: ${gauss.size} cells in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    return new Set([...(shared ?? []), ...gauss]);
  };
  const directionsOf = (p: Problem): Direction[] => {
    if (!inputs.earlierProofs?.length) return [];
    const { directions, dropped } = earlierWitnessDirections(p, inputs.earlierProofs);
    hooks.log?.(`earlier proofs: ${directions.length} witnesses as first moves (${dropped} on cells this problem splits or lacks)`);
    return directions;
  };
  const protect = (p: Problem) => protectRelease(p, BUILDING, { log: hooks.log, seed: seedOf(p), directions: directionsOf(p), headline, progress: (share) => hooks.progress?.('values', share) });
  const later = new Set(inputs.releases.filter((r) => r.foresight).map((r) => r.id));
  // Each attempt builds its own problem: the first one's is garbage once it fails, before the
  // second is built (a national quarter held both at once: 1.05 GB).
  const attempt = async (foresight: boolean) => {
    const problem = foresight
      ? buildProblem(unpackedRows(inputs.valueRows), releases, inputs.rules)
      : buildProblem(unpackedRows(inputs.valueRows), inputs.releases.filter((r) => !r.foresight), inputs.rules, undefined, { without: later });
    hooks.log?.(`values problem: ${problem.bases.length} base cells, ${problem.targets.length} sensitive expressions, ${((performance.now() - started) / 1000).toFixed(1)} s in the thread`);
    return { problem, protection: await protect(problem) };
  };
  let foresightDropped = false;
  let done: Awaited<ReturnType<typeof attempt>>;
  try {
    done = await attempt(later.size > 0);
  } catch (e) {
    // Foresight is a help, never a new dead end: without it the release is protected against what is published.
    if (!(e instanceof ProtectionFailure) || later.size === 0) throw e;
    hooks.log?.(`foresight left out: ${e.message}`);
    // A solver of its own for the second attempt: the first one's memory (0.38 GB in a national
    // quarter) only grew, and its models are garbage now.
    releaseHighs();
    done = await attempt(false);
    foresightDropped = true;
  }
  const { problem, protection } = done;
  if (protection.audit.inside > 0) throw new ProtectionFailure('ممیزی پس از حفاظت هنوز خانه‌ای محرمانه را در بازه حفاظت می‌یابد.');

  const held: HeldSide[] = protection.allowances.map((a) => heldSide(problem, a, 'values'));
  // The sides held at what the earlier releases allow (protect.ts), for the proof to answer for.
  const allowed = new Map<string, StoredAllowance[]>([['values', storedAllowances(problem, BUILDING)]]);

  const cells: ValueCellRow[] = [];
  const mine = [...problem.cells.get(BUILDING)!.values()];
  let pvAll = 0n;
  let pvHidden = 0n;
  for (const c of mine) {
    const members = c.bases.map((i) => problem.bases[i]);
    const t = totalOf(members);
    const suppressed = !protection.published.has(c.key);
    pvAll += t.production_value;
    if (suppressed) pvHidden += t.production_value;
    const values: Record<string, bigint> = {
      production_value: t.production_value,
      intermediate_consumption: t.intermediate_consumption,
      value_added: t.production_value - t.intermediate_consumption,
      employees: roundedAverage(t.employees, inputs.months),
      units: BigInt(countOf(members)), // perturbed (cell key), published only beside published values
    };
    for (const [measure, v] of Object.entries(values)) cells.push({ geo: c.geo, isic: c.node, measure, value: suppressed ? null : v.toString(), suppressed, primary: protection.primary.has(c.key) });
  }
  // The protection's repair moves, by base identity: the proof's problem has no foresight releases.
  const moves = movesForProof(protection.moves).map((d) => ({ keys: d.bases.map((b) => baseIdentity(problem.bases[b], BUILDING)), steps: d.steps }));
  const real = problem.targets.filter((t) => !t.foresight).length;
  return {
    cells,
    published: protection.published,
    held,
    allowed,
    moves,
    report: {
      cells: mine.length,
      suppressed: mine.length - protection.published.size,
      informationLoss: pvAll > 0n ? Number((pvHidden * 1_000_000n) / pvAll) / 1_000_000 : 0,
      audit: { sensitive: real, exact: protection.audit.exact, inside: protection.audit.inside, lps: protection.audit.lps, byAttacker: protection.audit.byAttacker },
      headline: { hidden: protection.headlineHidden, primary: protection.headlineHidden.filter((key) => protection.primary.has(key)) },
      foresight: { releases: foresightDropped ? 0 : inputs.releases.filter((r) => r.foresight).length, expressions: problem.targets.length - real, left: protection.foresightLeft },
      auditSeconds: protection.auditSeconds,
    },
  };
}
