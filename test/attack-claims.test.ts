import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../src/app.ts';
import { captureMail, type SentMail } from '../src/mail.ts';
import { importUnits, IMPORT_COLUMNS } from '../src/units/import.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUser, csrfFrom, legalEntityId, signIn } from './support/factories.ts';
import { registrationForm, postRegistration } from './support/registration.ts';

// Issue 12 §1 and §2: nobody takes over a unit of the register by knowing its public national id
// and licence number, and no email is trusted before a one-time link proved it.

let t: TestDatabase;
let app: Express;
let mail: SentMail[];
beforeAll(async () => {
  t = await freshDatabase();
  app = createApp({ loginLimit: 10_000, registerLimit: 10_000 });
});
afterAll(async () => t.close());
afterEach(() => { captureMail(false); });

let seq = 0;
/** An imported unit of Tehran with a register email; returns its public facts. */
async function importedUnit(email: string | null = null) {
  seq += 1;
  const nationalId = legalEntityId(70_000 + seq + (process.pid % 1000) * 100);
  const licence = `IMP-${process.pid}-${seq}`;
  const row = [nationalId, `شرکت واردشده ${seq}`, licence, '1398-05-12', 'industrial', '1050', 'تهران', 'تهران', '0', 'شیر:تن:1200', email ?? ''];
  const r = await importUnits(`${IMPORT_COLUMNS.join(',')}\n${row.join(',')}\n`, { k: t.knex });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const unit = await t.knex('units as u').join('legal_entities as le', 'le.id', 'u.legal_entity_id').where({ 'le.national_id': nationalId, 'u.licence_no': licence }).first('u.id');
  return { id: unit.id as number, nationalId, licence, result: r };
}

const linkIn = (m: SentMail | undefined, path: string) => {
  const found = m && new RegExp(`https?://[^\\s]+/${path}/([A-Za-z0-9_-]+)`).exec(m.text);
  if (!found) throw new Error(`no ${path} link in ${m?.text}`);
  return found[1];
};

async function proveEmail(token: string) {
  const agent = request.agent(app);
  const page = await agent.get(`/email-confirmations/${token}`).expect(200);
  return agent.post(`/email-confirmations/${token}`).type('form').send({ _csrf: csrfFrom(page.text), confirm: '1' });
}

describe('claiming an imported unit', () => {
  it('knowing the national id and licence number gives a pending claim, not the unit; the register email is told', async () => {
    mail = captureMail();
    const unit = await importedUnit('owner-of-record@test.ir');
    mail.length = 0;
    const form = registrationForm({ national_id: unit.nationalId, licence_no: unit.licence, email: `claimant-${seq}@test.ir`, entity_name: 'نام دیگری' });
    const { res } = await postRegistration(app, form);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/register/sent');
    const claimant = await t.knex('users').where({ email: form.email }).first();
    expect(claimant.email_verified_at).toBeNull();
    // No link to the unit: the claimant cannot file for it.
    expect(await t.knex('unit_users').where({ user_id: claimant.id, unit_id: unit.id }).first()).toBeUndefined();
    const claim = await t.knex('unit_claims').where({ user_id: claimant.id }).first();
    expect(claim).toMatchObject({ unit_id: unit.id, status: 'pending' });
    // The register's contact is told; the claimant gets only a link proving the email.
    const notice = mail.find((m) => m.to === 'owner-of-record@test.ir');
    expect(notice?.text).toContain('مالک واحد');
    expect(mail.find((m) => m.to === form.email)?.text).toContain('/email-confirmations/');
    expect(await t.knex('audit_log').where({ action: 'unit.claimed', unit_id: unit.id }).first()).toBeDefined();
  });

  it('the officer sees "claims an imported unit" with the register data beside the claimant\'s, and approval links the account', async () => {
    mail = captureMail();
    const unit = await importedUnit(null);
    const form = registrationForm({ national_id: unit.nationalId, licence_no: unit.licence, email: `claimant-b-${seq}@test.ir`, entity_name: 'نام ادعایی متفاوت' });
    await postRegistration(app, form);
    const claimant = await t.knex('users').where({ email: form.email }).first();
    const claim = await t.knex('unit_claims').where({ user_id: claimant.id }).first();
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent, csrf } = await signIn(app, officer.email);
    const list = await agent.get('/province/registrations').expect(200);
    expect(list.text).toContain('مدعی یک واحد واردشده');
    const page = await agent.get(`/province/claims/${claim.id}`).expect(200);
    expect(page.text).toContain('id="claim-compare"');
    expect(page.text).toContain(`شرکت واردشده ${seq}`); // the register's name
    expect(page.text).toContain('نام ادعایی متفاوت'); // the claimant's
    // Not before the email is proven.
    const early = await agent.post(`/province/claims/${claim.id}/approval`).type('form').send({ _csrf: csrf });
    expect(early.status).toBe(303);
    expect(await t.knex('unit_users').where({ user_id: claimant.id, unit_id: unit.id }).first()).toBeUndefined();
    expect((await proveEmail(linkIn(mail.find((m) => m.to === form.email), 'email-confirmations'))).status).toBe(303);
    await agent.post(`/province/claims/${claim.id}/approval`).type('form').send({ _csrf: csrf }).expect(303);
    expect(await t.knex('unit_users').where({ user_id: claimant.id, unit_id: unit.id }).first()).toBeDefined();
    expect((await t.knex('unit_claims').where({ id: claim.id }).first()).status).toBe('approved');
    expect(await t.knex('audit_log').where({ action: 'unit.account_linked', unit_id: unit.id, target: `user:${claimant.id}` }).first()).toBeDefined();
    expect((await agent.get('/province/registrations')).text).toContain(form.email); // shown among linked accounts
    // An officer of another province does not see the claim.
    const other = await createUser({ role: 'province_officer', province_code: '10' });
    expect((await (await signIn(app, other.email)).agent.get(`/province/claims/${claim.id}`)).status).toBe(404);
  });
});

