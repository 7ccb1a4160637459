import crypto from 'node:crypto';
import path from 'node:path';
import express, { type Request, type Response, type NextFunction } from 'express';
import helmet from 'helmet';
import compression from 'compression';
import { db } from './db.ts';
import { env } from './env.ts';
import { log } from './log.ts';
import { viewHelpers, ASSET_VERSION } from './views.ts';
import { sessionMiddleware } from './auth/session.ts';
import { csrfProtection, CsrfError } from './auth/csrf.ts';
import { passport } from './auth/passport.ts';
import { NotFoundError } from './errors.ts';
import { FormError, formErrorPage } from './forms.ts';
import { authRouter } from './auth/routes.ts';
import { accountTokensRouter } from './account/tokens.ts';
import { homeRouter } from './home/routes.ts';
import { unitsRouter } from './units/routes.ts';
import { adminRouter } from './admin/routes.ts';
import { accessRouter } from './access/routes.ts';
import { filingsRouter } from './filings/routes.ts';
import { apiRouter } from './api/routes.ts';
import { verificationsRouter } from './verifications/routes.ts';
import { provinceUnitsRouter } from './province/routes.ts';
import { eligibilityRouter } from './eligibility/routes.ts';
import { statsRouter } from './stats/routes.ts';
import { productionIndexRouter } from './production-index/routes.ts';
import { disseminationRouter } from './dissemination/routes.ts';
import { nominationsRouter } from './nominations/routes.ts';
import { catalogueRouter } from './catalogue/routes.ts';
import { validationRulesRouter } from './validation-rules/routes.ts';
import { jobsRouter } from './jobs/routes.ts';
import { opsRouter } from './ops/routes.ts';
import { requestLog } from './ops/request-log.ts';
import { redirectAfterSessionSave } from './redirect-after-save.ts';

const root = path.resolve(import.meta.dirname, '..');

export interface AppOptions {
  sessionSecret?: string;
  loginLimit?: number;
  /** Registrations per address per hour (REGISTRATIONS_PER_HOUR by default). */
  registerLimit?: number;
  /** Registration forms per address per hour, refused ones included (REGISTRATION_ATTEMPTS_PER_HOUR). */
  registerAttemptLimit?: number;
  apiLimit?: number;
  /** The instant the nomination pages judge their window at (default: the clock). */
  now?: () => Date;
}

export function createApp(opts: AppOptions = {}): express.Express {
  const app = express();
  app.set('views', path.join(root, 'views'));
  app.set('view engine', 'ejs');
  app.set('trust proxy', env.TRUST_PROXY === '1' ? 1 : false);
  app.disable('x-powered-by');
  Object.assign(app.locals, viewHelpers);

  app.use((req, res, next) => {
    const id = req.get('x-request-id')?.slice(0, 64) || crypto.randomUUID();
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    next();
  });
  app.use(requestLog);
  app.use(compression());
  app.use(helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    strictTransportSecurity: false,
  }));

  // Self-hosted assets: ministry networks are closed, nothing comes from a CDN. Pages link them
  // under /assets/<version>/ (a hash of their contents, views.ts): cached for a year, and a new
  // release of any of them is a new address. The unversioned paths stay, cached for an hour.
  const serveAssets = (prefix: string, opts: { maxAge: string; immutable: boolean }) => {
    app.use(`${prefix}/bootstrap`, express.static(path.join(root, 'node_modules/bootstrap/dist'), opts));
    app.use(`${prefix}/vazirmatn`, express.static(path.join(root, 'node_modules/vazirmatn'), opts));
    app.use(prefix, express.static(path.join(root, 'public'), opts));
  };
  serveAssets(`/assets/${ASSET_VERSION}`, { maxAge: '365d', immutable: true });
  serveAssets('/assets', { maxAge: '1h', immutable: false });

  app.use(opsRouter());
  app.use('/api', apiRouter({ limit: opts.apiLimit }));

  app.use(express.urlencoded({ extended: true, limit: '1mb', parameterLimit: 5000 }));
  app.use(sessionMiddleware(db(), { secret: opts.sessionSecret }));
  // The signed-in user (passport: the id in the session, the user read with it, session-store.ts).
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(csrfProtection);
  app.use((req, res, next) => {
    res.locals.user = req.user;
    // A signed-in page may carry a unit's figures: never kept by a browser or a proxy (issue 12 §8).
    if (req.user) res.setHeader('Cache-Control', 'no-store');
    res.locals.path = req.path;
    res.locals.flash = req.session.flash ?? [];
    res.locals.title = 'سامانه آمار تولید';
    if (req.session.flash) delete req.session.flash;
    next();
  });
  app.use(redirectAfterSessionSave);

  app.use(authRouter({ loginLimit: opts.loginLimit }));
  app.use(accountTokensRouter());
  app.use(homeRouter());
  app.use(unitsRouter({ registerLimit: opts.registerLimit, registerAttemptLimit: opts.registerAttemptLimit }));
  app.use(adminRouter());
  app.use(accessRouter());
  app.use(filingsRouter());
  app.use(verificationsRouter());
  app.use(provinceUnitsRouter());
  app.use(eligibilityRouter());
  app.use(disseminationRouter());
  app.use(statsRouter());
  app.use(productionIndexRouter());
  app.use(nominationsRouter({ now: opts.now }));
  app.use(catalogueRouter());
  app.use(validationRulesRouter());
  app.use(jobsRouter());

  app.use((_req, _res, next) => next(new NotFoundError()));
  app.use(errorHandler);
  return app;
}

function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  if (res.headersSent) return;
  if (err instanceof FormError) {
    // An expected failure: the view the route named, again, with what was typed and why not.
    formErrorPage(err, req, res).then((page) => {
      if (!page) return unexpected(err, req, res);
      res.status(page.status).render(page.view, page.locals);
    }).catch((e: unknown) => (e instanceof FormError ? unexpected(e, req, res) : errorHandler(e, req, res, _next)));
    return;
  }
  if (err instanceof NotFoundError) {
    res.status(404).render('error', { title: 'یافت نشد', message: 'صفحه یا اطلاعاتی که خواستید یافت نشد.' });
    return;
  }
  if (err instanceof CsrfError) {
    res.status(403).render('error', { title: 'درخواست نامعتبر', message: 'فرم منقضی شده یا از این سامانه ارسال نشده است. صفحه را دوباره باز کنید و دوباره بفرستید.' });
    return;
  }
  const status = typeof err === 'object' && err && 'status' in err && typeof err.status === 'number' ? err.status : 500;
  if (status >= 400 && status < 500) {
    res.status(status).render('error', { title: 'درخواست نامعتبر', message: 'درخواست قابل پردازش نبود. ورودی‌ها را بررسی کنید.' });
    return;
  }
  unexpected(err, req, res);
}

function unexpected(err: unknown, req: Request, res: Response): void {
  log.error({ err, requestId: res.locals.requestId, route: req.route?.path, userId: req.user?.id }, 'unhandled error');
  if (res.headersSent) return;
  res.status(500).render('error', { title: 'خطا', message: `خطایی پیش آمد و ثبت شد. اگر تکرار شد، این شناسه را به پشتیبانی بدهید: ${res.locals.requestId}` });
}
