import { Router, type Request, type Response } from 'express';
import { requireRole, currentUser, flash, NotFoundError } from '../auth/guards.ts';
import { auditFrom } from '../audit.ts';
import { loadSettings } from '../settings.ts';
import { parseForm, idParam, FormError, formView, type FieldErrors } from '../forms.ts';
import { deadlineDayOf, latestDuePeriod } from '../calendar.ts';
import { dayLabel, periodLabel } from '../views.ts';
import { persianDigits } from '../text.ts';
import { faExact } from '../numbers.ts';
import { parseProductQuery, parseViewQuery, performancePeriod, VIEW_DIMENSIONS, VIEW_DIMENSION_LABELS, VIEW_MEASURES, VIEW_MEASURE_LABELS, MONEY_UNITS, type QueryValues } from './forms.ts';
import { valueTable, viewJson, viewFilename, releaseTitle, performanceCsv, performanceXlsx } from './export.ts';
import { tableCsv, tableCsvLong, tableXlsx } from './table.ts';
import { inUnit, MONEY_UNIT_LABELS, ROUNDING_NOTE, isMoneyMeasure } from './money-unit.ts';
import { sendDownload, CSV_TYPE, XLSX_TYPE } from '../export.ts';
import { performanceReport, defaultReportPeriod, isReportable } from './performance.ts';
import { trendChartSvg } from './chart.ts';
import { releaseView, noReleaseMessage, viewDetails, LEGEND, type ReleaseView } from './releases/view.ts';
import { listReleases, releaseCalendar, periodOptions, periodName } from './releases/list.ts';
import { requestRelease } from './jobs/requests.ts';
import { cancelJob, jobById, recentJobs } from './jobs/model.ts';
import { jobJson, jobLocals } from './jobs/view.ts';
import { KIND_LABELS } from './releases/period.ts';
import { heavy, withStatementTimeout } from '../ops/heavy.ts';
import { productView, PRODUCT_GEOS, PRODUCT_GEO_LABELS, type ProductView } from './releases/products-view.ts';
import { viewerOf } from '../dissemination/embargo.ts';
import { productTable, productJson, productFilename, productTitle, KIND_LABELS as PRODUCT_KIND_LABELS } from './product-export.ts';

// Statistics office: views of stored releases and their publication (DESIGN §7), and the monthly
// performance report (DESIGN §10). Province officers reach the report too, for their own province.
export function statsRouter(): Router {
  const router = Router();
  router.get('/stats', ...requireRole('stats_office'), (req, res) => showIndex(req, res));
  // Views of stored releases are cheap reads (issue 20): not behind the heavy guard. The planning
  // deputy reads published releases too; one under embargo only the office sees (issue 27).
  router.get('/stats/aggregates', ...requireRole('stats_office', 'planning_deputy'), formView('stats/aggregates', aggregatesLocals), showView);
  router.get('/stats/products', ...requireRole('stats_office', 'planning_deputy'), formView('stats/products', productsLocals), showProducts);
  // A release is a job (DESIGN §7): the request only queues it; the page follows its progress.
  router.post('/stats/releases', ...requireRole('stats_office'), createRelease);
  router.get('/stats/jobs/:id', ...requireRole('stats_office'), showJob);
  router.post('/stats/jobs/:id/cancellation', ...requireRole('stats_office'), cancelJobRequest);
  router.get('/stats/performance', ...requireRole('stats_office', 'province_officer'), formView('stats/performance', performanceLocals), heavy(showPerformance));
  return router;
}

const formLocals = { ...jobLocals, VIEW_DIMENSIONS, VIEW_DIMENSION_LABELS, VIEW_MEASURES, VIEW_MEASURE_LABELS, MONEY_UNITS, MONEY_UNIT_LABELS, KIND_LABELS, periodName };

interface PublishState { values: QueryValues; errors: FieldErrors; reason?: string | null }

/** The releases, their calendar, and the period selects (the calendar's years and every year with a release). */
async function releaseLocals(at: Date, viewer = viewerOf(null)) {
  const settings = await loadSettings();
  const releases = await listReleases(undefined, viewer);
  const calendar = releaseCalendar(at, settings.rules, releases);
  return { releases, calendar, periodGroups: periodOptions(calendar.map((y) => y.year), releases, at, settings.rules), rules: settings.rules, jobs: await recentJobs('release') };
}

async function showIndex(req: Request, res: Response, status = 200, publish?: PublishState) {
  const at = new Date();
  const locals = await releaseLocals(at, viewerOf(req.user));
  const latest = locals.releases[0]?.period ?? latestDuePeriod(at, locals.rules);
  const values = { period: latest, rows: 'province', cols: 'isic_division', measure: 'production_value' };
  res.status(status).render('stats/index', {
    title: 'انتشار آمار', ...formLocals, ...locals, values, errors: {},
    publish: publish ?? { values: { period: latestDuePeriod(at, locals.rules), preliminary: '' }, errors: {} },
  });
}

