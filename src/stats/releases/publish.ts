import type { Knex } from 'knex';
import { db } from '../../db.ts';
import { loadSettings } from '../../settings.ts';
import { auditInsert } from '../../audit.ts';
import { LOCKS } from '../../locks.ts';
import { overlaps, parseReferencePeriod, referencePeriodLabel, type ReferencePeriod } from './period.ts';
import type { DisclosureRules, ReleaseInProblem } from './cube.ts';
import { ProtectionFailure } from './protect.ts';
import { productCategory, QUANTITY_STORE, storeProductContributions } from './products.ts';
import { baseRowsOf, publishedPatterns, storeCells, VALUE_STORE, type StoredRelease } from './store.ts';
import { protectInThread, Cancelled, type Phase, type FirstPattern, type ProtectionInputs, type ProtectionOutput } from './protect-job.ts';
import { foresightOf } from './routine.ts';
import { storeProofs } from './proof-release.ts';
import type { EarlierProof, StoredProof } from './proof.ts';
import { ThreadOutOfMemory, THREAD_HEAP_MB, moreHeap } from './thread.ts';
import { BUILDING, inputsNow, sourceContributions, type UnstoredRelease } from './sources.ts';
import type { ProtectionReport, PublishOutcome, ReleaseRow } from './types.ts';

export { sharedSuppressions } from './protect-job.ts';

// DESIGN §7: a release is built from the filings as they stand now, protected as one problem with
// every earlier release it can be combined with (and, with foresight, the releases its period will
// be combined with later), audited, and stored whole — or not at all.
//
// Three steps, none of which holds a transaction open while the solver works: the inputs are read
// in one snapshot; the protection runs in a worker thread; the result is stored in one short
// transaction that first checks that the inputs are still those (otherwise it starts again).
//
// "Can be combined with" is the group of releases linked by shared months: a year links its
// quarters and months, a quarter its months, a preliminary release its final one and every
// revision the one before it. Groups never cross a Jalali year, since no release does.

export interface PublishRequest {
  period: ReferencePeriod;
  preliminary: boolean;
  userId: number | null;
  at?: Date;
  log?: (line: string) => void;
  /** Phase and progress (0..1 within the phase), for the job's row. */
  progress?: (phase: Phase, share: number) => void;
  /** Asked while protecting: true stops the work (PublishOutcome with cancelled). */
  cancelled?: () => boolean;
  /** Start from the suppressions of the earlier releases of the same period (default true; false measures the difference). */
  seedFromGroup?: boolean;
  /** Protect ahead of the later releases of the period (default true; false measures what foresight costs). */
  foresight?: boolean;
  /** The LP repair's first pattern (issue 21): 'inherited' (the default), 'primary' or 'gauss' (gauss.ts), to measure one against another. */
  firstPattern?: FirstPattern;
  /** The protection thread's first heap in MB (default THREAD_HEAP_MB; doubled each time it runs out). */
  heapMb?: number;
}

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

export async function rulesNow(k: Knex): Promise<DisclosureRules> {
  const s = await loadSettings(k);
  return { minUnits: s.get('suppression_min_units'), dominance: s.get('suppression_dominance'), pPercent: s.get('suppression_p_percent'), interval: s.get('suppression_interval') };
}

/**
 * Why a release of `period` cannot even be started, or null. A preliminary release after its
 * period's final is meaningless (DESIGN §7): the final's figures are the better ones.
 */
export async function refusalOf(period: ReferencePeriod, preliminary: boolean, k: Knex = db()): Promise<string | null> {
  if (!preliminary) return null;
  const final = await k('releases').where({ period: period.code, preliminary: false }).first('id');
  if (final) return `انتشار نهایی ${referencePeriodLabel(period)} پیش‌تر ثبت شده است؛ انتشار مقدماتی پس از انتشار نهایی همان دوره معنا ندارد. برای ارقام تازه‌تر، ویرایش تازه‌ای از انتشار نهایی منتشر کنید.`;
  return null;
}

interface ReadInputs { inputs?: ProtectionInputs; fingerprint: string; group: StoredRelease[]; contributors: number }

