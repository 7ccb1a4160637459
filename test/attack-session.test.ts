import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../src/app.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp } from './support/app.ts';
import { createUser, csrfFrom, signIn, PASSWORD } from './support/factories.ts';
import { registrationForm, postRegistration } from './support/registration.ts';
import { TOUCH_INTERVAL_MS } from '../src/auth/session-store.ts';

// Issue 7 §6: session fixation, cookie flags (HttpOnly, SameSite, Secure behind TLS) and the
// sign-in lockout, attacked from outside through HTTP.

let t: TestDatabase;
let app: Express;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());

/** The answer to a sign-in on `a` (the first response that sets a session cookie: anonymous pages set none). */
async function signInResponse(a: Express, proto?: string): Promise<request.Response> {
  const u = await createUser({ role: 'stats_office' });
  // By hand rather than with an agent: the visitor's CSRF cookie is Secure behind TLS, and an agent keeps it off plain http.
  const page = await request(a).get('/login').set('X-Forwarded-Proto', proto ?? 'http');
  const visitor = String((page.headers['set-cookie'] as unknown as string[] | undefined)?.find((c) => c.startsWith('psp.csrf=')) ?? '').split(';')[0]!;
  return request(a).post('/login').set('X-Forwarded-Proto', proto ?? 'http').set('Cookie', visitor).type('form').send({ _csrf: csrfFrom(page.text), email: u.email, password: PASSWORD });
}

const sidOf = (res: request.Response): string | undefined => /psp\.sid=([^;]+)/.exec(String(res.headers['set-cookie'] ?? ''))?.[1];
const cookieOf = (res: request.Response): string => String((res.headers['set-cookie'] as unknown as string[] | undefined)?.find((c) => c.startsWith('psp.sid=')) ?? '');
/** The session id inside the signed cookie value `s:ID.SIGNATURE`. */
const rawSid = (cookieValue: string) => decodeURIComponent(cookieValue).replace(/^s:/, '').replace(/\.[^.]*$/, '');

describe('session fixation', () => {
  it('a session id held before sign-in is worth nothing after it: a new id, the old one deleted', async () => {
    const u = await createUser({ role: 'province_officer', province_code: '23' });
    // A session held before this sign-in: someone else's, on the same browser.
    const victim = request.agent(app);
    const earlier = await createUser({ role: 'stats_office' });
    const first = await victim.get('/login');
    const before = sidOf(await victim.post('/login').type('form').send({ _csrf: csrfFrom(first.text), email: earlier.email, password: PASSWORD }))!;
    expect(before).toBeDefined();
    const page = await victim.get('/account');
    // The attacker's copy of the pre-sign-in cookie…
    const res = await victim.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: u.email, password: PASSWORD });
    expect(res.status).toBe(303);
    const after = sidOf(res)!;
    expect(after).toBeDefined();
    expect(rawSid(after)).not.toBe(rawSid(before));
    // …does not reach the victim's signed-in session, and no longer exists.
    const withOld = await request(app).get('/province').set('Cookie', `psp.sid=${before}`);
    expect(withOld.status).toBe(303);
    expect(withOld.headers.location).toMatch(/^\/login(\?next=|$)/);
    expect(await t.knex('sessions').where({ sid: rawSid(before) }).first()).toBeUndefined();
    // The new one works.
    expect((await request(app).get('/province').set('Cookie', `psp.sid=${after}`)).status).toBe(200);
  });

  it('a made-up or forged session cookie is ignored: no session is stored for it, and signing in does not adopt it', async () => {
    const u = await createUser({ role: 'stats_office' });
    for (const planted of ['attacker-chosen-id', 's%3Aattacker-chosen-id.bad-signature', `s%3A${'a'.repeat(32)}.${'b'.repeat(43)}`]) {
      const page = await request(app).get('/province').set('Cookie', `psp.sid=${planted}`);
      expect(page.status).toBe(303);
      const agent = request.agent(app);
      const form = await agent.get('/login').set('Cookie', `psp.sid=${planted}`);
      const signedIn = await agent.post('/login').set('Cookie', `psp.sid=${planted}; ${String(form.headers['set-cookie'] ?? '').split(';')[0]}`).type('form').send({ _csrf: csrfFrom(form.text), email: u.email, password: PASSWORD });
      const issued = sidOf(signedIn);
      expect(issued, planted).toBeDefined();
      expect(rawSid(issued!)).not.toBe(rawSid(planted));
      expect(await t.knex('sessions').where({ sid: rawSid(planted) }).first()).toBeUndefined();
    }
  });

  it('registering signs nobody in (the email is proven first): the visitor is still signed out afterwards', async () => {
    const agent = request.agent(app);
    const page = await agent.get('/register');
    const res = await agent.post('/register').type('form').send({ _csrf: csrfFrom(page.text), ...registrationForm() });
    expect(res.status).toBe(303);
    const mine = await agent.get('/my-units');
    expect(mine.status).toBe(303);
    expect(mine.headers.location).toMatch(/^\/login(\?next=|$)/);
  });

  it('signing out ends the session on the server: the cookie, replayed, is signed out', async () => {
    const u = await createUser({ role: 'stats_office' });
    const visitor = request.agent(app);
    const page = await visitor.get('/login');
    const signedIn = await visitor.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: u.email, password: PASSWORD });
    const cookie = `psp.sid=${sidOf(signedIn)}`;
    const account = await request(app).get('/account').set('Cookie', cookie);
    expect(account.status).toBe(200);
    await request(app).post('/logout').set('Cookie', cookie).type('form').send({ _csrf: csrfFrom(account.text) }).expect(303);
    const replay = await request(app).get('/account').set('Cookie', cookie);
    expect(replay.status).toBe(303);
    expect(replay.headers.location).toMatch(/^\/login(\?next=|$)/);
  });
});

