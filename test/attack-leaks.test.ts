import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import request from 'supertest';

// Counts the argon2 hashes a request costs, with the real implementation underneath.
vi.mock('../src/auth/passwords.ts', async (original) => {
  const real = await original<typeof import('../src/auth/passwords.ts')>();
  return { ...real, hashPassword: vi.fn(real.hashPassword) };
});

import { hashPassword } from '../src/auth/passwords.ts';
import { createApp } from '../src/app.ts';
import { createApiToken } from '../src/api/auth.ts';
import { latestDuePeriod, addMonths } from '../src/calendar.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, createUnit, csrfFrom, signIn, PASSWORD } from './support/factories.ts';
import { createFiling } from './support/filings.ts';
import { registrationForm, postRegistration } from './support/registration.ts';
import { fa } from '../src/numbers.ts';

// Issue 12 §8: the smaller leaks.

let t: TestDatabase;
let app: App;
beforeAll(async () => {
  ({ t, app } = await freshApp({ loginLimit: 10_000, registerLimit: 10_000 }));
});
afterAll(async () => t.close());

const sessions = async () => Number((await t.knex('sessions').count('* as n'))[0].n);

describe('sessions only when something is stored', () => {
  it('anonymous GETs create no session row, and their forms still carry a working CSRF token', async () => {
    const before = await sessions();
    for (const path of ['/', '/login', '/register', '/verify', '/password-reset', '/api/docs']) {
      expect((await request(app).get(path)).status).toBe(200);
    }
    const agent = request.agent(app);
    const page = await agent.get('/login');
    expect(String(page.headers['set-cookie'])).not.toContain('psp.sid');
    expect(await sessions()).toBe(before);
    // The anonymous token works; one from another visitor, or none, does not.
    const u = await createUser({ role: 'stats_office' });
    const other = csrfFrom((await request(app).get('/login')).text);
    expect((await agent.post('/login').type('form').send({ _csrf: other, email: u.email, password: PASSWORD })).status).toBe(403);
    expect((await agent.post('/login').type('form').send({ email: u.email, password: PASSWORD })).status).toBe(403);
    expect((await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: u.email, password: PASSWORD })).status).toBe(303);
    expect(await sessions()).toBe(before + 1); // now there is something to store: the sign-in
  });
});

// Issue 23 F5: 400 anonymous GETs of protected pages stored 6.5 MB of session rows in 20 s.
describe('an anonymous visitor of a protected page', () => {
  it('is sent to sign in with the page in the address and stores no session row; after sign-in it lands on that page', async () => {
    const before = await sessions();
    for (const path of ['/province/units?q=x', '/dashboard', '/admin/users', '/stats/performance', '/account']) {
      const res = await request(app).get(path);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
      expect(String(res.headers['set-cookie'] ?? '')).not.toContain('psp.sid');
    }
    expect(await sessions()).toBe(before);
    const u = await createUser({ role: 'admin' });
    const agent = request.agent(app);
    const page = await agent.get('/login?next=%2Fadmin%2Fusers%3Frole%3Dadmin');
    expect(page.text).toContain('name="next" value="/admin/users?role=admin"');
    const signedIn = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: u.email, password: PASSWORD, next: '/admin/users?role=admin' });
    expect(signedIn.headers.location).toBe('/admin/users?role=admin');
    // Never to another site.
    for (const next of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', '/x y']) {
      const a = request.agent(app);
      const p = await a.get('/login');
      const res = await a.post('/login').type('form').send({ _csrf: csrfFrom(p.text), email: u.email, password: PASSWORD, next });
      expect(res.headers.location).toBe('/admin/users');
    }
  });
});

describe('registration', () => {
  it('a refused registration costs no argon2 hash', async () => {
    const hashes = vi.mocked(hashPassword);
    hashes.mockClear();
    const refused: Record<string, string>[] = [{ national_id: '123' }, { province_code: '99' }, { isic_class: '0510' }, { password: 'short' }];
    for (const bad of refused) {
      expect((await postRegistration(app, registrationForm(bad))).res.status).toBe(422);
    }
    expect(hashes).not.toHaveBeenCalled();
    expect((await postRegistration(app, registrationForm())).res.status).toBe(303);
    expect(hashes).toHaveBeenCalledTimes(1);
  });

  it('refused registrations are rate limited per address too, with the form kept', async () => {
    const limited = createApp({ loginLimit: 10_000, registerAttemptLimit: 3 });
    for (let i = 0; i < 3; i++) expect((await postRegistration(limited, registrationForm({ national_id: '123' }))).res.status).toBe(422);
    const form = registrationForm({ entity_name: 'شرکت چهارم' });
    const fourth = (await postRegistration(limited, form)).res;
    expect(fourth.status).toBe(429);
    expect(fourth.text).toContain('شرکت چهارم');
  });

  it('zero-width space and joiner are stripped from names; ZWNJ stays', async () => {
    const form = registrationForm({ entity_name: 'شرکت\u200b نمونه\u200dای کاشی\u200cسازی', contact_name: 'علی\u200b رضایی' });
    expect((await postRegistration(app, form)).res.status).toBe(303);
    const row = await t.knex('legal_entities').where({ national_id: form.national_id }).first('name');
    expect(row.name).toBe('شرکت نمونهای کاشی\u200cسازی');
    const user = await t.knex('users').where({ email: form.email }).first('full_name');
    expect(user.full_name).toBe('علی رضایی');
  });
});

