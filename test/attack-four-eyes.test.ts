import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../src/app.ts';
import { captureMail } from '../src/mail.ts';
import { createApiToken } from '../src/api/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUser, createUnit, signIn, PASSWORD } from './support/factories.ts';
import { runUserCreate } from '../src/cli/user-create.ts';

// Issue 23 F1 (DESIGN §2: the admin manages users, never reaches unit data). The pen test: the
// admin made a province officer, read its one-time link off the page (or typed its own address
// with SMTP), signed in with it and read a Tehran filing. Now a role that reaches unit data takes
// effect only once a second person confirms it, and its link never comes back to the admin.

let t: TestDatabase;
let app: Express;
beforeAll(async () => {
  t = await freshDatabase();
  app = createApp({ loginLimit: 10_000 });
});
afterAll(async () => t.close());
afterEach(() => { captureMail(false); });

const activationLinks = (html: string) => html.match(/\/activate\/[A-Za-z0-9_-]{20,}/g) ?? [];
const UNIT_NAME = 'شرکت محرمانه تهران';

/** Sets a password through a one-time link, as its holder would. */
async function activate(link: string) {
  const path = new URL(link, 'http://x').pathname;
  const agent = request.agent(app);
  const page = await agent.get(path).expect(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
  await agent.post(path).type('form').send({ _csrf: csrf, password: PASSWORD, confirm: PASSWORD }).expect(303);
}

async function makeOfficer(agent: ReturnType<typeof request.agent>, csrf: string, email: string, province = '23') {
  return agent.post('/admin/users').type('form').send({ _csrf: csrf, email, full_name: 'کارشناس تازه', role: 'province_officer', province_code: province });
}

describe('a province officer made by an admin in the web', () => {
  it('without mail: no link on the admin\'s page, and the account reaches nothing until a second person confirms', async () => {
    await createUnit({ province_code: '23', name: UNIT_NAME });
    const admin = await createUser({ role: 'admin' });
    const { agent, csrf } = await signIn(app, admin.email);
    const email = `new-officer-${Date.now()}@test.ir`;
    const res = await makeOfficer(agent, csrf, email);
    expect(res.status).toBe(201);
    expect(activationLinks(res.text)).toEqual([]);
    expect(res.text).toContain('id="role-pending"');
    const row = await t.knex('users').whereRaw('lower(email) = ?', [email]).first();
    expect(row).toMatchObject({ role: 'province_officer', province_code: '23', role_granted_by: admin.id, role_confirmed_at: null, password_hash: null });
    expect(await t.knex('activation_tokens').where({ user_id: row.id }).whereNull('used_at').first()).toBeUndefined();

    // Even holding the account (a colleague's link), it sees nothing: pages, API, nav.
    const colleague = await createUser({ role: 'province_officer', province_code: '23' });
    const c = await signIn(app, colleague.email);
    const issued = await c.agent.post(`/province/officers/${row.id}/activation-link`).type('form').send({ _csrf: c.csrf }).expect(201);
    expect(activationLinks(issued.text)).toHaveLength(1);
    await activate(activationLinks(issued.text)[0]!);
    const o = await signIn(app, email);
    for (const path of ['/province', '/province/units', '/province/queue', '/province/registrations', '/nominations', '/province/priority']) {
      const page = await o.agent.get(path);
      expect(page.status, path).toBe(403);
      expect(page.text).not.toContain(UNIT_NAME);
    }
    const { token } = await createApiToken(row.id, 'کلید');
    expect((await request(app).get('/api/v1/stats/performance').set('Authorization', `Bearer ${token}`)).status).not.toBe(200);

    // The admin who granted it cannot confirm it; the database refuses it too.
    await agent.post(`/admin/users/${row.id}/role-confirmation`).type('form').send({ _csrf: csrf }).expect(303);
    expect((await t.knex('users').where({ id: row.id }).first()).role_confirmed_at).toBeNull();
    await expect(t.knex('users').where({ id: row.id }).update({ role_confirmed_by: admin.id, role_confirmed_at: t.knex.fn.now() })).rejects.toThrow(/users_role_four_eyes/);
    await expect(t.knex('users').where({ id: row.id }).update({ role_confirmed_by: row.id, role_confirmed_at: t.knex.fn.now() })).rejects.toThrow(/users_role_not_self_confirmed/);

    // An officer of another province cannot confirm it (answered as if it did not exist).
    const kerman = await createUser({ role: 'province_officer', province_code: '08' });
    const k8 = await signIn(app, kerman.email);
    expect((await k8.agent.post(`/province/officers/${row.id}/role-confirmation`).type('form').send({ _csrf: k8.csrf })).status).toBe(404);
    expect((await k8.agent.get('/province/officers')).text).not.toContain(email);

    // The province's confirmed officer sees the grant and confirms it: now the role works.
    expect((await c.agent.get('/province/officers')).text).toContain(email);
    await c.agent.post(`/province/officers/${row.id}/role-confirmation`).type('form').send({ _csrf: c.csrf }).expect(303);
    expect(await t.knex('users').where({ id: row.id }).first('role_confirmed_by')).toEqual({ role_confirmed_by: colleague.id });
    const units = await o.agent.get('/province/units').expect(200);
    expect(units.text).toContain(UNIT_NAME);
    expect(await t.knex('audit_log').where({ action: 'user.role_confirmed', target: `user:${row.id}`, user_id: colleague.id }).first()).toBeDefined();

    // The access review says who granted and who confirmed.
    const review = await agent.get('/admin/access-review').expect(200);
    const line = review.text.slice(review.text.indexOf(`data-user-id="${row.id}"`));
    expect(line.slice(0, 1500)).toContain(admin.email);
    expect(line.slice(0, 1500)).toContain(colleague.email);
  });

  it('with mail: the link goes only to the typed address, and even the admin\'s own mailbox gets a role that waits for another admin', async () => {
    const outbox = captureMail();
    const admin = await createUser({ role: 'admin' });
    const tehran = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent, csrf } = await signIn(app, admin.email);
    const email = `admins-own-box-${Date.now()}@test.ir`;
    const res = await makeOfficer(agent, csrf, email);
    expect(activationLinks(res.text)).toEqual([]);
    const toAccount = outbox.filter((m) => m.to === email);
    expect(toAccount).toHaveLength(1);
    // The province's officers are told of the grant.
    expect(outbox.some((m) => m.to === tehran.email && m.text.includes(email))).toBe(true);
    await activate(activationLinks(toAccount[0]!.text)[0]!);
    const o = await signIn(app, email);
    expect((await o.agent.get('/province/units')).status).toBe(403);
    // A second admin confirms it.
    const second = await createUser({ role: 'admin' });
    const s = await signIn(app, second.email);
    const id = (await t.knex('users').whereRaw('lower(email) = ?', [email]).first('id')).id;
    await s.agent.post(`/admin/users/${id}/role-confirmation`).type('form').send({ _csrf: s.csrf }).expect(303);
    expect((await o.agent.get('/province/units')).status).toBe(200);
  });

  it('a role changed to province officer by an admin waits too, and so does a move to another province', async () => {
    const admin = await createUser({ role: 'admin' });
    const target = await createUser({ role: 'stats_office' });
    const { agent, csrf } = await signIn(app, admin.email);
    const before = await signIn(app, target.email);
    await agent.post(`/admin/users/${target.id}/role`).type('form').send({ _csrf: csrf, role: 'province_officer', province_code: '23' }).expect(303);
    // The admin may have handed this account its link as a staff account: it starts again from a link the admin never sees.
    expect((await before.agent.get('/account')).status).toBe(303);
    expect((await t.knex('users').where({ id: target.id }).first()).password_hash).toBeNull();
    await t.knex('users').where({ id: target.id }).update({ password_hash: (await t.knex('users').where({ id: admin.id }).first()).password_hash });
    const o = await signIn(app, target.email);
    expect((await o.agent.get('/province/units')).status).toBe(403);
    const officer = await createUser({ role: 'province_officer', province_code: '10' });
    await agent.post(`/admin/users/${officer.id}/role`).type('form').send({ _csrf: csrf, role: 'province_officer', province_code: '23' }).expect(303);
    await t.knex('users').where({ id: officer.id }).update({ password_hash: (await t.knex('users').where({ id: admin.id }).first()).password_hash });
    const moved = await signIn(app, officer.email);
    expect((await moved.agent.get('/province/units')).status).toBe(403);
  });

  it('an officer\'s reset by the admin never shows its link to the admin, with or without mail', async () => {
    const admin = await createUser({ role: 'admin' });
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent, csrf } = await signIn(app, admin.email);
    const res = await agent.post(`/admin/users/${officer.id}/password-reset`).type('form').send({ _csrf: csrf }).expect(200);
    expect(activationLinks(res.text)).toEqual([]);
    expect(await t.knex('activation_tokens').where({ user_id: officer.id }).whereNull('used_at').first()).toBeUndefined();
    const outbox = captureMail();
    const again = await agent.post(`/admin/users/${officer.id}/password-reset`).type('form').send({ _csrf: csrf }).expect(200);
    expect(activationLinks(again.text)).toEqual([]);
    expect(outbox.map((m) => m.to)).toEqual([officer.email]);
  });

  it('the operator\'s npm run user:create stays immediate', async () => {
    const email = `cli-officer-${Date.now()}@test.ir`;
    const r = await runUserCreate(['--email', email, '--role', 'province_officer', '--province', '23', '--password', 'a-long-cli-pass-9'], t.knex);
    expect(r.code).toBe(0);
    const o = await signIn(app, email, 'a-long-cli-pass-9');
    expect((await o.agent.get('/province/units')).status).toBe(200);
  });
});

