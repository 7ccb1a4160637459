import type { Knex } from 'knex';
import { loadSettings } from '../settings.ts';
import { addMonths, startOfPeriod, latestDuePeriod, type Period } from '../calendar.ts';
import { enqueueJob, OPEN_STATES } from '../stats/jobs/model.ts';
import { computeRefusal, firstComputationAt, DAY_MS } from './compute.ts';

// Issue 25 §3–4: the index's vintages of a month t, counted from the end of t (T): the flash
// estimate is the first computation, at deadline(t) + `index_first_computation_days` (T+10 with
// the shipped settings: the circular's deadline on the 8th and 2 days), from the filings in
// by then with the rest imputed; revisions at T+30 and T+60 with the late filings. The nightly job
// queues each due vintage as an index job (at most one per month per night); the office reviews
// and publishes computations on its own calendar: nothing here publishes.

export const REVISION_DAYS = [30, 60] as const;

export type Vintage = 'flash' | `T+${(typeof REVISION_DAYS)[number]}`;

/** The vintage of month `period` due at `at` and not yet computed, if any. */
export async function dueVintage(period: Period, at: Date, k: Knex): Promise<Vintage | null> {
  if (at < (await firstComputationAt(period, k))) return null;
  const baseYear = (await loadSettings(k)).get('index_base_year');
  const computed: Date[] = (await k('index_computations').where({ period, base_year: baseYear }).pluck('computed_at')).map((d: Date | string) => new Date(d));
  if (computed.length === 0) return 'flash';
  const end = startOfPeriod(addMonths(period, 1)).getTime();
  for (const days of [...REVISION_DAYS].reverse()) {
    const due = end + days * DAY_MS;
    if (at.getTime() >= due) return computed.some((c) => c.getTime() >= due) ? null : `T+${days}`;
  }
  return null;
}

/**
 * Queues the due vintages of the last four due months (the nightly job's step); the months queued.
 * Automatic once the office has computed the index once (a portal that does not use the index
 * gets no index jobs).
 */
export async function queueDueIndexComputations(at: Date, k: Knex): Promise<{ period: Period; vintage: Vintage }[]> {
  if (!(await k('index_computations').first('id'))) return [];
  const { rules } = await loadSettings(k);
  const last = latestDuePeriod(at, rules);
  const queued: { period: Period; vintage: Vintage }[] = [];
  for (let i = 3; i >= 0; i--) {
    const period = addMonths(last, -i);
    const open = await k('stats_jobs').where({ kind: 'index', period }).whereIn('state', OPEN_STATES).first('id');
    if (open) continue;
    const vintage = await dueVintage(period, at, k);
    if (!vintage || (await computeRefusal(period, at, k))) continue;
    const out = await enqueueJob({ kind: 'index', period, preliminary: false, userId: null }, k);
    if (out.ok) queued.push({ period, vintage });
  }
  return queued;
}
