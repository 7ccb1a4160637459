import type { Knex } from 'knex';
import { runNightly } from '../../src/jobs/nightly.ts';
import { loadSettings } from '../../src/settings.ts';
import { latestDuePeriod, type Period } from '../../src/calendar.ts';
import { publishRelease } from '../../src/stats/releases/publish.ts';
import { parseReferencePeriod } from '../../src/stats/releases/period.ts';
import { releaseView } from '../../src/stats/releases/view.ts';
import { performanceReport } from '../../src/stats/performance.ts';
import { medianOf, timed, median } from './timing.ts';
import { computeIndex, firstComputationAt } from '../../src/production-index/compute.ts';
import { refreshIndexCache } from '../../src/production-index/cache.ts';
import { addMonths, periodRange } from '../../src/calendar.ts';

// The database-bound measurements: the nightly job against the query it cannot beat, national
// releases with their disclosure control, and the monthly performance report, each called as the app calls it.

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The lower bound of the nightly job: one grouped scan of filings, the latest submitted period per unit. */
export const LOWER_BOUND_SQL = 'select unit_id, max(period) from filings where first_submitted_at is not null group by unit_id';

export interface NightlyNumbers {
  at: Date;
  scanned: number;
  lowerBoundMs: number;
  /** The first run at `at`: brings statuses up to date (changes whatever was stale). */
  firstMs: number;
  firstChanged: number;
  /** Runs at the same `at` after the first: nothing left to change. */
  idempotentMs: number[];
  idempotentMedianMs: number;
  /** A run after statuses were made stale on purpose (inactive → active, and some active → inactive), rolled back after. */
  changingMs: number;
  changingChanged: number;
}

/**
 * The nightly job at a fixed `at`: a first run, `runs` repeated runs (idempotent: they change
 * nothing), and a run that changes statuses. The changing run is made inside a transaction that
 * is rolled back, so the bench leaves no invented history behind.
 */
export async function measureNightly(k: Knex, at: Date, runs: number): Promise<NightlyNumbers> {
  await k.raw(LOWER_BOUND_SQL); // warm the cache as the job's runs will be
  const lower = await medianOf(Math.max(runs, 3), () => k.raw(LOWER_BOUND_SQL), 0);
  const first = await timed(() => runNightly(k, { at, log: silent }));
  const again: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await timed(() => runNightly(k, { at, log: silent }));
    if (r.value.changed.length) throw new Error(`nightly run ${i + 2} at the same instant changed ${r.value.changed.length} units: not idempotent`);
    again.push(r.ms);
  }
  let changing = { ms: 0, changed: 0 };
  const undo = new Error('bench: roll back');
  await k.transaction(async (trx) => {
    // Stale statuses as after a month without the job: every inactive unit active again, and
    // one approved unit in twenty marked inactive.
    await trx.raw(`update units set status = case when status = 'inactive' then 'active' when id % 20 = 0 then 'inactive' else status end
                    where registration = 'approved' and (status = 'inactive' or id % 20 = 0)`);
    const r = await timed(() => runNightly(trx, { at, log: silent }));
    changing = { ms: r.ms, changed: r.value.changed.length };
    throw undo;
  }).catch((e) => {
    if (e !== undo) throw e;
  });
  return {
    at,
    scanned: first.value.scanned,
    lowerBoundMs: lower.median,
    firstMs: first.ms,
    firstChanged: first.value.changed.length,
    idempotentMs: again,
    idempotentMedianMs: median(again),
    changingMs: changing.ms,
    changingChanged: changing.changed,
  };
}

export interface ReleaseNumbers { period: string; ok: boolean; reason: string | null; ms: number; cells: number; suppressed: number; sensitive: number; lps: number; linked: number; seconds: Record<string, number>; productCells: number; productSuppressed: number; productFamilies: number }

export interface StatsNumbers {
  releases: ReleaseNumbers[];
  viewMs: number;
  viewTimes: number[];
  reportPeriod: Period;
  reportMs: number;
  reportTimes: number[];
  reportObligated: number;
}

/**
 * DESIGN §7 at national scale: a final release of the latest due month, then of its quarter
 * (protected jointly with the month), each built, protected, audited and stored as the app does;
 * the view of a province × ISIC division table from the stored month (median of `runs`); and the
 * performance report of the latest due period.
 */
