import fs from 'node:fs';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createApp } from '../src/app.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUser, createUnit, signIn } from './support/factories.ts';
import { createFiling } from './support/filings.ts';
import { importCatalogue } from '../src/catalogue/import.ts';
import { deleteEntry, standardQuantity, RETIRED_IN_USE } from '../src/catalogue/model.ts';
import { FormError } from '../src/forms.ts';
import { convertQuantity, sumQuantities, ConversionError, type MeasureUnit } from '../src/catalogue/quantity.ts';
import { demoCatalogue, seedDemoCatalogue } from '../seeds/catalogue-demo.ts';
import { ACTIVITIES } from '../seeds/data/demo-names.ts';

let t: TestDatabase;
let app: ReturnType<typeof createApp>;
let statsEmail: string;
beforeAll(async () => {
  t = await freshDatabase();
  app = createApp({ loginLimit: 1000 });
  statsEmail = (await createUser({ role: 'stats_office' }, t.knex)).email;
});
afterAll(async () => t.close());

const HEADER = 'code,name_fa,name_en,unit,active_from,retired_from';
const sample = fs.readFileSync('seeds/sample-catalogue.csv', 'utf8');
const count = async () => Number((await t.knex('catalogue').count('* as n'))[0].n);
const unit = async (code: string): Promise<MeasureUnit> => t.knex('units_of_measure').where({ code }).first('code', 'name_fa', 'dimension', 'factor');

describe('importing the catalogue', () => {
  it('imports the sample file, normalising Persian letters and keeping ZWNJ', async () => {
    const before = await count();
    const result = await importCatalogue(sample, { k: t.knex });
    expect(result).toMatchObject({ ok: true, rows: 5, created: 5, updated: 0, unchanged: 0 });
    expect(await count()).toBe(before + 5);
    const milk = await t.knex('catalogue').where({ code: '1050100010' }).first();
    expect(milk).toMatchObject({ isic_class: '1050', name_fa: 'شیر پاستوریزه', unit_of_measure_code: 't', active_from: '1404-01', retired_from: null, source: 'import' });

    const arabic = `${HEADER}\n۱۰۷۱۱۰۰۰۱۰,نان حجيم‌ وكيك,,تن,۱۴۰۴/۳,\n`;
    expect(await importCatalogue(arabic, { k: t.knex })).toMatchObject({ ok: true, created: 1 });
    const bread = await t.knex('catalogue').where({ code: '1071100010' }).first('name_fa', 'active_from');
    expect(bread).toEqual({ name_fa: 'نان حجیم‌ وکیک', active_from: '1404-03' });
  });

  it('importing the same file again changes nothing', async () => {
    const before = await t.knex('catalogue').orderBy('code').select('code', 'updated_at');
    const result = await importCatalogue(sample, { k: t.knex });
    expect(result).toMatchObject({ ok: true, rows: 5, created: 0, updated: 0, unchanged: 5 });
    expect(await t.knex('catalogue').orderBy('code').select('code', 'updated_at')).toEqual(before);
  });

  it('a changed row updates its code; the others stay', async () => {
    const changed = sample.replace('Yoghurt', 'Yogurt, set');
    expect(changed).not.toBe(sample);
    const result = await importCatalogue(changed.replace('Yogurt, set', '"Yogurt, set"'), { k: t.knex });
    expect(result).toMatchObject({ ok: true, created: 0, updated: 1, unchanged: 4 });
    expect((await t.knex('catalogue').where({ code: '1050100020' }).first('name_en')).name_en).toBe('Yogurt, set');
  });

  it('refuses the whole file when one row is bad, naming every bad line', async () => {
    const before = await count();
    const file = [
      HEADER,
      '1050100040,پنیر,Cheese,تن,1404-01,',
      '9999100010,محصول,,تن,1404-01,', // 9999 is not an ISIC class
      '1050100050,کره,,بشکه,1404-01,', // unknown unit
      '10501,,,تن,1404-13,', // no name, bad period
      '1050100040,پنیر دوباره,,تن,1404-01,', // repeated code
      '1050100060,خامه,,کیلوگرم,1404-05,1404-02', // retired before it starts
    ].join('\n');
    const result = await importCatalogue(file, { k: t.knex });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7]);
    expect(result.errors[0].reason).toContain('9999');
    expect(result.errors[1].reason).toContain('بشکه');
    expect(result.errors[2].reason).toContain('name_fa');
    expect(result.errors[2].reason).toContain('active_from');
    expect(result.errors[3].reason).toContain('line 2');
    expect(result.errors[4].reason).toContain('retired_from');
    expect(await count()).toBe(before);
    expect(await t.knex('catalogue').where({ code: '1050100040' }).first()).toBeUndefined();
  });

  it('refuses a bad header and an empty file', async () => {
    expect(await importCatalogue('', { k: t.knex })).toMatchObject({ ok: false, errors: [{ line: 1 }] });
    const r = await importCatalogue('code,name,unit\n1050100010,x,تن\n', { k: t.knex });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0].reason).toMatch(/missing columns: name_fa, active_from.*unknown columns: name/);
  });
});

