import { Router, type Request, type Response, type NextFunction } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { email, password, parseForm, formView, FormError, str } from '../forms.ts';
import { requireUser, flash, currentUser, localPath } from './guards.ts';
import { audit } from '../audit.ts';
import { consumeActivationToken, consumeEmailProof, findActivationToken, mailResetLink } from './activation.ts';
import { weakPasswordReason } from './password-policy.ts';
import { mailConfigured, afterAnswer } from '../mail.ts';
import { passport, type SignInRefusal } from './passport.ts';
import { changePassword } from './account.ts';

const signInForm = z.object({ email: email(), password: z.string().min(1, 'گذرواژه را وارد کنید.').max(200, 'گذرواژه بیش از حد بلند است.') });
const changePasswordForm = z.object({ current: z.string().min(1, 'گذرواژه فعلی را وارد کنید.'), next: password('گذرواژه تازه') });
const activationForm = z.object({ password: password(), confirm: z.string() }).refine((v) => v.password === v.confirm, { message: 'دو گذرواژه یکسان نیستند.', path: ['confirm'], when: () => true });
const forgotForm = z.object({ email: email() });

const INVALID_LINK = { title: 'پیوند نامعتبر', message: 'این پیوند نامعتبر است، پیش‌تر به کار رفته یا منقضی شده است.' };

function renderSignIn(res: Response, values: Record<string, unknown>) {
  res.render('auth/login', { title: 'ورود', values, errors: {}, next: localPath(values.next) ?? '' });
}

const signInView = formView('auth/login', (_req, _res, err) => ({ title: 'ورود', next: localPath(err.options.values?.next) ?? '' }));
const forgotView = formView('auth/forgot', () => ({ title: 'فراموشی گذرواژه', sent: false, mail: mailConfigured() }));
const activateView = formView('auth/activate', () => ({ title: 'تعیین گذرواژه' }));
const confirmEmailView = formView('auth/confirm-email', () => ({ title: 'تأیید پست الکترونیکی' }));

function homeFor(role: string): string {
  switch (role) {
    case 'unit_user': return '/dashboard';
    case 'province_officer': return '/province';
    case 'stats_office': return '/stats';
    case 'planning_deputy': return '/nominations/national';
    default: return '/admin/users';
  }
}

/**
 * The form is checked here; the account by passport's `local` strategy (passport.ts: throttling,
 * argon2id, equal time for unknown emails); `req.login` then starts a new session, so a session id
 * planted before sign-in is worth nothing after it.
 */
function signIn(req: Request, res: Response, next: NextFunction) {
  const parsed = parseForm(signInForm, req.body);
  const typed = { email: str(req.body?.email, 200), next: localPath(req.body?.next) ?? '' };
  if (!parsed.ok) throw new FormError(parsed.errors, { values: typed });
  const returnTo = localPath(req.body?.next);
  passport.authenticate('local', (err: unknown, user: Express.User | false, refusal?: SignInRefusal) => {
    if (err) return next(err);
    if (!user) return next(new FormError({ _form: refusal?.message ?? 'ورود انجام نشد.' }, { status: refusal?.status ?? 401, values: typed }));
    req.login(user, (loginErr: unknown) => {
      if (loginErr) return res.status(500).render('error', { title: 'خطا', message: 'ورود انجام نشد. دوباره تلاش کنید.' });
      audit({ action: 'auth.sign_in', userId: user.id, target: `user:${user.id}`, ip: req.ip ?? null }).catch(() => undefined)
        .then(() => res.redirect(303, returnTo ?? homeFor(user.role)));
    });
  })(req, res, next);
}

/** Forgot password: the same page, in the same time, whether or not the account exists (issue 12 §5, issue 23 F6). */
async function requestReset(req: Request, res: Response) {
  const parsed = parseForm(forgotForm, req.body);
  const typed = { email: str(req.body?.email, 200) };
  if (!parsed.ok) throw new FormError(parsed.errors, { values: typed });
  // Looked up, made and mailed after the answer: its time says nothing about the address (issue 23 F6).
  if (mailConfigured()) afterAnswer(res, () => mailResetLink(parsed.data.email, req.ip ?? null), 'password reset mail');
  res.render('auth/forgot', { title: 'فراموشی گذرواژه', values: typed, errors: {}, sent: true, mail: mailConfigured() });
}

