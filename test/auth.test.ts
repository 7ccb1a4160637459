import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, csrfFrom, signIn, PASSWORD } from './support/factories.ts';

let t: TestDatabase;
let app: App;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());

describe('signing in', () => {
  it('every page is Persian and right-to-left, with a strict CSP', async () => {
    const res = await request(app).get('/login');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<html lang="fa" dir="rtl">');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
  });

  it('the home page shows the current period and its deadline', async () => {
    const res = await request(app).get('/');
    expect(res.text).toMatch(/مهلت ثبت آمار [^\s]+ [۰-۹]{4}: تا پایان [۰-۹]+ [^\s]+ [۰-۹]{4}/);
  });

  it('a form posted without its CSRF token is refused with 403', async () => {
    const res = await request(app).post('/login').type('form').send({ email: 'x@y.ir', password: 'whatever' });
    expect(res.status).toBe(403);
  });

  it('signs in with the right password, regenerating the session id', async () => {
    const u = await createUser({ role: 'stats_office' });
    const agent = request.agent(app);
    const page = await agent.get('/login');
    const before = /psp\.sid=([^;]+)/.exec(String(page.headers['set-cookie']))?.[1];
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: u.email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(303);
    const after = /psp\.sid=([^;]+)/.exec(String(res.headers['set-cookie']))?.[1];
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly/i);
    expect(String(res.headers['set-cookie'])).toMatch(/SameSite=Lax/i);
    const rows = await t.knex('audit_log').where({ action: 'auth.sign_in', target: `user:${u.id}`, user_id: u.id });
    expect(rows).toHaveLength(1);
  });

  it('keeps the typed email on a failed sign-in', async () => {
    const agent = request.agent(app);
    const csrf = csrfFrom((await agent.get('/login')).text);
    const r = await agent.post('/login').type('form').send({ _csrf: csrf, email: 'nobody@test.ir', password: 'x' });
    expect(r.status).toBe(401);
    expect(r.text).toContain('value="nobody@test.ir"');
  });

  it('a signed-in user reaches their account page; sign-out ends the session', async () => {
    const u = await createUser({ role: 'planning_deputy' });
    const { agent, csrf } = await signIn(app, u.email);
    await agent.get('/account').expect(200);
    await agent.post('/logout').type('form').send({ _csrf: csrf }).expect(303);
    const r = await agent.get('/account');
    expect(r.status).toBe(303);
    expect(r.headers.location).toMatch(/^\/login(\?next=|$)/);
  });
});
