import crypto from 'node:crypto';
import session from 'express-session';
import { KnexSessionStore, SESSION_USER_ID } from './session-store.ts';
import type { Knex } from 'knex';
import { env } from '../env.ts';

const EIGHT_HOURS = 8 * 3600_000;

/** Sessions live in the database, so every app instance sees every sign-in. */
export function sessionMiddleware(k: Knex, opts: { secret?: string } = {}) {
  const store = new KnexSessionStore(k);
  const secret = opts.secret ?? env.SESSION_SECRET ?? devSecret();
  return session({
    name: 'psp.sid',
    secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    proxy: env.TRUST_PROXY === '1',
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: env.COOKIE_SECURE === 'auto' ? 'auto' : env.COOKIE_SECURE === 'true',
      maxAge: EIGHT_HOURS,
    },
  });
}

let generated: string | undefined;
function devSecret(): string {
  if (env.NODE_ENV === 'production') throw new Error('SESSION_SECRET must be set in production');
  generated ??= crypto.randomBytes(32).toString('hex');
  return generated;
}

/** Ends every session of a user but `exceptSid`: after a password change or reset, a session opened with the old password is worth nothing. */
export async function endSessionsOf(k: Knex, userId: number, exceptSid?: string): Promise<number> {
  const q = k('sessions').whereRaw(`${SESSION_USER_ID} = ?`, [String(userId)]);
  if (exceptSid) q.whereNot({ sid: exceptSid });
  return q.delete();
}

/** Deletes expired sessions; called by the nightly job rather than a timer in every instance. */
export async function purgeExpiredSessions(k: Knex): Promise<number> {
  return k('sessions').where('expired', '<', k.fn.now()).delete();
}