describe('sessions end when the password does', () => {
  it("an admin's password reset signs the account out everywhere (a stolen session dies with the password)", async () => {
    const admin = await createUser({ role: 'admin' });
    const victim = await createUser({ role: 'province_officer', province_code: '23' });
    const stolen = await signIn(app, victim.email);
    expect((await stolen.agent.get('/province')).status).toBe(200);
    const a = await signIn(app, admin.email);
    const reset = await a.agent.post(`/admin/users/${victim.id}/password-reset`).type('form').send({ _csrf: a.csrf });
    expect(reset.status).toBeLessThan(400);
    const after = await stolen.agent.get('/province');
    expect(after.status).toBe(303);
    expect(after.headers.location).toMatch(/^\/login(\?next=|$)/);
    // The admin's own session is untouched.
    expect((await a.agent.get('/admin/users')).status).toBe(200);
  });

  it('changing one\'s own password keeps this session and ends every other one', async () => {
    const u = await createUser({ role: 'stats_office' });
    const here = await signIn(app, u.email);
    const elsewhere = await signIn(app, u.email);
    const res = await here.agent.post('/account/password').type('form').send({ _csrf: here.csrf, current: PASSWORD, next: 'a-brand-new-password' });
    expect(res.status).toBe(303);
    expect((await here.agent.get('/account')).status).toBe(200);
    const other = await elsewhere.agent.get('/account');
    expect(other.status).toBe(303);
    expect(other.headers.location).toMatch(/^\/login(\?next=|$)/);
  });
});

describe('the signed-in user is read with the session', () => {
  it('a deactivated account is signed out at its next request; a role change shows at the next request', async () => {
    const u = await createUser({ role: 'stats_office' });
    const s = await signIn(app, u.email);
    expect((await s.agent.get('/stats')).status).toBe(200);
    await t.knex('users').where({ id: u.id }).update({ role: 'planning_deputy' });
    expect((await s.agent.get('/stats')).status).not.toBe(200);
    await t.knex('users').where({ id: u.id }).update({ role: 'stats_office', active: false });
    const out = await s.agent.get('/account');
    expect(out.status).toBe(303);
    expect(out.headers.location).toMatch(/^\/login(\?next=|$)/);
    // Reactivated, the old session stays signed out: it lost its user at the request above.
    await t.knex('users').where({ id: u.id }).update({ active: true });
    expect((await s.agent.get('/account')).status).toBe(303);
  });
});

describe('idle timeout', () => {
  it('a session lasts eight hours after its last request; a page view writes the expiry only when it lags by more than five minutes', async () => {
    const u = await createUser({ role: 'stats_office' });
    const s = await signIn(app, u.email);
    const row = async () => (await t.knex('sessions').whereRaw("sess->'passport'->>'user' = ?", [String(u.id)]).first('sid', 'expired', 'sess'))!;
    const first = await row();
    const remaining = new Date(first.expired).getTime() - Date.now();
    expect(remaining).toBeGreaterThan(8 * 3600_000 - 60_000);
    // A view within the interval: the row is not written (a read-only page stays read-only).
    await t.knex('sessions').where({ sid: first.sid }).update({ expired: new Date(Date.now() + 8 * 3600_000 - TOUCH_INTERVAL_MS + 60_000) });
    const kept = (await row()).expired;
    expect((await s.agent.get('/account')).status).toBe(200);
    expect(new Date((await row()).expired).getTime()).toBe(new Date(kept).getTime());
    // The expiry lags by more than the interval: the next view slides it to eight hours again.
    await t.knex('sessions').where({ sid: first.sid }).update({ expired: new Date(Date.now() + 3600_000) });
    expect((await s.agent.get('/account')).status).toBe(200);
    expect(new Date((await row()).expired).getTime() - Date.now()).toBeGreaterThan(8 * 3600_000 - 60_000);
    // The stored data never carries the bookkeeping, and an expired row signs nobody in.
    expect(JSON.stringify((await row()).sess)).not.toContain('storedExpiry');
    await t.knex('sessions').where({ sid: first.sid }).update({ expired: new Date(Date.now() - 1000) });
    const gone = await s.agent.get('/account');
    expect(gone.status).toBe(303);
    expect(gone.headers.location).toMatch(/^\/login(\?next=|$)/);
  });
});

