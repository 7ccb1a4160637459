import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { freshApp, type App } from './support/app.ts';
import type { TestDatabase } from './support/db.ts';
import { createUser, signIn } from './support/factories.ts';
import { insertRelease, smallCube } from './support/releases.ts';
import { createApiToken } from '../src/api/auth.ts';
import { announce } from '../src/dissemination/calendar.ts';

// Issue 27 §1, the embargo, on whichever database the suite runs on (PGlite, or DATABASE_URL):
// a release stored before its announced instant is seen by the statistics office only — pages,
// API, SDMX and the index answer everyone else as if it did not exist — until that instant, and
// from it on by everyone, with nobody acting.

let t: TestDatabase;
let app: App;
let office: Awaited<ReturnType<typeof signIn>>;
let deputy: Awaited<ReturnType<typeof signIn>>;
let officeToken: string;
let deputyToken: string;

const sleepUntil = async (at: Date) => { const ms = at.getTime() - Date.now(); if (ms > 0) await new Promise((r) => setTimeout(r, ms)); };

beforeAll(async () => {
  ({ t, app } = await freshApp());
  const o = await createUser({ role: 'stats_office' });
  const d = await createUser({ role: 'planning_deputy' });
  office = await signIn(app, o.email);
  deputy = await signIn(app, d.email);
  officeToken = (await createApiToken(o.id, 'office')).token;
  deputyToken = (await createApiToken(d.id, 'deputy')).token;
});
afterAll(() => t.close());

const TABLE = { period: '1404-07', rows: 'province', cols: 'isic_division', measure: 'production_value' };

async function indexRelease(period: string, total: string): Promise<number> {
  const [c] = await t.knex('index_computations').insert({ period, base_year: 1403, cut_off: new Date(), first: true, report: JSON.stringify({ respondents: 9, imputedUnits: 1, unweighted: [], uncovered: [], uncoveredShare: 0, seconds: { base: 0, panel: 0, store: 0 } }) }).returning('id');
  await t.knex('index_cells').insert([
    { computation_id: c.id, node: 'T', level: 'total', value: total, imputed_share: 0.1, weight_share: 1, contributors: 10, suppressed: false },
    { computation_id: c.id, node: 'C', level: 'section', value: total, imputed_share: 0.1, weight_share: 1, contributors: 10, suppressed: false },
  ]);
  await t.knex('index_publications').insert({ computation_id: c.id, period });
  return c.id;
}

