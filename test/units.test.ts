import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, signIn } from './support/factories.ts';
import { registrationForm, postRegistration, visitor, registerAndSignIn } from './support/registration.ts';
import { DUPLICATE_LICENCE, DUPLICATE_EMAIL } from '../src/units/model.ts';
import { captureMail } from '../src/mail.ts';

let t: TestDatabase;
let app: App;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());

const unitsWithLicence = (licence: string) => t.knex('units').where({ licence_no: licence });
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&#34;').replace(/</g, '&lt;');

describe('a unit registers itself', () => {
  it('the public form lists provinces and ISIC classes grouped by division, with five product rows', async () => {
    const res = await request(app).get('/register').expect(200);
    const provinces = [...res.text.matchAll(/<option value="(\d\d)"[^>]*>([^<]+)<\/option>/g)].map((m) => m[2].trim());
    expect(provinces).toHaveLength(31);
    expect(provinces.indexOf('چهارمحال و بختیاری')).toBeLessThan(provinces.indexOf('کرمان'));
    expect(provinces.indexOf('گیلان')).toBeLessThan(provinces.indexOf('همدان'));
    expect(res.text).toContain('<option value="23">تهران</option>');
    expect((res.text.match(/name="province_code"[\s\S]*?<\/select>/)?.[0].match(/<option value="\d\d"/g) ?? []).length).toBe(31);
    expect(res.text).toMatch(/<optgroup label="صنعتی، قسمت ۱۰: [^"]+" data-section="C">/);
    expect(res.text).toMatch(/<option value="1050">۱۰۵۰ — /);
    expect(res.text).toContain('name="products[4][name]"');
    expect(res.text).not.toContain('name="products[5][name]"');
  });

  it('creates the legal entity, the pending unit, its products and the account; once the email is proven the owner signs in and sees the obligation start', async () => {
    const form = registrationForm({ licence_issued_on: '1404/02/15' });
    const { agent, res } = await registerAndSignIn(app, form);
    expect(res.status).toBe(303);

    const page = await agent.get('/my-units').expect(200);
    expect(page.text).toContain('در انتظار تأیید سازمان صنعت، معدن و تجارت استان تهران');
    expect(page.text).toContain('مرداد ۱۴۰۴'); // 1404-02-15 + 3 months → 1404-05
    expect(page.text).toContain('شیر پاستوریزه');

    const [unit] = await unitsWithLicence(form.licence_no);
    expect(unit).toMatchObject({ registration: 'pending', source: 'site', obligation_start: '1404-05', province_code: '23', kind: 'industrial', isic_class: '1050', postal_code: '1234567890', contact_national_code: '0499370899' });
    const entity = await t.knex('legal_entities').where({ id: unit.legal_entity_id }).first();
    expect(entity).toMatchObject({ national_id: form.national_id, name: 'شرکت لبنیات نمونه' });
    const iso = await t.knex.raw(`select to_char(licence_issued_on, 'YYYY-MM-DD') as d from units where id = ?`, [unit.id]);
    expect(iso.rows[0].d).toBe('2025-05-05');
    const products = await t.knex('products').where({ unit_id: unit.id });
    expect(products).toHaveLength(1);
    expect(products[0]).toMatchObject({ name: 'شیر پاستوریزه', unit_of_measure: 'تن', annual_capacity: 12000 });
    const user = await t.knex('users').where({ email: form.email }).first();
    expect(user.role).toBe('unit_user');
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    expect(await t.knex('unit_users').where({ user_id: user.id, unit_id: unit.id })).toHaveLength(1);
    expect(await t.knex('audit_log').where({ action: 'unit.registered', unit_id: unit.id })).toHaveLength(1);
  });

  it('accepts Persian and Arabic-Indic digits and stores Arabic ي/ك as Persian ی/ک', async () => {
    const base = registrationForm();
    const persian = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
    const arabic = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)));
    const form = {
      ...base,
      national_id: persian(base.national_id),
      licence_issued_on: arabic('1403/12/30'),
      postal_code: '۱۲۳۴۵-۶۷۸۹۰',
      contact_national_code: persian('0790419904'),
      entity_name: 'شركت كيميا يزد',
      city: 'كرج',
      'products[0][name]': 'پودر كيك',
      'products[0][annual_capacity]': '۱٬۲۰۰٫۵',
    };
    const { res } = await postRegistration(app, form);
    expect(res.status).toBe(303);
    const unit = await t.knex('units as u').join('legal_entities as le', 'le.id', 'u.legal_entity_id').where('le.national_id', base.national_id).first('u.*', 'le.name as entity_name');
    expect(unit.entity_name).toBe('شرکت کیمیا یزد');
    expect(unit.city).toBe('کرج');
    expect(unit.postal_code).toBe('1234567890');
    expect(unit.contact_national_code).toBe('0790419904');
    expect(unit.obligation_start).toBe('1404-03'); // 1403-12 (leap year, day 30 exists) + 3
    const product = await t.knex('products').where({ unit_id: unit.id }).first();
    expect(product).toMatchObject({ name: 'پودر کیک', annual_capacity: 1200.5 });
  });

  const refusals: [string, Record<string, string>, string, string][] = [
    ['a national id with a wrong check digit', { national_id: '10380284792' }, 'national_id', 'شناسه ملی معتبر نیست'],
    ['a national code with a wrong check digit', { contact_national_code: '1234567890' }, 'contact_national_code', 'کد ملی معتبر نیست'],
    ['a postal code of nine digits', { postal_code: '123456789' }, 'postal_code', 'کد پستی باید ۱۰ رقم باشد'],
    ['30 Esfand 1404, which does not exist', { licence_issued_on: '1404/12/30' }, 'licence_issued_on', 'در تقویم هجری شمسی وجود ندارد'],
    ['a 13th month', { licence_issued_on: '1404/13/01' }, 'licence_issued_on', 'در تقویم هجری شمسی وجود ندارد'],
    ['a licence date in the future', { licence_issued_on: '1410/01/01' }, 'licence_issued_on', 'نمی‌تواند در آینده باشد'],
    ['a date that is not a date', { licence_issued_on: 'دیروز' }, 'licence_issued_on', 'به شکل ۱۴۰۴/۰۲/۱۵'],
    ['a mining class for an industrial unit', { isic_class: '0710' }, 'isic_class', 'واحد صنعتی باید فعالیتی از بخش'],
    ['a manufacturing class for a mining unit', { kind: 'mining', isic_class: '1050' }, 'isic_class', 'واحد معدنی باید فعالیتی از بخش'],
    ['no product at all', { 'products[0][name]': '', 'products[0][unit_of_measure]': '', 'products[0][annual_capacity]': '' }, 'products', 'دست‌کم یک محصول'],
    ['a negative capacity', { 'products[0][annual_capacity]': '-5' }, 'products.0.annual_capacity', 'نمی‌تواند منفی باشد'],
    ['a product without its unit of measure', { 'products[0][unit_of_measure]': '' }, 'products.0.unit_of_measure', 'واحد سنجش را وارد کنید'],
    ['different passwords', { password_confirm: 'another-password' }, 'password_confirm', 'دو گذرواژه یکسان نیستند'],
    ['a short password', { password: 'short', password_confirm: 'short' }, 'password', 'دست‌کم ۱۰ نویسه'],
    ['no province', { province_code: '' }, 'province_code', 'استان را انتخاب کنید'],
  ];
  for (const [what, overrides, field, message] of refusals) {
    it(`refuses ${what}, with the Persian message by the field and everything typed kept`, async () => {
      const form = registrationForm(overrides);
      const { res } = await postRegistration(app, form);
      expect(res.status).toBe(422);
      expect(res.text).toContain(message);
      // the message sits next to its field
      const anchor = field === 'products' ? 'id="products-error"' : field.startsWith('products.') ? `name="products[0][${field.split('.')[2]}]"` : `name="${field}"`;
      const at = res.text.indexOf(anchor);
      expect(at).toBeGreaterThan(-1);
      const near = res.text.slice(at, at + (field === 'products' ? 400 : field === 'isic_class' ? 60000 : 3000));
      expect(near).toContain(message);
      expect(res.text).toContain(`value="${escapeHtml(form.email)}"`);
      expect(res.text).toContain('value="شرکت لبنیات نمونه"');
      expect(res.text).toContain(`value="${escapeHtml(form.licence_no)}"`);
      expect(res.text).not.toContain(form.password);
      expect(await unitsWithLicence(form.licence_no)).toHaveLength(0);
      expect(await t.knex('users').where({ email: form.email })).toHaveLength(0);
    });
  }

  it('refuses a licence already registered on the site, next to the licence field', async () => {
    const first = registrationForm();
    expect((await postRegistration(app, first)).res.status).toBe(303);
    const again = registrationForm({ national_id: first.national_id, licence_no: first.licence_no, entity_name: 'نام دیگر' });
    const { res } = await postRegistration(app, again);
    expect(res.status).toBe(422);
    const at = res.text.indexOf('name="licence_no"');
    expect(res.text.slice(at, at + 1500)).toContain(escapeHtml(DUPLICATE_LICENCE).slice(0, 40));
    expect(await unitsWithLicence(first.licence_no)).toHaveLength(1);
    expect(await t.knex('users').where({ email: again.email })).toHaveLength(0);
  });

  it('a second licence of the same legal entity reuses the entity', async () => {
    const first = registrationForm();
    expect((await postRegistration(app, first)).res.status).toBe(303);
    const second = registrationForm({ national_id: first.national_id });
    expect((await postRegistration(app, second)).res.status).toBe(303);
    expect(await t.knex('legal_entities').where({ national_id: first.national_id })).toHaveLength(1);
    const units = await t.knex('units as u').join('legal_entities as le', 'le.id', 'u.legal_entity_id').where('le.national_id', first.national_id);
    expect(units).toHaveLength(2);
  });

  it('an email that already has an account, in any letter case, is not told on the page: nothing is stored and its owner is mailed', async () => {
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const form = registrationForm({ email: officer.email.toUpperCase() });
    const outbox = captureMail();
    const { res } = await postRegistration(app, form);
    captureMail(false);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/register/sent');
    expect(res.text).not.toContain(DUPLICATE_EMAIL.slice(0, 30));
    expect(await unitsWithLicence(form.licence_no)).toHaveLength(0);
    expect(outbox.map((m) => m.to)).toEqual([officer.email]);
  });

  it('two registrations of the same licence at the same moment leave one unit and a clear message for the other', async () => {
    const a = registrationForm();
    const b = registrationForm({ national_id: a.national_id, licence_no: a.licence_no });
    const va = await visitor(app);
    const vb = await visitor(app);
    const [ra, rb] = await Promise.all([
      va.agent.post('/register').type('form').send({ _csrf: va.csrf, ...a }),
      vb.agent.post('/register').type('form').send({ _csrf: vb.csrf, ...b }),
    ]);
    const statuses = [ra.status, rb.status].sort();
    expect(statuses).toEqual([303, 422]);
    const loser = ra.status === 422 ? ra : rb;
    expect(loser.text).toContain(escapeHtml(DUPLICATE_LICENCE).slice(0, 40));
    expect(await unitsWithLicence(a.licence_no)).toHaveLength(1);
    const accounts = await t.knex('users').whereIn('email', [a.email, b.email]);
    expect(accounts).toHaveLength(1);
    expect(await t.knex('legal_entities').where({ national_id: a.national_id })).toHaveLength(1);
  });

  it('adds product rows without JavaScript and ignores empty rows', async () => {
    const { agent, csrf } = await visitor(app);
    const form = registrationForm();
    const more = await agent.post('/register').type('form').send({ _csrf: csrf, ...form, more_rows: '1' });
    expect(more.status).toBe(200);
    expect(more.text).toContain('name="products[9][name]"');
    expect(more.text).toContain('value="شیر پاستوریزه"');
    expect(await unitsWithLicence(form.licence_no)).toHaveLength(0);
    // A product code is picked from the national catalogue (issue 15): it must be there.
    await t.knex('catalogue').insert({ code: '1050123', isic_class: '1050', name_fa: 'خامه', unit_of_measure_code: 't', active_from: '1400-01' });
    const res = await agent.post('/register').type('form').send({
      _csrf: csrf, ...form,
      'products[7][name]': 'خامه', 'products[7][unit_of_measure]': 'تن', 'products[7][annual_capacity]': '0', 'products[7][product_code]': '1050123',
    });
    expect(res.status).toBe(303);
    const [unit] = await unitsWithLicence(form.licence_no);
    const products = await t.knex('products').where({ unit_id: unit.id }).orderBy('position');
    expect(products.map((p) => [p.name, p.annual_capacity, p.product_code])).toEqual([['شیر پاستوریزه', 12000, null], ['خامه', 0, '1050123']]);
  });

  it('a refused registration opens with an error summary linking each field, says the password mismatch, and "at least one product" beside the rows', async () => {
    const { agent, csrf } = await visitor(app);
    const form = registrationForm();
    const noProducts = Object.fromEntries(Object.entries(form).filter(([k]) => !k.startsWith('products')));
    const res = await agent.post('/register').type('form').send({ _csrf: csrf, ...noProducts, national_id: '123', password: 'short', password_confirm: 'other' });
    expect(res.status).toBe(422);
    const summary = res.text.slice(res.text.indexOf('id="error-summary"'), res.text.indexOf('</div>', res.text.indexOf('id="error-summary"')));
    expect(summary).toContain('href="#f-national_id"');
    expect(summary).toContain('href="#f-password_confirm">دو گذرواژه یکسان نیستند.');
    expect(summary).toContain('href="#products-error"');
    expect(res.text).toContain('id="f-national_id"');
    // The product message sits with the product rows, not at the top.
    expect(res.text.indexOf('id="products-error"')).toBeGreaterThan(res.text.indexOf('محصولات (از روی پروانه)'));
  });

  it('a registration posted without its CSRF token is refused with 403', async () => {
    const form = registrationForm();
    const res = await request(app).post('/register').type('form').send(form);
    expect(res.status).toBe(403);
    expect(await unitsWithLicence(form.licence_no)).toHaveLength(0);
  });

  it('my units are for unit users only; others get 404', async () => {
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent } = await signIn(app, officer.email);
    expect((await agent.get('/my-units')).status).toBe(404);
    expect((await request(app).get('/my-units')).status).toBe(303);
  });

  it('a unit user sees only their own units', async () => {
    const mine = registrationForm({ entity_name: 'شرکت من' });
    const theirs = registrationForm({ entity_name: 'شرکت دیگری' });
    const { agent } = await registerAndSignIn(app, mine);
    await postRegistration(app, theirs);
    const page = await agent.get('/my-units').expect(200);
    expect(page.text).toContain('شرکت من');
    expect(page.text).not.toContain('شرکت دیگری');
  });
});
