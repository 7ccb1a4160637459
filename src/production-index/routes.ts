import { Router, type Request, type Response } from 'express';
import { requireRole, currentUser, flash } from '../auth/guards.ts';
import { auditFrom } from '../audit.ts';
import { parseForm, type FieldErrors } from '../forms.ts';
import { loadSettings } from '../settings.ts';
import { latestDuePeriod, addMonths } from '../calendar.ts';
import { periodLabel } from '../calendar.ts';
import { sendDownload, CSV_TYPE, XLSX_TYPE } from '../export.ts';
import { heavy } from '../ops/heavy.ts';
import { LEGEND } from '../stats/releases/view.ts';
import { requestIndexComputation } from '../stats/jobs/requests.ts';
import { recentJobs } from '../stats/jobs/model.ts';
import { jobLocals } from '../stats/jobs/view.ts';
import { persianDigits } from '../text.ts';
import { viewerOf } from '../dissemination/embargo.ts';
import { publishComputation } from './model.ts';
import { revisionAnalysis } from './revisions.ts';
import { publicationForm, pageQuery } from './forms.ts';
import { indexTable, indexChartSvg, revisionTriangle, lastPublishedPeriod, indexCsv, indexXlsx, faIndex, faChange, TRIANGLE_NODES, MONTHS_SHOWN } from './view.ts';

// «شاخص تولید» (issue 16): the statistics office and the planning deputy read the published
// index; only the statistics office computes a month again and publishes a computation («نشر»).
export function productionIndexRouter(): Router {
  const router = Router();
  router.get('/stats/index', ...requireRole('stats_office', 'planning_deputy'), heavy(show));
  router.post('/stats/index/computations', ...requireRole('stats_office'), createComputation);
  router.post('/stats/index/publications', ...requireRole('stats_office'), heavy(createPublication, { perUser: 1 }));
  return router;
}

async function show(req: Request, res: Response, status = 200, errors: FieldErrors = {}) {
  const user = currentUser(req);
  const parsed = parseForm(pageQuery, req.query);
  const { rules } = await loadSettings();
  const latestDue = latestDuePeriod(new Date(), rules);
  const last = (await lastPublishedPeriod()) ?? latestDue;
  const month = parsed.ok ? parsed.data.month ?? last : last;
  const table = await indexTable(last);
  if (parsed.ok && parsed.data.format !== 'html') {
    await auditFrom(req, { action: 'stats.index_export', target: `index:${last}`, details: { format: parsed.data.format, last } });
    if (parsed.data.format === 'csv') return sendDownload(res, indexCsv(table), CSV_TYPE, `production_index_${last}.csv`);
    return sendDownload(res, await indexXlsx(table), XLSX_TYPE, `production_index_${last}.xlsx`);
  }
  await auditFrom(req, { action: 'stats.index_view', target: `index:${last}`, details: { last, triangle: month } });
  res.status(parsed.ok ? status : 422).render('production-index/index', {
    title: 'شاخص تولید', user, table, month, chart: table.rows.length ? indexChartSvg(table) : '',
    triangle: await revisionTriangle(month, undefined, viewerOf(user)), revisions: await revisionAnalysis(last), TRIANGLE_NODES, MONTHS_SHOWN, faIndex, faChange, LEGEND,
    choices: { from: addMonths(latestDue, -35), to: latestDue }, latestDue,
    errors: parsed.ok ? errors : { month: parsed.errors.month ?? parsed.errors.format ?? parsed.errors._form },
    canAct: user.role === 'stats_office',
    jobs: user.role === 'stats_office' ? await recentJobs('index') : [], ...jobLocals,
  });
}

async function createComputation(req: Request, res: Response) {
  // A computation is a job (DESIGN §7): queued here, computed by the worker, audited when stored.
  const out = await requestIndexComputation(req.body ?? {}, currentUser(req).id);
  if (!out.ok) return show(req, res, out.status, { period: out.errors.period ?? out.reason ?? undefined });
  flash(req, 'success', `محاسبه شاخص ${periodLabel(out.job.period)} در صف گذاشته شد (کار شماره ${persianDigits(out.job.id)}). پس از پایان، در جدول بازنگری‌ها دیده می‌شود؛ تا انتشار آن، ارقام منتشرشده تغییر نمی‌کنند.`);
  res.redirect(303, `/stats/index?month=${out.job.period}#jobs`);
}

async function createPublication(req: Request, res: Response) {
  const parsed = parseForm(publicationForm, req.body ?? {});
  if (!parsed.ok) return show(req, res, 422, { publication: parsed.errors.computation_id });
  const out = await publishComputation(parsed.data.computation_id, currentUser(req).id);
  if (!out.ok) return show(req, res, 422, { publication: out.reason });
  flash(req, 'success', `شاخص ${periodLabel(out.period)} نشر یافت.`);
  res.redirect(303, `/stats/index?month=${out.period}#triangle`);
}
