import { Router, type Request, type Response, type NextFunction } from 'express';
import { apiRole, apiError } from '../api/auth.ts';
import { auditFrom } from '../audit.ts';
import { loadSettings } from '../settings.ts';
import { parseForm } from '../forms.ts';
import { periodLabel } from '../views.ts';
import { buildAggregateTable } from './aggregates.ts';
import { parseAggregateQuery, performancePeriod } from './forms.ts';
import { aggregateCsv, aggregateJson, aggregateFilename, sendDownload, CSV_TYPE } from './export.ts';
import { heavy, withStatementTimeout } from '../ops/heavy.ts';
import { performanceReport, performanceJson, defaultReportPeriod, isReportable } from './performance.ts';

// The statistics office's own tools pull the same tables (DESIGN §7) and the same report
// (DESIGN §10) with an API token. Every other role gets 404.
export function statsApiRouter(): Router {
  const router = Router();
  router.get('/stats/aggregates', apiRole('stats_office'), wrap(aggregates));
  router.get('/stats/performance', apiRole('stats_office'), heavy(performance));
  return router;
}

const wrap = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

async function aggregates(req: Request, res: Response): Promise<void> {
  const parsed = parseAggregateQuery({ format: 'json', ...(req.query as Record<string, unknown>) });
  const errors = parsed.ok ? {} : parsed.errors;
  if (parsed.ok && parsed.data.format !== 'json' && parsed.data.format !== 'csv') errors.format = 'قالب خروجی در API تنها json یا csv است.';
  if (!parsed.ok || Object.keys(errors).length) {
    return apiError(res, 422, 'invalid_query', 'پارامترهای درخواست معتبر نیستند.', Object.fromEntries(Object.entries(errors).map(([key, message]) => [key, { code: 'invalid', message }])));
  }
  const table = await buildAggregateTable(parsed.data);
  await auditFrom(req, { action: 'stats.api', target: `aggregates:${parsed.data.format}`, details: { ...parsed.data } });
  if (parsed.data.format === 'csv') return sendDownload(res, aggregateCsv(table), CSV_TYPE, aggregateFilename(table, 'csv'));
  res.json(aggregateJson(table));
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
