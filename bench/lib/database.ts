import type { Knex } from 'knex';
import { num } from '../../src/db.ts';
import { runNightly } from '../../src/jobs/nightly.ts';
import { loadSettings } from '../../src/settings.ts';
import { jalaliDateOf, latestDuePeriod, type Period } from '../../src/calendar.ts';
import { buildAggregateTable } from '../../src/stats/aggregates.ts';
import { performanceReport } from '../../src/stats/performance.ts';
import { medianOf, timed, median } from './timing.ts';

// The database-bound measurements: the nightly job against the query it cannot beat, a national
// aggregate table and the monthly performance report, each called as the app calls it.

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

export interface StatsNumbers {
  year: number;
  aggregateMs: number;
  aggregateTimes: number[];
  aggregateCells: number;
  aggregateSuppressed: number;
  reportPeriod: Period;
  reportMs: number;
  reportTimes: number[];
  reportObligated: number;
}

/**
 * A national table (Jalali year `year`, province × ISIC division, production value, with
 * suppression) and the performance report of the latest due period, median of `runs` calls.
 */
export async function measureStats(k: Knex, at: Date, runs: number, year?: number): Promise<StatsNumbers> {
  const settings = await loadSettings(k);
  const y = year ?? (await busiestFullYear(k, at));
  const q = { from: `${y}-01`, to: `${y}-12`, rows: 'province', cols: 'isic_division', measure: 'production_value', includeUnverified: false, format: 'html' } as const;
  let cells = 0;
  let suppressed = 0;
  const agg = await medianOf(runs, async () => {
    const t = await buildAggregateTable({ ...q }, k);
    cells = t.cells.flat().filter((c) => !c.empty).length;
    suppressed = t.cells.flat().filter((c) => c.suppressed).length;
  });
  const period = latestDuePeriod(at, settings.rules);
  let obligated = 0;
  const rep = await medianOf(runs, async () => {
    const r = await performanceReport(period, { at, rules: settings.rules }, k);
    obligated = r.national?.obligated ?? 0;
  });
  return {
    year: y,
    aggregateMs: agg.median,
    aggregateTimes: agg.times,
    aggregateCells: cells,
    aggregateSuppressed: suppressed,
    reportPeriod: period,
    reportMs: rep.median,
    reportTimes: rep.times,
    reportObligated: obligated,
  };
}

/** The last Jalali year before `at`'s with filings in it (the current year if there is none). */
async function busiestFullYear(k: Knex, at: Date): Promise<number> {
  const current = jalaliDateOf(at).jy;
  const row = (await k.raw(`select max(left(period, 4)::int) as y from filings where period < ?`, [`${current}-01`])).rows[0];
  return row?.y ? num(row.y) : current;
}