describe('cookie flags', () => {
  it('the session cookie is HttpOnly, SameSite=Lax, Path=/, expires; not Secure over plain HTTP', async () => {
    const c = cookieOf(await signInResponse(app));
    expect(c).toMatch(/HttpOnly/i);
    expect(c).toMatch(/SameSite=Lax/i);
    expect(c).toMatch(/Path=\//);
    expect(c).toMatch(/Expires=/);
    expect(c).not.toMatch(/;\s*Secure/i);
  });

  it('the API sets no cookie at all', async () => {
    const res = await request(app).get('/api/v1/unit');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  // env.ts reads the variables once, when it is first imported: each configuration gets its own
  // copy of the app's modules, sharing this file's database.
  async function appWith(vars: Record<string, string>): Promise<Express> {
    const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    Object.assign(process.env, vars);
    try {
      vi.resetModules();
      const dbModule = await import('../src/db.ts');
      dbModule.setDb(t.knex);
      const appModule = await import('../src/app.ts');
      return appModule.createApp({ loginLimit: 1000 });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  it('behind a trusted TLS proxy (TRUST_PROXY=1) the cookie is Secure for https requests, and only for them', async () => {
    const behind = await appWith({ TRUST_PROXY: '1', COOKIE_SECURE: 'auto' });
    const tls = cookieOf(await signInResponse(behind, 'https'));
    expect(tls).toMatch(/;\s*Secure/i);
    expect(tls).toMatch(/HttpOnly/i);
    expect(tls).toMatch(/SameSite=Lax/i);
    const plain = cookieOf(await signInResponse(behind, 'http'));
    expect(plain).not.toMatch(/;\s*Secure/i);
  });

  it('without TRUST_PROXY a forged X-Forwarded-Proto changes nothing (the header is not believed)', async () => {
    const direct = await appWith({ TRUST_PROXY: '0', COOKIE_SECURE: 'auto' });
    const c = cookieOf(await signInResponse(direct, 'https'));
    expect(c).toMatch(/HttpOnly/i);
    expect(c).not.toMatch(/;\s*Secure/i);
  });

  it('COOKIE_SECURE=true: Secure always behind TLS, and over plain HTTP no session cookie is sent at all', async () => {
    const strict = await appWith({ TRUST_PROXY: '1', COOKIE_SECURE: 'true' });
    expect(cookieOf(await signInResponse(strict, 'https'))).toMatch(/;\s*Secure/i);
    expect(cookieOf(await signInResponse(strict))).toBe('');
  });
});

describe('sign-in lockout', () => {
  // The lock-out per account was replaced by a wait per (account, address): test/attack-login.test.ts.

  it('one address trying many accounts is slowed down by the rate limit, with a Persian message', async () => {
    const limited = createApp({ loginLimit: 3 });
    const u = await createUser({ role: 'planning_deputy' });
    const agent = request.agent(limited);
    const page = await agent.get('/login');
    const csrf = csrfFrom(page.text);
    for (let i = 0; i < 3; i++) {
      const r = await agent.post('/login').type('form').send({ _csrf: csrf, email: `guess-${i}@test.ir`, password: 'wrong-password' });
      expect(r.status).toBe(401);
    }
    const r = await agent.post('/login').type('form').send({ _csrf: csrf, email: u.email, password: PASSWORD });
    expect(r.status).toBe(429);
    expect(r.text).toContain('تعداد تلاش‌های ورود');
  });
});

describe('registration rate limit', () => {
  it('one address registering many units is stopped after the limit, with a Persian message and the form kept; refused forms do not count', async () => {
    const limited = createApp({ loginLimit: 1000, registerLimit: 2 });
    // A form sent back with errors and a request for more rows use up nothing.
    expect((await postRegistration(limited, registrationForm({ national_id: '123' }))).res.status).toBe(422);
    expect((await postRegistration(limited, registrationForm({ more_rows: '1' }))).res.status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await postRegistration(limited, registrationForm())).res.status).toBe(303);
    const form = registrationForm({ entity_name: 'شرکت سوم ثبت‌نام' });
    const third = (await postRegistration(limited, form)).res;
    expect(third.status).toBe(429);
    expect(third.text).toContain('واحدهای زیادی ثبت‌نام شده است');
    expect(third.text).toContain('شرکت سوم ثبت‌نام');
    expect(third.text).toContain(form.licence_no);
    expect(await t.knex('legal_entities').where({ national_id: form.national_id }).first()).toBeUndefined();
  });
});

