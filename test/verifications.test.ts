import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, createUnit, signIn } from './support/factories.ts';
import { createFiling } from './support/filings.ts';
import { periodRange, periodLabel } from '../src/calendar.ts';

let t: TestDatabase;
let app: App;
let tehranOfficer: { id: number; email: string };
let isfahanOfficer: { id: number; email: string };
let unit: Awaited<ReturnType<typeof createUnit>>;
let foodUnit: Awaited<ReturnType<typeof createUnit>>;
let isfahanUnit: Awaited<ReturnType<typeof createUnit>>;

beforeAll(async () => {
  ({ t, app } = await freshApp());
  tehranOfficer = await createUser({ role: 'province_officer', province_code: '23' });
  isfahanOfficer = await createUser({ role: 'province_officer', province_code: '10' });
  unit = await createUnit({
    province_code: '23', isic_class: '2394', name: 'سیمان آزمون',
    products: [{ name: 'سیمان پرتلند', unit_of_measure: 'تن', annual_capacity: 120000 }, { name: 'کلینکر', unit_of_measure: 'تن', annual_capacity: 60000 }],
  });
  foodUnit = await createUnit({ province_code: '23', isic_class: '1050', name: 'لبنیات آزمون' });
  isfahanUnit = await createUnit({ province_code: '10', name: 'فولاد اصفهان آزمون' });
});
afterAll(() => t.close());

const filingState = async (id: number) => t.knex('filings').where({ id }).first();
const reviewsOf = (id: number) => t.knex('filing_reviews').where({ filing_id: id }).orderBy('id');

describe('the verification queue', () => {
  it('lists the province\'s submitted filings oldest first, and nothing of another province', async () => {
    const newer = await createFiling({ unitId: unit.id, period: '1405-05', firstSubmittedAt: new Date('2026-08-20T08:00:00Z') });
    const older = await createFiling({ unitId: foodUnit.id, period: '1405-05', firstSubmittedAt: new Date('2026-08-10T08:00:00Z') });
    const elsewhere = await createFiling({ unitId: isfahanUnit.id, period: '1405-05', firstSubmittedAt: new Date('2026-08-01T08:00:00Z') });
    const draft = await createFiling({ unitId: unit.id, period: '1405-06', state: 'draft' });
    const { agent } = await signIn(app, tehranOfficer.email);
    const res = await agent.get('/province/queue?period=1405-05').expect(200);
    const order = [...res.text.matchAll(/data-filing-id="(\d+)"/g)].map((m) => Number(m[1]));
    expect(order).toEqual([older, newer]);
    expect(order).not.toContain(elsewhere);
    expect(order).not.toContain(draft);
    expect(res.text).toContain('لبنیات آزمون');
    expect(res.text).not.toContain('فولاد اصفهان آزمون');
  });

  it('filters by ISIC division, warnings and state', async () => {
    const warned = await createFiling({ unitId: unit.id, period: '1405-04', warnings: [{ code: 'capacity', message: 'تولید بیش از ۱٫۵ برابر ظرفیت' }] });
    const returned = await createFiling({ unitId: foodUnit.id, period: '1405-04', state: 'returned' });
    const { agent } = await signIn(app, tehranOfficer.email);
    const ids = async (q: string) => [...(await agent.get(`/province/queue?${q}`).expect(200)).text.matchAll(/data-filing-id="(\d+)"/g)].map((m) => Number(m[1]));
    expect(await ids('period=1405-04&warnings=with')).toEqual([warned]);
    expect(await ids('period=1405-04&warnings=without')).toEqual([]);
    expect(await ids('period=1405-04&division=23')).toEqual([warned]);
    expect(await ids('period=1405-04&division=10')).toEqual([]);
    expect(await ids('period=1405-04&state=returned')).toEqual([returned]);
  });

  it('pages through a long queue, oldest first across pages', async () => {
    const fars = await createUser({ role: 'province_officer', province_code: '07' });
    const farsUnit = await createUnit({ province_code: '07', obligation_start: '1390-01' });
    const ids: number[] = [];
    for (const [i, period] of periodRange('1390-01', '1394-07').entries()) {
      ids.push(await createFiling({ unitId: farsUnit.id, period, firstSubmittedAt: new Date(Date.UTC(2015, 0, 1) + i * 86400_000) }));
    }
    expect(ids).toHaveLength(55);
    const { agent } = await signIn(app, fars.email);
    const page = async (n: number) => [...(await agent.get(`/province/queue?page=${n}`).expect(200)).text.matchAll(/data-filing-id="(\d+)"/g)].map((m) => Number(m[1]));
    expect(await page(1)).toEqual(ids.slice(0, 50));
    expect(await page(2)).toEqual(ids.slice(50));
    const first = await agent.get('/province/queue').expect(200);
    expect(first.text).toContain('href="/province/queue?state=submitted&amp;page=2"');
  });

  it('the officer home counts the queue, warnings, inactive units and pending registrations of the province only', async () => {
    await createUnit({ province_code: '23', registration: 'pending' });
    await createUnit({ province_code: '23', status: 'inactive' });
    await createUnit({ province_code: '10', status: 'inactive' });
    const { agent } = await signIn(app, tehranOfficer.email);
    const res = await agent.get('/province').expect(200);
    const expected = await t.knex.raw(
      `select (select count(*) from filings f join units u on u.id = f.unit_id where u.province_code = '23' and f.state = 'submitted') as q,
              (select count(*) from units where province_code = '23' and status = 'inactive' and registration = 'approved') as inactive`);
    const fa = (n: unknown) => new Intl.NumberFormat('fa-IR').format(Number(n));
    expect(res.text).toContain(`data-count="queue">${fa(expected.rows[0].q)}<`);
    expect(res.text).toContain(`data-count="inactive_units">${fa(expected.rows[0].inactive)}<`);
    expect(res.text).toContain(`data-count="pending_registrations">${fa(1)}<`);
  });
});

