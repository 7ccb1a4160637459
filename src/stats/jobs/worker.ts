import os from 'node:os';
import type { Knex } from 'knex';
import { db } from '../../db.ts';
import { log as defaultLog } from '../../log.ts';
import { audit } from '../../audit.ts';
import { parseReferencePeriod } from '../releases/period.ts';
import { publishRelease } from '../releases/publish.ts';
import { computeIndex } from '../../production-index/compute.ts';
import type { Phase } from '../releases/protect-job.ts';
import { claimJob, finishJob, heartbeat, jobSignals, type JobEnd, type JobRow } from './model.ts';

// The worker of the statistics office's jobs (model.ts). Every instance starts one (server.ts),
// and `npm run stats:worker` runs one alone. It claims a job, runs it with a heartbeat that
// carries its phase and progress (and brings back a cancellation), and records the outcome.

type Log = { info: (o: object, msg: string) => void; error: (o: object, msg: string) => void };

export interface JobReport { phase: Phase | null; progress: number; line?: string }

/** How often a running job's row is touched (its phase, its progress, whether it was cancelled). */
export const HEARTBEAT_MS = 2000;

const workerName = (): string => `${os.hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;

/** Runs one claimed job to its end; `onReport` sees each phase change and log line (the CLI prints them). */
export async function runJob(job: JobRow, worker: string, opts: { k?: Knex; log?: Log; onReport?: (r: JobReport) => void } = {}): Promise<JobEnd> {
  const k = opts.k ?? db();
  const log = opts.log ?? defaultLog;
  let phase: Phase | null = null;
  let progress = 0;
  let cancelled = job.cancel_requested; // asked before the job started (a running job's cancel also lands here)
  const report = (p: Phase, share: number) => {
    if (p !== phase) opts.onReport?.({ phase: p, progress: share });
    phase = p;
    progress = share;
  };
  let beating: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    beating = heartbeat(job.id, worker, phase, progress, k).then((stop) => { if (stop) cancelled = true; }).catch((err: unknown) => log.error({ err, job: job.id }, 'job heartbeat failed'));
  }, HEARTBEAT_MS);
  timer.unref();
  let end: JobEnd;
  try {
    end = job.kind === 'release' ? await runRelease(job, k, report, () => cancelled, (line) => opts.onReport?.({ phase, progress, line })) : await runIndex(job, k, report);
  } catch (err) {
    log.error({ err, job: job.id, kind: job.kind, period: job.period }, 'statistics job failed');
    end = { state: 'failed', reason: 'خطای داخلی در اجرای این کار رخ داد و چیزی ثبت نشد. اگر دوباره رخ داد با پشتیبانی فنی تماس بگیرید.' };
  } finally {
    clearInterval(timer);
    await beating;
  }
  if (end.state !== 'done') await audit({ action: `stats.job_${end.state}`, userId: job.created_by, target: `stats_job:${job.id}`, details: { kind: job.kind, period: job.period, preliminary: job.preliminary, reason: end.reason } }, k);
  if (!(await finishJob(job.id, worker, end, k))) log.error({ job: job.id }, 'job taken over by another worker before it ended');
  else log.info({ job: job.id, kind: job.kind, period: job.period, state: end.state }, 'statistics job ended');
  return end;
}

async function runRelease(job: JobRow, k: Knex, report: (p: Phase, share: number) => void, cancelled: () => boolean, line: (l: string) => void): Promise<JobEnd> {
  const period = parseReferencePeriod(job.period);
  if (!period) return { state: 'refused', reason: 'دوره این کار در جدول انتشار نیست.' };
  const outcome = await publishRelease({ period, preliminary: job.preliminary, userId: job.created_by, progress: report, cancelled, log: line }, k);
  if (outcome.ok) return { state: 'done', releaseId: outcome.release.id };
  return { state: outcome.cancelled ? 'cancelled' : outcome.failed ? 'failed' : 'refused', reason: outcome.reason };
}

async function runIndex(job: JobRow, k: Knex, report: (p: Phase, share: number) => void): Promise<JobEnd> {
  report('computing', 0);
  const out = await computeIndex({ period: job.period, userId: job.created_by }, k);
  if (!out.ok) return { state: 'refused', reason: out.reason };
  return { state: 'done', computationId: out.computationId };
}

/** Claims and runs the next job, if any may start; the job's end, or null when there was none. */
export async function runNextJob(opts: { k?: Knex; worker?: string; log?: Log; onReport?: (job: JobRow, r: JobReport) => void } = {}): Promise<{ job: JobRow; end: JobEnd } | null> {
  const worker = opts.worker ?? workerName();
  const job = await claimJob(worker, opts.k);
  if (!job) return null;
  const end = await runJob(job, worker, { k: opts.k, log: opts.log, onReport: (r) => opts.onReport?.(job, r) });
  return { job, end };
}

export interface JobWorker { stop(): Promise<void>; wake(): void }

/**
 * Runs jobs one after another until stopped: woken at once by a job queued in this process,
 * otherwise looking every `pollMs` (jobs queued through another instance, or left by a dead one).
 */
export function startJobWorker(opts: { k?: Knex; pollMs?: number; log?: Log; onReport?: (job: JobRow, r: JobReport) => void } = {}): JobWorker {
  const log = opts.log ?? defaultLog;
  const worker = workerName();
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  const wake = () => { wakeUp?.(); };
  jobSignals.on('queued', wake);
  const loop = (async () => {
    while (!stopped) {
      let ran = false;
      try {
        ran = (await runNextJob({ k: opts.k, worker, log, onReport: opts.onReport })) !== null;
      } catch (err) {
        log.error({ err }, 'statistics job worker could not claim a job');
      }
      if (ran || stopped) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.pollMs ?? 5000);
        timer.unref();
        wakeUp = () => { clearTimeout(timer); resolve(); };
      });
      wakeUp = null;
    }
  })();
  return {
    wake,
    async stop() {
      stopped = true;
      jobSignals.off('queued', wake);
      wake();
      await loop;
    },
  };
}
