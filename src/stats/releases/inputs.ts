import type { Knex } from 'knex';
import { loadSettings } from '../../settings.ts';
import { overlaps, parseReferencePeriod, type ReferencePeriod } from './period.ts';
import { VALUE_SPACE, type DisclosureRules, type ReleaseInProblem } from './cube.ts';
import { QUANTITY_STORE } from './products.ts';
import { packRows, unitsCountedBy } from './packed-rows.ts';
import { baseRowsOf, publishedPatterns, VALUE_STORE, type StoredRelease } from './store.ts';
import type { ProtectionInputs, ProtectionOutput } from './protect-job.ts';
import { inProtectionThread, THREAD_HEAP_MB, type ProtectionHooks } from './thread.ts';
import { foresightOf } from './routine.ts';
import type { EarlierProof, StoredProof } from './proof.ts';
import { BUILDING, inputsNow, sourceContributions, type UnstoredRelease } from './sources.ts';

// What a release is built from (DESIGN §7), read in one snapshot: the filings as they stand at the
// cut-off, the linked releases' published patterns and proofs, the rules and settings. On a
// PostgreSQL server the release's thread reads them itself, and stores the release too
// (protect-thread.ts, publish.ts), so the instance never holds a national release's rows; on the
// embedded database the instance reads them and hands them over.

/** What of a publish request the reading needs (a worker thread is given it as data). */
export interface InputRequest { period: ReferencePeriod; preliminary: boolean; foresight?: boolean; seedFromGroup?: boolean; firstPattern?: ProtectionInputs['firstPattern'] }

/** The releases of `year` linked to `seed` through shared months (seed included when stored). */
export function linkedGroup(seed: ReferencePeriod, stored: readonly { id: number; period: string }[]): StoredRelease[] {
  const parsed = stored.map((r) => ({ ...r, ref: parseReferencePeriod(r.period)! }));
  const group: typeof parsed = [];
  const frontier: ReferencePeriod[] = [seed];
  while (frontier.length) {
    const p = frontier.pop()!;
    for (const r of parsed) {
      if (group.includes(r) || !overlaps(p, r.ref)) continue;
      group.push(r);
      frontier.push(r.ref);
    }
  }
  return group.map((r) => ({ id: r.id, period: r.period, months: r.ref.months.length }));
}

export interface ReadInputs { inputs?: ProtectionInputs; fingerprint: string; group: StoredRelease[]; contributors: number }

/** Everything the protection needs, read in one snapshot (a read-only, repeatable-read transaction). */
export async function readInputs(req: InputRequest, cutOff: Date, rules: DisclosureRules, k: Knex): Promise<ReadInputs> {
  const building: UnstoredRelease = { id: BUILDING, code: req.period.code, months: req.period.months, preliminary: req.preliminary };
  return k.transaction(async (trx) => {
    await trx.raw('set transaction isolation level repeatable read, read only');
    const fingerprint = await inputsNow(building, cutOff, trx);
    const stored = (await trx('releases').where('period', 'like', `${req.period.code.slice(0, 4)}%`).select('id', 'period', 'preliminary')) as { id: number; period: string; preliminary: boolean }[];
    const group = linkedGroup(req.period, stored);
    const storedFinals = new Set(stored.filter((r) => !r.preliminary).map((r) => r.period));
    const foresight = req.foresight === false ? [] : foresightOf(req.period, req.preliminary, storedFinals);
    const sources = sourceContributions([building, ...foresight], cutOff);
    const ids = group.map((g) => g.id);
    const [patterns, productPatterns] = [await publishedPatterns(VALUE_STORE, ids, trx), await publishedPatterns(QUANTITY_STORE, ids, trx)];
    const earlierProofs = await earlierProofsOf(ids, trx);
    const valueRows = packRows(await baseRowsOf(VALUE_STORE, ids, sources, trx), VALUE_SPACE.measures);
    const productRows = packRows(await baseRowsOf(QUANTITY_STORE, ids, sources, trx), QUANTITY_STORE.measures);
    const releasesOf = (p: Map<number, Set<string>>): ReleaseInProblem[] => [
      ...group.map((g) => ({ id: g.id, months: g.months, published: p.get(g.id)!, period: g.period })),
      { id: BUILDING, months: req.period.months.length, published: null, period: req.period.code },
      ...foresight.map((f) => ({ id: f.id, months: f.months.length, published: new Set<string>(), foresight: true, period: f.code })),
    ];
    const samePeriod = group.filter((g) => g.period === req.period.code).map((g) => g.id);
    const settings = await loadSettings(trx);
    const contributors = unitsCountedBy(valueRows, BUILDING).size;
    // The value and the product problems share the releases; their published patterns differ.
    const releases = releasesOf(patterns);
    const productReleases = releasesOf(productPatterns);
    return {
      fingerprint, group, contributors,
      inputs: {
        rules, months: req.period.months.length, releases, productReleases, samePeriod, seedFromGroup: req.seedFromGroup !== false, firstPattern: req.firstPattern,
        valueRows, productRows, earlierProofs, headlineExtra: settings.get('headline_cells'), countSecret: await countSecretOf(trx),
      },
    };
  });
}

