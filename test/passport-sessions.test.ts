import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { freshApp, type App } from './support/app.ts';
import type { TestDatabase } from './support/db.ts';
import { createUser, csrfFrom, PASSWORD } from './support/factories.ts';
import * as m190 from '../migrations/190_passport_sessions.ts';

// Issue 26: passport keeps the signed-in user as `passport.user`; sessions opened before the
// upgrade (`userId`) are carried over by migration 190, so a deployment signs nobody out.

let t: TestDatabase;
let app: App;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());

const sessOf = async (sid: string) => {
  const row = await t.knex('sessions').where({ sid }).first('sess');
  return typeof row.sess === 'string' ? JSON.parse(row.sess) : row.sess;
};

describe('sessions across the move to passport', () => {
  it('a session of the old form keeps its user, its other data and its expiry; down puts it back', async () => {
    const u = await createUser({ role: 'stats_office' });
    const cookie = { originalMaxAge: 28_800_000, expires: new Date(Date.now() + 3600_000).toISOString(), httpOnly: true, path: '/', sameSite: 'lax' };
    await t.knex('sessions').insert([
      { sid: 'old-signed-in', sess: JSON.stringify({ cookie, userId: u.id, csrfToken: 'kept' }), expired: new Date(Date.now() + 3600_000) },
      { sid: 'old-anonymous', sess: JSON.stringify({ cookie, csrfToken: 'alone' }), expired: new Date(Date.now() + 3600_000) },
    ]);
    await m190.up(t.knex);
    expect(await sessOf('old-signed-in')).toEqual({ cookie, passport: { user: u.id }, csrfToken: 'kept' });
    expect(await sessOf('old-anonymous')).toEqual({ cookie, csrfToken: 'alone' });
    await m190.down(t.knex);
    expect(await sessOf('old-signed-in')).toEqual({ cookie, userId: u.id, csrfToken: 'kept' });
    await m190.up(t.knex);
    await t.knex('sessions').whereIn('sid', ['old-signed-in', 'old-anonymous']).delete();
  });

  it('signing in stores the user as passport.user, and nothing of the hash or the password', async () => {
    const u = await createUser({ role: 'stats_office' });
    const agent = request.agent(app);
    const page = await agent.get('/login');
    // Typed in capitals: the strategy compares emails as the form normalises them.
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: u.email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(303);
    const sid = decodeURIComponent(/psp\.sid=([^;]+)/.exec(String(res.headers['set-cookie']))![1]).replace(/^s:/, '').replace(/\.[^.]*$/, '');
    const sess = await sessOf(sid);
    expect(sess.passport).toEqual({ user: u.id });
    expect(JSON.stringify(sess)).not.toMatch(/argon2|password|userId/);
  });
});