describe('a filing\'s page', () => {
  it('shows lines with product names, warnings, unit totals and the last 12 periods, and logs the view', async () => {
    await createFiling({ unitId: unit.id, period: '1405-01', productionValue: 7_700_000_000, intermediateConsumption: 1_200_000_000 });
    const id = await createFiling({
      unitId: unit.id, period: '1405-03', productionValue: 9_000_000_000, intermediateConsumption: 4_000_000_000,
      warnings: ['ارزش تولید بیش از ۳ برابر میانه ۱۲ ماه'],
      lines: [{ product_id: unit.productIds[0], produced: 9100, sold: 8000, sales_value: 8_000_000_000 }, { product_id: unit.productIds[1], produced: 300, sold: 0, sales_value: 0 }],
    });
    const before = await t.knex('audit_log').where({ action: 'filing.view' }).count<{ n: number }[]>('* as n');
    const { agent } = await signIn(app, tehranOfficer.email);
    const res = await agent.get(`/province/filings/${id}`).expect(200);
    expect(res.text).toContain('سیمان پرتلند');
    expect(res.text).toContain('کلینکر');
    expect(res.text).toContain('ارزش تولید بیش از ۳ برابر میانه ۱۲ ماه');
    expect(res.text).toContain('۵٬۰۰۰٬۰۰۰٬۰۰۰ ریال'); // value added = 9e9 − 4e9
    expect(res.text).toContain('۹٬۱۰۰');
    const history = /<table[^>]*id="history"[\s\S]*?<\/table>/.exec(res.text)![0];
    expect(history.match(/<tr/g)!.length).toBe(13); // header + 12 periods
    expect(history).toContain('۶٬۵۰۰٬۰۰۰٬۰۰۰'); // 1405-01: value added 7.7e9 − 1.2e9
    const after = await t.knex('audit_log').where({ action: 'filing.view' }).count<{ n: number }[]>('* as n');
    expect(Number(after[0].n)).toBe(Number(before[0].n) + 1);
    const row = await t.knex('audit_log').where({ action: 'filing.view' }).orderBy('id', 'desc').first();
    expect(row).toMatchObject({ user_id: tehranOfficer.id, unit_id: unit.id, province_code: '23', target: `filing:${id}` });
  });
});

