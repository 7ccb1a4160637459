import session from 'express-session';
import type { Knex } from 'knex';
import { CURRENT_USER_COLUMNS, currentUserOf, type CurrentUser } from './users.ts';

type Callback<T = void> = (err?: unknown, value?: T) => void;

/**
 * How far a session's stored expiry may lag behind its rolling cookie before a request writes it.
 * Sessions last eight hours after the last request; without this, every page view would be a
 * write (an UPDATE and a commit) — the heaviest statement of a read-only page during the rush.
 */
export const TOUCH_INTERVAL_MS = 5 * 60_000;

/** The signed-in user's id in a stored session, as SQL text (passport keeps it as `passport.user`). */
export const SESSION_USER_ID = "sess->'passport'->>'user'";

/** The expiry the row had when this request read it; a symbol, so it is never stored or hashed. */
const STORED_EXPIRY = Symbol('storedExpiry');
/** The signed-in user, read with the session in the same query (one round trip per page, not two). */
const LOADED_USER = Symbol('loadedUser');
type WithStoredExpiry = session.SessionData & { [STORED_EXPIRY]?: number; [LOADED_USER]?: CurrentUser | null };

/**
 * The active user of the session's user id as the session's own query read it: undefined when
 * it was not read with the session (a new or regenerated session), null when no active user has
 * that id any more.
 */
export function userReadWith(sess: session.SessionData): CurrentUser | null | undefined {
  const loaded = (sess as WithStoredExpiry)[LOADED_USER];
  if (loaded === undefined) return undefined;
  return loaded && loaded.id === sess.passport?.user ? loaded : loaded === null ? null : undefined;
}

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
    // The session and its signed-in user (or null) in one query.
    this.knex.raw(
      `select s.sess, s.expired,
              (select row_to_json(u) from (select ${CURRENT_USER_COLUMNS} from users
                where users.id = case when s.${SESSION_USER_ID} ~ '^[0-9]{1,9}$' then (s.${SESSION_USER_ID})::int end and users.active) u) as signed_in
         from sessions s where s.sid = ? and s.expired > ?`,
      [sid, new Date()],
    ).then(({ rows }: { rows: { sess: unknown; expired: Date | string; signed_in: unknown }[] }) => {
      const row = rows[0];
      if (!row) return cb(null, null);
      const sess = (typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess) as WithStoredExpiry;
      sess[STORED_EXPIRY] = new Date(row.expired).getTime();
      const signedIn = typeof row.signed_in === 'string' ? JSON.parse(row.signed_in) : row.signed_in;
      sess[LOADED_USER] = sess.passport?.user === undefined ? undefined : signedIn ? currentUserOf(signedIn as Parameters<typeof currentUserOf>[0]) : null;
      cb(null, sess);
    }, cb);
  }

  /** express-session copies the stored data into a Session; the stored expiry and the user go along, unseen. */
  createSession(req: Parameters<session.Store['createSession']>[0], sess: session.SessionData): session.Session & Partial<session.SessionData> {
    const { [STORED_EXPIRY]: stored, [LOADED_USER]: user } = sess as WithStoredExpiry;
    const created = super.createSession(req, sess);
    if (stored !== undefined) Object.defineProperty(created, STORED_EXPIRY, { value: stored, enumerable: false });
    if (user !== undefined) Object.defineProperty(created, LOADED_USER, { value: user, enumerable: false });
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
