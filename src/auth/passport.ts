import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Request } from 'express';
import { db } from '../db.ts';
import { normalizeEmail } from '../forms.ts';
import { persianDigits } from '../text.ts';
import { auditFrom } from '../audit.ts';
import { findUserByEmail, loadCurrentUser, type CurrentUser } from './users.ts';
import { verifyPassword, spendVerifyTime } from './passwords.ts';
import { throttleKey, waitSeconds, recordFailure, clearFailures } from './throttle.ts';
import { sendEmailProof } from './activation.ts';
import { userReadWith } from './session-store.ts';

// Sign-in through passport (the design card): the `local` strategy checks an email and password,
// the session keeps the user's id (`sess.passport.user`), and `req.login` starts a new session.
// Every rule of sign-in is in verifySignIn below; the routes only show its answer.

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // The signed-in user every handler sees as req.user.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends CurrentUser {}
  }
}

declare module 'express-session' {
  interface SessionData {
    passport?: { user?: number };
  }
}

/** Why a sign-in was refused: the status and the Persian message above the form. */
export interface SignInRefusal {
  message: string;
  status: 401 | 403 | 429;
}

// In whole minutes, rounded up: the wait of an account that exists and of one that does not, asked
// a moment apart, must read the same (in seconds, 30 and 29 told them apart on a busy server).
const waitText = (seconds: number) => `${persianDigits(Math.ceil(seconds / 60))} دقیقه`;

const WRONG: SignInRefusal = { status: 401, message: 'پست الکترونیکی یا گذرواژه نادرست است.' };

/**
 * An email and password → the user, or why not. Failures are counted per (typed email, address):
 * the same answer, in the same time (an argon2id verification either way), for an account that
 * exists and one that does not, and a stranger elsewhere cannot lock the owner out (issue 12 §5).
 */
export async function verifySignIn(req: Request, typedEmail: string, password: string): Promise<{ user: CurrentUser } | { refusal: SignInRefusal }> {
  const email = normalizeEmail(typedEmail);
  const key = throttleKey(email, req.ip);
  const wait = await waitSeconds(key);
  if (wait > 0) {
    return { refusal: { status: 429, message: `از این نشانی برای این پست الکترونیکی چند بار گذرواژه نادرست وارد شده است. ${waitText(wait)} دیگر دوباره تلاش کنید، یا از «گذرواژه را فراموش کرده‌ام» استفاده کنید.` } };
  }
  const user = await findUserByEmail(email);
  const known = user && user.active && user.password_hash ? user : undefined;
  const good = known ? await verifyPassword(known.password_hash, password) : (await spendVerifyTime(password), false);
  if (!known || !good) {
    const delay = await recordFailure(key);
    if (known) await auditFrom(req, { action: delay > 0 ? 'auth.throttled' : 'auth.failed', target: `user:${known.id}` });
    return { refusal: WRONG };
  }
  await clearFailures(key);
  if (!known.email_verified_at) {
    // Only someone who knows the password learns this; the link goes to the email, never here.
    const mailed = await sendEmailProof(known.id, known.email);
    return { refusal: { status: 403, message: mailed
      ? 'پست الکترونیکی این حساب هنوز تأیید نشده است. پیوند تأیید تازه‌ای به همان نشانی فرستاده شد؛ آن را باز کنید و سپس وارد شوید.'
      : 'پست الکترونیکی این حساب هنوز تأیید نشده است. پیوند تأیید را از سازمان صنعت، معدن و تجارت استان خود بگیرید.' } };
  }
  const k = db();
  await k('users').where({ id: known.id }).update({ failed_logins: 0, locked_until: null, last_login_at: k.fn.now() });
  const current = await loadCurrentUser(known.id);
  return current ? { user: current } : { refusal: WRONG };
}

/** The portal's one Passport: its own instance, so nothing else in the process can add a strategy to it. */
export const passport = new Passport();

passport.use('local', new LocalStrategy({ usernameField: 'email', passwordField: 'password', passReqToCallback: true }, (req, email, password, done) => {
  verifySignIn(req, email, password).then(
    (outcome) => ('user' in outcome ? done(null, outcome.user) : done(null, false, outcome.refusal)),
    (err: unknown) => done(err),
  );
}));

passport.serializeUser((user, done) => done(null, user.id));

// The user was read with the session, in the session's own query (session-store.ts); asked for
// again only for a session not read so. No active user of that id: signed out (passport drops the id).
passport.deserializeUser((req: Request, id: number, done: (err: unknown, user?: Express.User | false) => void) => {
  const read = userReadWith(req.session);
  if (read !== undefined) return done(null, read ?? false);
  loadCurrentUser(id).then((user) => done(null, user ?? false), (err: unknown) => done(err));
});
