import { Router, type Request, type Response } from 'express';
import { apiRole, apiError } from '../api/auth.ts';
import { auditFrom } from '../audit.ts';
import { parseForm } from '../forms.ts';
import { heavy } from '../ops/heavy.ts';
import { periodLabel } from '../calendar.ts';
import { apiQuery } from './forms.ts';
import { indexJson } from './view.ts';
import { requestIndexComputation } from '../stats/jobs/requests.ts';
import { cancelRoute, jobRoute, queuedBody } from '../stats/api.ts';

// GET /api/v1/stats/index?period=P&level=division: one month's published index for the
// statistics office's own tools (the same published cells as the page). Other roles get 404.
export function productionIndexApiRouter(): Router {
  const router = Router();
  // The planning deputy reads the published index on its page, and so through the API (issue 27).
  router.get('/stats/index', apiRole('stats_office', 'planning_deputy'), heavy(show));
  // A computation is a job (DESIGN §7): 202 with the job's address.
  router.post('/stats/index/computations', apiRole('stats_office'), createComputation);
  router.get('/stats/index/jobs/:id', apiRole('stats_office'), jobRoute('index'));
  router.post('/stats/index/jobs/:id/cancellation', apiRole('stats_office'), cancelRoute('index'));
  return router;
}

async function createComputation(req: Request, res: Response): Promise<void> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const out = await requestIndexComputation({ period: body.period }, req.user!.id);
  if (!out.ok) {
    const code = out.status === 409 ? 'duplicate_job' : out.status === 429 ? 'too_many_jobs' : 'invalid_request';
    const fields = Object.fromEntries(Object.entries(out.errors).map(([key, message]) => [key, { code: 'invalid', message }]));
    return apiError(res, out.status, code, out.reason ?? Object.values(out.errors)[0] ?? 'درخواست معتبر نیست.', fields);
  }
  res.status(202).json(queuedBody(out.job, 'index'));
}

async function show(req: Request, res: Response): Promise<void> {
  const parsed = parseForm(apiQuery, req.query);
  if (!parsed.ok) {
    const fields = Object.fromEntries(Object.entries(parsed.errors).map(([key, message]) => [key, { code: 'invalid', message }]));
    return apiError(res, 422, 'invalid_query', 'پارامترهای درخواست معتبر نیستند.', fields);
  }
  // A month not yet published answers with no publication and no cells (404 is kept for other roles).
  const body = (await indexJson(parsed.data.period, parsed.data.level)) ?? { period: parsed.data.period, publication: null, base: 100, cells: [], message: `شاخص تولید ${periodLabel(parsed.data.period)} هنوز منتشر نشده است.` };
  await auditFrom(req, { action: 'stats.index_api', target: `index:${parsed.data.period}`, details: { period: parsed.data.period, level: parsed.data.level } });
  res.json(body);
}
