import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import ExcelJS from 'exceljs';
import { createApiToken } from '../src/api/auth.ts';
import { deadlineOf, latestDuePeriod, currentFilingPeriod, DEFAULT_RULES } from '../src/calendar.ts';
import { performanceReport } from '../src/stats/performance.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, signIn } from './support/factories.ts';
import { createUnit, createFiling } from './support/stats-fixtures.ts';

// DESIGN §10 on a crafted month: every figure of the report is known in advance.

let t: TestDatabase;
let app: App;
const P = '1404-05';
const deadline = deadlineOf(P, DEFAULT_RULES);
const day = 86_400_000;
const before = (days: number) => new Date(deadline.getTime() - days * day);
const after = (days: number) => new Date(deadline.getTime() + days * day);

beforeAll(async () => {
  ({ t, app } = await freshApp());
  const food = { province_code: '23', isic_class: '1050', obligation_start: '1404-01' };
  // Tehran (23): six obligated units.
  const u1 = await createUnit(food);
  await createFiling({ unit_id: u1.id, period: P, state: 'verified', first_submitted_at: before(1), verified_at: new Date(before(1).getTime() + 2 * day) });
  const u2 = await createUnit(food);
  await createFiling({ unit_id: u2.id, period: P, state: 'verified', first_submitted_at: before(3), verified_at: new Date(before(3).getTime() + 4 * day) });
  const u3 = await createUnit(food);
  await createFiling({ unit_id: u3.id, period: P, state: 'returned', first_submitted_at: after(3) });
  const u4 = await createUnit(food);
  await createFiling({ unit_id: u4.id, period: P, state: 'submitted', first_submitted_at: after(1) });
  await createUnit(food); // u5: nothing filed
  const u6 = await createUnit(food);
  await createFiling({ unit_id: u6.id, period: P, state: 'draft' });
  // Not obligated: obligation starts later; registration not approved.
  const u7 = await createUnit({ ...food, obligation_start: '1404-06' });
  await createFiling({ unit_id: u7.id, period: P, state: 'verified', first_submitted_at: before(1) });
  await createUnit({ ...food, registration: 'pending' });
  // Isfahan (10): two metal units, both on time and verified after 1 and 2 days.
  for (const d of [1, 2]) {
    const u = await createUnit({ province_code: '10', isic_class: '2410', obligation_start: '1403-01' });
    await createFiling({ unit_id: u.id, period: P, state: 'verified', first_submitted_at: before(2), verified_at: new Date(before(2).getTime() + d * day) });
    await createFiling({ unit_id: u.id, period: '1404-04', state: 'verified', first_submitted_at: deadlineOf('1404-04') });
  }
});
afterAll(() => t.close());

describe('the monthly performance report on a crafted month', () => {
  it('counts obligated, on time, late, missing, verified, returned, awaiting and the median days per province', async () => {
    const r = await performanceReport(P, { at: new Date(), rules: DEFAULT_RULES });
    const tehran = r.provinces.find((p) => p.code === '23')!;
    expect(tehran).toMatchObject({ obligated: 6, on_time: 2, late: 2, missing: 2, verified: 2, returned: 1, awaiting_verification: 1, median_days_to_verification: 3, rank: 2 });
    expect(tehran.response_rate).toBeCloseTo(4 / 6);
    expect(tehran.timeliness).toBeCloseTo(2 / 6);
    const isfahan = r.provinces.find((p) => p.code === '10')!;
    expect(isfahan).toMatchObject({ obligated: 2, on_time: 2, late: 0, missing: 0, verified: 2, response_rate: 1, timeliness: 1, median_days_to_verification: 1.5, rank: 1 });
    expect(r.provinces.map((p) => p.code).slice(0, 2)).toEqual(['10', '23']);
    expect(r.provinces).toHaveLength(31);
    expect(r.provinces.find((p) => p.code === '00')).toMatchObject({ obligated: 0, response_rate: null, rank: 3 });
    expect(r.national).toMatchObject({ obligated: 8, on_time: 4, late: 2, missing: 2, verified: 4, returned: 1, awaiting_verification: 1, median_days_to_verification: 2 });
    expect(r.offices.find((o) => o.code === 'food')).toMatchObject({ obligated: 6, on_time: 2 });
    expect(r.offices.find((o) => o.code === 'metals')).toMatchObject({ obligated: 2, on_time: 2 });
    expect(r.offices.find((o) => o.code === 'mining')).toMatchObject({ obligated: 0, response_rate: null });
  });

  it('a submission after the instant judged does not count yet', async () => {
    const r = await performanceReport(P, { at: after(2), rules: DEFAULT_RULES });
    const tehran = r.provinces.find((p) => p.code === '23')!;
    expect(tehran).toMatchObject({ on_time: 2, late: 1, missing: 3 });
  });

  it('the 12-month trend ends at the period and carries response rate and timeliness', async () => {
    const r = await performanceReport(P, { at: new Date(), rules: DEFAULT_RULES });
    expect(r.trend.map((x) => x.period)).toEqual(['1403-06', '1403-07', '1403-08', '1403-09', '1403-10', '1403-11', '1403-12', '1404-01', '1404-02', '1404-03', '1404-04', '1404-05']);
    const apr = r.trend.find((x) => x.period === '1404-04')!;
    // 1404-04: the 2 Isfahan units (on time) + 6 Tehran units obligated from 1404-01 (nothing filed).
    expect(apr.response_rate).toBeCloseTo(2 / 8);
    expect(apr.timeliness).toBeCloseTo(2 / 8);
    expect(r.trend[0]).toMatchObject({ response_rate: 0 });
  });
});

