import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { db, num } from '../db.ts';
import { log as defaultLog } from '../log.ts';
import { loadSettings } from '../settings.ts';
import { currentFilingPeriod, previousPeriod, deadlineOf, inactivityWindow, type Rules, periodLabel, jdatetime } from '../calendar.ts';
import { recomputeStatuses, calendarBindings, judgedPeriods, timelinessClass, type StatusChange } from '../eligibility/record.ts';
import { refreshAllYearRecords } from '../eligibility/year-records.ts';
import { purgeExpiredSessions } from '../auth/session.ts';
import { sendMail, mailConfigured } from '../mail.ts';
import { env } from '../env.ts';
import { LOCKS } from '../locks.ts';
import { queueDueIndexComputations } from '../production-index/schedule.ts';
import { keepMissingPeerChecks } from '../filings/warnings.ts';
import { compactIndexChanges } from '../production-index/cache.ts';

// DESIGN §11: once a day, in whichever instance gets the advisory lock first. The whole run is
// one transaction holding pg_try_advisory_xact_lock, so the lock ends with the work on any
// connection pool, and a failed run leaves nothing half-done.

export interface ChangedUnit { unit_id: number; name: string; old_status: string; new_status: string }

export interface NightlyResult {
  runId: number | null;
  skipped: boolean;
  scanned: number;
  changed: ChangedUnit[];
  reminders: number;
  emailed: number;
  sessionsPurged: number;
  indexQueued: string[]; // issue 25: months whose index computation (flash or revision) was queued
}

/**
 * The job as of `at` (default use: now). `now` is the instant the current status is judged at: a
 * run for a past instant records what the status was then, and still leaves every unit with the
 * status its filings stored now give (DESIGN §4).
 */
export async function runNightly(k: Knex, opts: { at: Date; now?: Date; log?: Pick<Logger, 'info' | 'warn' | 'error'> }): Promise<NightlyResult> {
  const log = opts.log ?? defaultLog;
  const at = opts.at;
  const now = opts.now ?? new Date();
  try {
    const result = await k.transaction(async (trx) => {
      const lock = await trx.raw('select pg_try_advisory_xact_lock(?::bigint) as ok', [LOCKS.nightly]);
      if (!lock.rows[0].ok) return null;
      const settings = await loadSettings(trx);
      const [run] = await trx('job_runs').insert({ job: 'nightly', as_of: at }).returning('id');
      const { scanned, changes } = await judgeStatuses(trx, at, now, settings.rules, run.id as number);
      const names = changes.length
        ? new Map((await trx('units as u').join('legal_entities as le', 'le.id', 'u.legal_entity_id').whereIn('u.id', changes.map((c) => c.unit_id)).select('u.id', 'le.name')).map((r) => [r.id as number, r.name as string]))
        : new Map<number, string>();
      const changed = changes.map((c) => ({ ...c, name: names.get(c.unit_id) ?? '' }));
      const reminders = await queueReminders(trx, at, settings.get('reminder_days_before'), settings.rules);
      const sessionsPurged = await purgeExpiredSessions(trx);
      // Issue 25: a month's index computations (flash, then T+30 and T+60) are queued as jobs once due.
      const indexQueued = (await queueDueIndexComputations(at, trx)).map((q) => `${q.period} ${q.vintage}`);
      // The index's change log, compacted to a row per period and kind (it grows by a few rows a submission).
      const indexChanges = await compactIndexChanges(trx);
      log.info({ indexChanges }, 'nightly job: index change log compacted');
      // The class checks' price medians and employee fits, for the periods units file now
      // (migrations 260, 261): each period's once, the first night it is filed.
      const filing = currentFilingPeriod(at, settings.rules);
      const peerChecks = await keepMissingPeerChecks(trx, [previousPeriod(filing), filing]);
      if (peerChecks.prices.length || peerChecks.employees.length) log.info(peerChecks, 'nightly job: class checks kept');
      // Issue 23: the yearly records the officers' rankings read, judged again after a deadline (as of now, like the statuses).
      const recordsJudged = await refreshAllYearRecords(trx, now, settings.rules);
      log.info({ recordsJudged }, 'nightly job: yearly records refreshed');
      await trx('job_runs').where({ id: run.id }).update({ finished_at: trx.fn.now(), units_scanned: scanned, units_changed: changed.length, reminders_queued: reminders });
      return { runId: run.id as number, skipped: false, scanned, changed, reminders, emailed: 0, sessionsPurged, indexQueued };
    });
    if (!result) {
      log.info({ at }, 'nightly job skipped: another instance holds the lock');
      return { runId: null, skipped: true, scanned: 0, changed: [], reminders: 0, emailed: 0, sessionsPurged: 0, indexQueued: [] };
    }
    // Mail goes out after the statuses are committed: a slow SMTP server must not hold the
    // units' rows (and with them every submission) locked. Still one sender at a time.
    if (mailConfigured()) {
      result.emailed = await k.transaction(async (trx) => {
        const lock = await trx.raw('select pg_try_advisory_xact_lock(?::bigint) as ok', [LOCKS.nightly]);
        return lock.rows[0].ok ? emailReminders(trx, at) : 0;
      });
    }
    log.info({ at, runId: result.runId, scanned: result.scanned, changed: result.changed.length, reminders: result.reminders, indexQueued: result.indexQueued }, 'nightly job done');
    return result;
  } catch (err) {
    log.error({ err, at }, 'nightly job failed');
    // The run rolled back; keep a trace of the failure for the job-runs page.
    await k('job_runs').insert({ job: 'nightly', as_of: at, finished_at: k.fn.now(), error: String((err as Error).message ?? err).slice(0, 2000) }).catch(() => undefined);
    throw err;
  }
}