export async function measureStats(k: Knex, at: Date, runs: number): Promise<StatsNumbers> {
  const settings = await loadSettings(k);
  const month = latestDuePeriod(at, settings.rules);
  const quarter = `${month.slice(0, 4)}-Q${Math.ceil(Number(month.slice(5, 7)) / 3)}`;
  const releases: ReleaseNumbers[] = [];
  for (const code of [month, quarter]) {
    const t0 = performance.now();
    const r = await publishRelease({ period: parseReferencePeriod(code)!, preliminary: false, userId: null, at }, k);
    const ms = performance.now() - t0;
    releases.push(r.ok
      ? { period: code, ok: true, reason: null, ms, cells: r.release.report.cells, suppressed: r.release.report.suppressed, sensitive: r.release.report.audit.sensitive, lps: r.release.report.audit.lps, linked: r.release.report.linked.length, seconds: { ...r.release.report.seconds, products: r.release.report.products?.seconds ?? 0 }, productCells: r.release.report.products?.cells ?? 0, productSuppressed: r.release.report.products?.suppressed ?? 0, productFamilies: r.release.report.products?.families ?? 0 }
      : { period: code, ok: false, reason: r.reason, ms, cells: 0, suppressed: 0, sensitive: 0, lps: 0, linked: 0, seconds: {}, productCells: 0, productSuppressed: 0, productFamilies: 0 });
  }
  const view = await medianOf(runs * 5, async () => {
    await releaseView({ period: month, preliminary: false, rows: 'province', cols: 'isic_division', measure: 'production_value' }, k);
  });
  let obligated = 0;
  const rep = await medianOf(runs, async () => {
    const r = await performanceReport(month, { at, rules: settings.rules }, k);
    obligated = r.national?.obligated ?? 0;
  });
  return { releases, viewMs: view.median, viewTimes: view.times, reportPeriod: month, reportMs: rep.median, reportTimes: rep.times, reportObligated: obligated };
}


export interface IndexNumbers { period: Period; ok: boolean; reason: string | null; times: number[]; medianMs: number; cacheMs: number; cacheMonths: number; cacheCpuMs: number; cells: number; suppressed: number; respondents: number; imputedUnits: number; seconds: Record<string, number> }

class RolledBack extends Error {}

/**
 * Issue 16: the monthly computation of the production index for the latest month whose first
 * computation time has come, `runs` times, each in a transaction rolled back (nothing is kept).
 * Issue 25 §5: first the kept aggregates are made (or found fresh) and committed, as the first
 * computation after a month's filings change does; the runs then read them.
 */
export async function measureIndex(k: Knex, at: Date, runs: number): Promise<IndexNumbers> {
  const settings = await loadSettings(k);
  let period = latestDuePeriod(at, settings.rules);
  if ((await firstComputationAt(period, k)) > at) period = addMonths(period, -1);
  const c0 = performance.now();
  const cpu0 = process.cpuUsage();
  const cache = await k.transaction(async (trx) => {
    await trx.raw("set local work_mem = '64MB'");
    await trx.raw('set local enable_nestloop = off');
    return refreshIndexCache(settings.get('index_base_year'), periodRange(addMonths(period, -12), period), trx);
  });
  const cpu = process.cpuUsage(cpu0);
  const out: IndexNumbers = { period, ok: true, reason: null, times: [], medianMs: 0, cacheMs: performance.now() - c0, cacheMonths: cache.months.length + (cache.base ? 12 : 0), cacheCpuMs: (cpu.user + cpu.system) / 1000, cells: 0, suppressed: 0, respondents: 0, imputedUnits: 0, seconds: {} };
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await k.transaction(async (trx) => {
      const r = await computeIndex({ period, at, userId: null }, trx);
      out.times.push(performance.now() - t0);
      if (!r.ok) { out.ok = false; out.reason = r.reason; } else {
        Object.assign(out, { cells: r.cells.length, suppressed: r.cells.filter((c) => c.suppressed).length, respondents: r.report.respondents, imputedUnits: r.report.imputedUnits, seconds: r.report.seconds });
      }
      throw new RolledBack();
    }).catch((e) => { if (!(e instanceof RolledBack)) throw e; });
  }
  out.medianMs = median(out.times);
  return out;
}
