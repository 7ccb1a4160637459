import type { Knex } from 'knex';
import { buildProblem, VALUE_SPACE, type DisclosureRules, type Problem, type ReleaseInProblem } from './cube.ts';
import { packRows, unpackedRows, type PackedRows } from './packed-rows.ts';
import { baseIdentity, buildProof, earlierWitnesses, joinProofs, type EarlierProof, type ProofSummary, type StoredAllowance, type StoredProof } from './proof.ts';
import { runInThread } from './thread.ts';
import { familyOf, productFamilies } from './products.ts';
import { bulkInsert } from './bulk.ts';
import { BUILDING } from './sources.ts';
import type { Pattern } from './attack.ts';

// The stored proof of a release (issue 21), at the level of releases: built in the protection
// thread from the rows the job read, on the problem exactly as `stats:audit --verify` rebuilds it
// from stored contributions (the release's linked group at the time and the release itself; the
// foresight releases are not stored, so they are not in it); checked later without a solver.

export interface ProofRow { space: string; proof: StoredProof }

/** The stored proof's space of a product family (`products:<family>`; the values' is `values`). */
export const familySpace = (family: Problem): string => `products:${familyOf(family.bases[0].category)}`;

export const patternOf = (problem: Problem): Pattern => new Map(problem.releases.map((r) => [r.id, r.published ?? new Set<string>()]));

/** The releases of a job as the store will leave them, and the foresight releases to leave out of every signature (buildProblem `without`). */
function storedView(releases: readonly ReleaseInProblem[], published: ReadonlySet<string>): { releases: ReleaseInProblem[]; without: Set<number> } {
  return {
    releases: releases.filter((r) => !r.foresight).map((r) => (r.id === BUILDING ? { ...r, published } : r)),
    without: new Set(releases.filter((r) => r.foresight).map((r) => r.id)),
  };
}

/** A move of the protection's problem over base cells by identity (baseIdentity: foresight releases left out), for the proof's problem. */
export interface IdentifiedMove { keys: string[]; steps: number[] }

/**
 * The moves on `problem`'s base cells: cells that merge in it add up, and a cell it lacks is left
 * out — a cell only foresight releases counted is in no stored published set, so a move that kept
 * every published set still keeps the stored ones without it.
 */
export function movesOn(problem: Problem, moves: readonly IdentifiedMove[], self = BUILDING): Map<number, number>[] {
  const index = new Map(problem.bases.map((b, i) => [baseIdentity(b, self), i]));
  const out: Map<number, number>[] = [];
  for (const m of moves) {
    const d = new Map<number, number>();
    m.keys.forEach((key, j) => {
      const b = index.get(key);
      if (b !== undefined) d.set(b, (d.get(b) ?? 0) + m.steps[j]);
    });
    if (d.size) out.push(d);
  }
  return out;
}

/**
 * The proofs of the release being built: its values, and each product family in which it has cells.
 * `productPublished` is the set of product cells it publishes (key `geo|product~uom`). `moves` are
 * the values' protection moves, tried as witnesses before any LP. It takes the product and value
 * rows out of `inputs` (the job's own, which nothing needs after the proof).
 */
export async function proveRelease(
  inputs: { rules: DisclosureRules; releases: ReleaseInProblem[]; productReleases: ReleaseInProblem[]; valueRows: PackedRows; productRows: PackedRows; earlierProofs?: EarlierProof[] },
  valuePublished: ReadonlySet<string>,
  productPublished: ReadonlySet<string>,
  log?: (line: string) => void,
  allowed: ReadonlyMap<string, readonly StoredAllowance[]> = new Map(),
  opts: { splitAt?: number; splitMaxBases?: number; moves?: readonly IdentifiedMove[] } = {},
): Promise<{ rows: ProofRow[]; summary: ProofSummary }> {
  // The product families first, each built when its turn comes and the product rows taken out of
  // `inputs`: they are free before the values' proof, the largest part (a national final's).
  const productRows: ProofRow[] = [];
  const summaries: ProofSummary[] = [];
  const products = storedView(inputs.productReleases, productPublished);
  const families = productFamilies(inputs.productRows, products.releases, inputs.rules, { without: products.without });
  inputs.productRows = packRows([], inputs.productRows.measures);
  for (const family of families.problems) {
    if (!family.cells.get(BUILDING)?.size) continue;
    const space = familySpace(family);
    const r = await buildProof(family, patternOf(family), BUILDING, { allowed: allowed.get(space) });
    productRows.push({ space, proof: r.proof });
    summaries.push(r.summary);
  }
  const values = storedView(inputs.releases, valuePublished);
  const valueProblem = buildProblem(unpackedRows(inputs.valueRows), values.releases, inputs.rules, undefined, { without: values.without });
  const expressions = valueProblem.targets.filter((t) => !t.foresight).length;
  const large = expressions >= (opts.splitAt ?? SPLIT_AT);
  const split = large && valueProblem.bases.length <= (opts.splitMaxBases ?? SPLIT_MAX_BASES);
  if (large && !split) log?.(`proof in one thread: ${valueProblem.bases.length} base cells, more than a second copy of the problem may take (${SPLIT_MAX_BASES})`);
  // The problem holds what this thread's proof needs: the rows go, to the second thread if there is
  // one (it rebuilds the problem from them).
  const rows = split ? inputs.valueRows : null;
  inputs.valueRows = packRows([], VALUE_SPACE.measures);
  const moves = opts.moves ?? [];
  const earlier = inputs.earlierProofs ?? [];
  const first = rows
    ? await proveInTwo(valueProblem, { rows, ...values }, inputs.rules, allowed.get('values') ?? [], moves, earlier, log)
    : await buildProof(valueProblem, patternOf(valueProblem), BUILDING, { log, allowed: allowed.get('values'), seeds: movesOn(valueProblem, moves), exact: earlierWitnesses(valueProblem, earlier).witnesses });
  const total = { ...first.summary };
  for (const r of summaries) {
    total.expressions += r.expressions;
    total.sides += r.sides;
    total.witnesses += r.witnesses;
    total.lps += r.lps;
    total.uncovered += r.uncovered;
    total.seconds += r.seconds;
  }
  total.seconds = Math.round(total.seconds * 1000) / 1000;
  log?.(`proof with products: ${total.expressions} expressions, ${total.witnesses} witnesses, ${total.lps} LPs, ${total.uncovered} uncovered, ${total.seconds} s`);
  return { rows: [{ space: 'values', proof: first.proof }, ...productRows], summary: total };
}