// Issue 23 F2: the Tehran officer made a link for an account without a password that also owned a
// Kerman mine, and read the mine's figures with it.
describe('an officer\'s one-time link stays inside the officer\'s province', () => {
  it('is refused, in Persian, for an account that also owns (or claims) a unit of another province', async () => {
    const tehranUnit = await createUnit({ province_code: '23' });
    const kermanMine = await createUnit({ province_code: '08', kind: 'mining', isic_class: '0710' });
    const owner = await createUser({ role: 'unit_user', unit_ids: [tehranUnit.id, kermanMine.id] });
    await t.knex('users').where({ id: owner.id }).update({ password_hash: null });
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const o = await signIn(app, officer.email);
    const list = await o.agent.get('/province/registrations').expect(200);
    expect(list.text).toContain(owner.email);
    expect(list.text).not.toContain(`/province/unit-accounts/${owner.id}/activation-link`);
    const res = await o.agent.post(`/province/unit-accounts/${owner.id}/activation-link`).type('form').send({ _csrf: o.csrf });
    expect(res.status).toBe(409);
    expect(activationLinks(res.text)).toEqual([]);
    expect(res.text).toContain('استان دیگری');
    expect(await t.knex('activation_tokens').where({ user_id: owner.id }).first()).toBeUndefined();
    expect(await t.knex('audit_log').where({ action: 'user.activation_link_refused', target: `user:${owner.id}`, user_id: officer.id }).first()).toBeDefined();

    // With mail, the admins and the officers of both provinces are told.
    const outbox = captureMail();
    const admin = await createUser({ role: 'admin' });
    const kerman = await createUser({ role: 'province_officer', province_code: '08' });
    expect((await o.agent.post(`/province/unit-accounts/${owner.id}/activation-link`).type('form').send({ _csrf: o.csrf })).status).toBe(409);
    const told = outbox.map((m) => m.to);
    expect(told).toEqual(expect.arrayContaining([admin.email, kerman.email, officer.email]));
    expect(told).not.toContain(owner.email);
    expect(outbox.every((m) => !activationLinks(m.text).length)).toBe(true);
    captureMail(false);

    // A pending claim of another province's unit counts too.
    const claimant = await createUser({ role: 'unit_user', unit_ids: [(await createUnit({ province_code: '23' })).id] });
    await t.knex('users').where({ id: claimant.id }).update({ password_hash: null });
    await t.knex('unit_claims').insert({ unit_id: (await createUnit({ province_code: '08' })).id, user_id: claimant.id, claimant: JSON.stringify({ entity_name: 'ادعا' }) });
    expect((await o.agent.post(`/province/unit-accounts/${claimant.id}/activation-link`).type('form').send({ _csrf: o.csrf })).status).toBe(409);

    // An account whose units all lie in Tehran still gets its link.
    const local = await createUser({ role: 'unit_user', unit_ids: [tehranUnit.id] });
    await t.knex('users').where({ id: local.id }).update({ password_hash: null });
    const ok = await o.agent.post(`/province/unit-accounts/${local.id}/activation-link`).type('form').send({ _csrf: o.csrf }).expect(201);
    expect(activationLinks(ok.text)).toHaveLength(1);
  });
});