describe('verify, return, reopen', () => {
  it('verifies once: locked, stamped, reviewed and audited; a second click changes nothing', async () => {
    const id = await createFiling({ unitId: unit.id, period: '1404-12' });
    const { agent, csrf } = await signIn(app, tehranOfficer.email);
    await agent.post(`/province/filings/${id}/verification`).type('form').send({ _csrf: csrf }).expect(303);
    const f = await filingState(id);
    expect(f.state).toBe('verified');
    expect(f.verified_at).toBeInstanceOf(Date);
    expect(f.reviewed_by).toBe(tehranOfficer.id);
    await agent.post(`/province/filings/${id}/verification`).type('form').send({ _csrf: csrf }).expect(303);
    const reviews = await reviewsOf(id);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({ action: 'verify', user_id: tehranOfficer.id, reason: null });
    expect(await t.knex('audit_log').where({ action: 'filing.verify', target: `filing:${id}` })).toHaveLength(1);
  });

  it('two officers deciding at the same moment: exactly one decision is applied', async () => {
    const id = await createFiling({ unitId: unit.id, period: '1404-09' });
    const colleague = await createUser({ role: 'province_officer', province_code: '23' });
    const a = await signIn(app, tehranOfficer.email);
    const b = await signIn(app, colleague.email);
    await Promise.all([
      a.agent.post(`/province/filings/${id}/verification`).type('form').send({ _csrf: a.csrf }),
      b.agent.post(`/province/filings/${id}/return`).type('form').send({ _csrf: b.csrf, reason: 'ارزش فروش با مقدار نمی‌خواند' }),
      a.agent.post(`/province/filings/${id}/verification`).type('form').send({ _csrf: a.csrf }),
    ]);
    const reviews = await reviewsOf(id);
    expect(reviews).toHaveLength(1);
    const f = await filingState(id);
    expect(f.state).toBe(reviews[0].action === 'verify' ? 'verified' : 'returned');
    expect(await t.knex('audit_log').whereIn('action', ['filing.verify', 'filing.return']).where({ target: `filing:${id}` })).toHaveLength(1);
  });

  it('a return needs a reason (Persian error, nothing changes); with one, the filing is returned with it', async () => {
    const id = await createFiling({ unitId: unit.id, period: '1404-11' });
    const { agent, csrf } = await signIn(app, tehranOfficer.email);
    const bad = await agent.post(`/province/filings/${id}/return`).type('form').send({ _csrf: csrf, reason: ' ' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('دلیل را بنویسید');
    expect((await filingState(id)).state).toBe('submitted');
    expect(await reviewsOf(id)).toHaveLength(0);

    const reason = 'فروش کلینکر بیش از تولید است؛ لطفاً موجودی اول ماه را بررسی کنید';
    await agent.post(`/province/filings/${id}/return`).type('form').send({ _csrf: csrf, reason }).expect(303);
    const f = await filingState(id);
    expect(f).toMatchObject({ state: 'returned', return_reason: reason, reviewed_by: tehranOfficer.id });
    const [review] = await reviewsOf(id);
    expect(review).toMatchObject({ action: 'return', reason, user_id: tehranOfficer.id });
    const audit = await t.knex('audit_log').where({ action: 'filing.return', target: `filing:${id}` }).first();
    expect(audit.details.reason).toBe(reason);

    // The unit resubmits (the filing form's job; here straight in SQL, following the state machine).
    await t.knex('filings').where({ id }).update({ state: 'submitted', return_reason: null, submitted_at: new Date(), revision: f.revision + 1 });
    const queue = await agent.get('/province/queue?period=1404-11').expect(200);
    expect(queue.text).toContain(`data-filing-id="${id}"`);
    // The original submission time still judges timeliness.
    expect((await filingState(id)).first_submitted_at.getTime()).toBe(f.first_submitted_at.getTime());
  });

  it('reopens a verified filing only with a reason, back to the queue', async () => {
    const id = await createFiling({ unitId: unit.id, period: '1404-10', state: 'verified', reviewedBy: tehranOfficer.id });
    const { agent, csrf } = await signIn(app, tehranOfficer.email);
    const bad = await agent.post(`/province/filings/${id}/reopening`).type('form').send({ _csrf: csrf, reason: '' });
    expect(bad.status).toBe(422);
    expect((await filingState(id)).state).toBe('verified');
    // Verifying a verified filing or returning it is refused without a change.
    await agent.post(`/province/filings/${id}/return`).type('form').send({ _csrf: csrf, reason: 'دیر است' }).expect(303);
    expect((await filingState(id)).state).toBe('verified');

    await agent.post(`/province/filings/${id}/reopening`).type('form').send({ _csrf: csrf, reason: 'واحد خطای تایپی در ارزش تولید گزارش کرد' }).expect(303);
    const f = await filingState(id);
    expect(f.state).toBe('submitted');
    expect(f.verified_at).toBeNull();
    const reviews = await reviewsOf(id);
    expect(reviews.map((r) => r.action)).toEqual(['reopen']);
    expect(reviews[0].reason).toBe('واحد خطای تایپی در ارزش تولید گزارش کرد');
    expect(await t.knex('audit_log').where({ action: 'filing.reopen', target: `filing:${id}` })).toHaveLength(1);
  });
});

describe('bulk verification', () => {
  it('verifies the chosen filings without warnings in one action and skips those with warnings', async () => {
    const clean1 = await createFiling({ unitId: unit.id, period: '1403-01' });
    const clean2 = await createFiling({ unitId: foodUnit.id, period: '1403-01' });
    const warned = await createFiling({ unitId: unit.id, period: '1403-02', warnings: ['فروش بیش از تولید'] });
    const { agent, csrf } = await signIn(app, tehranOfficer.email);
    const res = await agent.post('/province/queue/bulk-verification').type('form').send({ _csrf: csrf, ids: [clean1, clean2, warned], all: '0' }).expect(303);
    expect(res.headers.location).toContain('/province/queue');
    expect((await filingState(clean1)).state).toBe('verified');
    expect((await filingState(clean2)).state).toBe('verified');
    expect((await filingState(warned)).state).toBe('submitted');
    expect(await reviewsOf(clean1)).toHaveLength(1);
    expect(await reviewsOf(warned)).toHaveLength(0);
    expect(await t.knex('audit_log').whereIn('target', [`filing:${clean1}`, `filing:${clean2}`]).where({ action: 'filing.verify' })).toHaveLength(2);
    const page = await agent.get('/province/queue').expect(200);
    expect(page.text).toContain('۲ اظهارنامه تأیید شد؛ ۱ اظهارنامه دارای هشدار کنار گذاشته شد');
  });

  it('"all filtered" verifies every clean filing of the filter, and only of the officer\'s province', async () => {
    const a = await createFiling({ unitId: unit.id, period: '1403-03' });
    const b = await createFiling({ unitId: foodUnit.id, period: '1403-03' });
    const warned = await createFiling({ unitId: foodUnit.id, period: '1403-04', warnings: ['x'] });
    const otherPeriod = await createFiling({ unitId: unit.id, period: '1403-05' });
    const elsewhere = await createFiling({ unitId: isfahanUnit.id, period: '1403-03' });
    const { agent, csrf } = await signIn(app, tehranOfficer.email);
    await agent.post('/province/queue/bulk-verification').type('form').send({ _csrf: csrf, all: '1', period: '1403-03' }).expect(303);
    expect((await filingState(a)).state).toBe('verified');
    expect((await filingState(b)).state).toBe('verified');
    expect((await filingState(warned)).state).toBe('submitted');
    expect((await filingState(otherPeriod)).state).toBe('submitted');
    expect((await filingState(elsewhere)).state).toBe('submitted');
  });
});

describe('province scoping', () => {
  it('another province\'s officer gets 404 on every route of a filing, and nothing changes', async () => {
    const id = await createFiling({ unitId: unit.id, period: '1402-12' });
    const verifiedId = await createFiling({ unitId: unit.id, period: '1402-11', state: 'verified' });
    const { agent, csrf } = await signIn(app, isfahanOfficer.email);
    const viewsBefore = await t.knex('audit_log').where({ action: 'filing.view', target: `filing:${id}` });
    await agent.get(`/province/filings/${id}`).expect(404);
    await agent.post(`/province/filings/${id}/verification`).type('form').send({ _csrf: csrf }).expect(404);
    await agent.post(`/province/filings/${id}/return`).type('form').send({ _csrf: csrf, reason: 'دلیل کافی' }).expect(404);
    await agent.post(`/province/filings/${verifiedId}/reopening`).type('form').send({ _csrf: csrf, reason: 'دلیل کافی' }).expect(404);
    await agent.post('/province/queue/bulk-verification').type('form').send({ _csrf: csrf, ids: [id] }).expect(303);
    expect((await filingState(id)).state).toBe('submitted');
    expect((await filingState(verifiedId)).state).toBe('verified');
    expect(await reviewsOf(id)).toHaveLength(0);
    expect(await t.knex('audit_log').where({ action: 'filing.view', target: `filing:${id}` })).toHaveLength(viewsBefore.length);
    const queue = await agent.get('/province/queue?period=1402-12').expect(200);
    expect(queue.text).not.toContain(`data-filing-id="${id}"`);
    // Ids beyond PostgreSQL's integer range are simply not found.
    await agent.get('/province/filings/99999999999').expect(404);
    await agent.post('/province/queue/bulk-verification').type('form').send({ _csrf: csrf, ids: ['99999999999', String(id)] }).expect(303);
    expect((await filingState(id)).state).toBe('submitted');
  });

  it('other roles get 404 on the province pages', async () => {
    const unitUser = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
    const stats = await createUser({ role: 'stats_office' });
    const id = await createFiling({ unitId: unit.id, period: '1402-10' });
    for (const u of [unitUser, stats]) {
      const { agent } = await signIn(app, u.email);
      await agent.get('/province').expect(404);
      await agent.get('/province/queue').expect(404);
      await agent.get(`/province/filings/${id}`).expect(404);
    }
  });
});

describe('the queue searched, and the way back to it (issue 14 §11)', () => {
  const ids = (text: string) => [...text.matchAll(/data-filing-id="(\d+)"/g)].map((m) => Number(m[1]));
  const fa = (s: string) => s.replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]);

  it('finds filings by unit name (Arabic letters too), national id in Persian digits or licence, with the search kept in the links', async () => {
    const cement = await createFiling({ unitId: unit.id, period: '1402-06' });
    const dairy = await createFiling({ unitId: foodUnit.id, period: '1402-06' });
    await createFiling({ unitId: isfahanUnit.id, period: '1402-06' });
    const { agent } = await signIn(app, tehranOfficer.email);
    expect(ids((await agent.get('/province/queue?period=1402-06&q=' + encodeURIComponent('سيمان')).expect(200)).text)).toEqual([cement]);
    expect(ids((await agent.get('/province/queue?period=1402-06&q=' + encodeURIComponent(fa(foodUnit.nationalId))).expect(200)).text)).toEqual([dairy]);
    const byLicence = await agent.get(`/province/queue?period=1402-06&q=${encodeURIComponent(unit.licenceNo)}`).expect(200);
    expect(ids(byLicence.text)).toEqual([cement]);
    // Another province's unit is never found, whatever is searched.
    expect(ids((await agent.get('/province/queue?period=1402-06&q=' + encodeURIComponent('فولاد اصفهان')).expect(200)).text)).toEqual([]);
    // The search box keeps it, and the filing's link carries the queue back.
    const res = await agent.get('/province/queue?period=1402-06&q=' + encodeURIComponent('سیمان')).expect(200);
    expect(res.text).toContain('name="q" type="search" value="سیمان"');
    expect(res.text).toContain(`href="/province/filings/${cement}?back=${encodeURIComponent('/province/queue?state=submitted&period=1402-06&q=' + encodeURIComponent('سیمان'))}"`);
  });

  it('after a decision the officer lands on the queue with the same filter and search', async () => {
    const id = await createFiling({ unitId: unit.id, period: '1402-05' });
    const back = `/province/queue?state=submitted&period=1402-05&q=${encodeURIComponent('سیمان')}`;
    const { agent, csrf } = await signIn(app, tehranOfficer.email);
    const page = await agent.get(`/province/filings/${id}?back=${encodeURIComponent(back)}`).expect(200);
    expect(page.text).toContain(`<a href="${back.replace(/&/g, '&amp;')}">بازگشت به صف بررسی</a>`);
    expect(page.text).toContain(`name="back" value="${back.replace(/&/g, '&amp;')}"`);
    const res = await agent.post(`/province/filings/${id}/verification`).type('form').send({ _csrf: csrf, back }).expect(303);
    expect(res.headers.location).toBe(back);
    expect((await filingState(id)).state).toBe('verified');

    const other = await createFiling({ unitId: unit.id, period: '1402-04' });
    const ret = await agent.post(`/province/filings/${other}/return`).type('form').send({ _csrf: csrf, back: `${back}&page=2`, reason: 'ارزش فروش با مقدار نمی‌خواند' }).expect(303);
    expect(ret.headers.location).toBe(`${back}&page=2`);
  });

  it('a back address that is not the queue (another site, another page) leads to the plain queue', async () => {
    const { agent, csrf } = await signIn(app, tehranOfficer.email);
    for (const back of ['//evil.example/province/queue', 'https://evil.example/province/queue', '/province/queue/../../admin/users', '/province/queuex', '/admin/users', '/province/queue?state=<script>']) {
      const id = await createFiling({ unitId: foodUnit.id, period: '1401-01', firstSubmittedAt: new Date() }).catch(() => 0);
      if (!id) continue;
      const res = await agent.post(`/province/filings/${id}/verification`).type('form').send({ _csrf: csrf, back }).expect(303);
      expect(res.headers.location, back).toMatch(/^\/province\/queue(\?state=submitted)?$/);
      await t.knex('filing_reviews').where({ filing_id: id }).del();
      await t.knex('filings').where({ id }).del();
    }
    const page = await agent.get(`/province/filings/${await createFiling({ unitId: foodUnit.id, period: '1401-02' })}?back=${encodeURIComponent('javascript:alert(1)')}`).expect(200);
    expect(page.text).toContain('<a href="/province/queue">بازگشت به صف بررسی</a>');
  });

  it('a refused return keeps the typed text next to the field, at a URL that answers a reload', async () => {
    const id = await createFiling({ unitId: unit.id, period: '1402-03' });
    const back = '/province/queue?state=submitted&period=1402-03';
    const { agent, csrf } = await signIn(app, tehranOfficer.email);
    const page = await agent.get(`/province/filings/${id}?back=${encodeURIComponent(back)}`).expect(200);
    expect(page.text).toContain(`action="/province/filings/${id}/return?back=${encodeURIComponent(back)}"`);
    const bad = await agent.post(`/province/filings/${id}/return?back=${encodeURIComponent(back)}`).type('form').send({ _csrf: csrf, reason: 'نه' }).expect(422);
    expect(bad.text).toMatch(/id="f-return-reason"[^>]*>نه<\/textarea>/);
    expect(bad.text).toContain('id="f-return-reason-error">دلیل را بنویسید');
    expect(bad.text).toContain(`name="back" value="${back.replace(/&/g, '&amp;')}"`);
    expect((await filingState(id)).state).toBe('submitted');
    // The address the browser is left on answers a GET: the filing with its return form open.
    const reload = await agent.get(`/province/filings/${id}/return?back=${encodeURIComponent(back)}`).expect(200);
    expect(reload.text).toMatch(/id="f-return-reason"[^>]*autofocus/);
    expect(reload.text).toContain(`name="back" value="${back.replace(/&/g, '&amp;')}"`);
    const reopen = await agent.get(`/province/filings/${id}/reopening`).expect(200);
    expect(reopen.text).toContain('سیمان آزمون');
    // …and only for the officer's province.
    const other = await signIn(app, isfahanOfficer.email);
    await other.agent.get(`/province/filings/${id}/return`).expect(404);
  });

  it('"all filtered" bulk verification follows the search too', async () => {
    const cement = await createFiling({ unitId: unit.id, period: '1402-02' });
    const dairy = await createFiling({ unitId: foodUnit.id, period: '1402-02' });
    const { agent, csrf } = await signIn(app, tehranOfficer.email);
    const res = await agent.post('/province/queue/bulk-verification').type('form').send({ _csrf: csrf, all: '1', period: '1402-02', q: 'لبنیات' }).expect(303);
    expect(res.headers.location).toBe(`/province/queue?state=submitted&period=1402-02&q=${encodeURIComponent('لبنیات')}`);
    expect((await filingState(dairy)).state).toBe('verified');
    expect((await filingState(cement)).state).toBe('submitted');
  });
});