/**
 * Sensitive expressions from which the values' proof is split in two: one half here, the other in a
 * second thread on the same problem rebuilt from the same rows (the proof of a national final after
 * its preliminary: 3,800 expressions, 3,000 witness LPs, 180 s in one thread; the machine's other
 * core idle). Each half's witness LPs are the same as alone; a witness one half finds may cover a
 * side of the other, which it then solves for again.
 */
const SPLIT_AT = 1000;

/**
 * Base cells above which the proof stays in one thread: the second thread holds a copy of the
 * problem and a solver of its own. A national month (12,138 base cells) splits; a national quarter
 * after its months (22,555 in its proof's problem) took 1.67 GB in two threads against the 1 GB every release must fit in
 * (bench/RESULTS.md, sessions 13 and 14), so it proves in one, at the cost of its proof's wall time.
 */
const SPLIT_MAX_BASES = 20_000;

/**
 * Which half of the proof each sensitive expression is in: by its cell's geography, the geographies
 * dealt largest first to the lighter half, so that a witness (which moves cells of one province and
 * the totals above them) mostly covers sides of its own half; split by index, the halves solved a
 * third more LPs between them than one thread alone.
 */
export function proofHalves(problem: Problem): (target: number) => 0 | 1 {
  const count = new Map<string, number>();
  const geoOf = (t: number) => problem.targets[t].cell.split('|')[0];
  problem.targets.forEach((_, t) => count.set(geoOf(t), (count.get(geoOf(t)) ?? 0) + 1));
  const load = [0, 0];
  const half = new Map<string, 0 | 1>();
  for (const [geo, n] of [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
    const h = load[0] <= load[1] ? 0 : 1;
    half.set(geo, h);
    load[h] += n;
  }
  return (t) => half.get(geoOf(t))!;
}

/** What the second thread is given (proof-thread.ts): the job's rows, the stored view's releases and the foresight releases to leave out of the rows, and which half of the expressions is its own. */
export interface ProofHalfInput { rows: PackedRows; releases: ReleaseInProblem[]; without: number[]; rules: DisclosureRules; allowed: StoredAllowance[]; moves: IdentifiedMove[]; earlier: EarlierProof[]; half: 0 | 1 }
export interface ProofHalfOutput { summary: ProofSummary; witnesses: { bases: number[]; steps: string[] }[] }

async function proveInTwo(problem: Problem, view: { rows: PackedRows; releases: ReleaseInProblem[]; without: ReadonlySet<number> }, rules: DisclosureRules, allowed: readonly StoredAllowance[], moves: readonly IdentifiedMove[], earlier: EarlierProof[], log?: (line: string) => void): Promise<{ proof: StoredProof; summary: ProofSummary }> {
  const started = performance.now();
  const input: ProofHalfInput = { rows: view.rows, releases: view.releases, without: [...view.without], rules, allowed: [...allowed], moves: [...moves], earlier, half: 1 };
  const halfOf = proofHalves(problem);
  const [theirs, mine] = await Promise.all([
    runInThread<ProofHalfOutput>(new URL('./proof-thread.ts', import.meta.url), input, { log }),
    buildProof(problem, patternOf(problem), BUILDING, { allowed, only: (t) => halfOf(t) === 0, seeds: movesOn(problem, moves), exact: earlierWitnesses(problem, earlier).witnesses, log: log && ((line) => log(`first half's ${line}`)) }),
  ]);
  const other = { summary: theirs.summary, witnesses: theirs.witnesses.map((w) => ({ bases: w.bases, steps: w.steps.map((x) => BigInt(x)) })) };
  const joined = joinProofs(problem, BUILDING, [mine, other], allowed, Math.round(performance.now() - started) / 1000);
  const s = joined.summary;
  log?.(`proof: ${s.expressions} expressions, ${s.sides} sides, ${s.witnesses} witnesses (${other.witnesses.length} from the second thread), ${s.lps} LPs in two threads, ${s.uncovered} uncovered, ${s.seconds} s`);
  return joined;
}

/** Stores the proofs of a release (inside the transaction that stores it). */
export async function storeProofs(releaseId: number, rows: readonly ProofRow[], trx: Knex): Promise<void> {
  await bulkInsert(trx, 'release_proofs', [['release_id', 'integer'], ['space', 'text'], ['proof', 'jsonb']], rows.map((r) => ({ release_id: releaseId, space: r.space, proof: JSON.stringify(r.proof) })));
}
