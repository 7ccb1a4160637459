import { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import { db } from '../../db.ts';
import { auditInsert } from '../../audit.ts';
import { LOCKS } from '../../locks.ts';
import { isUniqueViolation } from '../../units/model.ts';
import type { Phase } from '../releases/protect-job.ts';

// DESIGN §7 "releases are jobs": a release or an index computation is a row here. A request (page,
// API, CLI) inserts it and reads it back; a worker (worker.ts) claims it, reports its phase and
// progress through a heartbeat, and ends it. One job runs at a time per linked group (a Jalali
// year of releases; the index as a whole), whatever the instance.

export type JobKind = 'release' | 'index';
export type JobState = 'queued' | 'running' | 'done' | 'refused' | 'failed' | 'cancelled';
export const OPEN_STATES: readonly JobState[] = ['queued', 'running'];

export interface JobRow {
  id: number;
  kind: JobKind;
  period: string;
  preliminary: boolean;
  state: JobState;
  phase: Phase | null;
  progress: number;
  cancel_requested: boolean;
  attempts: number;
  worker: string | null;
  created_by: number | null;
  created_at: Date;
  started_at: Date | null;
  heartbeat_at: Date | null;
  finished_at: Date | null;
  release_id: number | null;
  computation_id: number | null;
  reason: string | null;
}

export const STATE_LABELS: Record<JobState, string> = {
  queued: 'در صف', running: 'در حال اجرا', done: 'انجام شد', refused: 'انجام نشد', failed: 'خطا', cancelled: 'لغو شد',
};
export const PHASE_LABELS: Record<Phase, string> = {
  reading: 'خواندن اظهارنامه‌ها', values: 'حفاظت جدول ارزش‌ها', products: 'حفاظت جدول محصولات', proof: 'ساخت گواه حفاظت', storing: 'ثبت انتشار', computing: 'محاسبه شاخص',
};

/** A running job whose worker has not been heard of for this long is taken over by another. */
export const STALE_SECONDS = 60;
/** A job whose worker died this many times is failed rather than started again. */
export const MAX_ATTEMPTS = 3;

/** Tells this process's worker that a job is waiting (other instances find it by polling). */
export const jobSignals = new EventEmitter();

export type EnqueueOutcome = { ok: true; job: JobRow } | { ok: false; status: 409; reason: string; job: JobRow | null };

export async function enqueueJob(req: { kind: JobKind; period: string; preliminary: boolean; userId: number | null }, k: Knex = db()): Promise<EnqueueOutcome> {
  try {
    const job = await k.transaction(async (trx) => {
      const [row] = (await trx('stats_jobs').insert({ kind: req.kind, period: req.period, preliminary: req.preliminary, created_by: req.userId }).returning('*')) as JobRow[];
      await auditInsert({ action: 'stats.job_queued', userId: req.userId, target: `stats_job:${row.id}`, details: { kind: req.kind, period: req.period, preliminary: req.preliminary } }, trx);
      return row;
    });
    jobSignals.emit('queued');
    return { ok: true, job };
  } catch (e) {
    if (!isUniqueViolation(e, 'stats_jobs_one_pending')) throw e;
    const pending = (await k('stats_jobs').where({ kind: req.kind, period: req.period, preliminary: req.preliminary }).whereIn('state', OPEN_STATES).first()) as JobRow | undefined;
    return { ok: false, status: 409, reason: `همین کار پیش‌تر در صف گذاشته شده و هنوز پایان نیافته است${pending ? ` (کار شماره ${pending.id})` : ''}؛ پیشرفت آن را در فهرست کارها ببینید.`, job: pending ?? null };
  }
}

export async function jobById(id: number, k: Knex = db()): Promise<JobRow | null> {
  return ((await k('stats_jobs').where({ id }).first()) as JobRow | undefined) ?? null;
}

/** The open jobs of a kind and the latest finished ones, newest first. */
export async function recentJobs(kind: JobKind, k: Knex = db(), finished = 10): Promise<(JobRow & { created_by_name: string | null })[]> {
  const open = await k('stats_jobs as j').leftJoin('users as u', 'u.id', 'j.created_by').where('j.kind', kind).whereIn('j.state', OPEN_STATES).orderBy('j.id', 'desc').select('j.*', 'u.full_name as created_by_name');
  const done = await k('stats_jobs as j').leftJoin('users as u', 'u.id', 'j.created_by').where('j.kind', kind).whereNotIn('j.state', OPEN_STATES).orderBy('j.id', 'desc').limit(finished).select('j.*', 'u.full_name as created_by_name');
  return [...open, ...done];
}

export type CancelOutcome = { ok: true; job: JobRow } | { ok: false; status: 404 | 409; reason: string };

/** A queued job is cancelled at once; a running one is asked to stop (its worker ends it); a finished one stays as it is. */
export async function cancelJob(id: number, userId: number | null, k: Knex = db()): Promise<CancelOutcome> {
  return k.transaction(async (trx) => {
    const job = (await trx('stats_jobs').where({ id }).forUpdate().first()) as JobRow | undefined;
    if (!job) return { ok: false as const, status: 404 as const, reason: 'این کار یافت نشد.' };
    if (!OPEN_STATES.includes(job.state)) return { ok: false as const, status: 409 as const, reason: `این کار پیش‌تر پایان یافته است (${STATE_LABELS[job.state]}) و لغو نمی‌شود.` };
    const [row] = (job.state === 'queued'
      ? await trx('stats_jobs').where({ id }).update({ state: 'cancelled', finished_at: trx.fn.now(), reason: 'پیش از آغاز به درخواست کاربر لغو شد.' }).returning('*')
      : await trx('stats_jobs').where({ id }).update({ cancel_requested: true }).returning('*')) as JobRow[];
    await auditInsert({ action: 'stats.job_cancel', userId, target: `stats_job:${id}`, details: { kind: job.kind, period: job.period, state: job.state } }, trx);
    return { ok: true as const, job: row };
  });
}

/**
 * Takes the oldest job that may start now: queued, or running under a worker not heard of for
 * STALE_SECONDS (it died: the job starts again, nothing of it was stored), and no other job of its
 * linked group running. Claims are serialised by an advisory lock, so two workers never take
 * jobs of one group.
 */
export async function claimJob(worker: string, k: Knex = db()): Promise<JobRow | null> {
  return k.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?::bigint)', [LOCKS.statsJobClaim]);
    const stale = `now() - interval '${STALE_SECONDS} seconds'`;
    const res = await trx.raw(
      `select j.id, j.attempts from stats_jobs j
        where (j.state = 'queued' or (j.state = 'running' and j.heartbeat_at < ${stale}))
          and not exists (
            select 1 from stats_jobs r
             where r.state = 'running' and r.heartbeat_at >= ${stale} and r.id <> j.id and r.kind = j.kind
               and (j.kind = 'index' or left(r.period, 4) = left(j.period, 4)))
        order by j.id limit 1`,
    );
    const next = res.rows[0] as { id: number; attempts: number } | undefined;
    if (!next) return null;
    if (next.attempts >= MAX_ATTEMPTS) {
      await trx('stats_jobs').where({ id: next.id }).update({ state: 'failed', finished_at: trx.fn.now(), reason: `کارگزار این کار ${MAX_ATTEMPTS} بار در میانه کار از کار افتاد؛ کار متوقف شد. با پشتیبانی فنی تماس بگیرید.` });
      return null;
    }
    const [row] = (await trx('stats_jobs').where({ id: next.id }).update({
      state: 'running', worker, attempts: next.attempts + 1, started_at: trx.fn.now(), heartbeat_at: trx.fn.now(), phase: null, progress: 0,
    }).returning('*')) as JobRow[];
    return row;
  });
}

