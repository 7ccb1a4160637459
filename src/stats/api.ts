import { Router, type Request, type Response } from 'express';
import { apiRole, apiError } from '../api/auth.ts';
import { auditFrom } from '../audit.ts';
import { loadSettings } from '../settings.ts';
import { parseForm, type FieldErrors } from '../forms.ts';
import { periodLabel } from '../views.ts';
import { parseProductQuery, parseViewQuery, performancePeriod } from './forms.ts';
import { productView } from './releases/products-view.ts';
import { productTable, productJson, productFilename } from './product-export.ts';
import { valueTable, viewJson, viewFilename } from './export.ts';
import { tableCsvLong } from './table.ts';
import { inUnit } from './money-unit.ts';
import { sendDownload, CSV_TYPE } from '../export.ts';
import { releaseView, noReleaseMessage, viewDetails } from './releases/view.ts';
import { heavy, withStatementTimeout } from '../ops/heavy.ts';
import { requestRelease } from './jobs/requests.ts';
import { cancelJob, jobById, type JobKind, type JobRow } from './jobs/model.ts';
import { jobJson } from './jobs/view.ts';
import { performanceReport, performanceJson, defaultReportPeriod, isReportable } from './performance.ts';

// The statistics office's own tools pull the same views of stored releases (DESIGN §7) and the
// same report (DESIGN §10) with an API token. Every other role gets 404.
export function statsApiRouter(): Router {
  const router = Router();
  // Views of stored releases are cheap reads: the API's rate limit is their guard, not the heavy one.
  router.get('/stats/aggregates', apiRole('stats_office'), aggregates);
  router.get('/stats/products', apiRole('stats_office'), products);
  // A release is a job (DESIGN §7): 202 with the job's address, then its state there.
  router.post('/stats/releases', apiRole('stats_office'), createRelease);
  router.get('/stats/releases/jobs/:id', apiRole('stats_office'), jobRoute('release'));
  router.post('/stats/releases/jobs/:id/cancellation', apiRole('stats_office'), cancelRoute('release'));
  router.get('/stats/performance', apiRole('stats_office'), heavy(performance));
  return router;
}

type Parsed = { ok: true; data: { format: string } } | { ok: false; errors: FieldErrors; offGrid: boolean };

/** Answers a query the API cannot take (a period off the grid: 400; anything else: 422); true when it did. */
function refused(res: Response, parsed: Parsed): boolean {
  const errors = parsed.ok ? {} : { ...parsed.errors };
  if (parsed.ok && parsed.data.format !== 'json' && parsed.data.format !== 'csv') errors.format = 'قالب خروجی در API تنها json یا csv است.';
  if (parsed.ok && Object.keys(errors).length === 0) return false;
  const fields = Object.fromEntries(Object.entries(errors).map(([key, message]) => [key, { code: 'invalid', message }]));
  if (!parsed.ok && parsed.offGrid) apiError(res, 400, 'period_off_grid', errors.period, fields);
  else apiError(res, 422, 'invalid_query', 'پارامترهای درخواست معتبر نیستند.', fields);
  return true;
}

async function aggregates(req: Request, res: Response): Promise<void> {
  const parsed = parseViewQuery({ format: 'json', ...(req.query as Record<string, unknown>) });
  if (refused(res, parsed) || !parsed.ok) return;
  const q = parsed.data;
  const view = await releaseView({ period: q.period.code, preliminary: q.preliminary, rows: q.rows, cols: q.cols, measure: q.measure });
  if (!view) return apiError(res, 404, 'no_release', noReleaseMessage(q));
  await auditFrom(req, { action: 'stats.view', target: `release:${view.release.id}`, details: viewDetails(q, 'api') });
  // The API's CSV is the long format (one line per cell, OpenAPI), in exact Rials like its JSON.
  if (q.format === 'csv') { const rials = inUnit(view, 'rial'); return sendDownload(res, tableCsvLong(valueTable(rials)), CSV_TYPE, viewFilename(rials, 'csv')); }
  res.json(viewJson(view));
}