describe('a release under embargo', () => {
  it('is the office\'s alone until its announced second, then everyone\'s, through pages, API, SDMX and the index', async () => {
    // A window wide enough for a shared, loaded machine; the checks below fail loudly if it closes early.
    const at = new Date(Date.now() + 10_000);
    // Announced, then computed ahead of time.
    expect((await announce({ period: '1404-07', kind: 'final', releaseAt: at }, null)).ok).toBe(true);
    expect((await announce({ period: '1404-07', kind: 'index', releaseAt: at }, null)).ok).toBe(true);
    await insertRelease({ period: '1404-07', cells: smallCube() });
    await indexRelease('1404-07', '112.5000');

    const page = (a: typeof office) => a.agent.get('/stats/aggregates').query(TABLE);
    const api = (token: string) => request(app).get('/api/v1/stats/aggregates').query(TABLE).set('Authorization', `Bearer ${token}`);
    const sdmx = (token: string) => request(app).get('/api/v1/sdmx/data/PSP_RELEASE/M.IR._T._Z.PRODUCTION_VALUE.IRR.0').query({ startPeriod: '1404-07', endPeriod: '1404-07', format: 'csv' }).set('Authorization', `Bearer ${token}`);
    const indexApi = (token: string) => request(app).get('/api/v1/stats/index').query({ period: '1404-07', level: 'section' }).set('Authorization', `Bearer ${token}`);
    const indexSdmx = (token: string) => request(app).get('/api/v1/sdmx/data/PSP_INDEX/M.IR._T.INDEX.IX.0').set('Authorization', `Bearer ${token}`);

    // Before the second: the office sees it everywhere…
    expect(Date.now()).toBeLessThan(at.getTime());
    expect((await page(office)).status).toBe(200);
    expect((await api(officeToken)).body.cells.length).toBeGreaterThan(0);
    const officeSdmx = await sdmx(officeToken);
    expect(officeSdmx.status).toBe(200);
    expect(officeSdmx.text).toContain('PRODUCTION_VALUE,IRR,0,2025-M07,1500,A,F');
    expect((await indexSdmx(officeToken)).status).toBe(200);
    // …and everyone else is answered as if it did not exist.
    const hiddenPage = await page(deputy);
    expect(hiddenPage.status).toBe(404);
    expect(hiddenPage.text).toContain('هنوز هیچ انتشار نهایی ثبت نشده است');
    const hiddenApi = await api(deputyToken);
    expect(hiddenApi.status).toBe(404);
    expect(hiddenApi.body.error.code).toBe('no_release');
    const hiddenSdmx = await sdmx(deputyToken);
    expect(hiddenSdmx.status).toBe(404);
    expect(hiddenSdmx.body.errors[0].code).toBe(100);
    expect((await indexApi(deputyToken)).body).toMatchObject({ publication: null, cells: [] });
    expect((await indexSdmx(deputyToken)).status).toBe(404);
    const deputyIndexPage = await deputy.agent.get('/stats/index').query({ month: '1404-07' });
    expect(deputyIndexPage.text).not.toContain('۱۱۲٫۵');
    // The release list of the page does not name it either; the public calendar says it is not out.
    expect((await deputy.agent.get('/stats/aggregates')).text).not.toContain('data-released="1404-07"');
    const cal = await request(app).get('/api/v1/stats/calendar').expect(200);
    expect(cal.body.announcements.find((a: { kind: string }) => a.kind === 'final').published_at).toBeNull();

    expect(Date.now(), 'the checks before the second ran before it').toBeLessThan(at.getTime());

    // From the second on, with nobody acting: public.
    await sleepUntil(new Date(at.getTime() + 50));
    expect((await page(deputy)).status).toBe(200);
    const openApi = await api(deputyToken);
    expect(openApi.status).toBe(200);
    expect(openApi.body).toEqual((await api(officeToken)).body);
    const openSdmx = await sdmx(deputyToken);
    expect(openSdmx.status).toBe(200);
    expect(openSdmx.text).toBe(officeSdmx.text);
    expect((await indexApi(deputyToken)).body.cells.find((c: { node: string }) => c.node === 'C').value).toBe(112.5);
    expect((await indexSdmx(deputyToken)).status).toBe(200);
    expect((await deputy.agent.get('/stats/index').query({ month: '1404-07' })).text).toContain('۱۱۲٫۵');
    const after = await request(app).get('/api/v1/stats/calendar').expect(200);
    const final = after.body.announcements.find((a: { kind: string }) => a.kind === 'final');
    expect(final.published_at).toBe(at.toISOString());
    expect(after.body.punctuality.find((p: { kind: string }) => p.kind === 'final')).toMatchObject({ on_time: true, delay_seconds: 0, published_at: at.toISOString() });
  });

  it('a revision under embargo leaves everyone else on the revision before it until its second', async () => {
    await insertRelease({ period: '1404-08', cells: smallCube() });
    const at = new Date(Date.now() + 6000);
    expect((await announce({ period: '1404-08', kind: 'revision', releaseAt: at }, null)).ok).toBe(true);
    await insertRelease({ period: '1404-08', revision: 2, cells: smallCube(2n) });
    const total = async (token: string) => {
      const res = await request(app).get('/api/v1/stats/aggregates').query({ ...TABLE, period: '1404-08', cols: '' }).set('Authorization', `Bearer ${token}`).expect(200);
      return { revision: res.body.release.revision, total: res.body.cells.find((c: { row: string }) => c.row === 'IR').value };
    };
    expect(await total(officeToken)).toEqual({ revision: 2, total: 3000 });
    expect(await total(deputyToken)).toEqual({ revision: 1, total: 1500 });
    expect(Date.now()).toBeLessThan(at.getTime());
    await sleepUntil(new Date(at.getTime() + 50));
    expect(await total(deputyToken)).toEqual({ revision: 2, total: 3000 });
  });

  it('a release stored after its announced time is public at once (late), and the punctuality report says by how much', async () => {
    const at = new Date(Date.now() + 1200);
    expect((await announce({ period: '1404-09', kind: 'final', releaseAt: at }, null)).ok).toBe(true);
    await sleepUntil(new Date(at.getTime() + 1100));
    await insertRelease({ period: '1404-09', cells: smallCube() });
    expect((await request(app).get('/api/v1/stats/aggregates').query({ ...TABLE, period: '1404-09' }).set('Authorization', `Bearer ${deputyToken}`)).status).toBe(200);
    const cal = await request(app).get('/api/v1/stats/calendar').expect(200);
    const late = cal.body.punctuality.find((p: { period: string; kind: string }) => p.period === '1404-09' && p.kind === 'final');
    expect(late.on_time).toBe(false);
    expect(late.delay_seconds).toBeGreaterThanOrEqual(1);
  });
});
