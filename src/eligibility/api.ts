import { Router, type Request, type Response } from 'express';
import { apiRole, apiError } from '../api/auth.ts';
import { loadSettings } from '../settings.ts';
import { standings } from './model.ts';
import { actingUnit } from '../acting-unit.ts';

// GET /api/v1/status: the unit's own standing (DESIGN §4), ratios 0–1.
export function eligibilityApiRouter(): Router {
  const router = Router();
  router.get('/status', apiRole('unit_user'), status);
  return router;
}

async function status(req: Request, res: Response) {
  // A user acting for several units picks one with ?unit_id=; otherwise their first approved unit.
  const unit = actingUnit(req, { approvedOnly: true, asked: req.query.unit_id });
  if (!unit) return apiError(res, 404, 'not_found', 'یافت نشد.');
  const [s] = await standings([unit], new Date(), (await loadSettings()).rules);
  res.json({
    unit_id: unit.id,
    status: unit.status,
    missing_periods: s.record.missing_periods,
    eligible: s.verdict.eligible,
    completeness: s.record.completeness,
    timeliness: s.record.timeliness,
  });
}
