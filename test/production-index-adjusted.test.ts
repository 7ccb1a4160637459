import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { freshApp, type App } from './support/app.ts';
import type { TestDatabase } from './support/db.ts';
import { milkPlants } from './support/index-fixtures.ts';
import { createUser, signIn } from './support/factories.ts';
import { setSetting } from './support/stats-fixtures.ts';
import { createApiToken } from '../src/api/auth.ts';
import { periodRange, splitPeriod } from '../src/calendar.ts';
import { runNextJob } from '../src/stats/jobs/worker.ts';
import { clearSettingsCache } from '../src/settings.ts';
import type { IndexReport } from '../src/production-index/compute.ts';
import { holidayYears, parseHolidayYear, saveHolidayYear } from '../src/production-index/holidays.ts';

// Issue 25 through the job and HTTP: a computation adjusts the published series of the nodes it
// publishes (nation, section, division), stores NSA/CA/SA with it, and the release publishes them;
// a month suppressed in the history cuts a node's series, and a node suppressed now gets none.

let t: TestDatabase;
let app: App;
const PERIOD = '1405-01';
const HISTORY = periodRange('1402-01', '1404-12');
const SEASON = [0.8, 1.02, 1.05, 1.04, 1.03, 1.0, 1.02, 1.03, 1.05, 1.04, 1.0, 0.97];

async function publishHistory(): Promise<void> {
  // The months before PERIOD as released computations (what the office published earlier).
  for (const [i, period] of HISTORY.entries()) {
    const [c] = await t.knex('index_computations').insert({ period, base_year: 1404, cut_off: new Date(), computed_at: new Date(), first: true, report: JSON.stringify({ respondents: 3, imputedUnits: 0, unweighted: [], uncovered: [], uncoveredShare: 0, seconds: { base: 0, panel: 0, store: 0 } }) }).returning('id');
    const v = Math.round(100 * SEASON[splitPeriod(period).jm - 1] * (1 + 0.002 * i) * 10_000) / 10_000;
    const cells = [
      { node: 'T', level: 'total', value: v, suppressed: false },
      { node: 'C', level: 'section', value: v, suppressed: false },
      // Division 10 was suppressed in Shahrivar 1404: its published series starts again in Mehr.
      { node: '10', level: 'division', value: period === '1404-06' ? null : v, suppressed: period === '1404-06' },
    ];
    await t.knex('index_cells').insert(cells.map((x) => ({ computation_id: c.id, ...x, imputed_share: 0, weight_share: 1, contributors: 3 })));
    await t.knex('index_publications').insert({ computation_id: c.id, period });
  }
}

beforeAll(async () => {
  ({ t, app } = await freshApp());
  await milkPlants(t.knex, PERIOD, 8);
  await publishHistory();
});
afterAll(() => t.close());