async function products(req: Request, res: Response): Promise<void> {
  const parsed = parseProductQuery({ format: 'json', ...(req.query as Record<string, unknown>) });
  if (refused(res, parsed) || !parsed.ok) return;
  const q = parsed.data;
  const view = await productView({ period: q.period.code, preliminary: q.preliminary, geo: q.geo, isic: q.isic });
  if (!view) return apiError(res, 404, 'no_release', noReleaseMessage(q));
  await auditFrom(req, { action: 'stats.view', target: `release:${view.release.id}`, details: { via: 'api', table: 'products', format: q.format, period: q.period.code, preliminary: q.preliminary, geo: q.geo, isic: q.isic } });
  // Like the values': the long format, one line per cell (OpenAPI).
  if (q.format === 'csv') return sendDownload(res, tableCsvLong(productTable(view)), CSV_TYPE, productFilename(view, 'csv'));
  res.json(productJson(view));
}

/** A JSON boolean or the form's words for the preliminary flag. */
const flagOf = (v: unknown): string => (typeof v === 'boolean' ? String(v) : typeof v === 'string' ? v : '');

async function createRelease(req: Request, res: Response): Promise<void> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const out = await requestRelease({ period: typeof body.period === 'string' ? body.period : '', preliminary: flagOf(body.preliminary) }, req.user!.id);
  if (!out.ok) {
    const fields = Object.fromEntries(Object.entries(out.errors).map(([key, message]) => [key, { code: 'invalid', message }]));
    const code = out.status === 400 ? 'period_off_grid' : out.status === 409 ? 'duplicate_job' : out.status === 429 ? 'too_many_jobs' : out.reason ? 'refused' : 'invalid_request';
    return apiError(res, out.status, code, out.reason ?? Object.values(out.errors)[0] ?? 'درخواست معتبر نیست.', Object.keys(fields).length ? fields : undefined);
  }
  res.status(202).json(queuedBody(out.job, 'releases'));
}

/** The body of a 202: the job and where to follow it. */
export function queuedBody(job: JobRow, path: 'releases' | 'index'): { job: number; status_url: string; state: string } {
  return { job: job.id, status_url: `/api/v1/stats/${path}/jobs/${job.id}`, state: job.state };
}

/** The job of `kind` the path names (ids parsed as every id is), or null after answering 404. */
async function jobOfPath(req: Request, res: Response, kind: JobKind): Promise<JobRow | null> {
  const raw = String(req.params.id ?? '');
  const job = /^\d{1,9}$/.test(raw) ? await jobById(Number(raw)) : null;
  if (job && job.kind === kind) return job;
  apiError(res, 404, 'not_found', 'این کار یافت نشد.');
  return null;
}

/** GET …/jobs/:id of one kind: the job's state, phase, progress and outcome. */
export function jobRoute(kind: JobKind) {
  return async (req: Request, res: Response): Promise<void> => {
    const job = await jobOfPath(req, res, kind);
    if (job) res.json(await jobJson(job));
  };
}

/** POST …/jobs/:id/cancellation: a queued job is cancelled, a running one asked to stop; a finished one is 409. */
export function cancelRoute(kind: JobKind) {
  return async (req: Request, res: Response): Promise<void> => {
    const job = await jobOfPath(req, res, kind);
    if (!job) return;
    const out = await cancelJob(job.id, req.user!.id);
    if (!out.ok) return apiError(res, out.status, out.status === 409 ? 'job_finished' : 'not_found', out.reason);
    res.json(await jobJson(out.job));
  };
}

async function performance(req: Request, res: Response): Promise<void> {
  const parsed = parseForm(performancePeriod, req.query.period);
  if (!parsed.ok) return apiError(res, 422, 'invalid_query', parsed.errors._form, { period: { code: 'invalid', message: parsed.errors._form } });
  const settings = await loadSettings();
  const now = new Date();
  const period = parsed.data || defaultReportPeriod(now, settings.rules);
  if (!isReportable(period, now, settings.rules)) {
    return apiError(res, 422, 'period_not_due', `مهلت ثبت آمار ${periodLabel(period)} هنوز به پایان نرسیده است؛ گزارش پس از پایان مهلت تهیه می‌شود.`);
  }
  const report = await withStatementTimeout((k) => performanceReport(period, { at: now, rules: settings.rules }, k));
  res.setHeader('X-Period', period);
  res.json(performanceJson(report));
}