describe('retiring a code', () => {
  it('a code used by a filing can be retired but never deleted; an unused retired code can', async () => {
    const u = await createUnit({ products: [{ name: 'شیر پاستوریزه', unit_of_measure: 'کیلوگرم', annual_capacity: 100000 }] }, t.knex);
    await t.knex('products').where({ id: u.productIds[0] }).update({ catalogue_code: '1050100010' });
    await createFiling({ unitId: u.id, period: '1404-02', lines: [{ product_id: u.productIds[0], produced: 5000, sold: 4000, sales_value: 1_000_000 }] }, t.knex);
    const { agent, csrf } = await signIn(app, statsEmail);

    const bad = await agent.post('/catalogue/1050100010/retirement').type('form').send({ _csrf: csrf, retired_from: '۱۴۰۳-۱۲' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('دوره بازنشستگی باید پس از دوره آغاز اعتبار کد باشد');
    await agent.post('/catalogue/1050100010/retirement').type('form').send({ _csrf: csrf, retired_from: '۱۴۰۵-۰۱' }).expect(303);
    expect((await t.knex('catalogue').where({ code: '1050100010' }).first('retired_from')).retired_from).toBe('1405-01');

    const refused = await agent.post('/catalogue/1050100010/deletion').type('form').send({ _csrf: csrf });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain(RETIRED_IN_USE);
    await expect(deleteEntry('1050100010', { id: 1 }, t.knex)).rejects.toBeInstanceOf(FormError);
    // The database refuses too, whatever the path.
    await expect(t.knex('catalogue').where({ code: '1050100010' }).del()).rejects.toThrow(/foreign key/);
    expect(await t.knex('catalogue').where({ code: '1050100010' }).first('code')).toBeDefined();
    expect((await t.knex('products').where({ id: u.productIds[0] }).first('catalogue_code')).catalogue_code).toBe('1050100010');

    await agent.post('/catalogue/1520100010/retirement').type('form').send({ _csrf: csrf, retired_from: '1405-01' }).expect(303);
    await agent.post('/catalogue/1520100010/deletion').type('form').send({ _csrf: csrf }).expect(303);
    expect(await t.knex('catalogue').where({ code: '1520100010' }).first()).toBeUndefined();
  });

  it('deleting a code in force is refused: retire it first', async () => {
    await expect(deleteEntry('1050100030', { id: 1 }, t.knex)).rejects.toThrow('بازنشسته');
  });
});

describe('the catalogue page', () => {
  it('searches normalised Persian: Arabic letters, digits, ZWNJ and spaces', async () => {
    const { agent } = await signIn(app, statsEmail);
    const arabic = await agent.get('/catalogue').query({ q: 'شير  پاستوريزه' }).expect(200);
    expect(arabic.text).toContain('۱۰۵۰۱۰۰۰۱۰');
    expect(arabic.text).not.toContain('۱۰۵۰۱۰۰۰۲۰');
    const joined = await agent.get('/catalogue').query({ q: 'نانحجیم' }).expect(200);
    expect(joined.text).toContain('۱۰۷۱۱۰۰۰۱۰');
    const byCode = await agent.get('/catalogue').query({ q: '۰۷۱۰' }).expect(200);
    expect(byCode.text).toContain('کنسانتره سنگ آهن');
    expect(byCode.text).not.toContain('۱۰۵۰۱۰۰۰۱۰');
    const wildcard = await agent.get('/catalogue').query({ q: '%' }).expect(200);
    expect(wildcard.text).toContain('۱۰۵۰۱۰۰۰۱۰');
  });

  it('adds a code; a refused form keeps what was typed with Persian messages next to the fields', async () => {
    const { agent, csrf } = await signIn(app, statsEmail);
    const bad = await agent.post('/catalogue').type('form').send({ _csrf: csrf, code: '9999123', name_fa: 'محصول آزمایشی', unit_of_measure_code: 'kg', active_from: '1404-01' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('چهار رقم نخست کد (9999) باید یک طبقه آیسیک');
    expect(bad.text).toContain('value="محصول آزمایشی"');
    const empty = await agent.post('/catalogue').type('form').send({ _csrf: csrf, code: '12', name_fa: '', unit_of_measure_code: '', active_from: 'x' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('کد محصول ۴ تا ۱۰ رقم است');
    expect(empty.text).toContain('نام فارسی محصول را وارد کنید');
    expect(empty.text).toContain('واحد سنجش را انتخاب کنید');

    await agent.post('/catalogue').type('form').send({ _csrf: csrf, code: '۱۰۵۰ ۲۰۰ ۰۱۰', name_fa: 'شير‌ خشك', name_en: 'Milk powder', unit_of_measure_code: 'kg', active_from: '۱۴۰۴/۶' }).expect(303);
    const row = await t.knex('catalogue').where({ code: '1050200010' }).first();
    expect(row).toMatchObject({ isic_class: '1050', name_fa: 'شیر‌ خشک', unit_of_measure_code: 'kg', active_from: '1404-06', source: 'office' });
    const dup = await agent.post('/catalogue').type('form').send({ _csrf: csrf, code: '1050200010', name_fa: 'x', unit_of_measure_code: 'kg', active_from: '1404-01' });
    expect(dup.status).toBe(422);
    expect(dup.text).toContain('این کد پیش‌تر در فهرست هست');
  });

  it('edits a code; its standard unit cannot change dimension while products use it', async () => {
    const { agent, csrf } = await signIn(app, statsEmail);
    const page = await agent.get('/catalogue/1050100010').expect(200);
    expect(page.text).toContain('شیر پاستوریزه');
    const clash = await agent.post('/catalogue/1050100010').type('form').send({ _csrf: csrf, name_fa: 'شیر پاستوریزه', unit_of_measure_code: 'l', active_from: '1404-01', retired_from: '1405-01' });
    expect(clash.status).toBe(422);
    expect(clash.text).toContain('از همان جنس بماند');
    await agent.post('/catalogue/1050100010').type('form').send({ _csrf: csrf, name_fa: 'شیر پاستوریزه کم‌چرب', unit_of_measure_code: 'kg', active_from: '1404-01', retired_from: '1405-01' }).expect(303);
    expect(await t.knex('catalogue').where({ code: '1050100010' }).first('name_fa', 'unit_of_measure_code')).toEqual({ name_fa: 'شیر پاستوریزه کم‌چرب', unit_of_measure_code: 'kg' });
  });

  it('every form needs the CSRF token, and only the statistics office reaches the page', async () => {
    const { agent } = await signIn(app, statsEmail);
    await agent.post('/catalogue').type('form').send({ code: '1050300010', name_fa: 'x', unit_of_measure_code: 'kg', active_from: '1404-01' }).expect(403);
    expect(await t.knex('catalogue').where({ code: '1050300010' }).first()).toBeUndefined();
    const officer = await createUser({ role: 'province_officer', province_code: '23' }, t.knex);
    const o = await signIn(app, officer.email);
    await o.agent.get('/catalogue').expect(404);
    await o.agent.get('/catalogue/1050100020').expect(404);
  });
});

describe('unit conversion', () => {
  it('adds kilograms and tonnes exactly, in the code’s standard unit', async () => {
    const [kg, tonne, gram] = [await unit('kg'), await unit('t'), await unit('g')];
    expect(sumQuantities([{ quantity: '0.1', unit: kg }, { quantity: '0.2', unit: kg }, { quantity: '2', unit: tonne }], tonne)).toBe('2.0003');
    expect(sumQuantities([{ quantity: 0.1, unit: kg }, { quantity: 0.2, unit: kg }], kg)).toBe('0.3'); // 0.1 + 0.2 in floats is 0.30000000000000004
    expect(convertQuantity('1234.567', kg, tonne)).toBe('1.234567');
    expect(convertQuantity('999999999999999.999', tonne, gram)).toBe('999999999999999999000');
    expect(convertQuantity('3', tonne, kg)).toBe('3000');
  });

  it('refuses litres and tonnes together with a Persian message', async () => {
    const [litre, tonne] = [await unit('l'), await unit('t')];
    expect(() => convertQuantity('5', litre, tonne)).toThrow(ConversionError);
    expect(() => sumQuantities([{ quantity: '1', unit: tonne }, { quantity: '5', unit: litre }], tonne)).toThrow('«لیتر» و «تن» از یک جنس نیستند');
  });

  it('converts a product’s quantity from its declared unit to its code’s standard unit', async () => {
    const u = await createUnit({ products: [{ name: 'ماست کیسه‌ای', unit_of_measure: 'كيلوگرم', annual_capacity: 10 }, { name: 'بی‌کد', unit_of_measure: 'تن', annual_capacity: 1 }] }, t.knex);
    await t.knex('products').where({ id: u.productIds[0] }).update({ catalogue_code: '1050100020' }); // standard: tonnes
    expect(await standardQuantity(u.productIds[0], '1500.5', t.knex)).toMatchObject({ quantity: '1.5005', code: '1050100020', unit: { code: 't' } });
    expect(await standardQuantity(u.productIds[1], 3, t.knex)).toBeNull();
  });

  it('agrees with numeric arithmetic in SQL over the stored factors', async () => {
    const rows: { q: string; std: string }[] = (await t.knex.raw(`
      select (1234.567 * f.factor / s.factor)::text as q, s.code as std
        from units_of_measure f, units_of_measure s where f.code = 'kg' and s.code = 't'`)).rows;
    expect(Number(rows[0].q)).toBe(Number(convertQuantity('1234.567', await unit('kg'), await unit('t'))));
  });
});

describe('the demo catalogue', () => {
  it('covers every ISIC class of the demo activities, each with a known unit of measure, marked as demo data', async () => {
    const entries = demoCatalogue();
    expect(new Set(entries.map((e) => e.isic_class))).toEqual(new Set(ACTIVITIES.map((a) => a.isic)));
    const units = new Set((await t.knex('units_of_measure').select('name_fa')).map((u: { name_fa: string }) => u.name_fa));
    expect(entries.filter((e) => !units.has(e.unit))).toEqual([]);
    expect(entries.every((e) => /^\d{4}90\d{4}$/.test(e.code) && e.code.startsWith(e.isic_class))).toBe(true);
  });

  it('links demo products by name and class, leaves every fifth unit uncoded for the queue, and seeds twice the same', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await createUnit({ isic_class: '1050', products: [{ name: 'ماست', unit_of_measure: 'كيلوگرم', annual_capacity: 10 }] }, t.knex));
    await seedDemoCatalogue(t.knex, '1400-01');
    await seedDemoCatalogue(t.knex, '1400-01');
    const demo = demoCatalogue().find((e) => e.isic_class === '1050' && e.name_fa === 'ماست')!;
    const rows = await t.knex('products').whereIn('unit_id', made.map((m) => m.id)).select('unit_id', 'catalogue_code');
    expect(rows.filter((r) => r.catalogue_code === demo.code)).toHaveLength(4);
    for (const r of rows) expect(r.catalogue_code).toBe(r.unit_id % 5 === 0 ? null : demo.code);
    expect(await t.knex('catalogue').where({ source: 'demo' }).count('* as n').then((x) => Number(x[0].n))).toBe(demoCatalogue().length);
  });
});

describe('the declared unit of measure', () => {
  it('follows the typed unit on insert and on a change of the text, and stays when set explicitly or unknown', async () => {
    const u = await createUnit({ products: [{ name: 'آزمون واحد', unit_of_measure: 'هزار لیتر', annual_capacity: 1 }, { name: 'آزمون دیگر', unit_of_measure: 'نامعلوم', annual_capacity: 1 }] }, t.knex);
    const [a, b] = u.productIds;
    const code = async (id: number) => (await t.knex('products').where({ id }).first('unit_of_measure_code')).unit_of_measure_code;
    expect([await code(a), await code(b)]).toEqual(['kl', null]);
    await t.knex('products').where({ id: a }).update({ unit_of_measure: 'ليتر' });
    expect(await code(a)).toBe('l');
    await t.knex('products').where({ id: a }).update({ unit_of_measure: 'بشکه' });
    expect(await code(a)).toBe('l');
    await t.knex('products').where({ id: a }).update({ unit_of_measure: 'تن', unit_of_measure_code: 'kg' });
    expect(await code(a)).toBe('kg');
  });
});