/** What the table pages show around their form (a refused query shows the form alone: no view). */
async function aggregatesLocals(req: Request) {
  const { periodGroups } = await releaseLocals(new Date(), viewerOf(req.user));
  return { title: 'جدول آماری', ...formLocals, periodGroups, notice: null, view: null };
}

async function productsLocals(req: Request) {
  const { periodGroups } = await releaseLocals(new Date(), viewerOf(req.user));
  return { title: 'جدول محصولات', periodGroups, PRODUCT_GEOS, PRODUCT_GEO_LABELS, PRODUCT_KIND_LABELS, faExact, notice: null, view: null };
}

/** A query off the grid (a dimension or format that does not exist) is 400; a wrong value the form can show is 422. */
function refusedQuery(parsed: { values: QueryValues; errors: FieldErrors; offGrid?: boolean }): FormError {
  return new FormError(parsed.errors, { status: parsed.offGrid ? 400 : 422, values: parsed.values });
}

async function showView(req: Request, res: Response) {
  const parsed = parseViewQuery(req.query as Record<string, unknown>);
  const render = async (status: number, locals: { values: QueryValues; errors: FieldErrors; view: ReleaseView | null } & Record<string, unknown>) => {
    res.status(status).render('stats/aggregates', { ...(await aggregatesLocals(req)), ...locals });
  };
  if (!parsed.ok) throw refusedQuery(parsed);
  const q = parsed.data;
  const stored = await releaseView({ period: q.period.code, preliminary: q.preliminary, rows: q.rows, cols: q.cols, measure: q.measure }, undefined, viewerOf(req.user));
  if (!stored) {
    return render(404, { values: parsed.values, errors: {}, view: null, notice: noReleaseMessage(q) });
  }
  await auditFrom(req, { action: 'stats.view', target: `release:${stored.release.id}`, details: { ...viewDetails(q, 'page'), unit: q.unit } });
  if (q.format === 'json') return res.json(viewJson(stored));
  const view = inUnit(stored, q.unit);
  if (q.format === 'csv') return sendDownload(res, tableCsv(valueTable(view)), CSV_TYPE, viewFilename(view, 'csv'));
  if (q.format === 'csv-long') return sendDownload(res, tableCsvLong(valueTable(view)), CSV_TYPE, viewFilename(view, 'csv', true));
  if (q.format === 'xlsx') return sendDownload(res, await tableXlsx(valueTable(view)), XLSX_TYPE, viewFilename(view, 'xlsx'));
  const base = Object.fromEntries(Object.entries(parsed.values).filter(([key, v]) => v !== '' && !['format', 'from', 'to'].includes(key)));
  const link = (format: string) => `/stats/aggregates?${new URLSearchParams({ ...base, format }).toString()}`;
  await render(200, {
    values: parsed.values, errors: {}, view, query: q, money: isMoneyMeasure(q.measure),
    links: { csv: link('csv'), csvLong: link('csv-long'), xlsx: link('xlsx'), json: link('json') }, legend: LEGEND, roundingNote: view.unit === 'million' ? ROUNDING_NOTE : null, releaseTitle: releaseTitle(view.release),
  });
}

async function showProducts(req: Request, res: Response) {
  const parsed = parseProductQuery(req.query as Record<string, unknown>);
  const render = async (status: number, locals: { values: QueryValues; errors: FieldErrors; view: ProductView | null } & Record<string, unknown>) => {
    res.status(status).render('stats/products', { ...(await productsLocals(req)), ...locals });
  };
  if (!parsed.ok) throw refusedQuery(parsed);
  const q = parsed.data;
  const view = await productView({ period: q.period.code, preliminary: q.preliminary, geo: q.geo, isic: q.isic }, undefined, viewerOf(req.user));
  if (!view) return render(404, { values: parsed.values, errors: {}, view: null, notice: noReleaseMessage(q) });
  await auditFrom(req, { action: 'stats.view', target: `release:${view.release.id}`, details: { via: 'page', table: 'products', format: q.format, period: q.period.code, preliminary: q.preliminary, geo: q.geo, isic: q.isic } });
  if (q.format === 'csv') return sendDownload(res, tableCsv(productTable(view)), CSV_TYPE, productFilename(view, 'csv'));
  if (q.format === 'csv-long') return sendDownload(res, tableCsvLong(productTable(view)), CSV_TYPE, productFilename(view, 'long.csv'));
  if (q.format === 'xlsx') return sendDownload(res, await tableXlsx(productTable(view), 'محصولات'), XLSX_TYPE, productFilename(view, 'xlsx'));
  if (q.format === 'json') return res.json(productJson(view));
  const base = Object.fromEntries(Object.entries(parsed.values).filter(([key, v]) => v !== '' && !['format', 'from', 'to'].includes(key)));
  const link = (format: string) => `/stats/products?${new URLSearchParams({ ...base, format }).toString()}`;
  await render(200, { values: parsed.values, errors: {}, view, links: { csv: link('csv'), csvLong: link('csv-long'), xlsx: link('xlsx'), json: link('json') }, legend: LEGEND, title: productTitle(view), releaseTitle: releaseTitle(view.release) });
}