/** The stored proofs of the values of `ids`, each with the releases it was protected with: their witnesses are the protection's first moves. */
async function earlierProofsOf(ids: readonly number[], k: Knex): Promise<EarlierProof[]> {
  if (ids.length === 0) return [];
  const rows = (await k('release_proofs as p').join('releases as r', 'r.id', 'p.release_id')
    .whereIn('p.release_id', [...ids]).andWhere('p.space', 'values')
    .select('p.release_id', 'p.proof', k.raw("r.report -> 'linked' as linked"))) as { release_id: number; proof: StoredProof | string; linked: number[] | string | null }[];
  const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
  return rows.map((r) => ({ release: Number(r.release_id), linked: (json(r.linked) ?? []).map(Number), proof: json(r.proof) }));
}

/** The cell-key method's secret (migration 170): read with the inputs, never shown. */
export async function countSecretOf(k: Knex): Promise<string> {
  const row = (await k('disclosure_secrets').where({ name: 'count_cell_key' }).first('value')) as { value: string } | undefined;
  if (!row) throw new Error('disclosure_secrets has no count_cell_key: run the migrations');
  return row.value;
}

/** The inputs, taken out of `read` (the thread is given a copy; the instance keeps none while it waits). */
export function handOver(read: ReadInputs): ProtectionInputs {
  const inputs = read.inputs!;
  read.inputs = undefined;
  return inputs;
}

/**
 * What a release's thread is given: the inputs the instance read (it protects them), or, on a
 * PostgreSQL server, the request itself (it reads, protects and stores the release: publish.ts).
 */
export type ThreadInput = { inputs: ProtectionInputs } | { publish: { url: string; request: InputRequest; userId: number | null; cutOff: Date; rules: DisclosureRules; began: number } };

/** What building a release came to: stored (its id), nobody to publish, or filings that kept changing while it was protected. */
export type Built = { outcome: 'stored'; id: number } | { outcome: 'nothing' } | { outcome: 'changed' };

/** What the thread answers: the protection of the inputs it was given, or what became of the release it built. */
export interface ThreadOutput { output?: ProtectionOutput; built?: Built }

/** The release built in a worker thread with `heapMb` of heap (protect-thread.ts; ThreadOutOfMemory when it needs more). */
export function protectInThread(input: ThreadInput, hooks: ProtectionHooks & { cancelled?: () => boolean } = {}, heapMb: number | null = THREAD_HEAP_MB): Promise<ThreadOutput> {
  return inProtectionThread<ThreadOutput>(new URL('./protect-thread.ts', import.meta.url), input, hooks, heapMb);
}

/** The line a release's log gives its reading. */
export function readLine(read: ReadInputs, inputs: ProtectionInputs, seconds: number): string {
  return `read ${inputs.valueRows.length} value rows, ${inputs.productRows.length} product rows, ${read.group.length} linked releases, ${inputs.releases.filter((r) => r.foresight).length} foresight releases in ${seconds} s`;
}
