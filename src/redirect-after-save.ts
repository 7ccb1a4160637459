import type { Request, Response, NextFunction } from 'express';

// The one patch of Express's response (issue 13). express-session sends a redirect before its
// own save of the session has finished; on a database server the browser's next request could
// then read the session without the flash message just set. So a redirect with a flash message
// waits for the save. It relies on Express 5's `res.redirect(url)` / `res.redirect(status, url)`
// and on express-session's `req.session.save(callback)`: test/redirect-after-save.test.ts checks
// both, so that an upgrade of either fails a test, not production.

export function redirectAfterSessionSave(req: Request, res: Response, next: NextFunction): void {
  const redirect = res.redirect.bind(res) as (status: number, url: string) => void;
  res.redirect = ((a: number | string, b?: string | number) => {
    const [status, url] = typeof a === 'number' ? [a, String(b)] : [typeof b === 'number' ? b : 302, a];
    if (req.session?.flash?.length) req.session.save(() => redirect(status, url));
    else redirect(status, url);
  }) as typeof res.redirect;
  next();
}
