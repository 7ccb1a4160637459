import type { Request, Response, NextFunction, RequestHandler } from 'express';
import type { Knex } from 'knex';
import { db } from '../db.ts';
import { log } from '../log.ts';

/**
 * The guard of heavy requests (issue 12 §4): reports, exports, anything whose cost grows with
 * the country rather than with one unit. Two parts, used together:
 *
 * - `heavy(handler)` wraps a route handler: at most heavyLimits.perUser of them run at once per user
 *   (per address when signed out), in this instance; one more is answered 429 with a Persian
 *   message at once, without touching the database. A slot is held until the handler's work has
  finished, whatever the client does (hanging up neither frees it early nor keeps it). A statement cut off by the timeout below is
 *   answered 503 with a Persian message instead of a generic error page.
 * - `withStatementTimeout(fn)` runs `fn` in a transaction with `SET LOCAL statement_timeout`, so
 *   PostgreSQL itself cancels a statement that runs too long (PGlite accepts the setting but has
 *   no timer to enforce it: there the per-user cap is the guard). Give it only the queries: the
 *   transaction holds a connection (PGlite has one), so anything inside must use the `k` passed in,
 *   never db().
 *
 * For a route elsewhere (e.g. the statistics aggregates):
 *
 *   router.get('/stats/aggregates', ...guards, heavy(async (req, res) => {
 *     const table = await withStatementTimeout((k) => buildAggregateTable(q, k));
 *     …render or send…
 *   }));
 */

/** The limits; an operator (or a test) may lower them at start-up. */
export const heavyLimits = { perUser: 2, statementTimeoutMs: 20_000 };

export const BUSY_MESSAGE = 'درخواست سنگین دیگری از شما هنوز در حال آماده شدن است. پس از پایان آن دوباره تلاش کنید.';
export const TIMEOUT_MESSAGE = 'آماده کردن این گزارش بیش از زمان مجاز طول کشید و متوقف شد. بازه یا جزئیات کمتری بخواهید، یا کمی بعد دوباره تلاش کنید.';

/** PostgreSQL's "canceling statement due to statement timeout" as an expected error. */
export class HeavyTimeoutError extends Error {
  readonly status = 503;
  constructor() {
    super('statement timeout');
  }
}

const running = new Map<string, number>();
const keyOf = (req: Request) => (req.user ? `user:${req.user.id}` : `ip:${req.ip ?? ''}`);

/** How many heavy requests this key has running now (tests and the ops log read it). */
export const heavyRunning = (key: string): number => running.get(key) ?? 0;

/** Takes a slot for `key`; undefined when it already has `limit` running. */
export function takeHeavySlot(key: string, limit = heavyLimits.perUser): (() => void) | undefined {
  const n = running.get(key) ?? 0;
  if (n >= limit) return undefined;
  running.set(key, n + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (running.get(key) ?? 1) - 1;
    if (left <= 0) running.delete(key);
    else running.set(key, left);
  };
}

function refuse(req: Request, res: Response, status: 429 | 503, message: string): void {
  if (status === 429) res.setHeader('Retry-After', '10');
  if (req.originalUrl.startsWith('/api/')) {
    res.status(status).json({ error: { code: status === 429 ? 'busy' : 'timeout', message } });
    return;
  }
  res.status(status).render('error', { title: status === 429 ? 'درخواست هم‌زمان زیاد' : 'زمان مجاز گذشت', message });
}

export function heavy(handler: (req: Request, res: Response) => Promise<unknown>, opts: { perUser?: number } = {}): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const release = takeHeavySlot(keyOf(req), opts.perUser ?? heavyLimits.perUser);
    if (!release) return refuse(req, res, 429, BUSY_MESSAGE);
    // The slot is the work's, not the connection's (issue 23 F3/F3b): a client that hangs up keeps
    // it taken until the handler has finished (its statements are still running on the server), and
    // a hang-up before this line can no longer leak it — it is freed here and only here.
    try {
      await handler(req, res);
    } catch (e) {
      if (e instanceof HeavyTimeoutError && !res.headersSent) {
        log.warn({ requestId: res.locals.requestId, route: req.route?.path, userId: req.user?.id }, 'heavy request cut off by statement timeout');
        return refuse(req, res, 503, TIMEOUT_MESSAGE);
      }
      next(e);
    } finally {
      release();
    }
  };
}

/** Runs `fn`'s queries under a statement timeout (see the top of this file). */
export async function withStatementTimeout<T>(fn: (k: Knex) => Promise<T>, ms = heavyLimits.statementTimeoutMs, k: Knex = db()): Promise<T> {
  try {
    return await k.transaction(async (trx) => {
      await trx.raw(`set local statement_timeout = ${Math.max(1, Math.floor(ms))}`);
      return fn(trx);
    });
  } catch (e) {
    if (e && typeof e === 'object' && (e as { code?: string }).code === '57014') throw new HeavyTimeoutError();
    throw e;
  }
}
