import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, createUnit, signIn } from './support/factories.ts';
import { registrationForm, registerAndSignIn } from './support/registration.ts';
import { createActivationToken } from '../src/auth/activation.ts';

let t: TestDatabase;
let app: App;
let tehranOfficer: { id: number; email: string };
let isfahanOfficer: { id: number; email: string };
beforeAll(async () => {
  ({ t, app } = await freshApp());
  tehranOfficer = await createUser({ role: 'province_officer', province_code: '23' });
  isfahanOfficer = await createUser({ role: 'province_officer', province_code: '10' });
});
afterAll(() => t.close());

/** A unit registered through the site, with its owner's signed-in agent. */
async function registered(overrides: Record<string, string> = {}) {
  const form = registrationForm(overrides);
  const { agent, res } = await registerAndSignIn(app, form);
  expect(res.status).toBe(303);
  await agent.get('/my-units').expect(200); // shows (and so clears) the registration notice
  const unit = await t.knex('units').where({ licence_no: form.licence_no }).first();
  return { form, owner: agent, unit };
}

describe('the province office decides on registrations', () => {
  it('an officer sees the pending registrations of their province only', async () => {
    const tehran = await registered({ entity_name: 'شرکت تهرانی', province_code: '23' });
    const isfahan = await registered({ entity_name: 'شرکت اصفهانی', province_code: '10' });
    const { agent } = await signIn(app, tehranOfficer.email);
    const list = await agent.get('/province/registrations').expect(200);
    expect(list.text).toContain('شرکت تهرانی');
    expect(list.text).toContain(`/province/registrations/${tehran.unit.id}`);
    expect(list.text).not.toContain('شرکت اصفهانی');
    expect(list.text).not.toContain(`/province/registrations/${isfahan.unit.id}"`);
    const detail = await agent.get(`/province/registrations/${tehran.unit.id}`).expect(200);
    expect(detail.text).toContain('شرکت تهرانی');
    expect(detail.text).toContain('مرداد ۱۴۰۴');
    expect(detail.text).toContain(tehran.form.email);
  });

  it('approval makes the unit approved, is audited, and the unit sees it', async () => {
    const { owner, unit } = await registered({ entity_name: 'شرکت تأییدشدنی' });
    const { agent, csrf } = await signIn(app, tehranOfficer.email);
    const res = await agent.post(`/province/registrations/${unit.id}/approval`).type('form').send({ _csrf: csrf });
    expect(res.status).toBe(303);
    const row = await t.knex('units').where({ id: unit.id }).first();
    expect(row).toMatchObject({ registration: 'approved', reviewed_by: tehranOfficer.id, rejection_reason: null });
    expect(row.reviewed_at).toBeInstanceOf(Date);
    const log = await t.knex('audit_log').where({ action: 'unit.registration_approved', unit_id: unit.id });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ user_id: tehranOfficer.id, province_code: '23' });
    const mine = await owner.get('/my-units').expect(200);
    expect(mine.text).toContain('تأییدشده');
    expect(mine.text).not.toContain('در انتظار تأیید سازمان');
    // a second decision does not overwrite the first
    await agent.post(`/province/registrations/${unit.id}/rejection`).type('form').send({ _csrf: csrf, reason: 'دیرهنگام' }).expect(303);
    expect((await t.knex('units').where({ id: unit.id }).first()).registration).toBe('approved');
  });

  it('rejection needs a reason, which the unit then sees', async () => {
    const { owner, unit } = await registered({ entity_name: 'شرکت ردشدنی' });
    const { agent, csrf } = await signIn(app, tehranOfficer.email);
    const empty = await agent.post(`/province/registrations/${unit.id}/rejection`).type('form').send({ _csrf: csrf, reason: '   ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('دلیل رد را وارد کنید');
    expect((await t.knex('units').where({ id: unit.id }).first()).registration).toBe('pending');

    const reason = 'تصویر پروانه بهره‌برداری با شماره وارد شده همخوانی ندارد؛ شماره را اصلاح كنيد.';
    await agent.post(`/province/registrations/${unit.id}/rejection`).type('form').send({ _csrf: csrf, reason }).expect(303);
    const row = await t.knex('units').where({ id: unit.id }).first();
    expect(row.registration).toBe('rejected');
    expect(row.rejection_reason).toBe(reason.replace(/ك/g, 'ک').replace(/ي/g, 'ی'));
    expect(await t.knex('audit_log').where({ action: 'unit.registration_rejected', unit_id: unit.id })).toHaveLength(1);
    const mine = await owner.get('/my-units').expect(200);
    expect(mine.text).toContain('ردشده');
    expect(mine.text).toContain('تصویر پروانه بهره‌برداری با شماره وارد شده همخوانی ندارد');
  });

  it("an officer of another province gets 404 for the list entry, the details, approval and rejection, and the row is unchanged", async () => {
    const { unit } = await registered({ entity_name: 'شرکت محرمانه تهران', province_code: '23' });
    const { agent, csrf } = await signIn(app, isfahanOfficer.email);
    const list = await agent.get('/province/registrations').expect(200);
    expect(list.text).not.toContain('شرکت محرمانه تهران');
    expect((await agent.get(`/province/registrations/${unit.id}`)).status).toBe(404);
    expect((await agent.post(`/province/registrations/${unit.id}/approval`).type('form').send({ _csrf: csrf })).status).toBe(404);
    expect((await agent.post(`/province/registrations/${unit.id}/rejection`).type('form').send({ _csrf: csrf, reason: 'نه' })).status).toBe(404);
    const row = await t.knex('units').where({ id: unit.id }).first();
    expect(row).toMatchObject({ registration: 'pending', reviewed_by: null, rejection_reason: null });
    expect(await t.knex('audit_log').where({ unit_id: unit.id }).whereIn('action', ['unit.registration_approved', 'unit.registration_rejected'])).toHaveLength(0);
  });

  it('other roles get 404 on the province pages; a missing unit is 404 too', async () => {
    const { unit } = await registered();
    const stats = await createUser({ role: 'stats_office' });
    const { agent, csrf } = await signIn(app, stats.email);
    expect((await agent.get('/province/registrations')).status).toBe(404);
    expect((await agent.get(`/province/registrations/${unit.id}`)).status).toBe(404);
    expect((await agent.post(`/province/registrations/${unit.id}/approval`).type('form').send({ _csrf: csrf })).status).toBe(404);
    const officer = await signIn(app, tehranOfficer.email);
    expect((await officer.agent.get('/province/registrations/99999999')).status).toBe(404);
    expect((await officer.agent.get('/province/registrations/abc')).status).toBe(404);
  });

  it('approval and rejection without the CSRF token are refused with 403', async () => {
    const { unit } = await registered();
    const { agent } = await signIn(app, tehranOfficer.email);
    expect((await agent.post(`/province/registrations/${unit.id}/approval`).type('form').send({})).status).toBe(403);
    expect((await agent.post(`/province/registrations/${unit.id}/rejection`).type('form').send({ reason: 'x' })).status).toBe(403);
    expect((await t.knex('units').where({ id: unit.id }).first()).registration).toBe('pending');
  });

  it('the officer sees the accounts of imported units of the province that cannot sign in yet and makes a new link, shown once', async () => {
    const unit = await createUnit({ province_code: '23', name: 'شرکت واردشده تهران' });
    const elsewhere = await createUnit({ province_code: '10', name: 'شرکت واردشده اصفهان' });
    await t.knex('units').whereIn('id', [unit.id, elsewhere.id]).update({ source: 'import' });
    const [owner] = await t.knex('users').insert({ email: `imported-${unit.id}@test.ir`, role: 'unit_user', password_hash: null }).returning('id');
    const [other] = await t.knex('users').insert({ email: `imported-${elsewhere.id}@test.ir`, role: 'unit_user', password_hash: null }).returning('id');
    await t.knex('unit_users').insert([{ user_id: owner.id, unit_id: unit.id }, { user_id: other.id, unit_id: elsewhere.id }]);
    const first = await createActivationToken(owner.id, t.knex);
    await createActivationToken(other.id, t.knex);

    const { agent, csrf } = await signIn(app, tehranOfficer.email);
    const page = await agent.get('/province/registrations').expect(200);
    expect(page.text).toContain('شرکت واردشده تهران');
    expect(page.text).toContain(`imported-${unit.id}@test.ir`);
    expect(page.text).not.toContain(first.url); // links are kept as hashes only
    expect(page.text).not.toContain('شرکت واردشده اصفهان');

    const res = await agent.post(`/province/unit-accounts/${owner.id}/activation-link`).type('form').send({ _csrf: csrf });
    expect(res.status).toBe(201);
    const tokens = await t.knex('activation_tokens').where({ user_id: owner.id }).orderBy('id');
    expect(tokens).toHaveLength(2);
    expect(tokens[0].used_at).not.toBeNull();
    expect(tokens[1].used_at).toBeNull();
    const link = /\/activate\/([A-Za-z0-9_-]+)/.exec(res.text)![1];
    expect((await request(app).get(`/activate/${link}`)).status).toBe(200);
    expect((await request(app).get(first.url.replace(/^https?:\/\/[^/]+/, ''))).status).toBe(404);
    expect((await agent.get('/province/registrations')).text).not.toContain(link);
    expect(await t.knex('audit_log').where({ action: 'user.activation_link_issued', target: `user:${owner.id}` })).toHaveLength(1);

    // not for the owner of a unit in another province
    expect((await agent.post(`/province/unit-accounts/${other.id}/activation-link`).type('form').send({ _csrf: csrf })).status).toBe(404);
    expect(await t.knex('activation_tokens').where({ user_id: other.id })).toHaveLength(1);
  });
});
