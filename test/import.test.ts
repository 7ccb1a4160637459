import fs from 'node:fs';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, signIn, legalEntityId } from './support/factories.ts';
import { registrationForm, postRegistration } from './support/registration.ts';
import { importUnits, IMPORT_COLUMNS } from '../src/units/import.ts';
import { parseCsv, CsvSyntaxError } from '../src/units/csv.ts';
import { sha256 } from '../src/auth/activation.ts';

let t: TestDatabase;
let app: App;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());

const HEADER = IMPORT_COLUMNS.join(',');
const sample = fs.readFileSync('seeds/sample-units.csv', 'utf8');
const counts = async () => ({
  units: Number((await t.knex('units').count('* as n'))[0].n),
  entities: Number((await t.knex('legal_entities').count('* as n'))[0].n),
  products: Number((await t.knex('products').count('* as n'))[0].n),
  users: Number((await t.knex('users').count('* as n'))[0].n),
  links: Number((await t.knex('unit_users').count('* as n'))[0].n),
  tokens: Number((await t.knex('activation_tokens').count('* as n'))[0].n),
});

describe('the CSV reader', () => {
  it('reads quoted fields with commas, doubled quotes and newlines, CRLF, and drops the BOM', () => {
    const text = '\ufeffa,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n\r\nplain,,last\n';
    const rows = parseCsv(text);
    expect(rows).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 5, fields: ['plain', '', 'last'] },
    ]);
  });

  it('accepts a last line without a newline and an empty last field', () => {
    expect(parseCsv('a,b\n1,')).toEqual([{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1', ''] }]);
    expect(parseCsv('a,"b"')).toEqual([{ line: 1, fields: ['a', 'b'] }]);
  });

  it('refuses an unclosed quote and a stray quote, with the line', () => {
    expect(() => parseCsv('a,b\n"open,x\n')).toThrow(CsvSyntaxError);
    try { parseCsv('a,b\nx,y"z\n'); } catch (e) { expect((e as CsvSyntaxError).line).toBe(2); }
    expect(() => parseCsv('"a"b,c')).toThrow(CsvSyntaxError);
  });
});

describe('importing the licence register', () => {
  it('imports the sample file: approved units from the register, owners with activation links', async () => {
    const before = await counts();
    const result = await importUnits(sample, { k: t.knex });
    expect(result).toMatchObject({ ok: true, rows: 10, created: 10, unchanged: 0 });
    if (!result.ok) return;
    const after = await counts();
    expect(after.units - before.units).toBe(10);
    expect(after.entities - before.entities).toBe(9); // one entity owns two licences
    expect(after.products - before.products).toBe(18);

    const units = await t.knex('units as u').join('legal_entities as le', 'le.id', 'u.legal_entity_id').select('u.*', 'le.name as entity_name', 'le.national_id');
    expect(units.every((u) => u.registration === 'approved' && u.source === 'import')).toBe(true);
    const byLicence = new Map(units.map((u) => [u.licence_no, u]));
    expect(byLicence.get('12/4581')).toMatchObject({ previously_announced: true, obligation_start: '1387-08', province_code: '23' });
    expect(byLicence.get('9/7710')).toMatchObject({ previously_announced: false, obligation_start: '1400-03', province_code: '09' }); // 1399-12-25 + 3 months
    expect(byLicence.get('15/22841').entity_name).toBe('شرکت فولاد مبارکه، مجتمع نورد');

    // 5 distinct emails; the steel company's one owner is linked to both its licences
    expect(after.users - before.users).toBe(5);
    expect(result.accounts).toHaveLength(5);
    const steel = await t.knex('users').where({ email: 'steel.mobarakeh@example.ir' }).first();
    expect(steel).toMatchObject({ role: 'unit_user', password_hash: null });
    expect(await t.knex('unit_users').where({ user_id: steel.id })).toHaveLength(2);
    const token = await t.knex('activation_tokens').where({ user_id: steel.id }).whereNull('used_at').first();
    const url = result.accounts.find((a) => a.email === steel.email)!.url;
    expect(token.token_hash).toBe(sha256(url.split('/activate/')[1])); // kept as a hash only
    expect(await t.knex('audit_log').where({ action: 'units.imported' })).toHaveLength(1);
    expect(await t.knex('audit_log').where({ action: 'unit.account_linked', target: `user:${steel.id}` })).toHaveLength(2);

    // the Isfahan officer sees the account waiting for its password; the Tehran officer does not
    const isfahan = await createUser({ role: 'province_officer', province_code: '10' });
    const { agent } = await signIn(app, isfahan.email);
    const page = await agent.get('/province/registrations').expect(200);
    expect(page.text).toContain(steel.email);
    const tehran = await createUser({ role: 'province_officer', province_code: '23' });
    const other = await signIn(app, tehran.email);
    expect((await other.agent.get('/province/registrations')).text).not.toContain(steel.email);
  });

  it('importing the same file again changes nothing', async () => {
    const before = await counts();
    const snapshot = await t.knex('units').orderBy('id').select('id', 'registration', 'obligation_start');
    const result = await importUnits(sample, { k: t.knex });
    expect(result).toMatchObject({ ok: true, rows: 10, created: 0, unchanged: 10, accounts: [] });
    expect(await counts()).toEqual(before);
    expect(await t.knex('units').orderBy('id').select('id', 'registration', 'obligation_start')).toEqual(snapshot);
  });

  it('a file with bad rows imports nothing and reports each bad row with its file line', async () => {
    const good = `${legalEntityId(9001)},شرکت سالم,G-1,1400-01-10,industrial,1050,تهران,تهران,0,شیر:تن:10,`;
    const lines = [
      HEADER,
      good, // line 2
      `10380284792,شرکت بد,B-1,1400-01-10,industrial,1050,تهران,تهران,0,شیر:تن:10,`, // 3: check digit
      `"${legalEntityId(9002)}","شرکت با نام
دو خطی",B-2,1404-12-30,industrial,1050,تهران,تهران,0,شیر:تن:10,`, // 4–5: 1404-12-30 does not exist
      `${legalEntityId(9003)},شرکت معدنی,B-3,1400-01-10,mining,1050,تهران,تهران,0,سنگ:تن:10,`, // 6: class of section C for mining
      `${legalEntityId(9004)},شرکت جایی,B-4,1400-01-10,industrial,1050,ناکجا,تهران,0,شیر:تن:10,`, // 7: no such province
      `${legalEntityId(9005)},شرکت منفی,B-5,1400-01-10,industrial,1050,تهران,تهران,0,شیر:تن:-1,`, // 8: negative capacity
      `${legalEntityId(9006)},شرکت بی‌محصول,B-6,1400-01-10,industrial,1050,تهران,تهران,2,شیر-تن,`, // 9: flag and products
      good.replace('شرکت سالم', 'تکراری'), // 10: same licence as line 2
      `${legalEntityId(9007)},شرکت کوتاه,B-7`, // 11: too few fields
    ];
    const before = await counts();
    const result = await importUnits(lines.join('\n'), { k: t.knex });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.line)).toEqual([3, 4, 6, 7, 8, 9, 10, 11]);
    const reason = (line: number) => result.errors.find((e) => e.line === line)!.reason;
    expect(reason(3)).toContain('national_id');
    expect(reason(4)).toContain('وجود ندارد');
    expect(reason(6)).toContain('does not match kind mining');
    expect(reason(7)).toContain('province');
    expect(reason(8)).toContain('negative');
    expect(reason(9)).toContain('previously_announced');
    expect(reason(9)).toContain('products');
    expect(reason(10)).toContain('line 2');
    expect(reason(11)).toContain('fields');
    expect(await counts()).toEqual(before);
  });

  it('refuses a wrong header and reports it on line 1', async () => {
    const result = await importUnits(`national_id,entity_name,licence\n1,2,3\n`, { k: t.knex });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0].line).toBe(1);
    expect(result.errors[0].reason).toContain('missing columns');
  });

  it('matches provinces written with Arabic ي/ك and accepts Persian digits and a BOM', async () => {
    const id = legalEntityId(9100);
    const persian = (s: string) => s.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
    const text = `\ufeff${HEADER}\n${persian(id)},شركت كرماني,${persian('K-77')},${persian('1401-07-01')},industrial,${persian('2394')},كرمان,كرمان,0,سيمان:تن:${persian('1000')},\n`;
    const result = await importUnits(text, { k: t.knex });
    expect(result).toMatchObject({ ok: true, created: 1 });
    const unit = await t.knex('units as u').join('legal_entities as le', 'le.id', 'u.legal_entity_id').where('le.national_id', id).first('u.*', 'le.name');
    expect(unit).toMatchObject({ province_code: '08', city: 'کرمان', name: 'شرکت کرمانی', licence_no: 'K-77', obligation_start: '1401-10' });
    expect((await t.knex('products').where({ unit_id: unit.id }).first()).name).toBe('سیمان');
  });

  it('a unit of the register that registers on the site is not duplicated: the registration is a claim, the unit keeps its approval', async () => {
    const id = legalEntityId(9200);
    const text = `${HEADER}\n${id},شرکت قدیمی,OLD-1,1380-01-15,industrial,1050,تهران,تهران,1,شیر:تن:500,\n`;
    expect(await importUnits(text, { k: t.knex })).toMatchObject({ ok: true, created: 1 });
    const imported = await t.knex('units').where({ licence_no: 'OLD-1' }).first();

    const form = registrationForm({ national_id: id, licence_no: 'OLD-1', entity_name: 'شرکت قدیمی' });
    const { res } = await postRegistration(app, form);
    expect(res.status).toBe(303);
    expect(await t.knex('units').where({ licence_no: 'OLD-1' })).toHaveLength(1);
    const user = await t.knex('users').where({ email: form.email }).first();
    expect(await t.knex('unit_users').where({ user_id: user.id, unit_id: imported.id })).toHaveLength(0);
    expect(await t.knex('unit_claims').where({ user_id: user.id, unit_id: imported.id, status: 'pending' })).toHaveLength(1);
    const after = await t.knex('units').where({ id: imported.id }).first();
    expect(after).toMatchObject({ registration: 'approved', source: 'import', obligation_start: '1387-08' });
    expect(await t.knex('products').where({ unit_id: imported.id })).toHaveLength(1);
    // the province office sees the claim; another province does not
    const tehran = await signIn(app, (await createUser({ role: 'province_officer', province_code: '23' })).email);
    expect((await tehran.agent.get('/province/registrations')).text).toMatch(new RegExp(`id="pending-claims"[\\s\\S]*${form.email.replace(/[.]/g, '\\.')}`));
    const fars = await signIn(app, (await createUser({ role: 'province_officer', province_code: '07' })).email);
    expect((await fars.agent.get('/province/registrations')).text).not.toContain(form.email);
  });

  it('an imported unit whose owner already has an account from the register is not given to a stranger who registers for it', async () => {
    const id = legalEntityId(9300);
    const text = `${HEADER}\n${id},شرکت دارای حساب,OWN-1,1399-01-15,industrial,1050,تهران,تهران,0,شیر:تن:500,owner-9300@example.ir\n`;
    expect(await importUnits(text, { k: t.knex })).toMatchObject({ ok: true, created: 1 });
    const form = registrationForm({ national_id: id, licence_no: 'OWN-1' });
    const { res } = await postRegistration(app, form);
    expect(res.status).toBe(303);
    expect(await t.knex('units').where({ licence_no: 'OWN-1' })).toHaveLength(1);
    const stranger = await t.knex('users').where({ email: form.email }).first();
    expect(await t.knex('unit_users').where({ user_id: stranger.id })).toHaveLength(0);
  });

  it('refuses an email that belongs to a staff account', async () => {
    const admin = await createUser({ role: 'admin' });
    const text = `${HEADER}\n${legalEntityId(9400)},شرکت,ST-1,1399-01-15,industrial,1050,تهران,تهران,0,شیر:تن:500,${admin.email}\n`;
    const result = await importUnits(text, { k: t.knex });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toEqual([{ line: 2, reason: expect.stringContaining('staff') }]);
    expect(await t.knex('units').where({ licence_no: 'ST-1' })).toHaveLength(0);
  });
});
