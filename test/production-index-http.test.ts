import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import ExcelJS from 'exceljs';
import { freshApp, type App } from './support/app.ts';
import type { TestDatabase } from './support/db.ts';
import { milkPlants } from './support/index-fixtures.ts';
import { createUser, signIn, csrfFrom, unitWithUser } from './support/factories.ts';
import { createApiToken } from '../src/api/auth.ts';
import { runNextJob } from '../src/stats/jobs/worker.ts';

// Issue 16 through HTTP: the statistics office computes and releases a month, the planning deputy
// reads the same page, files and the API carry released figures only, every other role gets 404.

let t: TestDatabase;
let app: App;
const PERIOD = '1405-01';

beforeAll(async () => {
  ({ t, app } = await freshApp());
  await milkPlants(t.knex, PERIOD, 11);
});
afterAll(() => t.close());

describe('the «شاخص تولید» page', () => {
  it('the statistics office computes a month, publishes it, and sees it with its triangle and files', async () => {
    const office = await createUser({ role: 'stats_office' });
    const { agent, csrf } = await signIn(app, office.email);
    const empty = await agent.get('/stats/index').expect(200);
    expect(empty.text).toContain('شاخص تولید صنعت و معدن');

    await agent.post('/stats/index/computations').type('form').send({ _csrf: csrf, period: PERIOD }).expect(303);
    // The request only queued the computation (a job); the worker computes it.
    expect(await t.knex('index_computations').where({ period: PERIOD }).first()).toBeUndefined();
    expect((await agent.get('/stats/index').expect(200)).text).toMatch(/data-state="queued"/);
    const ran = await runNextJob();
    expect(ran?.end.state).toBe('done');
    const c = await t.knex('index_computations').where({ period: PERIOD }).first();
    expect(ran?.end).toEqual({ state: 'done', computationId: c.id });
    expect(c).toMatchObject({ first: true, created_by: office.id });
    // Computed, not released: nothing published yet, the triangle shows an unreleased row.
    const before = await agent.get(`/stats/index?month=${PERIOD}`).expect(200);
    expect(before.text).toContain('نشرنیافته');
    expect(before.text).not.toContain('۱۱۰٫۰');

    await agent.post('/stats/index/publications').type('form').send({ _csrf: csrf, computation_id: c.id }).expect(303);
    expect(await t.knex('index_publications').where({ computation_id: c.id }).first()).toMatchObject({ published_by: office.id });
    const page = await agent.get(`/stats/index?month=${PERIOD}`).expect(200);
    expect(page.text).toContain('۱۱۰٫۰');
    expect(page.text).toContain('<svg');
    // The audit of the release engine, in words (issue 20 §4).
    expect(page.text).toMatch(/id="index-audit"[^<]*هیچ‌یک را نمی‌تواند حتی تا ±۱۰٪/);
    expect(page.text).toContain('id="triangle-table"');
    expect(page.text).toContain('<select');

    const csv = await agent.get('/stats/index?format=csv').expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['cache-control']).toBe('no-store');
    expect(csv.text.startsWith('\ufeff')).toBe(true);
    expect(csv.text).toContain(`${PERIOD},10,`);
    const xlsx = await agent.get('/stats/index?format=xlsx').buffer(true).parse((res, cb) => { const chunks: Buffer[] = []; res.on('data', (d: Buffer) => chunks.push(d)); res.on('end', () => cb(null, Buffer.concat(chunks))); }).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as Parameters<typeof wb.xlsx.load>[0]);
    expect(wb.worksheets[0].rowCount).toBeGreaterThan(3);

    const actions = (await t.knex('audit_log').where({ user_id: office.id }).pluck('action')) as string[];
    for (const a of ['stats.index_compute', 'stats.index_publish', 'stats.index_view', 'stats.index_export']) expect(actions).toContain(a);
  });

  it('a month before its first computation time is refused with a Persian reason, storing nothing', async () => {
    const office = await createUser({ role: 'stats_office' });
    const { agent } = await signIn(app, office.email);
    const page = await agent.get('/stats/index');
    const n = await t.knex('index_computations').count('* as n').first();
    const future = '1450-01';
    const r = await agent.post('/stats/index/computations').type('form').send({ _csrf: csrfFrom(page.text), period: future });
    expect(r.status).toBe(422);
    expect(r.text).toContain('هنوز آن زمان نرسیده است');
    expect(await t.knex('index_computations').count('* as n').first()).toEqual(n);
    expect(await t.knex('stats_jobs').where({ period: future }).first()).toBeUndefined();
  });

  it('the planning deputy reads the same page but cannot compute or publish', async () => {
    const deputy = await createUser({ role: 'planning_deputy' });
    const { agent, csrf } = await signIn(app, deputy.email);
    const page = await agent.get('/stats/index').expect(200);
    expect(page.text).toContain('۱۱۰٫۰');
    expect(page.text).not.toContain('/stats/index/computations');
    await agent.post('/stats/index/computations').type('form').send({ _csrf: csrf, period: PERIOD }).expect(404);
  });

  it('a unit user and a province officer get 404', async () => {
    const { agent } = await unitWithUser(app);
    await agent.get('/stats/index').expect(404);
    await agent.get('/stats/index?format=csv').expect(404);
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const o = await signIn(app, officer.email);
    await o.agent.get('/stats/index').expect(404);
    await o.agent.post('/stats/index/publications').type('form').send({ _csrf: o.csrf, computation_id: 1 }).expect(404);
  });
});

describe('GET /api/v1/stats/index', () => {
  it('gives the statistics office one month\'s released cells down to a level', async () => {
    const office = await createUser({ role: 'stats_office' });
    const { token } = await createApiToken(office.id, 'tools');
    const r = await request(app).get(`/api/v1/stats/index?period=${PERIOD}&level=division`).set('Authorization', `Bearer ${token}`).expect(200);
    const nodes = (r.body.cells as { node: string; value: number | null }[]).map((c) => c.node);
    expect(nodes).toEqual(expect.arrayContaining(['T', 'C', '10']));
    expect(nodes).not.toContain('1050');
    expect(r.body.cells.find((c: { node: string }) => c.node === '10').value).toBe(110);
    const deeper = await request(app).get(`/api/v1/stats/index?period=${PERIOD}&level=class`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(deeper.body.cells.map((c: { node: string }) => c.node)).toContain('1050');
    await request(app).get('/api/v1/stats/index?period=1404-13').set('Authorization', `Bearer ${token}`).expect(422);
    const none = await request(app).get('/api/v1/stats/index?period=1404-03').set('Authorization', `Bearer ${token}`).expect(200);
    expect(none.body).toMatchObject({ publication: null, cells: [] });
    expect(await t.knex('audit_log').where({ user_id: office.id, action: 'stats.index_api' }).count('* as n').first()).toMatchObject({ n: 3 });
  });

  it('answers 404 to an officer\'s token and 401 without one', async () => {
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { token } = await createApiToken(officer.id, 'x');
    await request(app).get(`/api/v1/stats/index?period=${PERIOD}`).set('Authorization', `Bearer ${token}`).expect(404);
    await request(app).get(`/api/v1/stats/index?period=${PERIOD}`).expect(401);
  });

  it('is in the OpenAPI document', async () => {
    const r = await request(app).get('/api/docs/openapi.json').expect(200);
    expect(Object.keys(r.body.paths)).toContain('/stats/index');
  });
});
