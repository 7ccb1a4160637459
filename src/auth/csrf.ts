import crypto from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';

// Synchroniser token per session, checked on every state-changing request outside the token API.
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfToken(req: Request): string {
  req.session.csrfToken ??= crypto.randomBytes(24).toString('base64url');
  return req.session.csrfToken;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export class CsrfError extends Error {}

export function csrfProtection(req: Request, res: Response, next: NextFunction): void {
  if (SAFE.has(req.method)) {
    res.locals.csrfToken = csrfToken(req);
    return next();
  }
  const sent = (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>)._csrf : undefined) ?? req.get('x-csrf-token');
  const expected = req.session.csrfToken;
  if (typeof sent !== 'string' || !expected || !sameToken(sent, expected)) return next(new CsrfError());
  res.locals.csrfToken = expected;
  next();
}
