import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import type { Express } from 'express';
import { createApp } from '../src/app.ts';
import { captureMail } from '../src/mail.ts';
import { audit } from '../src/audit.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUser, createUnit, signIn } from './support/factories.ts';

// Issue 12 §3 (DESIGN §2: the admin manages users, never reaches unit data): reset links go only
// to the account's own email, an admin grants no role to itself, the audit view hides reasons.

let t: TestDatabase;
let app: Express;
beforeAll(async () => {
  t = await freshDatabase();
  app = createApp({ loginLimit: 10_000 });
});
afterAll(async () => t.close());
afterEach(() => { captureMail(false); });

const activationLinks = (html: string) => html.match(/\/activate\/[A-Za-z0-9_-]{20,}/g) ?? [];

describe('password reset by the admin', () => {
  it('without mail, a unit user\'s link is never on the admin\'s screen: the province officer makes it', async () => {
    const unit = await createUnit({ province_code: '23' });
    const owner = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
    const admin = await createUser({ role: 'admin' });
    const { agent, csrf } = await signIn(app, admin.email);
    const res = await agent.post(`/admin/users/${owner.id}/password-reset`).type('form').send({ _csrf: csrf });
    expect(res.status).toBe(200);
    expect(activationLinks(res.text)).toEqual([]);
    expect(res.text).toContain('کارشناس سازمان صنعت، معدن و تجارت استان تهران');
    expect((await t.knex('users').where({ id: owner.id }).first()).password_hash).toBeNull();
    expect(await t.knex('activation_tokens').where({ user_id: owner.id }).whereNull('used_at').first()).toBeUndefined();
    // The officer of the unit's province sees the account and makes the link.
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const o = await signIn(app, officer.email);
    expect((await o.agent.get('/province/registrations')).text).toContain(owner.email);
    const issued = await o.agent.post(`/province/unit-accounts/${owner.id}/activation-link`).type('form').send({ _csrf: o.csrf });
    expect(activationLinks(issued.text)).toHaveLength(1);
  });

  it('with mail, the link goes to the account\'s own email and is not shown to the admin', async () => {
    const outbox = captureMail();
    const unit = await createUnit({ province_code: '23' });
    const owner = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
    const staff = await createUser({ role: 'stats_office' });
    const admin = await createUser({ role: 'admin' });
    const { agent, csrf } = await signIn(app, admin.email);
    for (const target of [owner, staff]) {
      const res = await agent.post(`/admin/users/${target.id}/password-reset`).type('form').send({ _csrf: csrf });
      expect(activationLinks(res.text)).toEqual([]);
      expect(outbox.at(-1)?.to).toBe(target.email);
      expect(activationLinks(outbox.at(-1)!.text)).toHaveLength(1);
    }
  });
});

describe('role changes', () => {
  it('an admin cannot grant a role to its own account', async () => {
    const admin = await createUser({ role: 'admin' });
    const { agent, csrf } = await signIn(app, admin.email);
    const res = await agent.post(`/admin/users/${admin.id}/role`).type('form').send({ _csrf: csrf, role: 'province_officer', province_code: '23' });
    expect(res.status).toBe(403);
    expect(await t.knex('users').where({ id: admin.id }).first('role', 'province_code')).toEqual({ role: 'admin', province_code: null });
    expect(await t.knex('audit_log').where({ action: 'user.role_changed', target: `user:${admin.id}` }).first()).toBeUndefined();
  });

  it('another account\'s role change is audited and mailed to that account; a unit user\'s role is not changed at all', async () => {
    const outbox = captureMail();
    const admin = await createUser({ role: 'admin' });
    const target = await createUser({ role: 'stats_office' });
    const { agent, csrf } = await signIn(app, admin.email);
    await agent.post(`/admin/users/${target.id}/role`).type('form').send({ _csrf: csrf, role: 'province_officer', province_code: '10' }).expect(303);
    expect(await t.knex('users').where({ id: target.id }).first('role', 'province_code')).toEqual({ role: 'province_officer', province_code: '10' });
    const logged = await t.knex('audit_log').where({ action: 'user.role_changed', target: `user:${target.id}` }).first();
    expect(logged).toMatchObject({ user_id: admin.id });
    expect(logged.details).toMatchObject({ from: 'stats_office', to: 'province_officer' });
    // To the account only: its new one-time link (issue 23 F1: a data role starts again from a link) and the notice.
    expect(new Set(outbox.map((m) => m.to))).toEqual(new Set([target.email]));
    expect(outbox.some((m) => m.text.includes('کارشناس'))).toBe(true);
    const unitUser = await createUser({ role: 'unit_user' });
    expect((await agent.post(`/admin/users/${unitUser.id}/role`).type('form').send({ _csrf: csrf, role: 'admin' })).status).toBe(404);
    expect((await t.knex('users').where({ id: unitUser.id }).first()).role).toBe('unit_user');
  });
});

describe('the admin\'s audit view', () => {
  it('shows who did what when, not the words of an officer\'s reason or a unit\'s score', async () => {
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const unit = await createUnit({ province_code: '23' });
    const secret = 'تولید ۴۵۶۷۸۹ تن با فروش ۱۲۳۴۵۶ ریال';
    await audit({ action: 'filing.return', userId: officer.id, unitId: unit.id, provinceCode: '23', target: 'filing:1', details: { period: '1404-05', reason: secret } });
    await audit({ action: 'nominations.create', userId: officer.id, unitId: unit.id, provinceCode: '23', details: { score: 0.87654321 } });
    const admin = await createUser({ role: 'admin' });
    const { agent } = await signIn(app, admin.email);
    const page = await agent.get('/admin/audit').expect(200);
    expect(page.text).toContain(officer.email);
    expect(page.text).toContain('۱۴۰۴-۰۵'); // the period in the folded details, in Persian digits
    expect(page.text).not.toContain(secret);
    expect(page.text).not.toContain('0.87654321');
    const csv = await agent.get('/admin/audit.csv').expect(200);
    expect(csv.text).toContain(officer.email);
    expect(csv.text).not.toContain(secret);
    expect(csv.text).not.toContain('0.87654321');
    // …while the row itself keeps the reason (the officer's province sees it where it belongs).
    expect(JSON.stringify((await t.knex('audit_log').where({ action: 'filing.return' }).first()).details)).toContain(secret);
  });
});
