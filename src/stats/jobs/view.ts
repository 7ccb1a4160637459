import type { Knex } from 'knex';
import { db } from '../../db.ts';
import { PHASE_LABELS, STATE_LABELS, type JobRow } from './model.ts';
import type { ReleaseRow } from '../releases/types.ts';
import { parseReferencePeriod, referencePeriodLabel } from '../releases/period.ts';
import { periodLabel } from '../../calendar.ts';

// A job as the API and the page's progress poll show it.

export interface JobJson {
  id: number;
  kind: JobRow['kind'];
  period: string;
  preliminary: boolean;
  state: JobRow['state'];
  state_label: string;
  phase: JobRow['phase'];
  phase_label: string | null;
  progress: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  reason: string | null;
  release: { id: number; period: string; preliminary: boolean; revision: number; cells: number; suppressed: number; information_loss: number; url: string } | null;
  computation: { id: number; period: string; url: string } | null;
}

export async function jobJson(job: JobRow, k: Knex = db()): Promise<JobJson> {
  const release = job.release_id ? ((await k('releases').where({ id: job.release_id }).first()) as ReleaseRow | undefined) : undefined;
  return {
    id: job.id, kind: job.kind, period: job.period, preliminary: job.preliminary,
    state: job.state, state_label: STATE_LABELS[job.state],
    phase: job.phase, phase_label: job.phase ? PHASE_LABELS[job.phase] : null,
    progress: Math.round(Number(job.progress) * 1000) / 1000,
    created_at: job.created_at, started_at: job.started_at, finished_at: job.finished_at,
    reason: job.reason,
    release: release ? {
      id: release.id, period: release.period, preliminary: release.preliminary, revision: release.revision,
      cells: release.report.cells, suppressed: release.report.suppressed, information_loss: release.report.informationLoss,
      url: `/api/v1/stats/aggregates?${new URLSearchParams({ period: release.period, ...(release.preliminary ? { preliminary: 'true' } : {}) }).toString()}`,
    } : null,
    computation: job.computation_id ? { id: job.computation_id, period: job.period, url: `/api/v1/stats/index?period=${job.period}` } : null,
  };
}

/** A job in words: «انتشار تابستان ۱۴۰۴ مقدماتی», «محاسبه شاخص تولید مهر ۱۴۰۴». */
export function jobTitle(job: Pick<JobRow, 'kind' | 'period' | 'preliminary'>): string {
  if (job.kind === 'index') return `محاسبه شاخص تولید ${periodLabel(job.period)}`;
  const p = parseReferencePeriod(job.period);
  return `انتشار ${p ? referencePeriodLabel(p) : job.period} ${job.preliminary ? 'مقدماتی' : 'نهایی'}`;
}

/** What the jobs partial (views/stats/jobs.ejs) needs beside its rows. */
export const jobLocals = { jobTitle, STATE_LABELS, PHASE_LABELS };