/** The worker is alive: its phase and progress; answers whether the job was asked to stop. */
export async function heartbeat(id: number, worker: string, phase: Phase | null, progress: number, k: Knex = db()): Promise<boolean> {
  const rows = (await k('stats_jobs').where({ id, state: 'running', worker }).update({ heartbeat_at: k.fn.now(), phase, progress: Math.min(1, Math.max(0, progress)) }).returning('cancel_requested')) as { cancel_requested: boolean }[];
  return rows[0]?.cancel_requested ?? false;
}

export type JobEnd =
  | { state: 'done'; releaseId?: number; computationId?: number }
  | { state: 'refused' | 'failed' | 'cancelled'; reason: string };

/** Ends a job the worker still holds; false when another worker took it over meanwhile. */
export async function finishJob(id: number, worker: string, end: JobEnd, k: Knex = db()): Promise<boolean> {
  const n = await k('stats_jobs').where({ id, state: 'running', worker }).update({
    state: end.state, finished_at: k.fn.now(), heartbeat_at: k.fn.now(), progress: end.state === 'done' ? 1 : undefined,
    release_id: end.state === 'done' ? end.releaseId ?? null : null,
    computation_id: end.state === 'done' ? end.computationId ?? null : null,
    reason: end.state === 'done' ? null : end.reason,
  });
  return n === 1;
}
