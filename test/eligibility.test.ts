import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, createUnit, signIn } from './support/factories.ts';
import { createFiling } from './support/filings.ts';
import { createApiToken } from '../src/api/auth.ts';
import { duePeriods, deadlineOf, type Period, periodLabel, jdate } from '../src/calendar.ts';
import { runNightly } from '../src/jobs/nightly.ts';
import { verifyUrl, newCertificateCode, normalizeCode } from '../src/eligibility/certificates.ts';
import { clearSettingsCache, loadSettings } from '../src/settings.ts';
import { priorityPage } from '../src/eligibility/model.ts';
import { persianDigits } from '../src/text.ts';

let t: TestDatabase;
let app: App;
let officer: { id: number; email: string };
let otherOfficer: { id: number; email: string };

beforeAll(async () => {
  ({ t, app } = await freshApp());
  officer = await createUser({ role: 'province_officer', province_code: '23' });
  otherOfficer = await createUser({ role: 'province_officer', province_code: '10' });
});
afterAll(() => t.close());

const START = '1404-01';
/** Every period due now for a unit starting at START (computed, so the tests age well). */
const due = (): Period[] => duePeriods(START, new Date());
const fa = (n: number) => new Intl.NumberFormat('fa-IR').format(n);
const faPct = (r: number) => new Intl.NumberFormat('fa-IR', { style: 'percent', maximumFractionDigits: 1 }).format(r);

/** Files each period; `late` ones a day after their deadline, `skip` ones not at all. */
async function history(unitId: number, opts: { skip?: Period[]; late?: Period[]; state?: 'submitted' | 'verified' } = {}) {
  for (const p of due()) {
    if (opts.skip?.includes(p)) continue;
    const firstSubmittedAt = opts.late?.includes(p) ? new Date(deadlineOf(p).getTime() + 86400_000) : undefined;
    await createFiling({ unitId, period: p, firstSubmittedAt, state: opts.state ?? 'submitted' });
  }
}

describe('service eligibility for an officer', () => {
  it('a unit that filed everything (some late) is eligible, with completeness and timeliness', async () => {
    const u = await createUnit({ province_code: '23', obligation_start: START, name: 'کاشی درخشان' });
    const periods = due();
    await history(u.id, { late: [periods[0], periods[1]] });
    const { agent } = await signIn(app, officer.email);
    const res = await agent.get(`/province/eligibility?q=${u.nationalId}`).expect(200);
    expect(res.text).toContain('کاشی درخشان');
    expect(res.text).toContain('data-verdict="eligible"');
    expect(res.text).toContain(`${faPct(1)} (${fa(periods.length)} از ${fa(periods.length)})`);
    expect(res.text).toContain(`${faPct((periods.length - 2) / periods.length)} (${fa(periods.length - 2)} از`);
    expect(await t.knex('audit_log').where({ action: 'eligibility.check', unit_id: u.id, user_id: officer.id })).toHaveLength(1);
  });

  it('a unit with missing periods is not eligible, and the missing months are listed in Jalali', async () => {
    const u = await createUnit({ province_code: '23', obligation_start: START });
    const periods = due();
    const missing = [periods[2], periods[5]];
    await history(u.id, { skip: missing });
    const { agent } = await signIn(app, officer.email);
    const res = await agent.get(`/province/eligibility?q=${encodeURIComponent(u.licenceNo)}`).expect(200);
    expect(res.text).toContain('data-verdict="ineligible"');
    expect(res.text).toContain(`آمار ${fa(2)} ماه ثبت نشده است: <span class="missing-periods">${missing.map(periodLabel).join('، ')}</span>`);
    expect(res.text).not.toContain('واحد غیرفعال است');
    // The licence number typed with Persian digits finds the same unit.
    const persian = u.licenceNo.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
    const again = await agent.get(`/province/eligibility?q=${encodeURIComponent(persian)}`).expect(200);
    expect(again.text).toContain(`data-unit-id="${u.id}"`);
  });

  it('an inactive unit is not eligible, and says so', async () => {
    const u = await createUnit({ province_code: '23', obligation_start: START, status: 'inactive' });
    await history(u.id);
    const { agent } = await signIn(app, officer.email);
    const res = await agent.get(`/province/eligibility?q=${u.nationalId}`).expect(200);
    expect(res.text).toContain('data-verdict="ineligible"');
    expect(res.text).toContain('واحد غیرفعال است');
  });

  it('an empty query is refused in Persian; another province\'s unit is not found', async () => {
    const elsewhere = await createUnit({ province_code: '10', obligation_start: START });
    const { agent } = await signIn(app, officer.email);
    const empty = await agent.get('/province/eligibility?q=').expect(422);
    expect(empty.text).toContain('را وارد کنید');
    const res = await agent.get(`/province/eligibility?q=${elsewhere.nationalId}`).expect(200);
    expect(res.text).toContain('id="no-results"');
    expect(res.text).not.toContain(`data-unit-id="${elsewhere.id}"`);
    expect(await t.knex('audit_log').where({ action: 'eligibility.check', unit_id: elsewhere.id })).toHaveLength(0);
  });
});