describe('the token API reads no body before the token', () => {
  it('without a valid token a malformed or oversized body is answered 401, not parsed', async () => {
    const bad = await request(app).put('/api/v1/filings/1404-01').set('Content-Type', 'application/json').send('{"broken":');
    expect(bad.status).toBe(401);
    const big = await request(app).put('/api/v1/filings/1404-01').set('Content-Type', 'application/json').send(JSON.stringify({ x: 'a'.repeat(400_000) }));
    expect(big.status).toBe(401);
    // With a token the same malformed body is a 400 in Persian.
    const unit = await createUnit({ province_code: '23' });
    const owner = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
    const { token } = await createApiToken(owner.id, 'ERP');
    const parsed = await request(app).put('/api/v1/filings/1404-01').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send('{"broken":');
    expect(parsed.status).toBe(400);
    expect(parsed.headers['cache-control']).toContain('no-store');
  });
});

describe('Cache-Control: no-store', () => {
  it('on signed-in pages and downloads with figures', async () => {
    const unit = await createUnit({ province_code: '23' });
    const owner = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
    const stats = await createUser({ role: 'stats_office' });
    const u = await signIn(app, owner.email);
    const s = await signIn(app, stats.email);
    const pages: [string, typeof u.agent][] = [['/dashboard', u.agent], ['/filings', u.agent], ['/dashboard/history.csv', u.agent], ['/my-units', u.agent],
      ['/stats/performance', s.agent], ['/stats/performance?format=csv', s.agent]];
    for (const [path, agent] of pages) {
      const res = await agent.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers['cache-control'], path).toContain('no-store');
    }
  });
});

describe('the officer\'s last 12 periods', () => {
  it('never show a unit\'s draft figures', async () => {
    const unit = await createUnit({ province_code: '23', obligation_start: '1400-01' });
    const p = latestDuePeriod(new Date());
    const submitted = await createFiling({ unitId: unit.id, period: p, state: 'submitted', productionValue: 5_550_001 });
    await createFiling({ unitId: unit.id, period: addMonths(p, -1), state: 'draft', productionValue: 7_770_003 });
    await createFiling({ unitId: unit.id, period: addMonths(p, -2), state: 'verified', productionValue: 6_660_002 });
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent } = await signIn(app, officer.email);
    const page = await agent.get(`/province/filings/${submitted}`).expect(200);
    const panel = /id="history"[\s\S]*?<\/table>/.exec(page.text)![0];
    expect(panel).toContain(fa(6_660_002));
    expect(panel).not.toContain(fa(7_770_003));
    expect(page.text).not.toContain(fa(7_770_003));
  });
});

describe('the public /verify page', () => {
  it('says only the verdict, the name, the date issued, the validity date (issue 24) and whether the certificate is valid', async () => {
    const unit = await createUnit({ province_code: '23', obligation_start: '1400-01' });
    const owner = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
    const { agent, csrf } = await signIn(app, owner.email);
    const issued = await agent.post('/certificate').type('form').send({ _csrf: csrf });
    const code = /\/certificate\/([A-Z0-9]+)/.exec(String(issued.headers.location))![1];
    const ok = await request(app).get(`/verify/${code}`).expect(200);
    const card = /id="public-check"[\s\S]*<\/dl>[\s\S]*?<\/div>/.exec(ok.text)![0];
    expect([...card.matchAll(/<dt[^>]*>([^<]*)<\/dt>/g)].map((m) => m[1])).toEqual(['کد گواهی', 'نام واحد', 'نتیجه گواهی', 'تاریخ صدور', 'اعتبار تا']);
    // The unit's standing changes: the page says "not valid", and not why.
    await t.knex('certificates').where({ code }).update({ eligible: t.knex.raw('not eligible') });
    const changed = await request(app).get(`/verify/${code}`).expect(200);
    expect(changed.text).toContain('این گواهی معتبر نیست');
    expect(changed.text).not.toContain('تغییر کرده');
    expect(changed.text).not.toContain('وضعیت واحد');
  });
});