describe('the adjusted series of a computation', () => {
  it('are stored for the nation and the section over their 37 published months, not for a division whose series a suppression cut', async () => {
    const office = await createUser({ role: 'stats_office' });
    const { agent, csrf } = await signIn(app, office.email);
    await agent.post('/stats/index/computations').type('form').send({ _csrf: csrf, period: PERIOD }).expect(303);
    expect((await runNextJob())?.end.state).toBe('done');
    const c = await t.knex('index_computations').where({ period: PERIOD }).orderBy('id', 'desc').first();
    const report = c.report as IndexReport;
    expect(report.adjustment).toMatchObject({ adjusted: 2, tooShort: ['10'] });
    const stored = await t.knex('index_adjusted').where({ computation_id: c.id }).select('node', 'period', 'nsa', 'ca', 'sa');
    expect(new Set(stored.map((r) => r.node))).toEqual(new Set(['T', 'C']));
    expect(stored.filter((r) => r.node === 'T')).toHaveLength(37);
    const now = stored.find((r) => r.node === 'T' && r.period === PERIOD)!;
    expect(Number(now.nsa)).toBe(80);
    // Farvardin is the seasonal low: SA lifts it well above the raw 80.
    expect(Number(now.sa)).toBeGreaterThan(95);
    const model = await t.knex('index_adjustments').where({ computation_id: c.id, node: 'T' }).first();
    expect(model.model).toMatchObject({ months: 37, from: '1402-01', thursdayWeight: 0.5, calendar: expect.stringMatching(/estimated|none_significant/) });

    // Not published before the release; published with it, on the page, in the files and the API.
    expect((await agent.get('/stats/index').expect(200)).text).not.toContain('id="adjustment-model"');
    await agent.post('/stats/index/publications').type('form').send({ _csrf: csrf, computation_id: c.id }).expect(303);
    const page = await agent.get('/stats/index').expect(200);
    expect(page.text).toContain('id="adjustment-model"');
    expect(page.text).toContain('id="total-series-table"');
    expect(page.text).toContain('فصلی‌زدایی‌شده');
    const csv = await agent.get('/stats/index?format=csv').expect(200);
    const header = csv.text.split('\n')[0];
    expect(header).toContain('شاخص فصلی‌زدایی‌شده');
    const line = csv.text.split('\n').find((l) => l.startsWith(`${PERIOD},T,`))!;
    expect(line.split(',')[11]).toBe(String(Number(now.sa)));
    const { token } = await createApiToken(office.id, 'tools');
    const api = await request(app).get(`/api/v1/stats/index?period=${PERIOD}`).set('Authorization', `Bearer ${token}`).expect(200);
    const cells = api.body.cells as { node: string; seasonally_adjusted: number | null }[];
    expect(cells.find((x) => x.node === 'T')!.seasonally_adjusted).toBe(Number(now.sa));
    expect(cells.find((x) => x.node === '10')!.seasonally_adjusted).toBeNull();
  });

  it('a node suppressed in the computation gets no adjusted series, and nothing is published for it', async () => {
    await setSetting('suppression_min_units', 4);
    clearSettingsCache();
    const office = await createUser({ role: 'stats_office' });
    const { agent, csrf } = await signIn(app, office.email);
    await agent.post('/stats/index/computations').type('form').send({ _csrf: csrf, period: PERIOD }).expect(303);
    expect((await runNextJob())?.end.state).toBe('done');
    const c = await t.knex('index_computations').where({ period: PERIOD }).orderBy('id', 'desc').first();
    const suppressed = await t.knex('index_cells').where({ computation_id: c.id, suppressed: true }).pluck('node');
    expect(suppressed).toEqual(expect.arrayContaining(['T', 'C', '10']));
    expect(await t.knex('index_adjusted').where({ computation_id: c.id }).count('* as n').first()).toMatchObject({ n: 0 });
    await agent.post('/stats/index/publications').type('form').send({ _csrf: csrf, computation_id: c.id }).expect(303);
    const csv = await agent.get('/stats/index?format=csv').expect(200);
    const line = csv.text.split('\n').find((l) => l.startsWith(`${PERIOD},T,`))!;
    // No CA, SA, SA change, nor contribution to growth for a suppressed cell.
    expect(line.split(',').slice(10).join(',').trim()).toBe(',,,');
    expect((await agent.get('/stats/index').expect(200)).text).not.toContain('id="adjustment-model"');
  });
});

describe('the holiday table', () => {
  it('holds 1395–1406 with their source, 1406 provisional; a year is added with a source, replaced only when asked, audited', async () => {
    const years = await holidayYears(t.knex);
    expect(years.map((y) => y.year)).toEqual([1395, 1396, 1397, 1398, 1399, 1400, 1401, 1402, 1403, 1404, 1405, 1406]);
    expect(years.find((y) => y.year === 1406)!.status).toBe('provisional');
    expect(years.every((y) => y.source.includes('مرکز تقویم'))).toBe(true);
    expect(await t.knex('index_holidays').where({ date: '1403-04-26' }).first('code')).toEqual({ code: 'ashura' });

    const text = (await t.knex('index_holidays').where({ year: 1406, kind: 'lunar' }).orderBy('date').select('date', 'code')).map((h) => `${h.date.slice(5)} ${h.code}`).join('\n');
    const parsed = parseHolidayYear(1406, text);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const office = await createUser({ role: 'stats_office' });
    expect(await saveHolidayYear({ year: 1406, source: '', status: 'announced' }, parsed.holidays, { replace: true, userId: office.id }, t.knex)).toMatchObject({ ok: false });
    const refused = await saveHolidayYear({ year: 1406, source: 'تقویم رسمی ۱۴۰۶', status: 'announced' }, parsed.holidays, { replace: false, userId: office.id }, t.knex);
    expect(refused).toMatchObject({ ok: false, reason: expect.stringContaining('--replace') });
    expect(await saveHolidayYear({ year: 1406, source: 'تقویم رسمی ۱۴۰۶', status: 'announced' }, parsed.holidays, { replace: true, userId: office.id }, t.knex)).toEqual({ ok: true });
    expect(await t.knex('index_holiday_years').where({ year: 1406 }).first('status', 'source', 'added_by')).toEqual({ status: 'announced', source: 'تقویم رسمی ۱۴۰۶', added_by: office.id });
    expect(await t.knex('index_holidays').where({ year: 1406 }).count('* as n').first()).toMatchObject({ n: parsed.holidays.length });
    expect(await t.knex('audit_log').where({ user_id: office.id, action: 'stats.index_holidays' }).count('* as n').first()).toMatchObject({ n: 1 });
  });
});