/** Signing out ends the session on the server (passport's logout), and the browser forgets its cookie. */
function signOut(req: Request, res: Response, next: NextFunction) {
  req.logout((err: unknown) => {
    if (err) return next(err);
    req.session.destroy(() => {
      res.clearCookie('psp.sid');
      res.redirect(303, '/');
    });
  });
}

async function changeOwnPassword(req: Request, res: Response) {
  const user = currentUser(req);
  const parsed = parseForm(changePasswordForm, req.body);
  if (!parsed.ok) throw new FormError(parsed.errors, { values: {} });
  await changePassword(user, parsed.data, { keepSid: req.sessionID, ip: req.ip ?? null });
  flash(req, 'success', 'گذرواژه تغییر کرد.');
  res.redirect(303, '/account');
}

export function authRouter(opts: { loginLimit?: number } = {}): Router {
  const router = Router();
  const loginLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: opts.loginLimit ?? 50,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new FormError({ _form: 'تعداد تلاش‌های ورود از این نشانی زیاد است. چند دقیقه بعد دوباره تلاش کنید.' }, { status: 429, values: {} })),
  });

  router.get('/login', (req, res) => (req.user ? res.redirect(303, homeFor(req.user.role)) : renderSignIn(res, { next: req.query.next })));
  router.post('/login', signInView, loginLimiter, signIn);
  router.get('/password-reset', (_req, res) => res.render('auth/forgot', { title: 'فراموشی گذرواژه', values: {}, errors: {}, sent: false, mail: mailConfigured() }));
  router.post('/password-reset', forgotView, loginLimiter, requestReset);
  router.post('/logout', signOut);
  router.get('/home', requireUser, (req, res) => res.redirect(303, homeFor(currentUser(req).role)));

  router.get('/account', requireUser, (req, res) => res.render('auth/account', { title: 'حساب کاربری', values: {}, errors: {} }));
  router.post('/account/password', requireUser, formView('auth/account', () => ({ title: 'حساب کاربری' })), changeOwnPassword);

  router.get('/activate/:token', async (req, res) => {
    const token = await findActivationToken(String(req.params.token));
    if (!token) return res.status(404).render('error', INVALID_LINK);
    res.render('auth/activate', { title: 'تعیین گذرواژه', email: token.email, values: {}, errors: {} });
  });
  router.post('/activate/:token', activateView, async (req, res) => {
    const token = await findActivationToken(String(req.params.token));
    if (!token) return res.status(404).render('error', INVALID_LINK);
    const parsed = parseForm(activationForm, req.body);
    const weak = parsed.ok ? weakPasswordReason(parsed.data.password, token.email) : null;
    if (!parsed.ok || weak) throw new FormError(parsed.ok ? { password: weak! } : parsed.errors, { values: {}, locals: { email: token.email } });
    if (!(await consumeActivationToken(token.id, token.user_id, parsed.data.password))) return res.status(404).render('error', INVALID_LINK);
    await audit({ action: token.purpose === 'reset' ? 'user.password_reset_done' : 'user.activated', userId: token.user_id, target: `user:${token.user_id}`, ip: req.ip ?? null });
    flash(req, 'success', 'گذرواژه ثبت شد. اکنون می‌توانید وارد شوید.');
    res.redirect(303, '/login');
  });
  // Proving an email is a POST behind a button: mail scanners that open every link prove nothing.
  router.get('/email-confirmations/:token', async (req, res) => {
    const token = await findActivationToken(String(req.params.token), ['email']);
    if (!token) return res.status(404).render('error', INVALID_LINK);
    res.render('auth/confirm-email', { title: 'تأیید پست الکترونیکی', email: token.email });
  });
  router.post('/email-confirmations/:token', confirmEmailView, async (req, res) => {
    const token = await findActivationToken(String(req.params.token), ['email']);
    if (!token) return res.status(404).render('error', INVALID_LINK);
    if (req.body?.confirm !== '1') throw new FormError({ _form: 'برای تأیید، دکمه «تأیید پست الکترونیکی» را بزنید.' }, { values: {}, locals: { email: token.email } });
    if (!(await consumeEmailProof(token.id, token.user_id))) return res.status(404).render('error', INVALID_LINK);
    await audit({ action: 'user.email_proven', userId: token.user_id, target: `user:${token.user_id}`, ip: req.ip ?? null });
    flash(req, 'success', 'پست الکترونیکی شما تأیید شد. اکنون با گذرواژه خود وارد شوید.');
    res.redirect(303, '/login');
  });
  return router;
}
