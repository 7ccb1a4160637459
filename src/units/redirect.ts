import type { Request, Response } from 'express';

/**
 * Redirects only once the session (with its flash message) is stored. express-session sends the
 * headers before its own save finishes, so on a database server the browser's next request could
 * otherwise read the session without the message.
 */
export function redirectSaved(req: Request, res: Response, url: string): void {
  // A failed save only loses the flash message; the redirect is still right.
  req.session.save(() => res.redirect(303, url));
}
