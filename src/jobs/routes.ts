import { Router, type Request, type Response } from 'express';
import { requireRole } from '../auth/guards.ts';
import { recentJobRuns } from './nightly.ts';

// DESIGN §11: the nightly job's runs, for the statistics office (and the admin).
export function jobsRouter(): Router {
  const router = Router();
  router.get('/stats/job-runs', requireRole('stats_office', 'admin'), index);
  return router;
}

async function index(_req: Request, res: Response) {
  res.render('jobs/runs', { title: 'اجرای شبانه', ...(await recentJobRuns()) });
}
