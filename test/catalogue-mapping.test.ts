import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { createApp } from '../src/app.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUser, createUnit, signIn } from './support/factories.ts';
import { createApiToken } from '../src/api/auth.ts';
import { registrationForm, postRegistration, registerAndSignIn } from './support/registration.ts';
import { importCatalogue } from '../src/catalogue/import.ts';
import { similarity, suggestionsFor, CANDIDATE_POSTINGS } from '../src/catalogue/mapping.ts';

let t: TestDatabase;
let app: ReturnType<typeof createApp>;
let stats: { email: string };
let officer23: { email: string };
let officer10: { email: string };

const CATALOGUE = `code,name_fa,name_en,unit,active_from,retired_from
1050100010,شیر پاستوریزه,Pasteurised milk,تن,1400-01,
1050100020,ماست,Yoghurt,تن,1400-01,
1050100030,دوغ,Doogh,هزار لیتر,1400-01,
1050100090,شیر استریل,UHT milk,تن,1400-01,1401-01
1520100010,کفش چرمی,Leather footwear,هزار جفت,1400-01,
`;

beforeAll(async () => {
  t = await freshDatabase();
  app = createApp({ loginLimit: 1000, registerLimit: 1000 });
  const r = await importCatalogue(CATALOGUE, { k: t.knex });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  stats = await createUser({ role: 'stats_office' }, t.knex);
  officer23 = await createUser({ role: 'province_officer', province_code: '23' }, t.knex);
  officer10 = await createUser({ role: 'province_officer', province_code: '10' }, t.knex);
});
afterAll(async () => t.close());

const product = (id: number) => t.knex('products').where({ id }).first('catalogue_code', 'unit_of_measure_code', 'name', 'unit_of_measure');

describe('name similarity', () => {
  it('is 1 for the same key, more for a near spelling than for another product', () => {
    expect(similarity('شیرپاستوریزه', 'شیرپاستوریزه')).toBe(1);
    expect(similarity('شیرپاستوریزهکمچرب', 'شیرپاستوریزه')).toBeGreaterThan(similarity('شیرپاستوریزهکمچرب', 'ماست'));
    expect(similarity('abc', 'xyz')).toBe(0);
  });
});

