import express, { Router, type Request, type Response, type NextFunction } from 'express';
import { rateLimit } from 'express-rate-limit';
import { bearerAuth, apiError } from './auth.ts';
import { filingsApiRouter } from '../filings/api.ts';
import { eligibilityApiRouter } from '../eligibility/api.ts';
import { statsApiRouter } from '../stats/api.ts';
import { productionIndexApiRouter } from '../production-index/api.ts';
import { apiDocsRouter } from './docs.ts';
import { publicCalendarApiRouter, sdmxApiRouter } from '../dissemination/api.ts';
import { log } from '../log.ts';

// The token API: no session, no CSRF; bearer tokens, rate-limited per token.
export function apiRouter(opts: { limit?: number } = {}): Router {
  const router = Router();
  router.use(apiDocsRouter());
  // The release calendar is public, as the SDDS asks: no token (issue 27).
  router.use('/v1', publicCalendarApiRouter());
  const v1 = Router();
  // The token first: a body is read and parsed only for a caller the API knows (issue 12 §8).
  v1.use(bearerAuth);
  v1.use((_req, res, next) => { res.setHeader('Cache-Control', 'no-store'); next(); });
  v1.use(express.json({ limit: '256kb' }));
  v1.use(rateLimit({
    windowMs: 60_000,
    limit: opts.limit ?? 600,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => `user:${req.user?.id ?? 'anon'}`,
    handler: (_req, res) => apiError(res, 429, 'rate_limited', 'تعداد درخواست‌ها بیش از حد مجاز است. کمی بعد دوباره تلاش کنید.'),
  }));
  v1.use(filingsApiRouter());
  v1.use(eligibilityApiRouter());
  v1.use(statsApiRouter());
  v1.use(productionIndexApiRouter());
  v1.use(sdmxApiRouter());
  v1.use((_req, res) => apiError(res, 404, 'not_found', 'یافت نشد.'));
  v1.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err === 'object' && err && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (status === 400) return apiError(res, 400, 'bad_request', 'بدنه درخواست JSON معتبر نیست.');
    if (status === 413) return apiError(res, 413, 'too_large', 'بدنه درخواست بیش از حد بزرگ است.');
    log.error({ err, requestId: res.locals.requestId, route: req.route?.path, userId: req.user?.id }, 'api error');
    apiError(res, 500, 'internal', `خطای داخلی. شناسه پیگیری: ${res.locals.requestId}`);
  });
  router.use('/v1', v1);
  return router;
}