describe('the filing page\'s last 12 periods (issue 24)', () => {
  it('months before the unit\'s obligation are not due, not «ثبت‌نشده»; a missing month after it is', async () => {
    const young = await createUnit({ province_code: '23', obligation_start: '1405-03', name: 'واحد تازه‌تأسیس' });
    const id = await createFiling({ unitId: young.id, period: '1405-06' });
    await createFiling({ unitId: young.id, period: '1405-04' });
    const { agent } = await signIn(app, tehranOfficer.email);
    const page = await agent.get(`/province/filings/${id}`).expect(200);
    const history = /<table class="table table-sm small mb-0" id="history">[\s\S]*?<\/table>/.exec(page.text)![0];
    const rows = [...history.matchAll(/<tr[^>]*>\s*<td>([^<]+)<\/td>\s*<td>([\s\S]*?)<\/td>/g)].map((m) => [m[1], m[2].replace(/<[^>]+>/g, '').trim()]);
    expect(rows).toHaveLength(12);
    const state = (p: string) => rows.find(([label]) => label === periodLabel(p))![1];
    expect(state('1405-05')).toBe('ثبت‌نشده');
    expect(state('1405-03')).toBe('ثبت‌نشده');
    expect(state('1405-02')).toBe('پیش از آغاز تکلیف');
    expect(state('1404-07')).toBe('پیش از آغاز تکلیف');
  });
});
