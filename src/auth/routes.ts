import { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { db } from '../db.ts';
import { email, password, parseForm } from '../forms.ts';
import { findUserByEmail } from './users.ts';
import { verifyPassword, spendVerifyTime, hashPassword } from './passwords.ts';
import { requireUser, flash, currentUser, localPath } from './guards.ts';
import { audit, auditFrom } from '../audit.ts';
import { consumeActivationToken, consumeEmailProof, createActivationToken, findActivationToken, emailProofText, LINK_VALID_HOURS } from './activation.ts';
import { throttleKey, waitSeconds, recordFailure, clearFailures } from './throttle.ts';
import { weakPasswordReason } from './password-policy.ts';
import { mailConfigured, sendMail, afterAnswer } from '../mail.ts';
import { persianDigits } from '../text.ts';
import { endSessionsOf } from './session.ts';

const signInForm = z.object({ email: email(), password: z.string().min(1, 'گذرواژه را وارد کنید.').max(200, 'گذرواژه بیش از حد بلند است.') });
const changePasswordForm = z.object({ current: z.string().min(1, 'گذرواژه فعلی را وارد کنید.'), next: password('گذرواژه تازه') });
const activationForm = z.object({ password: password(), confirm: z.string() }).refine((v) => v.password === v.confirm, { message: 'دو گذرواژه یکسان نیستند.', path: ['confirm'], when: () => true });
const forgotForm = z.object({ email: email() });

const INVALID_LINK = { title: 'پیوند نامعتبر', message: 'این پیوند نامعتبر است، پیش‌تر به کار رفته یا منقضی شده است.' };
const waitText = (seconds: number) => (seconds >= 120 ? `${persianDigits(Math.ceil(seconds / 60))} دقیقه` : `${persianDigits(seconds)} ثانیه`);

function renderSignIn(res: Response, status: number, values: Record<string, unknown>, errors: Record<string, string>) {
  res.status(status).render('auth/login', { title: 'ورود', values, errors, next: localPath(values.next) ?? '' });
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
  const typed = { email: typeof req.body?.email === 'string' ? req.body.email.slice(0, 200) : '', next: localPath(req.body?.next) ?? '' };
  if (!parsed.ok) return renderSignIn(res, 422, typed, parsed.errors);
  const k = db();
  const refuse = 'پست الکترونیکی یا گذرواژه نادرست است.';
  // Counted per (typed email, address): the same answer for an account that exists and one that
  // does not, and a stranger elsewhere cannot lock the owner out (issue 12 §5).
  const key = throttleKey(parsed.data.email, req.ip);
  const wait = await waitSeconds(key);
  if (wait > 0) return renderSignIn(res, 429, typed, { _form: `از این نشانی برای این پست الکترونیکی چند بار گذرواژه نادرست وارد شده است. ${waitText(wait)} دیگر دوباره تلاش کنید، یا از «گذرواژه را فراموش کرده‌ام» استفاده کنید.` });
  const user = await findUserByEmail(parsed.data.email);
  const known = Boolean(user && user.active && user.password_hash);
  const good = known ? await verifyPassword(user!.password_hash, parsed.data.password) : (await spendVerifyTime(parsed.data.password), false);
  if (!good) {
    const delay = await recordFailure(key);
    if (known) await auditFrom(req, { action: delay > 0 ? 'auth.throttled' : 'auth.failed', target: `user:${user!.id}` });
    return renderSignIn(res, 401, typed, { _form: refuse });
  }
  const signedIn = user!;
  await clearFailures(key);
  if (!signedIn.email_verified_at) {
    // Only someone who knows the password learns this; the link goes to the email, never here.
    const mailed = await sendEmailProof(signedIn.id, signedIn.email);
    return renderSignIn(res, 403, typed, { _form: mailed
      ? 'پست الکترونیکی این حساب هنوز تأیید نشده است. پیوند تأیید تازه‌ای به همان نشانی فرستاده شد؛ آن را باز کنید و سپس وارد شوید.'
      : 'پست الکترونیکی این حساب هنوز تأیید نشده است. پیوند تأیید را از سازمان صنعت، معدن و تجارت استان خود بگیرید.' });
  }
  await k('users').where({ id: signedIn.id }).update({ failed_logins: 0, locked_until: null, last_login_at: k.fn.now() });
  const returnTo = localPath(req.body?.next);
  // A new session id on sign-in: a session id planted before sign-in is worth nothing after it.
  req.session.regenerate((err) => {
    if (err) return res.status(500).render('error', { title: 'خطا', message: 'ورود انجام نشد. دوباره تلاش کنید.' });
    req.session.userId = signedIn.id;
    req.session.save(async () => {
      await audit({ action: 'auth.sign_in', userId: signedIn.id, target: `user:${signedIn.id}`, ip: req.ip ?? null }).catch(() => undefined);
      res.redirect(303, returnTo ?? homeFor(signedIn.role));
    });
  });
}

/** A fresh email-proof link, mailed; false when no mail is configured (the province office hands it over). */
export async function sendEmailProof(userId: number, to: string): Promise<boolean> {
  if (!mailConfigured()) return false;
  const { url } = await createActivationToken(userId, db(), 'email');
  return sendMail(to, 'تأیید پست الکترونیکی در سامانه آمار تولید', emailProofText(url));
}

async function mailResetLink(email: string, ip: string | null): Promise<void> {
  const user = await findUserByEmail(email);
  if (!user || !user.active) return;
  const { url } = await createActivationToken(user.id, db(), 'reset');
  await audit({ action: 'user.password_reset_requested', target: `user:${user.id}`, ip });
  await sendMail(user.email, 'بازنشانی گذرواژه سامانه آمار تولید', `برای تعیین گذرواژه تازه این پیوند یک‌بار مصرف را باز کنید (تا ${persianDigits(LINK_VALID_HOURS.reset)} ساعت معتبر است):\n${url}\nاگر شما درخواست نکرده‌اید، این نامه را نادیده بگیرید؛ گذرواژه فعلی شما تغییر نکرده است.\n`);
}

/** Forgot password: the same page, in the same time, whether or not the account exists (issue 12 §5, issue 23 F6). */
async function requestReset(req: Request, res: Response) {
  const parsed = parseForm(forgotForm, req.body);
  const typed = { email: typeof req.body?.email === 'string' ? req.body.email.slice(0, 200) : '' };
  if (!parsed.ok) return res.status(422).render('auth/forgot', { title: 'فراموشی گذرواژه', values: typed, errors: parsed.errors, sent: false, mail: mailConfigured() });
  // Looked up, made and mailed after the answer: its time says nothing about the address (issue 23 F6).
  if (mailConfigured()) afterAnswer(res, () => mailResetLink(parsed.data.email, req.ip ?? null), 'password reset mail');
  res.render('auth/forgot', { title: 'فراموشی گذرواژه', values: typed, errors: {}, sent: true, mail: mailConfigured() });
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

  router.get('/login', (req, res) => (req.user ? res.redirect(303, homeFor(req.user.role)) : renderSignIn(res, 200, { next: req.query.next }, {})));
  router.post('/login', loginLimiter, signIn);
  router.get('/password-reset', (_req, res) => res.render('auth/forgot', { title: 'فراموشی گذرواژه', values: {}, errors: {}, sent: false, mail: mailConfigured() }));
  router.post('/password-reset', loginLimiter, requestReset);
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
    const weak = weakPasswordReason(parsed.data.next, user.email);
    if (weak) return res.status(422).render('auth/account', { title: 'حساب کاربری', values: {}, errors: { next: weak } });
    const hash = await hashPassword(parsed.data.next);
    await db().transaction(async (trx) => {
      await trx('users').where({ id: user.id }).update({ password_hash: hash });
      await endSessionsOf(trx, user.id, req.sessionID); // this session stays; every other one ends
      // …and so does every API token: the password may have been changed because it leaked.
      await trx('api_tokens').where({ user_id: user.id }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
      // …and every one-time link (issue 23 F8): a reset link in a leaked mailbox must not outlive the new password.
      await trx('activation_tokens').where({ user_id: user.id }).whereNull('used_at').update({ used_at: trx.fn.now() });
      await audit({ action: 'user.password_changed', userId: user.id, ip: req.ip ?? null, target: `user:${user.id}` }, trx);
    });
    flash(req, 'success', 'گذرواژه تغییر کرد.');
    res.redirect(303, '/account');
  });

  router.get('/activate/:token', async (req, res) => {
    const token = await findActivationToken(String(req.params.token));
    if (!token) return res.status(404).render('error', INVALID_LINK);
    res.render('auth/activate', { title: 'تعیین گذرواژه', email: token.email, values: {}, errors: {} });
  });
  router.post('/activate/:token', async (req, res) => {
    const token = await findActivationToken(String(req.params.token));
    if (!token) return res.status(404).render('error', INVALID_LINK);
    const parsed = parseForm(activationForm, req.body);
    const weak = parsed.ok ? weakPasswordReason(parsed.data.password, token.email) : null;
    if (!parsed.ok || weak) return res.status(422).render('auth/activate', { title: 'تعیین گذرواژه', email: token.email, values: {}, errors: parsed.ok ? { password: weak! } : parsed.errors });
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
  router.post('/email-confirmations/:token', async (req, res) => {
    const token = await findActivationToken(String(req.params.token), ['email']);
    if (!token) return res.status(404).render('error', INVALID_LINK);
    if (req.body?.confirm !== '1') return res.status(422).render('auth/confirm-email', { title: 'تأیید پست الکترونیکی', email: token.email, errors: { _form: 'برای تأیید، دکمه «تأیید پست الکترونیکی» را بزنید.' } });
    if (!(await consumeEmailProof(token.id, token.user_id))) return res.status(404).render('error', INVALID_LINK);
    await audit({ action: 'user.email_proven', userId: token.user_id, target: `user:${token.user_id}`, ip: req.ip ?? null });
    flash(req, 'success', 'پست الکترونیکی شما تأیید شد. اکنون با گذرواژه خود وارد شوید.');
    res.redirect(303, '/login');
  });
  return router;
}