/** Everything the protection needs, read in one snapshot (a read-only, repeatable-read transaction). */
async function readInputs(req: PublishRequest, cutOff: Date, rules: DisclosureRules, k: Knex): Promise<ReadInputs> {
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
    const valueRows = await baseRowsOf(VALUE_STORE, ids, sources, trx);
    const productRows = await baseRowsOf(QUANTITY_STORE, ids, sources, trx);
    const releasesOf = (p: Map<number, Set<string>>): ReleaseInProblem[] => [
      ...group.map((g) => ({ id: g.id, months: g.months, published: p.get(g.id)!, period: g.period })),
      { id: BUILDING, months: req.period.months.length, published: null, period: req.period.code },
      ...foresight.map((f) => ({ id: f.id, months: f.months.length, published: new Set<string>(), foresight: true, period: f.code })),
    ];
    const samePeriod = group.filter((g) => g.period === req.period.code).map((g) => g.id);
    const settings = await loadSettings(trx);
    const contributors = new Set(valueRows.filter((r) => r.sig.includes(BUILDING)).map((r) => r.unit)).size;
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
function handOver(read: ReadInputs): ProtectionInputs {
  const inputs = read.inputs!;
  read.inputs = undefined;
  return inputs;
}

class NothingToPublish extends Error {}
class InputsChanged extends Error {}

/** Stores the release in one short transaction, unless its inputs changed since they were read. */
async function store(req: PublishRequest, cutOff: Date, rules: DisclosureRules, read: ReadInputs, out: ProtectionOutput, seconds: { load: number; protect: number; wall: number }, k: Knex): Promise<number> {
  const started = performance.now();
  return k.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?::bigint)', [LOCKS.releaseStore]);
    const now = await inputsNow({ id: BUILDING, code: req.period.code, months: req.period.months, preliminary: req.preliminary }, cutOff, trx);
    if (now !== read.fingerprint) throw new InputsChanged();
    const last = await trx('releases').where({ period: req.period.code, preliminary: req.preliminary }).max('revision as r').first();
    const [row] = await trx('releases').insert({
      period: req.period.code, kind: req.period.kind, preliminary: req.preliminary, revision: Number(last?.r ?? 0) + 1,
      cut_off: cutOff, created_by: req.userId, rules: JSON.stringify(rules), report: JSON.stringify({}),
    }).returning('id');
    const id = Number(row.id);
    const own = sourceContributions([{ id, code: req.period.code, months: req.period.months, preliminary: req.preliminary }], cutOff);
    await trx.raw(`insert into release_contributions (release_id, unit_id, period, province_code, isic_class, production_value, intermediate_consumption, employees) ${own.sql}`, own.bindings);
    const counts = await storeProductContributions(id, trx);
    await storeCells(trx, id, 'values', out.cells.map(({ isic, ...c }) => ({ ...c, node: isic })));
    await storeCells(trx, id, 'products', out.products.map(({ product, unit_of_measure_code: uom, ...c }) => ({ ...c, node: productCategory(product, uom) })));
    await storeProofs(id, out.proofs, trx);
    const report: ProtectionReport = {
      ...out.report,
      linked: read.group.map((g) => g.id),
      products: { ...out.report.products, lines: counts.lines, uncounted: counts.uncounted },
      seconds: { load: seconds.load, protect: out.report.seconds.protect, audit: out.report.seconds.audit, store: Math.round(performance.now() - started) / 1000, wall: seconds.wall },
    };
    await trx('releases').where({ id }).update({ report: JSON.stringify(report) });
    await auditInsert({ action: 'stats.release', userId: req.userId, target: `release:${id}`, details: { period: req.period.code, preliminary: req.preliminary } }, trx);
    return id;
  });
}

