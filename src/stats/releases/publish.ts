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
import { Cancelled, type Phase, type FirstPattern, type ProtectionInputs, type ProtectionOutput } from './protect-job.ts';
import { handOver, protectInThread, readInputs, readLine, type Built, type InputRequest, type ReadInputs } from './inputs.ts';
import { storeProofs } from './proof-release.ts';
import { SolverAborted, ThreadOutOfMemory, THREAD_HEAP_MB, moreHeap, type ProtectionHooks } from './thread.ts';
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

class InputsChanged extends Error {}

/** Stores the release in one short transaction, unless its inputs changed since they were read. */
async function store(req: InputRequest & { userId: number | null }, cutOff: Date, rules: DisclosureRules, read: Pick<ReadInputs, 'fingerprint' | 'group'>, out: ProtectionOutput, seconds: { load: number; protect: number; wall: number }, k: Knex): Promise<number> {
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

/** Why a release whose solver aborted (thread.ts SolverAborted) was not stored. */
export const SOLVER_ABORTED = 'این انتشار ذخیره نشد: حل‌کننده برنامه‌ریزی خطی در ساخت آن متوقف شد، معمولاً چون مسئله این دوره از حافظه مجاز حل‌کننده (۲ گیگابایت) بزرگ‌تر شد. سامانه به کار خود ادامه می‌دهد؛ این رخداد را با نام دوره به پشتیبانی فنی اطلاع دهید.';

/** Builds, protects, audits and stores a release of `period` from the filings as they stand now. */
export async function publishRelease(req: PublishRequest, k: Knex = db()): Promise<PublishOutcome> {
  const refusal = await refusalOf(req.period, req.preliminary, k);
  if (refusal) return { ok: false, reason: refusal };
  const rules = await rulesNow(k);
  const cutOff = req.at ?? new Date();
  const began = Date.now();
  const url = serverUrlOf(k);
  const hooks = { log: req.log, progress: req.progress, cancelled: req.cancelled };
  const request: InputRequest = { period: req.period, preliminary: req.preliminary, foresight: req.foresight, seedFromGroup: req.seedFromGroup, firstPattern: req.firstPattern };
  let heap: number | null = req.heapMb ?? THREAD_HEAP_MB;
  try {
    for (;;) {
      if (req.cancelled?.()) throw new Cancelled();
      let built: Built;
      try {
        // On a server one thread reads, protects and stores the release over a connection of its
        // own: the instance holds neither the rows nor the result (it kept both as garbage in its
        // idle heap: 0.2 GB of a national month's peak). On the embedded database, whose data lives
        // in the instance, the instance reads and stores and the thread protects.
        built = url
          ? (await protectInThread({ publish: { url, request, userId: req.userId, cutOff, rules, began } }, hooks, heap)).built!
          : await readProtectStore(request, req.userId, cutOff, rules, began, k, hooks, async (inputs) => (await protectInThread({ inputs }, hooks, heap)).output!);
      } catch (e) {
        // Nothing of the inputs was kept: they are read again for a thread with more heap.
        if (!(e instanceof ThreadOutOfMemory)) throw e;
        heap = moreHeap(heap);
        req.log?.(`${e.message}: read again for one with ${heap ?? 'no limit'}`);
        continue;
      }
      if (built.outcome === 'nothing') return { ok: false, reason: `برای ${req.preliminary ? 'انتشار مقدماتی' : 'انتشار نهایی'} این دوره هیچ اظهارنامه ${req.preliminary ? 'ارسال‌شده یا تأییدشده‌ای' : 'تأییدشده‌ای'} نیست.` };
      if (built.outcome === 'changed') return { ok: false, reason: 'اظهارنامه‌های این دوره در حین ساخت انتشار پیاپی تغییر کردند؛ کمی بعد دوباره تلاش کنید.' };
      const release = (await k('releases').where({ id: built.id }).first()) as ReleaseRow;
      return { ok: true, release };
    }
  } catch (e) {
    if (e instanceof ProtectionFailure) return { ok: false, reason: await failureReason(e, k) };
    if (e instanceof Cancelled) return { ok: false, reason: 'ساخت این انتشار به درخواست کاربر لغو شد.', cancelled: true };
    if (e instanceof SolverAborted) {
      req.log?.(`the solver aborted: ${e.message}`);
      return { ok: false, failed: true, reason: SOLVER_ABORTED };
    }
    throw e;
  }
}

/**
 * Reads the inputs, has `protect` protect them and stores the release — again from the start when
 * the filings (or the group) changed meanwhile, at most three times. `began`: when the request
 * came (Date.now(), so that a thread can count from it too).
 */
export async function readProtectStore(request: InputRequest, userId: number | null, cutOff: Date, rules: DisclosureRules, began: number, k: Knex, hooks: ProtectionHooks, protect: (inputs: ProtectionInputs) => Promise<ProtectionOutput>): Promise<Built> {
  for (let changed = 0; ;) {
    const t0 = performance.now();
    hooks.progress?.('reading', 0);
    const whole = await readInputs(request, cutOff, rules, k);
    if (whole.contributors === 0) return { outcome: 'nothing' };
    const load = Math.round(performance.now() - t0) / 1000;
    const inputs = handOver(whole);
    hooks.log?.(readLine(whole, inputs, load));
    const out = await protect(inputs);
    const protectSeconds = Math.round(performance.now() - t0) / 1000 - load;
    await hooks.storing?.(); // a thread that stores: a cancel is honoured up to here, not after
    hooks.progress?.('storing', 0);
    try {
      return { outcome: 'stored', id: await store({ ...request, userId }, cutOff, rules, whole, out, { load, protect: protectSeconds, wall: (Date.now() - began) / 1000 }, k) };
    } catch (e) {
      // Filings changed (or a release of the group was stored) while protecting: protect the data as it is now.
      if (e instanceof InputsChanged && ++changed < 3) { hooks.log?.('inputs changed while protecting: again'); continue; }
      if (e instanceof InputsChanged) return { outcome: 'changed' };
      throw e;
    }
  }
}