async function createRelease(req: Request, res: Response) {
  const user = currentUser(req);
  const out = await requestRelease(req.body ?? {}, user.id);
  if (!out.ok) {
    if (out.reason) await auditFrom(req, { action: 'stats.release_refused', target: `period:${out.values.period}`, details: { period: out.values.period, preliminary: out.values.preliminary, reason: out.reason } });
    return showIndex(req, res, out.status, { values: out.values, errors: out.errors, reason: out.reason });
  }
  flash(req, 'success', `ساخت انتشار ${periodName(out.job.period)} ${out.job.preliminary ? '(مقدماتی)' : '(نهایی)'} در صف گذاشته شد (کار شماره ${persianDigits(out.job.id)}). پیشرفت آن در فهرست کارها دیده می‌شود و می‌توانید در این میان کار دیگری بکنید.`);
  res.redirect(303, '/stats#jobs');
}

/** The job's row, for the page's progress bar (JSON; app.js polls it). */
async function showJob(req: Request, res: Response) {
  const job = await jobById(idParam(req));
  if (!job) throw new NotFoundError();
  res.setHeader('Cache-Control', 'no-store');
  res.json(await jobJson(job));
}

async function cancelJobRequest(req: Request, res: Response) {
  const out = await cancelJob(idParam(req), currentUser(req).id);
  const back = out.ok && out.job.kind === 'index' ? '/stats/index#jobs' : '/stats#jobs';
  if (!out.ok) {
    if (out.status === 404) return res.status(404).render('error', { title: 'یافت نشد', message: out.reason });
    flash(req, 'warning', out.reason);
    return res.redirect(303, back);
  }
  flash(req, 'success', out.job.state === 'cancelled' ? `کار شماره ${persianDigits(out.job.id)} لغو شد.` : `درخواست لغو کار شماره ${persianDigits(out.job.id)} ثبت شد؛ کار در نخستین فرصت متوقف می‌شود و چیزی از آن ثبت نمی‌شود.`);
  res.redirect(303, back);
}

async function performanceLocals(req: Request) {
  const settings = await loadSettings();
  return { title: 'گزارش عملکرد ماهانه', user: currentUser(req), requested: req.query.period ?? '', latest: defaultReportPeriod(new Date(), settings.rules), report: null };
}

async function showPerformance(req: Request, res: Response) {
  const user = currentUser(req);
  const settings = await loadSettings();
  const now = new Date();
  const parsed = parseForm(performancePeriod, req.query.period);
  const fallback = defaultReportPeriod(now, settings.rules);
  const render = async (status: number, locals: Record<string, unknown>) => res.status(status).render('stats/performance', { ...(await performanceLocals(req)), ...locals });
  if (!parsed.ok) throw new FormError({ period: parsed.errors._form ?? '' });
  const period = parsed.data || fallback;
  if (!isReportable(period, now, settings.rules)) {
    throw new FormError({ period: `مهلت ثبت آمار ${periodLabel(period)} تا پایان ${dayLabel(deadlineDayOf(period, settings.rules))} است؛ گزارش عملکرد هر ماه پس از پایان مهلت آن تهیه می‌شود. آخرین ماه قابل گزارش: ${periodLabel(fallback)}.` });
  }
  const provinceCode = user.role === 'province_officer' ? user.province_code ?? '__' : undefined;
  const report = await withStatementTimeout((k) => performanceReport(period, { at: now, rules: settings.rules, provinceCode }, k));
  const format = String(req.query.format ?? 'html');
  if (format === 'csv') return sendDownload(res, performanceCsv(report), CSV_TYPE, `performance_${period}.csv`);
  if (format === 'xlsx') return sendDownload(res, await performanceXlsx(report), XLSX_TYPE, `performance_${period}.xlsx`);
  const scope = provinceCode ? ` — ${report.provinces[0]?.name ?? ''}` : ' — کل کشور';
  await render(200, { errors: {}, report, chart: trendChartSvg(report.trend, `روند ۱۲ ماهه نرخ پاسخ‌دهی و به‌موقع بودن${scope}`) });
}
