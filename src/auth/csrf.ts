import crypto from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';
import { env } from '../env.ts';

// Synchroniser token, checked on every state-changing request outside the token API.
//
// A session keeps its token, but an anonymous visitor has no session, and none is made for
// them (issue 12 §8: a session row only when something is stored in it). Their token is tied to
// a cookie of their own instead: `psp.csrf` holds a random value, the form carries its HMAC
// under the instance's secret. A page from elsewhere can neither read the cookie nor compute
// the HMAC.
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_COOKIE = 'psp.csrf';

let processKey: string | undefined;
const key = () => env.SESSION_SECRET ?? (processKey ??= crypto.randomBytes(32).toString('hex'));
const hmac = (value: string) => crypto.createHmac('sha256', key()).update(`csrf:${value}`).digest('base64url');

function cookieValue(req: Request): string | undefined {
  const raw = req.headers.cookie;
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === CSRF_COOKIE) {
      const v = rest.join('=');
      return /^[A-Za-z0-9_-]{32}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

/** The token for this request's forms: the session's when there is one, else the visitor cookie's. */
export function csrfToken(req: Request, res?: Response): string {
  if (req.session?.passport?.user !== undefined || req.session?.csrfToken) {
    req.session.csrfToken ??= crypto.randomBytes(24).toString('base64url');
    return req.session.csrfToken;
  }
  let value = cookieValue(req);
  if (!value) {
    value = crypto.randomBytes(24).toString('base64url');
    res?.cookie(CSRF_COOKIE, value, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: env.COOKIE_SECURE === 'true' || (env.COOKIE_SECURE === 'auto' && req.secure),
    });
  }
  return hmac(value);
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export class CsrfError extends Error {}

export function csrfProtection(req: Request, res: Response, next: NextFunction): void {
  if (SAFE.has(req.method)) {
    // Made only when a page asks for it (a form), so a page without one sets no cookie.
    let token: string | undefined;
    Object.defineProperty(res.locals, 'csrfToken', { configurable: true, enumerable: true, get: () => (token ??= csrfToken(req, res)) });
    return next();
  }
  const sent = (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>)._csrf : undefined) ?? req.get('x-csrf-token');
  const fromSession = req.session?.csrfToken;
  const visitor = cookieValue(req);
  const expected = fromSession ?? (visitor ? hmac(visitor) : undefined);
  if (typeof sent !== 'string' || !expected || !sameToken(sent, expected)) return next(new CsrfError());
  res.locals.csrfToken = expected;
  next();
}
