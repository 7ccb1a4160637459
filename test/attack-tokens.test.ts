import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { createApiToken } from '../src/api/auth.ts';
import { createActivationToken, LINK_VALID_HOURS } from '../src/auth/activation.ts';
import { weakPasswordReason } from '../src/auth/password-policy.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, createUnit, csrfFrom, signIn, PASSWORD } from './support/factories.ts';
import { registrationForm, postRegistration } from './support/registration.ts';

// Issue 12 §6: API tokens die with a password change, a reset and a deactivation (and stay dead
// on reactivation), and expire; weak passwords are refused; one-time links last days, hashed.

let t: TestDatabase;
let app: App;
beforeAll(async () => {
  ({ t, app } = await freshApp({ loginLimit: 10_000, apiLimit: 10_000 }));
});
afterAll(async () => t.close());

const api = (token: string) => request(app).get('/api/v1/unit').set('Authorization', `Bearer ${token}`);

async function unitUserWithToken() {
  const unit = await createUnit({ province_code: '23' });
  const user = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
  const { token } = await createApiToken(user.id, 'ERP');
  expect((await api(token)).status).toBe(200);
  return { user, token };
}

describe('API tokens', () => {
  it('a password change revokes every token of the account', async () => {
    const { user, token } = await unitUserWithToken();
    const { agent, csrf } = await signIn(app, user.email);
    await agent.post('/account/password').type('form').send({ _csrf: csrf, current: PASSWORD, next: 'another-good-secret' }).expect(303);
    expect((await api(token)).status).toBe(401);
  });

  it('a reset by the admin revokes them', async () => {
    const { user, token } = await unitUserWithToken();
    const admin = await createUser({ role: 'admin' });
    const { agent, csrf } = await signIn(app, admin.email);
    await agent.post(`/admin/users/${user.id}/password-reset`).type('form').send({ _csrf: csrf }).expect(200);
    expect((await api(token)).status).toBe(401);
  });

  it('setting a password with a one-time link revokes them', async () => {
    const { user, token } = await unitUserWithToken();
    const link = await createActivationToken(user.id, t.knex, 'reset');
    const agent = request.agent(app);
    const page = await agent.get(`/activate/${link.token}`).expect(200);
    await agent.post(`/activate/${link.token}`).type('form').send({ _csrf: csrfFrom(page.text), password: 'a-brand-new-secret', confirm: 'a-brand-new-secret' }).expect(303);
    expect((await api(token)).status).toBe(401);
  });

  it('deactivation revokes them, and reactivation does not bring them back', async () => {
    const { user, token } = await unitUserWithToken();
    const admin = await createUser({ role: 'admin' });
    const { agent, csrf } = await signIn(app, admin.email);
    await agent.post(`/admin/users/${user.id}/deactivation`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    expect((await api(token)).status).toBe(401);
    await agent.post(`/admin/users/${user.id}/reactivation`).type('form').send({ _csrf: csrf }).expect(303);
    expect((await api(token)).status).toBe(401);
    expect((await t.knex('api_tokens').where({ user_id: user.id }).first()).revoked_at).not.toBeNull();
  });

  it('a token expires (a year by default, shown on the token page); an expired one is refused', async () => {
    const { user, token } = await unitUserWithToken();
    const row = await t.knex('api_tokens').where({ user_id: user.id }).first();
    const days = (new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()) / 86400_000;
    expect(Math.round(days)).toBe(365);
    const { agent } = await signIn(app, user.email);
    const page = await agent.get('/account/tokens').expect(200);
    expect(page.text).toContain('اعتبار تا');
    expect(page.text).toContain('class="small token-expiry"');
    await t.knex('api_tokens').where({ id: row.id }).update({ expires_at: new Date(Date.now() - 1000) });
    expect((await api(token)).status).toBe(401);
  });

  it('revocation is a resource of the token: POST /account/tokens/:id/revocation', async () => {
    const { user, token } = await unitUserWithToken();
    const row = await t.knex('api_tokens').where({ user_id: user.id }).first();
    const { agent, csrf } = await signIn(app, user.email);
    expect((await agent.post(`/account/tokens/${row.id}/revoke`).type('form').send({ _csrf: csrf })).status).toBe(404);
    await agent.post(`/account/tokens/${row.id}/revocation`).type('form').send({ _csrf: csrf }).expect(303);
    expect((await api(token)).status).toBe(401);
  });
});

describe('passwords', () => {
  it('refuses the email, one repeated character, runs and common passwords', () => {
    expect(weakPasswordReason('ali.rezaei@test.ir', 'ali.rezaei@test.ir')).toContain('پست الکترونیکی');
    expect(weakPasswordReason('ali.rezaei1', 'ali.rezaei@test.ir')).toContain('پست الکترونیکی');
    expect(weakPasswordReason('aaaaaaaaaaaa')).toContain('تکراری');
    expect(weakPasswordReason('1234567890')).toContain('پشت سر هم');
    expect(weakPasswordReason('abcdefghijkl')).toContain('پشت سر هم');
    expect(weakPasswordReason('9876543210')).toContain('پشت سر هم');
    expect(weakPasswordReason('password123')).toContain('رایج');
    expect(weakPasswordReason('qwertyuiop')).not.toBeNull();
    expect(weakPasswordReason('test-password-123')).toBeNull();
    expect(weakPasswordReason('گل‌های-بهاری-۱۴۰۴')).toBeNull();
  });

  it('through the forms: registration, password change and a one-time link refuse them with the reason next to the field', async () => {
    const form = registrationForm();
    const reg = await postRegistration(app, { ...form, password: form.email, password_confirm: form.email });
    expect(reg.res.status).toBe(422);
    expect(reg.res.text).toContain('پست الکترونیکی شما');
    expect(await t.knex('users').where({ email: form.email }).first()).toBeUndefined();
    const u = await createUser({ role: 'stats_office' });
    const { agent, csrf } = await signIn(app, u.email);
    const change = await agent.post('/account/password').type('form').send({ _csrf: csrf, current: PASSWORD, next: '1111111111' });
    expect(change.status).toBe(422);
    expect(change.text).toContain('تکراری');
    const link = await createActivationToken(u.id, t.knex);
    const v = request.agent(app);
    const page = await v.get(`/activate/${link.token}`);
    const set = await v.post(`/activate/${link.token}`).type('form').send({ _csrf: csrfFrom(page.text), password: 'password123', confirm: 'password123' });
    expect(set.status).toBe(422);
    expect(set.text).toContain('رایج');
  });

  it('one-time links last days, not 30, and only their hash is stored', async () => {
    const u = await createUser({ role: 'stats_office' });
    const link = await createActivationToken(u.id, t.knex);
    const row = await t.knex('activation_tokens').where({ user_id: u.id }).first();
    const hours = (new Date(row.expires_at).getTime() - Date.now()) / 3600_000;
    expect(hours).toBeGreaterThan(LINK_VALID_HOURS.activation - 1);
    expect(hours).toBeLessThanOrEqual(72);
    expect(JSON.stringify(row)).not.toContain(link.token);
    expect(Object.keys(row)).not.toContain('token_plain');
  });
});

// Issue 23 F8: a reset link still worked after a password change, and after a deactivation then
// reactivation.
describe('one-time links die with the password and with the account', () => {
  const opens = async (url: string) => (await request(app).get(new URL(url).pathname)).status;

  it('a password change kills every unused link of the account', async () => {
    const user = await createUser({ role: 'stats_office' });
    const reset = await createActivationToken(user.id, t.knex, 'reset');
    expect(await opens(reset.url)).toBe(200);
    const { agent, csrf } = await signIn(app, user.email);
    await agent.post('/account/password').type('form').send({ _csrf: csrf, current: PASSWORD, next: 'another-good-secret' }).expect(303);
    expect(await opens(reset.url)).toBe(404);
  });

  it('a deactivation kills them, and a reactivation does not bring them back', async () => {
    const user = await createUser({ role: 'stats_office' });
    const reset = await createActivationToken(user.id, t.knex, 'reset');
    const admin = await createUser({ role: 'admin' });
    const { agent, csrf } = await signIn(app, admin.email);
    await agent.post(`/admin/users/${user.id}/deactivation`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    await agent.post(`/admin/users/${user.id}/reactivation`).type('form').send({ _csrf: csrf }).expect(303);
    expect(await opens(reset.url)).toBe(404);
    // A link made while the account was deactivated dies on reactivation too.
    await agent.post(`/admin/users/${user.id}/deactivation`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    const during = await createActivationToken(user.id, t.knex, 'reset');
    await agent.post(`/admin/users/${user.id}/reactivation`).type('form').send({ _csrf: csrf }).expect(303);
    expect(await opens(during.url)).toBe(404);
  });

  it('setting a password through one link kills the others (an email proof made meanwhile)', async () => {
    const user = await createUser({ role: 'stats_office' });
    const reset = await createActivationToken(user.id, t.knex, 'reset');
    const [other] = await t.knex('activation_tokens').insert({ user_id: user.id, token_hash: 'x'.repeat(64), purpose: 'email', expires_at: new Date(Date.now() + 3600_000) }).returning('id');
    const agent = request.agent(app);
    const path = new URL(reset.url).pathname;
    const page = await agent.get(path).expect(200);
    await agent.post(path).type('form').send({ _csrf: csrfFrom(page.text), password: 'a-fresh-good-secret', confirm: 'a-fresh-good-secret' }).expect(303);
    expect((await t.knex('activation_tokens').where({ id: other.id }).first()).used_at).not.toBeNull();
  });
});
