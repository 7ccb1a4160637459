import type { Request, Response, NextFunction, RequestHandler } from 'express';
import type { CurrentUser, Role } from './users.ts';
import { NotFoundError } from '../errors.ts';

// Still imported from here by src/stats/routes.ts, until it imports errors.ts.
export { NotFoundError };

declare module 'express-session' {
  interface SessionData {
    csrfToken?: string;
    flash?: { kind: 'success' | 'danger' | 'info' | 'warning'; text: string }[];
  }
}

/** A path of this site to come back to after sign-in, or undefined (never another host: `//x`, `/\\x`). */
export function localPath(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 500 && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : undefined;
}

/**
 * A stranger is sent to sign in with the page it asked for in the address (`/login?next=…`), not
 * in a session: an anonymous visitor gets no session row (issue 23 F5, docs/security.md).
 */
export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return next();
  const back = req.method === 'GET' ? localPath(req.originalUrl) : undefined;
  res.redirect(303, back ? `/login?next=${encodeURIComponent(back)}` : '/login');
}

export const ROLE_PENDING_MESSAGE = 'نقش این حساب هنوز به تأیید نفر دوم (مدیر دیگری یا کارشناس همان استان) نرسیده است؛ تا آن زمان هیچ داده‌ای نشان داده نمی‌شود.';

/**
 * Role guard: a signed-in user of another role gets 404, as if the page did not exist. A role
 * still waiting for its second person (issue 23 F1) reaches nothing either.
 */
export function requireRole(...roles: Role[]): RequestHandler[] {
  return [
    requireUser,
    (req, res, next) => {
      if (req.user && roles.includes(req.user.role)) {
        if (!req.user.role_pending) return next();
        res.status(403).render('error', { title: 'نقش در انتظار تأیید', message: ROLE_PENDING_MESSAGE });
        return;
      }
      next(new NotFoundError());
    },
  ];
}

export function flash(req: Request, kind: 'success' | 'danger' | 'info' | 'warning', text: string): void {
  req.session.flash = [...(req.session.flash ?? []), { kind, text }];
}

/** The signed-in user, for handlers behind requireUser/requireRole. */
export function currentUser(req: Request): CurrentUser {
  if (!req.user) throw new NotFoundError();
  return req.user;
}

/** The province a province officer is scoped to (throws 404 for anyone else). */
export function officerProvince(req: Request): string {
  const u = currentUser(req);
  if (u.role !== 'province_officer' || u.role_pending || !u.province_code) throw new NotFoundError();
  return u.province_code;
}