describe('proving an email', () => {
  it('a registrant cannot sign in before opening the one-time link; the link works once', async () => {
    mail = captureMail();
    const form = registrationForm();
    const { res } = await postRegistration(app, form);
    expect(res.status).toBe(303);
    const agent = request.agent(app);
    const page = await agent.get('/login');
    const before = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: form.email, password: form.password });
    expect(before.status).toBe(403);
    expect(before.text).toContain('تأیید نشده');
    const token = linkIn(mail.filter((m) => m.to === form.email).at(-1), 'email-confirmations');
    expect((await proveEmail(token)).status).toBe(303);
    expect((await request(app).get(`/email-confirmations/${token}`)).status).toBe(404); // one time only
    const stored = await t.knex('activation_tokens').whereNotNull('used_at').orderBy('id', 'desc').first();
    expect(stored.token_hash).not.toContain(token);
    expect(JSON.stringify(await t.knex('activation_tokens').select('*'))).not.toContain(token); // only a hash is kept
    const after = await agent.post('/login').type('form').send({ _csrf: csrfFrom((await agent.get('/login')).text), email: form.email, password: form.password });
    expect(after.status).toBe(303);
  });

  it('without mail, the officer of the province makes the link, shown once and stored hashed', async () => {
    const form = registrationForm();
    await postRegistration(app, form);
    const user = await t.knex('users').where({ email: form.email }).first();
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent, csrf } = await signIn(app, officer.email);
    const list = await agent.get('/province/registrations');
    expect(list.text).toContain(form.email);
    const issued = await agent.post(`/province/unit-accounts/${user.id}/activation-link`).type('form').send({ _csrf: csrf });
    expect(issued.status).toBe(201);
    expect(issued.headers['cache-control']).toContain('no-store');
    const token = /\/email-confirmations\/([A-Za-z0-9_-]+)/.exec(issued.text)![1];
    expect((await agent.get('/province/registrations')).text).not.toContain(token);
    expect((await proveEmail(token)).status).toBe(303);
    expect((await t.knex('users').where({ id: user.id }).first()).email_verified_at).not.toBeNull();
  });

  it('an import never links a unit to an account whose email is unproven; a proven one is linked, audited and shown', async () => {
    // The attack of the report: register with the address a later import carries.
    const form = registrationForm();
    await postRegistration(app, form);
    const squatter = await t.knex('users').where({ email: form.email }).first();
    const unit = await importedUnit(form.email);
    expect(await t.knex('unit_users').where({ unit_id: unit.id }).first()).toBeUndefined();
    expect(unit.result.ok && unit.result.notLinked.map((n) => n.email)).toEqual([form.email]);
    expect(await t.knex('unit_users').where({ user_id: squatter.id }).pluck('unit_id')).not.toContain(unit.id);
    // A proven address is linked, and the link is on the record and on the officer's page.
    const proven = await createUser({ role: 'unit_user' });
    const second = await importedUnit(proven.email);
    expect(await t.knex('unit_users').where({ unit_id: second.id, user_id: proven.id }).first()).toBeDefined();
    expect(await t.knex('audit_log').where({ action: 'unit.account_linked', unit_id: second.id, target: `user:${proven.id}` }).first()).toBeDefined();
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const page = await (await signIn(app, officer.email)).agent.get('/province/registrations');
    expect(page.text).toContain(proven.email);
    expect(page.text).toContain('(ورود فهرست)');
  });
});

describe('registration does not reveal which emails exist', () => {
  it('a taken email gets the same answer as a new one, nothing is stored, and the owner is mailed', async () => {
    mail = captureMail();
    const owner = await createUser({ role: 'province_officer', province_code: '23' });
    const taken = await postRegistration(app, registrationForm({ email: owner.email }));
    const fresh = await postRegistration(app, registrationForm());
    expect(taken.res.status).toBe(fresh.res.status);
    expect(taken.res.headers.location).toBe(fresh.res.headers.location);
    const a = await taken.agent.get(taken.res.headers.location);
    const b = await fresh.agent.get(fresh.res.headers.location);
    expect(a.text.replace(/name="_csrf" value="[^"]+"/g, '')).toBe(b.text.replace(/name="_csrf" value="[^"]+"/g, ''));
    expect(mail.find((m) => m.to === owner.email)?.subject).toContain('تلاش برای ثبت‌نام');
    expect(await t.knex('unit_claims').join('users', 'users.id', 'unit_claims.user_id').where('users.email', owner.email).first()).toBeUndefined();
  });
});
