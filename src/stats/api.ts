import { Router, type Request, type Response } from 'express';
import { apiRole, apiError } from '../api/auth.ts';
import { auditFrom } from '../audit.ts';
import { loadSettings } from '../settings.ts';
import { parseForm, type FieldErrors } from '../forms.ts';
import { periodLabel } from '../views.ts';
import { parseProductQuery, parseViewQuery, performancePeriod } from './forms.ts';
import { productView } from './releases/products-view.ts';
import { productCsv, productJson, productFilename } from './product-export.ts';
import { viewCsvLong, viewJson, viewFilename } from './export.ts';
import { inUnit } from './money-unit.ts';
import { sendDownload, CSV_TYPE } from '../export.ts';
import { releaseView, noReleaseMessage, viewDetails } from './releases/view.ts';
import { heavy, withStatementTimeout } from '../ops/heavy.ts';
import { performanceReport, performanceJson, defaultReportPeriod, isReportable } from './performance.ts';

// The statistics office's own tools pull the same views of stored releases (DESIGN §7) and the
// same report (DESIGN §10) with an API token. Every other role gets 404.
export function statsApiRouter(): Router {
  const router = Router();
  router.get('/stats/aggregates', apiRole('stats_office'), heavy(aggregates));
  router.get('/stats/products', apiRole('stats_office'), heavy(products));
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
  if (q.format === 'csv') { const rials = inUnit(view, 'rial'); return sendDownload(res, viewCsvLong(rials), CSV_TYPE, viewFilename(rials, 'csv')); }
  res.json(viewJson(view));
}

async function products(req: Request, res: Response): Promise<void> {
  const parsed = parseProductQuery({ format: 'json', ...(req.query as Record<string, unknown>) });
  if (refused(res, parsed) || !parsed.ok) return;
  const q = parsed.data;
  const view = await productView({ period: q.period.code, preliminary: q.preliminary, geo: q.geo, isic: q.isic });
  if (!view) return apiError(res, 404, 'no_release', noReleaseMessage(q));
  await auditFrom(req, { action: 'stats.view', target: `release:${view.release.id}`, details: { via: 'api', table: 'products', format: q.format, period: q.period.code, preliminary: q.preliminary, geo: q.geo, isic: q.isic } });
  if (q.format === 'csv') return sendDownload(res, productCsv(view), CSV_TYPE, productFilename(view, 'csv'));
  res.json(productJson(view));
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