describe('the unit\'s certificate and its public check', () => {
  it('issues a certificate with an unguessable code; /verify/{code} shows only verdict, name, date and validity', async () => {
    const u = await createUnit({ province_code: '23', obligation_start: START, name: 'صنایع غذایی گواهی' });
    await history(u.id, { late: [due()[0]] });
    const user = await createUser({ role: 'unit_user', unit_ids: [u.id] });
    const { agent, csrf } = await signIn(app, user.email);
    const page = await agent.get('/certificate').expect(200);
    expect(page.text).toContain('data-verdict="eligible"');
    const res = await agent.post('/certificate').type('form').send({ _csrf: csrf }).expect(303);
    const cert = await t.knex('certificates').where({ unit_id: u.id }).first();
    // Issue 24: no O or 0, no I or 1 in a new code.
    expect(cert.code).toMatch(/^[ABCDEFGHJKLMNPQRSTUVWXYZ2-9]{16}$/);
    expect(cert).toMatchObject({ eligible: true, issued_by: user.id });
    expect(cert.valid_until.getTime() - cert.issued_at.getTime()).toBe(30 * 86400_000);
    expect(res.headers.location).toBe(`/certificate/${cert.code}`);
    const print = await agent.get(res.headers.location).expect(200);
    expect(print.text).toContain(cert.code.match(/.{4}/g).join('-'));
    expect(print.text).toContain(`/verify/${cert.code}`);
    // The check link as a QR code drawn on the server, the ministry's header, the success banner not printed.
    expect(print.text).toMatch(/<div class="certificate-qr" id="certificate-qr" role="img"[^>]*><svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>/);
    expect(print.text).toContain('وزارت صنعت، معدن و تجارت');
    expect(print.text).toMatch(/<div class="alert alert-success no-print" role="status">گواهی صادر شد/);
    const qr = await (await import('qrcode')).default.toString(verifyUrl(cert.code), { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    expect(print.text).toContain(qr);

    const pub = await request(app).get(`/verify/${cert.code}`).expect(200);
    expect(pub.text).toContain('صنایع غذایی گواهی');
    expect(pub.text).toContain('واجد شرایط دریافت خدمات');
    expect(pub.text).toContain('data-valid="true"');
    // The validity date beside the date issued (issue 24).
    expect(pub.text).toMatch(new RegExp(`اعتبار تا</dt><dd class="col-sm-8" id="valid-until">${jdate(cert.valid_until)}</dd>`));
    // No figures: no completeness or timeliness, no percentages, no periods, no identifiers.
    const body = /<main[\s\S]*<\/main>/.exec(pub.text)![0];
    expect(body).not.toMatch(/[%٪]/);
    expect(body).not.toContain('کامل');
    expect(body).not.toContain('به‌موقع');
    expect(body).not.toContain(periodLabel(due()[0]));
    expect(body).not.toContain(u.nationalId);
    expect(body).not.toContain(fa(cert.completeness * 100));
    // Lower case and dashes are accepted from the form.
    const typed = await request(app).get(`/verify?code=${cert.code.toLowerCase().match(/.{4}/g)!.join('-')}`).expect(303);
    expect(typed.headers.location).toBe(`/verify/${cert.code}`);
  });

  it('the certificate is for the unit chosen in the session; a user with only a pending unit is sent to their units', async () => {
    const first = await createUnit({ province_code: '23', obligation_start: START });
    const second = await createUnit({ province_code: '23', obligation_start: START, name: 'واحد دوم کاربر' });
    const user = await createUser({ role: 'unit_user', unit_ids: [first.id, second.id] });
    const { agent, csrf } = await signIn(app, user.email);
    await agent.post('/current-unit').type('form').send({ _csrf: csrf, unit_id: second.id }).expect(303);
    const page = await agent.get('/certificate').expect(200);
    expect(page.text).toContain('واحد دوم کاربر');
    await agent.post('/certificate').type('form').send({ _csrf: csrf }).expect(303);
    expect(await t.knex('certificates').where({ issued_by: user.id }).pluck('unit_id')).toEqual([second.id]);

    const pending = await createUnit({ province_code: '23', registration: 'pending' });
    const newcomer = await createUser({ role: 'unit_user', unit_ids: [pending.id] });
    const n = await signIn(app, newcomer.email);
    const res = await n.agent.get('/certificate').expect(303);
    expect(res.headers.location).toBe('/my-units');
    await n.agent.post('/certificate').type('form').send({ _csrf: n.csrf }).expect(404);
    expect(await t.knex('certificates').where({ unit_id: pending.id })).toHaveLength(0);
  });

  it('an unknown code gets 404', async () => {
    await request(app).get('/verify/AAAABBBBCCCCDDDD').expect(404);
    await request(app).get('/verify/not-a-code').expect(404);
  });

  it('a certificate stops being valid when the verdict changes or it expires', async () => {
    const u = await createUnit({ province_code: '23', obligation_start: START });
    await history(u.id);
    const user = await createUser({ role: 'unit_user', unit_ids: [u.id] });
    const { agent, csrf } = await signIn(app, user.email);
    await agent.post('/certificate').type('form').send({ _csrf: csrf }).expect(303);
    const cert = await t.knex('certificates').where({ unit_id: u.id }).first();
    await t.knex('units').where({ id: u.id }).update({ status: 'inactive' });
    const changed = await request(app).get(`/verify/${cert.code}`).expect(200);
    expect(changed.text).toContain('data-valid="false"');
    expect(changed.text).toContain('این گواهی معتبر نیست'); // and not why (issue 12 §8)
    await t.knex('units').where({ id: u.id }).update({ status: 'active' });
    await t.knex('certificates').where({ id: cert.id }).update({ valid_until: new Date(Date.now() - 1000) });
    const expired = await request(app).get(`/verify/${cert.code}`).expect(200);
    expect(expired.text).toContain('data-valid="false"');
    expect(expired.text).toContain('این گواهی معتبر نیست');
  });

  it('another unit\'s user cannot open the printable certificate; an officer cannot use the unit pages', async () => {
    const u = await createUnit({ province_code: '23', obligation_start: START });
    const owner = await createUser({ role: 'unit_user', unit_ids: [u.id] });
    const { agent, csrf } = await signIn(app, owner.email);
    await agent.post('/certificate').type('form').send({ _csrf: csrf }).expect(303);
    const cert = await t.knex('certificates').where({ unit_id: u.id }).first();
    const stranger = await createUser({ role: 'unit_user', unit_ids: [(await createUnit({ province_code: '23' })).id] });
    const s = await signIn(app, stranger.email);
    await s.agent.get(`/certificate/${cert.code}`).expect(404);
    const o = await signIn(app, officer.email);
    await o.agent.get('/certificate').expect(404);
  });
});

describe('GET /api/v1/status', () => {
  it('gives the unit its status, missing periods, verdict and ratios', async () => {
    const u = await createUnit({ province_code: '23', obligation_start: START });
    const periods = due();
    await history(u.id, { skip: [periods[3]], late: [periods[0]] });
    const user = await createUser({ role: 'unit_user', unit_ids: [u.id] });
    const { token } = await createApiToken(user.id, 'erp');
    const res = await request(app).get('/api/v1/status').set('authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toEqual({
      unit_id: u.id,
      status: 'active',
      missing_periods: [periods[3]],
      eligible: false,
      completeness: (periods.length - 1) / periods.length,
      timeliness: (periods.length - 2) / periods.length,
    });
    // A user of two units picks one with ?unit_id=; someone else's unit is 404.
    const second = await createUnit({ province_code: '23', obligation_start: START, status: 'inactive' });
    await t.knex('unit_users').insert({ user_id: user.id, unit_id: second.id });
    const picked = await request(app).get(`/api/v1/status?unit_id=${second.id}`).set('authorization', `Bearer ${token}`).expect(200);
    expect(picked.body).toMatchObject({ unit_id: second.id, status: 'inactive', eligible: false });
    const strangers = await createUnit({ province_code: '23' });
    await request(app).get(`/api/v1/status?unit_id=${strangers.id}`).set('authorization', `Bearer ${token}`).expect(404);
    const officerToken = await createApiToken(officer.id, 'x');
    await request(app).get('/api/v1/status').set('authorization', `Bearer ${officerToken.token}`).expect(404);
    await request(app).get('/api/v1/status').expect(401);
  });
});

describe('the priority list', () => {
  it('ranks the province\'s units by completeness this year, then timeliness, and nothing of another province', async () => {
    const periods = due();
    const thisYear = periods.filter((p) => p.startsWith(periods.at(-1)!.slice(0, 4)));
    const best = await createUnit({ province_code: '23', obligation_start: START, name: 'رتبه اول' });
    const lateOne = await createUnit({ province_code: '23', obligation_start: START, name: 'رتبه دوم' });
    const gaps = await createUnit({ province_code: '23', obligation_start: START, name: 'رتبه سوم' });
    const elsewhere = await createUnit({ province_code: '10', obligation_start: START, name: 'واحد استان دیگر' });
    await history(best.id);
    await history(lateOne.id, { late: [thisYear[0]] });
    await history(gaps.id, { skip: [thisYear[0]] });
    await history(elsewhere.id);
    const { agent } = await signIn(app, officer.email);
    const res = await agent.get('/province/priority').expect(200);
    const order = [...res.text.matchAll(/<tr data-unit-id="(\d+)"/g)].map((m) => Number(m[1]));
    expect(order).toEqual(expect.arrayContaining([best.id, lateOne.id, gaps.id]));
    expect(order.indexOf(best.id)).toBeLessThan(order.indexOf(lateOne.id));
    expect(order.indexOf(lateOne.id)).toBeLessThan(order.indexOf(gaps.id));
    expect(order).not.toContain(elsewhere.id);
  });
});

describe('a page of the priority list', () => {
  it('is cut from the province ranked in SQL: an equal pair shares a rank, names in Persian order; a search keeps the rank; past the end, the last page', async () => {
    const periods = due();
    const gaps = await createUnit({ province_code: '05', obligation_start: START, name: 'الماس کسری' });
    const h = await createUnit({ province_code: '05', obligation_start: START, name: 'هما' });
    const g = await createUnit({ province_code: '05', obligation_start: START, name: 'گلرنگ' });
    await history(gaps.id, { skip: [periods.at(-1)!] });
    await history(h.id);
    await history(g.id);
    const rules = (await loadSettings()).rules;
    const first = await priorityPage('05', new Date(), rules, { q: '', page: 1, size: 2 });
    // گ before ه in Persian (not in code points); both filed everything: one rank.
    expect(first.rows.map((r) => [r.unit.id, r.rank])).toEqual([[g.id, 1], [h.id, 1]]);
    expect(first).toMatchObject({ page: 1, pages: 2, total: 3, all: 3 });
    const last = await priorityPage('05', new Date(), rules, { q: '', page: 7, size: 2 });
    expect(last.page).toBe(2);
    expect(last.rows.map((r) => [r.unit.id, r.rank])).toEqual([[gaps.id, 3]]);
    expect(last.rows[0]!.yearRecord.filed).toBe(last.rows[0]!.yearRecord.due - 1);
    expect(last.rows[0]!.verdict).toMatchObject({ eligible: false, reasons: ['آمار ۱ ماه ثبت نشده است'] });
    const found = await priorityPage('05', new Date(), rules, { q: persianDigits(h.nationalId.slice(0, 10)), page: 1, size: 2 });
    expect(found.rows.map((r) => [r.unit.id, r.rank])).toEqual([[h.id, 1]]);
    expect(found).toMatchObject({ total: 1, all: 3, pages: 1 });
    const none = await priorityPage('05', new Date(), rules, { q: 'ناموجود', page: 3, size: 2 });
    expect(none).toMatchObject({ rows: [], total: 0, all: 3, page: 1, pages: 1 });
  });
});

describe('facility ceilings', () => {
  it('sums verified production value and value added of the last 12 due periods and suggests coefficient × value added', async () => {
    const u = await createUnit({ province_code: '23', obligation_start: START, name: 'واحد تسهیلات' });
    const periods = due();
    const last12 = periods.slice(-12);
    for (const p of periods) {
      // The latest period is filed but not yet verified: it must not count.
      const state = p === periods.at(-1) ? 'submitted' : 'verified';
      await createFiling({ unitId: u.id, period: p, state, productionValue: 2_000_000, intermediateConsumption: 500_000 });
    }
    const { agent } = await signIn(app, officer.email);
    const res = await agent.get(`/province/units/${u.id}/facility?type=renovation`).expect(200);
    const verified = last12.length - 1;
    expect(res.text).toContain(`id="production-sum">${fa(2_000_000 * verified)}<`);
    expect(res.text).toContain(`id="value-added-sum">${fa(1_500_000 * verified)}<`);
    expect(res.text).toContain(`data-ceiling="${0.5 * 1_500_000 * verified}"`);
    const wc = await agent.get(`/province/units/${u.id}/facility?type=working_capital`).expect(200);
    expect(wc.text).toContain(`data-ceiling="${0.25 * 1_500_000 * verified}"`);
    // The coefficients are settings.
    await t.knex('settings').insert({ key: 'facility_coefficients', value: JSON.stringify({ renovation: 2, working_capital: 1 }) }).onConflict(['key', 'effective_from']).merge();
    clearSettingsCache();
    const changed = await agent.get(`/province/units/${u.id}/facility?type=renovation`).expect(200);
    expect(changed.text).toContain(`data-ceiling="${2 * 1_500_000 * verified}"`);
    await t.knex('settings').where({ key: 'facility_coefficients' }).delete();
    clearSettingsCache();
    expect(await t.knex('audit_log').where({ action: 'facility.view', unit_id: u.id })).toHaveLength(3);
  });

  it('an ineligible unit gets no suggestion, and the page says why; another province gets 404', async () => {
    const u = await createUnit({ province_code: '23', obligation_start: START });
    await history(u.id, { skip: [due()[1]], state: 'verified' });
    const { agent } = await signIn(app, officer.email);
    const res = await agent.get(`/province/units/${u.id}/facility?type=renovation`).expect(200);
    expect(res.text).toContain('data-ceiling="none"');
    expect(res.text).toContain(`آمار ${fa(1)} ماه ثبت نشده است`);
    const other = await signIn(app, otherOfficer.email);
    await other.agent.get(`/province/units/${u.id}/facility?type=renovation`).expect(404);
    await other.agent.get('/province/units/999999/facility').expect(404);
    await agent.get('/province/units/99999999999/facility').expect(404);
  });
});

describe('job runs page', () => {
  it('the stats office and admin see recent runs; others get 404', async () => {
    const r = await runNightly(t.knex, { at: new Date(), log: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    for (const role of ['stats_office', 'admin'] as const) {
      const u = await createUser({ role });
      const { agent } = await signIn(app, u.email);
      const res = await agent.get('/stats/job-runs').expect(200);
      expect(res.text).toContain(`<td class="num">${fa(r.runId!)}</td>`);
    }
    for (const u of [officer, await createUser({ role: 'unit_user' })]) {
      const { agent } = await signIn(app, u.email);
      await agent.get('/stats/job-runs').expect(404);
    }
  });
});

describe('province scoping of the eligibility pages', () => {
  it('another province\'s officer sees nothing of the unit on any route', async () => {
    const u = await createUnit({ province_code: '23', obligation_start: START, name: 'واحد محرمانه تهران' });
    await history(u.id, { state: 'verified' });
    const { agent } = await signIn(app, otherOfficer.email);
    const lookup = await agent.get(`/province/eligibility?q=${u.nationalId}`).expect(200);
    expect(lookup.text).not.toContain('واحد محرمانه تهران');
    const priority = await agent.get('/province/priority').expect(200);
    expect(priority.text).not.toContain('واحد محرمانه تهران');
    await agent.get(`/province/units/${u.id}/facility`).expect(404);
    await agent.get(`/province/units/${u.id}/facility?type=working_capital`).expect(404);
  });
});

describe('certificate codes (issue 24): nothing to misread', () => {
  it('a new code never holds O, 0, I or 1', () => {
    const all = Array.from({ length: 500 }, newCertificateCode).join('');
    expect(all).not.toMatch(/[O0I1]/);
    expect(new Set(all).size).toBe(32);
  });

  it('an old code with O and I is found when typed with 0 and 1, in Persian digits too', async () => {
    const u = await createUnit({ province_code: '23', obligation_start: START, name: 'واحد گواهی قدیمی' });
    await t.knex('certificates').insert({ code: 'OOIIABCD2345WXYZ', unit_id: u.id, issued_at: new Date(), valid_until: new Date(Date.now() + 86400_000), eligible: true, missing_periods: '[]', completeness: 1, timeliness: 1 });
    expect(normalizeCode('0oi1-abcd-2345-wxyz')).toBe('OOIIABCD2345WXYZ');
    const typed = await request(app).get(`/verify?code=${encodeURIComponent('۰۰۱۱-ABCD-۲۳۴۵-WXYZ')}`).expect(303);
    expect(typed.headers.location).toBe('/verify/OOIIABCD2345WXYZ');
    const page = await request(app).get('/verify/00II-ABCD-2345-WXYZ').expect(200);
    expect(page.text).toContain('واحد گواهی قدیمی');
  });
});