describe('the report pages', () => {
  it('the statistics office sees every province ranked, the offices, the national line and an SVG chart', async () => {
    const u = await createUser({ role: 'stats_office' });
    const { agent } = await signIn(app, u.email);
    const started = Date.now();
    const res = await agent.get(`/stats/performance?period=${P}`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.status).toBe(200);
    expect(res.text).toContain('اصفهان');
    expect(res.text).toContain('تهران');
    expect(res.text).toContain('کل کشور');
    expect(res.text).toContain('فلزات پایه');
    expect(res.text).toMatch(/<svg[^>]+role="img"/);
    expect(res.text).toContain('مرداد');
    expect(res.text).not.toMatch(/<svg[\s\S]*style=[\s\S]*<\/svg>/);
    expect(res.text).toContain('۶۶٫۷٪');
    const csv = await agent.get(`/stats/performance?period=${P}&format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    expect(csv.text).toContain('نرخ پاسخ‌دهی (٪)');
    expect(csv.text).toContain('2,تهران,6,2,2,2,66.7,33.3,2,1,1,3');
    const xlsx = await agent.get(`/stats/performance?period=${P}&format=xlsx`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as Parameters<typeof wb.xlsx.load>[0]);
    expect(wb.worksheets[0].views[0].rightToLeft).toBe(true);
    expect(wb.worksheets[0].getRow(3).getCell(2).value).toBe('استان / دفتر');
  });

  it('defaults to the latest period past its deadline and refuses a period still open, in Persian', async () => {
    const u = await createUser({ role: 'stats_office' });
    const { agent } = await signIn(app, u.email);
    const res = await agent.get('/stats/performance');
    expect(res.status).toBe(200);
    expect(res.text).toContain(`value="${latestDuePeriod(new Date())}"`);
    const open = await agent.get(`/stats/performance?period=${currentFilingPeriod(new Date())}`);
    expect(open.status).toBe(422);
    expect(open.text).toContain('پس از پایان مهلت');
    const bad = await agent.get('/stats/performance?period=1404-13');
    expect(bad.status).toBe(422);
  });

  it('a province officer sees only their own province line and its rank', async () => {
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent } = await signIn(app, officer.email);
    const res = await agent.get(`/stats/performance?period=${P}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('تهران');
    expect(res.text).not.toContain('اصفهان');
    expect(res.text).not.toContain('کل کشور');
    expect(res.text).not.toContain('office-table');
    expect(res.text).toMatch(/<td class="num">۲<\/td><th scope="row">تهران<\/th>/);
    const csv = await agent.get(`/stats/performance?period=${P}&format=csv`);
    const lines = csv.text.trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('تهران');
  });

  it('answers 404 to a unit user and the planning deputy', async () => {
    const unit = await createUnit({ province_code: '23', registration: 'pending' }); // pending: leaves the figures alone
    for (const attrs of [{ role: 'unit_user' as const, unit_ids: [unit.id] }, { role: 'planning_deputy' as const }]) {
      const u = await createUser(attrs);
      const { agent } = await signIn(app, u.email);
      expect((await agent.get(`/stats/performance?period=${P}`)).status).toBe(404);
      expect((await agent.get(`/stats/performance?period=${P}&format=csv`)).status).toBe(404);
    }
  });
});

describe('the performance API', () => {
  it('gives the statistics office one object per province code plus a national total', async () => {
    const u = await createUser({ role: 'stats_office' });
    const { token } = await createApiToken(u.id, 'tools');
    const res = await request(app).get(`/api/v1/stats/performance?period=${P}`).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toHaveLength(32);
    expect(res.body['23']).toMatchObject({ obligated: 6, on_time: 2, late: 2, missing: 2, verified: 2, returned: 1, awaiting_verification: 1, median_days_to_verification: 3 });
    expect(res.body['23'].response_rate).toBeCloseTo(4 / 6);
    expect(res.body.national).toMatchObject({ obligated: 8, on_time: 4 });
    const open = await request(app).get(`/api/v1/stats/performance?period=${currentFilingPeriod(new Date())}`).set('Authorization', `Bearer ${token}`);
    expect(open.status).toBe(422);
  });

  it('answers 404 to tokens of a province officer, a unit user and the planning deputy', async () => {
    for (const role of ['province_officer', 'unit_user', 'planning_deputy'] as const) {
      const u = await createUser({ role, province_code: role === 'province_officer' ? '23' : null });
      const { token } = await createApiToken(u.id, 'x');
      const res = await request(app).get(`/api/v1/stats/performance?period=${P}`).set('Authorization', `Bearer ${token}`);
      expect(res.status, role).toBe(404);
    }
  });
});
