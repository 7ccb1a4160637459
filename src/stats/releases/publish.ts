import type { Knex } from 'knex';
import { db, serverUrlOf } from '../../db.ts';
import { loadSettings } from '../../settings.ts';
import { auditInsert } from '../../audit.ts';
import { LOCKS } from '../../locks.ts';
import { parseReferencePeriod, referencePeriodLabel, type ReferencePeriod } from './period.ts';
import type { DisclosureRules } from './cube.ts';
import { ProtectionFailure } from './protect.ts';
import { productCategory, storeProductContributions } from './products.ts';
import { storeCells } from './store.ts';
import { Cancelled, type Phase, type FirstPattern, type ProtectionOutput } from './protect-job.ts';
import { handOver, protectInThread, readInputs, readLine, type InputRequest, type ReadSummary } from './inputs.ts';
import { storeProofs } from './proof-release.ts';
import { ThreadOutOfMemory, THREAD_HEAP_MB, moreHeap } from './thread.ts';
import { BUILDING, inputsNow, sourceContributions } from './sources.ts';
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






class NothingToPublish extends Error {}
class InputsChanged extends Error {}

/** Stores the release in one short transaction, unless its inputs changed since they were read. */
async function store(req: PublishRequest, cutOff: Date, rules: DisclosureRules, read: ReadSummary, out: ProtectionOutput, seconds: { load: number; protect: number; wall: number }, k: Knex): Promise<number> {
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
  const url = serverUrlOf(k);
  let heap: number | null = req.heapMb ?? THREAD_HEAP_MB;
  try {
    for (let changed = 0; ;) {
      if (req.cancelled?.()) throw new Cancelled();
      const t0 = performance.now();
      req.progress?.('reading', 0);
      const hooks = { log: req.log, progress: req.progress, cancelled: req.cancelled };
      let read: ReadSummary;
      let out: ProtectionOutput;
      try {
        if (url) {
          // On a server the thread reads the inputs itself: the instance never holds the rows.
          const request: InputRequest = { period: req.period, preliminary: req.preliminary, foresight: req.foresight, seedFromGroup: req.seedFromGroup, firstPattern: req.firstPattern };
          const built = await protectInThread({ read: { url, request, cutOff, rules } }, hooks, heap);
          if (!built.output || !built.read) throw new NothingToPublish();
          [read, out] = [built.read, built.output];
        } else {
          const whole = await readInputs(req, cutOff, rules, k);
          if (whole.contributors === 0) throw new NothingToPublish();
          read = { fingerprint: whole.fingerprint, group: whole.group, contributors: whole.contributors, seconds: Math.round(performance.now() - t0) / 1000 };
          // The thread gets its own copy of the rows: this one would only weigh on the instance while it works.
          const inputs = handOver(whole);
          req.log?.(readLine(whole, inputs, read.seconds));
          out = (await protectInThread({ inputs }, hooks, heap)).output!;
        }
      } catch (e) {
        // Nothing of the inputs was kept: they are read again for a thread with more heap.
        if (!(e instanceof ThreadOutOfMemory)) throw e;
        heap = moreHeap(heap);
        req.log?.(`${e.message}: read again for one with ${heap ?? 'no limit'}`);
        continue;
      }
      const load = read.seconds;
      const protect = Math.round(performance.now() - t0) / 1000 - load;
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
