import session from 'express-session';
import type { Knex } from 'knex';

type Callback<T = void> = (err?: unknown, value?: T) => void;

/**
 * How far a session's stored expiry may lag behind its rolling cookie before a request writes it.
 * Sessions last eight hours after the last request; without this, every page view would be a
 * write (an UPDATE and a commit) — the heaviest statement of a read-only page during the rush.
 */
export const TOUCH_INTERVAL_MS = 5 * 60_000;

/** The expiry the row had when this request read it; a symbol, so it is never stored or hashed. */
const STORED_EXPIRY = Symbol('storedExpiry');
type WithStoredExpiry = session.SessionData & { [STORED_EXPIRY]?: number };

/**
 * Sessions in the `sessions` table, on PGlite and on a PostgreSQL server alike, so every app
 * instance sees every sign-in. One upsert per write; expired rows are ignored on read and
 * purged by the nightly job. A request that changes nothing writes its session only when the
 * stored expiry is more than TOUCH_INTERVAL_MS behind (so the server-side idle timeout is eight
 * hours, give or take five minutes).
 */
export class KnexSessionStore extends session.Store {
  constructor(private readonly knex: Knex) {
    super();
  }

  private expiry(sess: session.SessionData): Date {
    const exp = sess.cookie?.expires;
    return exp ? new Date(exp) : new Date(Date.now() + 86400_000);
  }

  get(sid: string, cb: Callback<session.SessionData | null>): void {
    this.knex('sessions').where({ sid }).where('expired', '>', new Date()).first('sess', 'expired')
      .then((row) => {
        if (!row) return cb(null, null);
        const sess = (typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess) as WithStoredExpiry;
        sess[STORED_EXPIRY] = new Date(row.expired).getTime();
        cb(null, sess);
      }, cb);
  }

  /** express-session copies the stored data into a Session; the stored expiry goes along, unseen. */
  createSession(req: Parameters<session.Store['createSession']>[0], sess: session.SessionData): session.Session & Partial<session.SessionData> {
    const stored = (sess as WithStoredExpiry)[STORED_EXPIRY];
    const created = super.createSession(req, sess);
    if (stored !== undefined) Object.defineProperty(created, STORED_EXPIRY, { value: stored, enumerable: false });
    return created;
  }

  set(sid: string, sess: session.SessionData, cb?: Callback): void {
    this.knex('sessions')
      .insert({ sid, sess: JSON.stringify(sess), expired: this.expiry(sess) })
      .onConflict('sid').merge()
      .then(() => cb?.(), (e) => cb?.(e));
  }

  touch(sid: string, sess: session.SessionData, cb?: Callback): void {
    const expired = this.expiry(sess);
    const stored = (sess as WithStoredExpiry)[STORED_EXPIRY];
    if (stored !== undefined && expired.getTime() - stored < TOUCH_INTERVAL_MS) {
      cb?.();
      return;
    }
    this.knex('sessions').where({ sid }).update({ expired }).then(() => cb?.(), (e) => cb?.(e));
  }

  destroy(sid: string, cb?: Callback): void {
    this.knex('sessions').where({ sid }).delete().then(() => cb?.(), (e) => cb?.(e));
  }
}
