import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createApp } from '../src/app.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUser, createUnit, signIn } from './support/factories.ts';
import { createFiling } from './support/filings.ts';
import { addMonths, latestDuePeriod } from '../src/calendar.ts';

let t: TestDatabase;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  t = await freshDatabase();
  app = createApp({ loginLimit: 1000 });
});
afterAll(async () => t.close());

const ids = (html: string) => [...html.matchAll(/data-unit-id="(\d+)"/g)].map((m) => Number(m[1]));

describe('the province officer\'s units (issue 14, item 11)', () => {
  it('lists the province\'s units in Persian order with phone and email, searched and filtered; another province\'s unit is 404', async () => {
    const due = latestDuePeriod(new Date());
    const start = addMonths(due, -3);
    const filed = await createUnit({ province_code: '23', name: 'همدان‌پخش تهران', obligation_start: start });
    await createFiling({ unitId: filed.id, period: due });
    const returned = await createUnit({ province_code: '23', name: 'کارخانه چای تهران', obligation_start: start });
    await createFiling({ unitId: returned.id, period: due, state: 'returned' });
    const inactive = await createUnit({ province_code: '23', name: 'چرم‌سازی تهران', obligation_start: start, status: 'inactive' });
    const pending = await createUnit({ province_code: '23', name: 'گچ تهران', registration: 'pending' });
    const elsewhere = await createUnit({ province_code: '10', name: 'فولاد اصفهان' });
    await createUser({ role: 'unit_user', unit_ids: [returned.id], email: 'chai@test.ir' });
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent } = await signIn(app, officer.email);

    const all = await agent.get('/province/units').expect(200);
    // Persian order: چ before ک before گ before ه (code points put ه first).
    expect(ids(all.text)).toEqual([inactive.id, returned.id, pending.id, filed.id]);
    expect(all.text).not.toContain('فولاد اصفهان');
    expect(all.text).toContain('href="tel:02112345678"');
    expect(all.text).toContain('href="mailto:chai@test.ir"');

    const f = async (qs: string) => ids((await agent.get(`/province/units?${qs}`).expect(200)).text);
    expect(await f('filter=inactive')).toEqual([inactive.id]);
    expect(await f('filter=returned')).toEqual([returned.id]);
    expect(await f('filter=pending')).toEqual([pending.id]);
    // Returned keeps its first submission, so the month counts as filed; the inactive one never filed.
    expect(await f('filter=missing')).toEqual([inactive.id]);
    expect(await f(`q=${encodeURIComponent('چای')}`)).toEqual([returned.id]);
    expect(await f(`q=${encodeURIComponent(returned.nationalId.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d))))}`)).toEqual([returned.id]);
    expect(await f(`q=${encodeURIComponent(filed.licenceNo)}`)).toEqual([filed.id]);
    expect(await f('q=%25')).toEqual([]);

    const one = await agent.get(`/province/units/${returned.id}`).expect(200);
    expect(one.text).toContain('کارخانه چای تهران');
    expect(one.text).toContain('chai@test.ir');
    await agent.get(`/province/units/${elsewhere.id}`).expect(404);
    await agent.get('/province/units/abc').expect(404);
  });
});

describe('the officer\'s unit page shows the catalogue codes the unit\'s products are linked to (issue 24)', () => {
  it('a linked product shows its code and the catalogue\'s name; an unlinked one with an old code says so; none shows —', async () => {
    await t.knex('catalogue').insert({ code: '1050000007', isic_class: '1050', name_fa: 'شیر پاستوریزه (کاتالوگ)', unit_of_measure_code: 't', active_from: '1400-01', source: 'office' });
    const officer = await createUser({ role: 'province_officer', province_code: '24' });
    const unit = await createUnit({ province_code: '24', products: [
      { name: 'شیر', unit_of_measure: 'تن', annual_capacity: 100 }, { name: 'ماست', unit_of_measure: 'تن', annual_capacity: 100 }, { name: 'کره', unit_of_measure: 'تن', annual_capacity: 100 },
    ] });
    await t.knex('products').where({ id: unit.productIds[0] }).update({ catalogue_code: '1050000007', unit_of_measure_code: 't' });
    await t.knex('products').where({ id: unit.productIds[1] }).update({ product_code: '1520123' });
    const { agent } = await signIn(app, officer.email);
    const page = await agent.get(`/province/units/${unit.id}`).expect(200);
    const cells = [...page.text.matchAll(/<td class="num product-code">([\s\S]*?)<\/td>/g)].map((m) => m[1].replace(/<[^>]+>/g, '').trim());
    expect(cells).toEqual(['۱۰۵۰۰۰۰۰۰۷ (شیر پاستوریزه (کاتالوگ))', '۱۵۲۰۱۲۳ (پیوند نشده)', '—']);
  });
});