/** The Persian reason of a protection failure: the cell in the way, the earlier releases that pin it, what the office can do. */
async function failureReason(e: ProtectionFailure, k: Knex): Promise<string> {
  if (!e.cell) return `این انتشار ذخیره نشد: ${e.message}`;
  const [geo, node] = e.cell.split('|');
  const province = geo === 'IR' ? null : await k('provinces').where({ code: geo }).first('name');
  const where = province ? `استان ${province.name}` : 'کل کشور';
  const blockers = e.blockers.length ? ((await k('releases').whereIn('id', [...e.blockers]).orderBy('id').select('id', 'period', 'preliminary', 'revision')) as { id: number; period: string; preliminary: boolean; revision: number }[]) : [];
  const named = blockers.map((r) => `${referencePeriodLabel(parseReferencePeriod(r.period)!)} ${r.preliminary ? 'مقدماتی' : 'نهایی'} (شناسه ${r.id}، ویرایش ${r.revision})`).join('، ');
  return `این انتشار ذخیره نشد: ${e.message} خانه: ${where}، فعالیت ${node === 'T' ? 'کل صنعت و معدن' : node}.`
    + (named ? ` انتشارهای پیشینی که این خانه را آشکار می‌کنند: ${named}.` : '')
    + ' چه می‌توان کرد: پس از رسیدن و تأیید اظهارنامه‌های بیشتر این خانه دوباره تلاش کنید، یا به جای این دوره دوره دربرگیرنده آن (فصل یا سال) را منتشر کنید.';
}

/** Builds, protects, audits and stores a release of `period` from the filings as they stand now. */
export async function publishRelease(req: PublishRequest, k: Knex = db()): Promise<PublishOutcome> {
  const refusal = await refusalOf(req.period, req.preliminary, k);
  if (refusal) return { ok: false, reason: refusal };
  const rules = await rulesNow(k);
  const cutOff = req.at ?? new Date();
  const began = performance.now();
  let heap: number | null = req.heapMb ?? THREAD_HEAP_MB;
  try {
    for (let changed = 0; ;) {
      if (req.cancelled?.()) throw new Cancelled();
      const t0 = performance.now();
      req.progress?.('reading', 0);
      const read = await readInputs(req, cutOff, rules, k);
      if (read.contributors === 0) throw new NothingToPublish();
      const load = Math.round(performance.now() - t0) / 1000;
      req.log?.(`read ${read.inputs!.valueRows.length} value rows, ${read.inputs!.productRows.length} product rows, ${read.group.length} linked releases, ${read.inputs!.releases.filter((r) => r.foresight).length} foresight releases in ${load} s`);
      const t1 = performance.now();
      // The thread gets its own copy of the rows: this one would only weigh on the instance while it works.
      let out: ProtectionOutput;
      try {
        out = await protectInThread(handOver(read), { log: req.log, progress: req.progress, cancelled: req.cancelled }, heap);
      } catch (e) {
        // The instance kept no copy of the inputs: they are read again for a thread with more heap.
        if (!(e instanceof ThreadOutOfMemory)) throw e;
        heap = moreHeap(heap);
        req.log?.(`${e.message}: read again for one with ${heap ?? 'no limit'}`);
        continue;
      }
      const protect = Math.round(performance.now() - t1) / 1000;
      req.progress?.('storing', 0);
      try {
        const id = await store(req, cutOff, rules, read, out, { load, protect, wall: Math.round(performance.now() - began) / 1000 }, k);
        const release = (await k('releases').where({ id }).first()) as ReleaseRow;
        return { ok: true, release };
      } catch (e) {
        // Filings changed (or a release of the group was stored) while protecting: protect the data as it is now.
        if (e instanceof InputsChanged && ++changed < 3) { req.log?.('inputs changed while protecting: again'); continue; }
        if (e instanceof InputsChanged) return { ok: false, reason: 'اظهارنامه‌های این دوره در حین ساخت انتشار پیاپی تغییر کردند؛ کمی بعد دوباره تلاش کنید.' };
        throw e;
      }
    }
  } catch (e) {
    if (e instanceof NothingToPublish) return { ok: false, reason: `برای ${req.preliminary ? 'انتشار مقدماتی' : 'انتشار نهایی'} این دوره هیچ اظهارنامه ${req.preliminary ? 'ارسال‌شده یا تأییدشده‌ای' : 'تأییدشده‌ای'} نیست.` };
    if (e instanceof ProtectionFailure) return { ok: false, reason: await failureReason(e, k) };
    if (e instanceof Cancelled) return { ok: false, reason: 'ساخت این انتشار به درخواست کاربر لغو شد.', cancelled: true };
    throw e;
  }
}
