import type { Request, Response, NextFunction } from 'express';
import { log } from '../log.ts';

// One line per request when its answer is finished (or the client went away): request id, user,
// method, route pattern, status, duration. Never bodies, query strings, cookies or headers: they
// carry passwords, tokens, session ids and a unit's figures.

const QUIET = /^\/(assets\/|healthz$|readyz$|favicon\.ico$)/;

/** The matched route pattern (`/filings/:period`), or the bare path with opaque segments masked. */
export function routeOf(req: Request): string {
  if (req.route?.path && typeof req.route.path === 'string') return `${req.baseUrl}${req.route.path}`;
  const path = (req.originalUrl ?? req.url).split('?')[0].slice(0, 200);
  // An unmatched path may still carry a secret (an activation link mistyped): hide long segments.
  return path.split('/').map((s) => (s.length > 24 ? ':redacted' : s)).join('/');
}

export function requestLog(req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  let done = false;
  const write = (aborted: boolean) => {
    if (done) return;
    done = true;
    const line = {
      requestId: res.locals.requestId as string | undefined,
      userId: req.user?.id ?? null,
      method: req.method,
      route: routeOf(req),
      status: aborted ? null : res.statusCode,
      ms: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
      ...(aborted ? { aborted: true } : {}),
    };
    const level = QUIET.test(req.path) ? 'debug' : res.statusCode >= 500 ? 'warn' : 'info';
    log[level](line, 'request');
  };
  res.on('finish', () => write(false));
  res.on('close', () => write(!res.writableFinished));
  next();
}