/**
 * The statuses as of `at`; for a past `at`, as history (only after each unit's last change), then
 * the current status at `now`. Between the two only filings first submitted after `at` can change
 * the verdict, unless a deadline (or the rule) passed in between: then every unit is judged again.
 */
async function judgeStatuses(trx: Knex, at: Date, now: Date, rules: Rules, jobRunId: number): Promise<{ scanned: number; changes: StatusChange[] }> {
  if (at >= now) return recomputeStatuses(trx, at, rules, { jobRunId });
  const then = await recomputeStatuses(trx, at, rules, { jobRunId, onlyHistoryBefore: true });
  const wThen = inactivityWindow(at, rules);
  const wNow = inactivityWindow(now, rules);
  let unitIds: number[] | undefined;
  if (wThen.from === wNow.from && wThen.to === wNow.to) {
    const filed = await trx('filings').distinct('unit_id')
      .whereBetween('period', [wNow.from, wNow.to]).where('first_submitted_at', '>', at).where('first_submitted_at', '<=', now);
    unitIds = filed.map((r) => r.unit_id as number);
    if (unitIds.length === 0) return then;
  }
  const current = await recomputeStatuses(trx, now, rules, { jobRunId, unitIds });
  return { scanned: then.scanned, changes: [...then.changes, ...current.changes] };
}

/**
 * Queues one reminder per approved unit that must file the current period, has not yet
 * submitted it, and whose deadline is within `daysBefore` days of `at`. Set-based; a second run
 * queues nothing new (unique unit, period).
 */
export async function queueReminders(k: Knex, at: Date, daysBefore: number, rules: Rules): Promise<number> {
  const period = currentFilingPeriod(at, rules);
  const deadline = deadlineOf(period, rules);
  if (deadline.getTime() - at.getTime() > daysBefore * 86400_000) return 0;
  // The current period judged at `at` (its deadline is ahead, so "missing" means not yet submitted).
  const r = await k.raw(
    `with ${judgedPeriods('true', { onePeriod: true })}
     insert into reminders (unit_id, period, deadline)
     select unit_id, period, deadline from judged where class = 'missing'
     on conflict (unit_id, period) do nothing
     returning id`,
    { ...calendarBindings([period], rules), at },
  );
  return r.rows.length;
}

/** Emails reminders not yet sent whose deadline is still ahead; marks each one sent. */
async function emailReminders(k: Knex, at: Date): Promise<number> {
  const rows: { id: number; period: string; deadline: Date; name: string; emails: string[] | null }[] = (await k.raw(
    `select r.id, r.period, r.deadline, le.name,
            array_remove(array_append(array(select us.email from unit_users uu join users us on us.id = uu.user_id
                                             where uu.unit_id = u.id and us.active), u.email), null) as emails
       from reminders r join units u on u.id = r.unit_id join legal_entities le on le.id = u.legal_entity_id
       left join filings f on f.unit_id = r.unit_id and f.period = r.period
      where r.sent_at is null and r.dismissed_at is null and r.deadline > :at
        and ${timelinessClass('f', 'r.deadline')} = 'missing'
      order by r.id limit 5000`,
    { at },
  )).rows;
  let sent = 0;
  for (const r of rows) {
    const to = [...new Set(r.emails ?? [])].join(', ');
    if (!to) continue;
    const ok = await sendMail(
      to,
      `یادآوری مهلت ثبت آمار ${periodLabel(r.period)}`,
      `واحد گرامی ${r.name}،\n\nمهلت ثبت آمار تولید ${periodLabel(r.period)} تا ${jdatetime(r.deadline)} است و آمار این ماه هنوز ارسال نشده است.\n${env.PUBLIC_URL}\n\nسامانه آمار تولید`,
    );
    if (ok) {
      await k('reminders').where({ id: r.id }).update({ sent_at: k.fn.now() });
      sent++;
    }
  }
  return sent;
}

/** For the stats office's job-runs page: recent runs with their status changes, and changes made by submissions. */
export async function recentJobRuns(k: Knex = db(), limit = 30) {
  const runs = (await k.raw(
    `select j.id, j.job, j.as_of, j.started_at, j.finished_at, j.units_scanned, j.units_changed, j.reminders_queued, j.error,
            (select count(*) from unit_status_changes c where c.job_run_id = j.id and c.new_status = 'inactive') as to_inactive,
            (select count(*) from unit_status_changes c where c.job_run_id = j.id and c.new_status = 'active') as to_active
       from job_runs j order by j.started_at desc, j.id desc limit :limit`,
    { limit },
  )).rows as Record<string, unknown>[];
  const bySubmission = (await k.raw(
    `select new_status, count(*) as n from unit_status_changes
      where job_run_id is null and changed_at > now() - interval '30 days' group by new_status`,
  )).rows as { new_status: string; n: unknown }[];
  const now = (await k.raw(
    `select count(*) filter (where status = 'inactive') as inactive, count(*) as approved from units where registration = 'approved'`,
  )).rows[0] as { inactive: unknown; approved: unknown };
  return {
    runs: runs.map((r) => ({ ...r, to_inactive: num(r.to_inactive), to_active: num(r.to_active) })),
    submissionChanges: Object.fromEntries(bySubmission.map((r) => [r.new_status, num(r.n)])) as Record<string, number>,
    unitsNow: { inactive: num(now.inactive), approved: num(now.approved) },
  };
}
