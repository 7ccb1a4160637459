import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { db } from '../db.ts';
import { email, password, parseForm } from '../forms.ts';
import { findUserByEmail } from './users.ts';
import { verifyPassword, spendVerifyTime, hashPassword } from './passwords.ts';
import { requireUser, flash, currentUser } from './guards.ts';
import { audit, auditFrom } from '../audit.ts';
import { consumeActivationToken, findActivationToken } from './activation.ts';
import { endSessionsOf } from './session.ts';

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;

const signInForm = z.object({ email: email(), password: z.string().min(1, 'گذرواژه را وارد کنید.').max(200, 'گذرواژه بیش از حد بلند است.') });
const changePasswordForm = z.object({ current: z.string().min(1, 'گذرواژه فعلی را وارد کنید.'), next: password('گذرواژه تازه') });
const activationForm = z.object({ password: password(), confirm: z.string() }).refine((v) => v.password === v.confirm, { message: 'دو گذرواژه یکسان نیستند.', path: ['confirm'], when: () => true });

function renderSignIn(res: Response, status: number, values: Record<string, unknown>, errors: Record<string, string>) {
  res.status(status).render('auth/login', { title: 'ورود', values, errors });
}

function homeFor(role: string): string {
  switch (role) {
    case 'unit_user': return '/dashboard';
    case 'province_officer': return '/province';
    case 'stats_office': return '/stats';
    case 'planning_deputy': return '/nominations/national';
    default: return '/admin/users';
  }
}

async function signIn(req: Request, res: Response) {
  const parsed = parseForm(signInForm, req.body);
  const typed = { email: typeof req.body?.email === 'string' ? req.body.email.slice(0, 200) : '' };
  if (!parsed.ok) return renderSignIn(res, 422, typed, parsed.errors);
  const k = db();
  const user = await findUserByEmail(parsed.data.email);
  const refuse = 'پست الکترونیکی یا گذرواژه نادرست است.';
  if (!user || !user.active || !user.password_hash) {
    await spendVerifyTime(parsed.data.password);
    return renderSignIn(res, 401, typed, { _form: refuse });
  }
  if (user.locked_until && user.locked_until > new Date()) {
    return renderSignIn(res, 429, typed, { _form: `به دلیل چند تلاش ناموفق، ورود به این حساب تا ${LOCK_MINUTES} دقیقه بسته است. بعداً دوباره تلاش کنید.` });
  }
  if (!(await verifyPassword(user.password_hash, parsed.data.password))) {
    const failed = user.failed_logins + 1;
    const lock = failed >= MAX_FAILED_LOGINS;
    await k('users').where({ id: user.id }).update({
      failed_logins: lock ? 0 : failed,
      locked_until: lock ? new Date(Date.now() + LOCK_MINUTES * 60_000) : null,
    });
    await auditFrom(req, { action: lock ? 'auth.locked' : 'auth.failed', target: `user:${user.id}` });
    return renderSignIn(res, 401, typed, { _form: refuse });
  }
  await k('users').where({ id: user.id }).update({ failed_logins: 0, locked_until: null, last_login_at: k.fn.now() });
  const returnTo = req.session.returnTo;
  // A new session id on sign-in: a session id planted before sign-in is worth nothing after it.
  req.session.regenerate((err) => {
    if (err) return res.status(500).render('error', { title: 'خطا', message: 'ورود انجام نشد. دوباره تلاش کنید.' });
    req.session.userId = user.id;
    req.session.save(async () => {
      await audit({ action: 'auth.sign_in', userId: user.id, target: `user:${user.id}`, ip: req.ip ?? null }).catch(() => undefined);
      res.redirect(303, returnTo && returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : homeFor(user.role));
    });
  });
}

export function authRouter(opts: { loginLimit?: number } = {}): Router {
  const router = Router();
  const loginLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: opts.loginLimit ?? 50,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => renderSignIn(res, 429, {}, { _form: 'تعداد تلاش‌های ورود از این نشانی زیاد است. چند دقیقه بعد دوباره تلاش کنید.' }),
  });

  router.get('/login', (req, res) => (req.user ? res.redirect(303, homeFor(req.user.role)) : renderSignIn(res, 200, {}, {})));
  router.post('/login', loginLimiter, signIn);
  router.post('/logout', (req, res) => {
    req.session.destroy(() => {
      res.clearCookie('psp.sid');
      res.redirect(303, '/');
    });
  });
  router.get('/home', requireUser, (req, res) => res.redirect(303, homeFor(currentUser(req).role)));

  router.get('/account', requireUser, (req, res) => res.render('auth/account', { title: 'حساب کاربری', values: {}, errors: {} }));
  router.post('/account/password', requireUser, async (req, res) => {
    const user = currentUser(req);
    const parsed = parseForm(changePasswordForm, req.body);
    if (!parsed.ok) return res.status(422).render('auth/account', { title: 'حساب کاربری', values: {}, errors: parsed.errors });
    const row = await db()('users').where({ id: user.id }).first('password_hash');
    if (!(await verifyPassword(row?.password_hash ?? null, parsed.data.current))) {
      return res.status(422).render('auth/account', { title: 'حساب کاربری', values: {}, errors: { current: 'گذرواژه فعلی نادرست است.' } });
    }
    await db()('users').where({ id: user.id }).update({ password_hash: await hashPassword(parsed.data.next) });
    await endSessionsOf(db(), user.id, req.sessionID); // this session stays; every other one ends
    flash(req, 'success', 'گذرواژه تغییر کرد.');
    res.redirect(303, '/account');
  });

  router.get('/activate/:token', async (req, res) => {
    const token = await findActivationToken(String(req.params.token));
    if (!token) return res.status(404).render('error', { title: 'پیوند نامعتبر', message: 'این پیوند فعال‌سازی نامعتبر است، پیش‌تر به کار رفته یا منقضی شده است.' });
    res.render('auth/activate', { title: 'تعیین گذرواژه', email: token.email, values: {}, errors: {} });
  });
  router.post('/activate/:token', async (req, res) => {
    const token = await findActivationToken(String(req.params.token));
    if (!token) return res.status(404).render('error', { title: 'پیوند نامعتبر', message: 'این پیوند فعال‌سازی نامعتبر است، پیش‌تر به کار رفته یا منقضی شده است.' });
    const parsed = parseForm(activationForm, req.body);
    if (!parsed.ok) return res.status(422).render('auth/activate', { title: 'تعیین گذرواژه', email: token.email, values: {}, errors: parsed.errors });
    await consumeActivationToken(token.id, token.user_id, parsed.data.password);
    flash(req, 'success', 'گذرواژه ثبت شد. اکنون می‌توانید وارد شوید.');
    res.redirect(303, '/login');
  });
  return router;
}
