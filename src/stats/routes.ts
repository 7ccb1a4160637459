import { Router, type Request, type Response } from 'express';
import { requireRole, currentUser } from '../auth/guards.ts';
import { auditFrom } from '../audit.ts';
import { loadSettings } from '../settings.ts';
import { parseForm } from '../forms.ts';
import { deadlineDayOf, addMonths } from '../calendar.ts';
import { dayLabel, periodLabel } from '../views.ts';
import { buildAggregateTable, legendText, periodsText } from './aggregates.ts';
import { parseAggregateQuery, performancePeriod, DIMENSIONS, DIMENSION_LABELS, MEASURES, MEASURE_LABELS } from './forms.ts';
import { aggregateCsv, aggregateJson, aggregateXlsx, aggregateFilename, sendDownload, CSV_TYPE, XLSX_TYPE, performanceCsv, performanceXlsx } from './export.ts';
import { performanceReport, defaultReportPeriod, isReportable } from './performance.ts';
import { trendChartSvg } from './chart.ts';
import { heavy, withStatementTimeout } from '../ops/heavy.ts';

// Statistics office: aggregates with disclosure control (DESIGN §7) and the monthly performance
// report (DESIGN §10). Province officers reach the report too, for their own province only.
export function statsRouter(): Router {
  const router = Router();
  router.get('/stats', ...requireRole('stats_office'), showForm);
  router.get('/stats/aggregates', ...requireRole('stats_office'), showAggregates);
  router.get('/stats/performance', ...requireRole('stats_office', 'province_officer'), heavy(showPerformance));
  return router;
}

const formLocals = { DIMENSIONS, DIMENSION_LABELS, MEASURES, MEASURE_LABELS };

/** The blank form starts on the last three months whose deadline has passed. */
async function showForm(_req: Request, res: Response) {
  const to = defaultReportPeriod(new Date(), (await loadSettings()).rules);
  const values = { span: 'months', from: addMonths(to, -2), to, year: to.slice(0, 4), rows: 'province', cols: 'isic_division', measure: 'production_value' };
  res.render('stats/index', { title: 'جدول‌های آماری', ...formLocals, values, errors: {}, table: null });
}

async function showAggregates(req: Request, res: Response) {
  const parsed = parseAggregateQuery(req.query as Record<string, unknown>);
  if (!parsed.ok) {
    return res.status(422).render('stats/index', { title: 'جدول‌های آماری', ...formLocals, values: parsed.values, errors: parsed.errors, table: null });
  }
  const q = parsed.data;
  const table = await buildAggregateTable(q);
  if (q.format !== 'html') await auditFrom(req, { action: 'stats.export', target: `aggregates:${q.format}`, details: { ...q } });
  if (q.format === 'csv') return sendDownload(res, aggregateCsv(table), CSV_TYPE, aggregateFilename(table, 'csv'));
  if (q.format === 'xlsx') return sendDownload(res, await aggregateXlsx(table), XLSX_TYPE, aggregateFilename(table, 'xlsx'));
  if (q.format === 'json') return res.json(aggregateJson(table));
  const base = new URLSearchParams(Object.entries(parsed.values).filter(([key, v]) => v !== '' && key !== 'format'));
  const link = (format: string) => `/stats/aggregates?${new URLSearchParams({ ...Object.fromEntries(base), format }).toString()}`;
  res.render('stats/index', {
    title: 'جدول‌های آماری', ...formLocals, values: parsed.values, errors: {}, table,
    legend: legendText(table.rules), periods: periodsText(q), links: { csv: link('csv'), xlsx: link('xlsx'), json: link('json') },
  });
}

async function showPerformance(req: Request, res: Response) {
  const user = currentUser(req);
  const settings = await loadSettings();
  const now = new Date();
  const parsed = parseForm(performancePeriod, req.query.period);
  const fallback = defaultReportPeriod(now, settings.rules);
  const render = (status: number, locals: Record<string, unknown>) => res.status(status).render('stats/performance', { title: 'گزارش عملکرد ماهانه', user, requested: req.query.period ?? '', latest: fallback, ...locals });
  if (!parsed.ok) return render(422, { errors: { period: parsed.errors._form }, report: null });
  const period = parsed.data || fallback;
  if (!isReportable(period, now, settings.rules)) {
    return render(422, { errors: { period: `مهلت ثبت آمار ${periodLabel(period)} تا پایان ${dayLabel(deadlineDayOf(period, settings.rules))} است؛ گزارش عملکرد هر ماه پس از پایان مهلت آن تهیه می‌شود. آخرین ماه قابل گزارش: ${periodLabel(fallback)}.` }, report: null });
  }
  const provinceCode = user.role === 'province_officer' ? user.province_code ?? '__' : undefined;
  const report = await withStatementTimeout((k) => performanceReport(period, { at: now, rules: settings.rules, provinceCode }, k));
  const format = String(req.query.format ?? 'html');
  if (format === 'csv') return sendDownload(res, performanceCsv(report), CSV_TYPE, `performance_${period}.csv`);
  if (format === 'xlsx') return sendDownload(res, await performanceXlsx(report), XLSX_TYPE, `performance_${period}.xlsx`);
  const scope = provinceCode ? ` — ${report.provinces[0]?.name ?? ''}` : ' — کل کشور';
  render(200, { errors: {}, report, chart: trendChartSvg(report.trend, `روند ۱۲ ماهه نرخ پاسخ‌دهی و به‌موقع بودن${scope}`) });
}