describe('the mapping queue', () => {
  it('lists uncoded products by spelling with ranked suggestions; an officer sees only its province', async () => {
    // Three spellings of one product: Arabic ي, a ZWNJ and a double space are the same spelling.
    const a = await createUnit({ province_code: '23', products: [{ name: 'شير پاستوريزه', unit_of_measure: 'تن', annual_capacity: 1000 }] }, t.knex);
    const b = await createUnit({ province_code: '23', products: [{ name: 'شیر‌پاستوریزه', unit_of_measure: 'کیلوگرم', annual_capacity: 900000 }] }, t.knex);
    const c = await createUnit({ province_code: '10', products: [{ name: 'شیر  پاستوریزه', unit_of_measure: 'تن', annual_capacity: 500 }] }, t.knex);
    const d = await createUnit({ province_code: '10', products: [{ name: 'دمپایی ابری', unit_of_measure: 'هزار جفت', annual_capacity: 50 }] }, t.knex);

    const s = await signIn(app, stats.email);
    const all = await s.agent.get('/catalogue/mapping').expect(200);
    expect(all.text).toContain('شير پاستوريزه');
    expect(all.text).toMatch(/۳ محصول؛/);
    // A spelling of one unit only is that unit's information: not in the national queue, nor linkable by the office.
    expect(all.text).not.toContain('دمپایی ابری');
    await s.agent.post(`/catalogue/mapping/${d.productIds[0]}/link`).type('form').send({ _csrf: s.csrf, code: '1520100010' }).expect(404);
    expect((await product(d.productIds[0])).catalogue_code).toBeNull();
    // The best suggestion for the milk spelling is the milk code, before the retired UHT code (not offered at all).
    const milkCard = all.text.slice(all.text.indexOf(`group-${Math.min(a.productIds[0], b.productIds[0], c.productIds[0])}`));
    const firstSuggestion = /<li><span dir="ltr">([۰-۹]+)<\/span>/.exec(milkCard);
    expect(firstSuggestion?.[1]).toBe('۱۰۵۰۱۰۰۰۱۰');
    expect(milkCard.slice(0, milkCard.indexOf('</form>'))).not.toContain('شیر استریل');

    const o = await signIn(app, officer10.email);
    const mine = await o.agent.get('/catalogue/mapping').expect(200);
    expect(mine.text).toContain('دمپایی ابری');
    expect(mine.text).toMatch(/۱ محصول؛/);
    expect(mine.text).not.toContain(`group-${a.productIds[0]}`);
    await o.agent.post(`/catalogue/mapping/${d.productIds[0]}/link`).type('form').send({ _csrf: o.csrf, code: '1520100010' }).expect(303);
    expect(await product(d.productIds[0])).toMatchObject({ catalogue_code: '1520100010', unit_of_measure_code: 'kpair' });
  });

  it('an officer links only its province’s products, even with «all identical spellings»; another province’s product is 404', async () => {
    const milk = await t.knex('products').whereRaw(`catalogue_key(name) = catalogue_key('شیر پاستوریزه')`).whereNull('catalogue_code')
      .join('units as u', 'u.id', 'products.unit_id').select('products.id', 'u.province_code').orderBy('products.id');
    const in23 = milk.filter((p) => p.province_code === '23').map((p) => p.id);
    const in10 = milk.filter((p) => p.province_code === '10').map((p) => p.id);
    expect(in23.length).toBe(2);
    expect(in10.length).toBe(1);

    const o10 = await signIn(app, officer10.email);
    await o10.agent.post(`/catalogue/mapping/${in23[0]}/link`).type('form').send({ _csrf: o10.csrf, code: '1050100010', all: '1' }).expect(404);
    expect((await product(in23[0])).catalogue_code).toBeNull();

    const o23 = await signIn(app, officer23.email);
    await o23.agent.post(`/catalogue/mapping/${in23[0]}/link`).type('form').send({ _csrf: o23.csrf, code: '۱۰۵۰۱۰۰۰۱۰', all: '1' }).expect(303);
    // Both spellings in province 23, each keeping its own declared unit; province 10's stays in the queue.
    expect(await product(in23[0])).toMatchObject({ catalogue_code: '1050100010', unit_of_measure_code: 't' });
    expect(await product(in23[1])).toMatchObject({ catalogue_code: '1050100010', unit_of_measure_code: 'kg' });
    expect((await product(in10[0])).catalogue_code).toBeNull();
    const log = await t.knex('audit_log').where({ action: 'catalogue.linked' }).orderBy('id', 'desc').first('user_id', 'province_code', 'details');
    expect(log).toMatchObject({ province_code: '23' });
  });

  it('the statistics office links all identical spellings nationally in one decision', async () => {
    const x = await createUnit({ province_code: '05', products: [{ name: 'ماست  ', unit_of_measure: 'تن', annual_capacity: 10 }] }, t.knex);
    const y = await createUnit({ province_code: '07', products: [{ name: 'ماست', unit_of_measure: 'كيلوگرم', annual_capacity: 10 }] }, t.knex);
    const z = await createUnit({ province_code: '07', products: [{ name: 'ماست', unit_of_measure: 'لیتر', annual_capacity: 10 }] }, t.knex);
    const s = await signIn(app, stats.email);
    await s.agent.get('/catalogue/mapping').expect(200);
    await s.agent.post(`/catalogue/mapping/${x.productIds[0]}/link`).type('form').send({ _csrf: s.csrf, code: '1050100020', all: '1' }).expect(303);
    expect((await product(x.productIds[0])).catalogue_code).toBe('1050100020');
    expect(await product(y.productIds[0])).toMatchObject({ catalogue_code: '1050100020', unit_of_measure_code: 'kg' });
    // Litres cannot become tonnes: that one stays in the queue.
    expect((await product(z.productIds[0])).catalogue_code).toBeNull();
    const queue = await s.agent.get('/catalogue/mapping').expect(200);
    expect(queue.text).toContain('پیوند خورد');
    expect(queue.text).toContain('از جنس دیگر');
  });

  it('without «all», only the one product; a refusal is in Persian next to the field', async () => {
    const p = await createUnit({ province_code: '23', products: [{ name: 'دوغ محلی', unit_of_measure: 'تن', annual_capacity: 10 }] }, t.knex);
    const q = await createUnit({ province_code: '23', products: [{ name: 'دوغ محلی', unit_of_measure: 'هزار لیتر', annual_capacity: 10 }] }, t.knex);
    const r = await createUnit({ province_code: '23', products: [{ name: 'دوغ محلی', unit_of_measure: 'بطری بزرگ', annual_capacity: 10 }] }, t.knex);
    const o = await signIn(app, officer23.email);
    const wrong = await o.agent.post(`/catalogue/mapping/${p.productIds[0]}/link`).type('form').send({ _csrf: o.csrf, code: '1050100030' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('از یک جنس نیست');
    expect(wrong.text).toContain('value="1050100030"');
    const retired = await o.agent.post(`/catalogue/mapping/${q.productIds[0]}/link`).type('form').send({ _csrf: o.csrf, code: '1050100090' });
    expect(retired.status).toBe(422);
    expect(retired.text).toContain('اکنون معتبر نیست');
    await o.agent.post(`/catalogue/mapping/${q.productIds[0]}/link`).type('form').send({ _csrf: o.csrf, code: '1050100030' }).expect(303);
    expect((await product(q.productIds[0])).catalogue_code).toBe('1050100030');
    expect((await product(p.productIds[0])).catalogue_code).toBeNull();
    // An unknown typed unit needs the unit chosen in the decision.
    const unknown = await o.agent.post(`/catalogue/mapping/${r.productIds[0]}/link`).type('form').send({ _csrf: o.csrf, code: '1050100030' });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('بطری بزرگ');
    await o.agent.post(`/catalogue/mapping/${r.productIds[0]}/link`).type('form').send({ _csrf: o.csrf, code: '1050100030', unit_of_measure_code: 'l' }).expect(303);
    expect(await product(r.productIds[0])).toMatchObject({ catalogue_code: '1050100030', unit_of_measure_code: 'l', unit_of_measure: 'بطری بزرگ' });
  });

  it('other roles do not find the queue', async () => {
    const dep = await createUser({ role: 'planning_deputy' }, t.knex);
    const d = await signIn(app, dep.email);
    await d.agent.get('/catalogue/mapping').expect(404);
    await request(app).get('/catalogue/mapping').expect(303);
  });
});

describe('registration with a picked code', () => {
  it('stores the picked code beside the unit’s own name and unit; the filing form and the API show it', async () => {
    // The picker asks the catalogue as the visitor types (issue 23 F12); codes retired are not offered.
    const found = await request(app).get(`/catalogue/search?q=${encodeURIComponent('شیر')}`).expect(200);
    expect(found.body.results.map((c: { code: string }) => c.code)).toContain('1050100010');
    expect(found.body.results.map((c: { code: string }) => c.code)).not.toContain('1050100090'); // retired
    const form = registrationForm({
      'products[0][name]': 'شیر کم‌چرب پاک', 'products[0][unit_of_measure]': 'کيلوگرم', 'products[0][annual_capacity]': '500000', 'products[0][product_code]': '۱۰۵۰۱۰۰۰۱۰',
      'products[1][name]': 'محصول تازه', 'products[1][unit_of_measure]': 'بسته', 'products[1][annual_capacity]': '100',
    });
    const { agent, res } = await registerAndSignIn(app, form);
    expect(res.status).toBe(303);
    const rows = await t.knex('products as p').join('units as u', 'u.id', 'p.unit_id').where('u.licence_no', form.licence_no).orderBy('p.position')
      .select('p.name', 'p.unit_of_measure', 'p.catalogue_code', 'p.unit_of_measure_code');
    expect(rows).toEqual([
      { name: 'شیر کم‌چرب پاک', unit_of_measure: 'کیلوگرم', catalogue_code: '1050100010', unit_of_measure_code: 'kg' },
      { name: 'محصول تازه', unit_of_measure: 'بسته', catalogue_code: null, unit_of_measure_code: null },
    ]);
    const unitId = (await t.knex('units').where({ licence_no: form.licence_no }).first('id')).id;
    await t.knex('units').where({ id: unitId }).update({ registration: 'approved' });
    const filing = await agent.get('/filings/1405-01').expect(200);
    expect(filing.text).toContain('کد <span dir="ltr">۱۰۵۰۱۰۰۰۱۰</span> — شیر پاستوریزه');
    const user = await t.knex('unit_users').where({ unit_id: unitId }).first('user_id');
    const { token } = await createApiToken(user.user_id, 'catalogue test', t.knex);
    const api = await request(app).get('/api/v1/unit').set('authorization', `Bearer ${token}`).expect(200);
    expect(api.body.products[0]).toMatchObject({ name: 'شیر کم‌چرب پاک', catalogue_code: '1050100010', catalogue_name: 'شیر پاستوریزه', unit_of_measure_code: 'kg' });
    expect(api.body.products[1]).toMatchObject({ catalogue_code: null, unit_of_measure_code: null });
  });

  it('refuses an unknown code, a retired code and a unit of another dimension, next to the row', async () => {
    const form = registrationForm({
      'products[0][product_code]': '1050999999',
      'products[1][name]': 'ماست', 'products[1][unit_of_measure]': 'لیتر', 'products[1][annual_capacity]': '100', 'products[1][product_code]': '1050100020',
      'products[2][name]': 'شیر استریل', 'products[2][unit_of_measure]': 'تن', 'products[2][annual_capacity]': '100', 'products[2][product_code]': '1050100090',
    });
    const { res } = await postRegistration(app, form);
    expect(res.status).toBe(422);
    expect(res.text).toContain('این کد در فهرست ملی محصولات نیست');
    expect(res.text).toContain('«لیتر» با واحد استاندارد این کد («تن») از یک جنس نیست');
    expect(res.text).toContain('این کد اکنون معتبر نیست');
    expect(res.text).toContain('value="1050100020"');
    expect(await t.knex('units').where({ licence_no: form.licence_no }).first()).toBeUndefined();
  });
});

// Issue 23: with 30,000 codes the one-step ranking read 2.9 million bigram rows a page. It now
// starts from each spelling's rarer bigrams (their codes counted in catalogue_gram_counts).
describe('suggestions in a large catalogue', () => {
  const recount = async () => (await t.knex.raw(`select gram, count(*)::int as codes from catalogue_bigrams group by gram order by gram`)).rows;
  const kept = async () => (await t.knex.raw(`select gram, codes from catalogue_gram_counts where codes > 0 order by gram`)).rows;
  const entry = (code: string, name: string) => ({ code, isic_class: code.slice(0, 4), name_fa: name, unit_of_measure_code: 't', active_from: '1400-01' });

  it('keeps each bigram’s number of codes as codes are added, renamed and removed', async () => {
    expect(await kept()).toEqual(await recount());
    await t.knex('catalogue').insert([entry('1050100500', 'پنیر لیقوان'), entry('1050100510', 'پنیر تبریز')]);
    expect(await kept()).toEqual(await recount());
    await t.knex('catalogue').where({ code: '1050100500' }).update({ name_fa: 'پنیر خامه‌ای' });
    expect(await kept()).toEqual(await recount());
    await t.knex('catalogue').whereIn('code', ['1050100500', '1050100510']).delete();
    expect(await kept()).toEqual(await recount());
  });

  it('finds the nearest codes when common bigrams are in more codes than it may read, scored as the reference scores them', async () => {
    const fillers = Array.from({ length: 2000 }, (_, i) => entry(`2220${900000 + i}`, `کالای عمومی شماره ${i}`));
    for (let i = 0; i < fillers.length; i += 500) await t.knex('catalogue').insert(fillers.slice(i, i + 500));
    const near = ['ورق روکش چوبی', 'ورق روکش چوبی براق', 'ورق روکش چوبی مات', 'روکش چوبی', 'ورق چوبی', 'ورق روکش فلزی'];
    await t.knex('catalogue').insert(near.map((n, i) => entry(`162190000${i}`, n)));
    try {
      const key = 'ورقروکشچوبیکالا';
      const reach = await t.knex.raw(`select sum(c.codes)::int as n from catalogue_bigrams_of(?) b join catalogue_gram_counts c on c.gram = b.gram`, [key]);
      expect(reach.rows[0].n).toBeGreaterThan(CANDIDATE_POSTINGS);
      // Its class is neither the fillers' nor the near codes': they must come from the candidates.
      const got = (await suggestionsFor([{ key, main_isic: '1050' }], t.knex)).get(key)!;
      const codes: { code: string; isic_class: string; key: string }[] = (await t.knex.raw(`select code, isic_class, catalogue_key(name_fa) as key from catalogue where retired_from is null`)).rows;
      const expected = codes.map((c) => ({ code: c.code, score: similarity(key, c.key) + (c.isic_class === '1050' ? 0.15 : 0) }))
        .filter((s) => s.score > 0.2).sort((a, b) => b.score - a.score || a.code.localeCompare(b.code)).slice(0, 5);
      expect(expected.every((s) => s.code.startsWith('1621'))).toBe(true);
      expect(got.map((s) => s.code)).toEqual(expected.map((s) => s.code));
      got.forEach((s, i) => expect(s.score).toBeCloseTo(expected[i]!.score, 9));
    } finally {
      await t.knex('catalogue').where('code', 'like', '22209%').orWhere('code', 'like', '16219%').delete();
    }
    expect(await kept()).toEqual(await recount());
  });
});
