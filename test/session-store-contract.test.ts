import { describe, it, expect } from 'vitest';
import express from 'express';
import session from 'express-session';
import request from 'supertest';

// The contract src/auth/session-store.ts's createSession override relies on, with express-session
// alone: the data a store's get() returns goes through store.createSession(req, data), the object
// createSession returns is req.session itself (so a non-enumerable property set there reaches the
// request and the store's touch()), and such a property is never written back by set().

const MARK = Symbol('mark');
type Marked = session.SessionData & { [MARK]?: string };

class ProbeStore extends session.Store {
  rows = new Map<string, string>();
  touched: unknown[] = [];
  created = 0;
  get(sid: string, cb: (err: unknown, s?: session.SessionData | null) => void): void {
    const row = this.rows.get(sid);
    if (!row) return cb(null, null);
    const sess = JSON.parse(row) as Marked;
    sess[MARK] = 'read with the session';
    cb(null, sess);
  }
  createSession(req: Parameters<session.Store['createSession']>[0], sess: session.SessionData): session.Session & Partial<session.SessionData> {
    this.created++;
    const mark = (sess as Marked)[MARK];
    const made = super.createSession(req, sess);
    if (mark !== undefined) Object.defineProperty(made, MARK, { value: mark, enumerable: false });
    return made;
  }
  set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    this.rows.set(sid, JSON.stringify(sess));
    cb?.();
  }
  touch(_sid: string, sess: session.SessionData, cb?: () => void): void {
    this.touched.push((sess as Marked)[MARK]);
    cb?.();
  }
  destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.rows.delete(sid);
    cb?.();
  }
}

describe("express-session and a store's createSession", () => {
  it('hands the stored data to createSession, and its result is req.session, as seen by touch()', async () => {
    const store = new ProbeStore();
    const app = express();
    app.use(session({ store, secret: 'contract', resave: false, saveUninitialized: false, rolling: true, cookie: { maxAge: 60_000 } }));
    app.get('/start', (req, res) => { (req.session as unknown as { n: number }).n = 1; res.send('ok'); });
    app.get('/read', (req, res) => res.json({ mark: (req.session as unknown as Marked)[MARK] ?? null, keys: Object.keys(req.session) }));

    const first = await request(app).get('/start').expect(200);
    const cookie = first.headers['set-cookie'][0].split(';')[0];
    const sid = decodeURIComponent(cookie.split('=')[1]).slice(2).split('.')[0]; // s:<sid>.<signature>
    expect(store.rows.has(sid)).toBe(true);

    const read = await request(app).get('/read').set('cookie', cookie).expect(200);
    expect(store.created).toBeGreaterThanOrEqual(1);
    expect(read.body.mark).toBe('read with the session');
    expect(read.body.keys).not.toContain(String(MARK));
    expect(store.touched).toEqual(['read with the session']);
    expect(store.rows.get(sid)).not.toContain('read with the session');
  });
});
