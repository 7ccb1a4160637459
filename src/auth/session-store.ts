import session from 'express-session';
import type { Knex } from 'knex';

type Callback<T = void> = (err?: unknown, value?: T) => void;

/**
 * Sessions in the `sessions` table, on PGlite and on a PostgreSQL server alike, so every app
 * instance sees every sign-in. One upsert per write; expired rows are ignored on read and
 * purged by the nightly job.
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
    this.knex('sessions').where({ sid }).where('expired', '>', new Date()).first('sess')
      .then((row) => cb(null, row ? (typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess) : null), cb);
  }

  set(sid: string, sess: session.SessionData, cb?: Callback): void {
    this.knex('sessions')
      .insert({ sid, sess: JSON.stringify(sess), expired: this.expiry(sess) })
      .onConflict('sid').merge()
      .then(() => cb?.(), (e) => cb?.(e));
  }

  touch(sid: string, sess: session.SessionData, cb?: Callback): void {
    this.knex('sessions').where({ sid }).update({ expired: this.expiry(sess) }).then(() => cb?.(), (e) => cb?.(e));
  }

  destroy(sid: string, cb?: Callback): void {
    this.knex('sessions').where({ sid }).delete().then(() => cb?.(), (e) => cb?.(e));
  }
}
