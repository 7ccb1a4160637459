import type { Knex } from 'knex';
import { db } from '../../db.ts';
import { loadSettings } from '../../settings.ts';
import { fa } from '../../numbers.ts';
import { parseForm, type FieldErrors } from '../../forms.ts';
import { parsePublishForm } from '../forms.ts';
import { refusalOf } from '../releases/publish.ts';
import { parseReferencePeriod } from '../releases/period.ts';
import { computeForm } from '../../production-index/forms.ts';
import { computeRefusal } from '../../production-index/compute.ts';
import { enqueueJob, type JobKind, type JobRow } from './model.ts';

// What the page, the API and the CLI ask of the job queue: a release of a period, or a computation
// of the index of a month. Everything that can be said at once is said at once (a Persian 4xx,
// nothing queued); what only the work can tell is the job's outcome.

export type JobRequestOutcome =
  | { ok: true; job: JobRow }
  | { ok: false; status: 400 | 409 | 422 | 429; errors: FieldErrors; reason: string | null; values: Record<string, string>; job?: JobRow | null };

/** At most `jobs_per_period_per_day` jobs of one kind and period in 24 hours (issue 23 F13). */
async function overCap(kind: JobKind, period: string, k: Knex): Promise<string | null> {
  const cap = (await loadSettings(k)).get('jobs_per_period_per_day');
  const row = await k('stats_jobs').where({ kind, period }).andWhere('created_at', '>', k.raw("now() - interval '24 hours'")).count('* as n').first();
  if (Number(row?.n ?? 0) < cap) return null;
  return `برای این دوره در ۲۴ ساعت گذشته ${fa(cap)} درخواست ${kind === 'release' ? 'انتشار' : 'محاسبه شاخص'} ثبت شده است که سقف مجاز است؛ بازنگری‌ها را دسته‌ای و زمان‌بندی‌شده انجام دهید و فردا دوباره تلاش کنید.`;
}

export async function requestRelease(input: Record<string, unknown>, userId: number | null, at = new Date(), k: Knex = db()): Promise<JobRequestOutcome> {
  const { rules } = await loadSettings(k);
  const parsed = parsePublishForm(input, at, rules);
  if (!parsed.ok) {
    const offGrid = parsed.values.period !== '' && !parseReferencePeriod(parsed.values.period.toUpperCase());
    return { ok: false, status: offGrid ? 400 : 422, errors: parsed.errors, reason: null, values: parsed.values };
  }
  const { period, preliminary } = parsed.data;
  const refusal = await refusalOf(period, preliminary, k);
  if (refusal) return { ok: false, status: 422, errors: {}, reason: refusal, values: parsed.values };
  const cap = await overCap('release', period.code, k);
  if (cap) return { ok: false, status: 429, errors: {}, reason: cap, values: parsed.values };
  const queued = await enqueueJob({ kind: 'release', period: period.code, preliminary, userId }, k);
  if (!queued.ok) return { ok: false, status: 409, errors: {}, reason: queued.reason, values: parsed.values, job: queued.job };
  return { ok: true, job: queued.job };
}

export async function requestIndexComputation(input: Record<string, unknown>, userId: number | null, at = new Date(), k: Knex = db()): Promise<JobRequestOutcome> {
  const values = { period: typeof input.period === 'string' ? input.period : '' };
  const parsed = parseForm(computeForm, input);
  if (!parsed.ok) return { ok: false, status: 422, errors: parsed.errors, reason: null, values };
  const period = parsed.data.period;
  const refusal = await computeRefusal(period, at, k);
  if (refusal) return { ok: false, status: 422, errors: { period: refusal }, reason: refusal, values };
  const cap = await overCap('index', period, k);
  if (cap) return { ok: false, status: 429, errors: { period: cap }, reason: cap, values };
  const queued = await enqueueJob({ kind: 'index', period, preliminary: false, userId }, k);
  if (!queued.ok) return { ok: false, status: 409, errors: { period: queued.reason }, reason: queued.reason, values, job: queued.job };
  return { ok: true, job: queued.job };
}
