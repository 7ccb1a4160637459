import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { freshApp, type App } from './support/app.ts';
import type { TestDatabase } from './support/db.ts';
import { createUnit, createUser, signIn } from './support/factories.ts';
import { createFiling } from './support/filings.ts';
import { createApiToken } from '../src/api/auth.ts';
import { claimJob, enqueueJob, jobById, STALE_SECONDS, MAX_ATTEMPTS } from '../src/stats/jobs/model.ts';
import { runNextJob, startJobWorker } from '../src/stats/jobs/worker.ts';
import { saveSetting, clearSettingsCache } from '../src/settings.ts';

// DESIGN §7 "releases are jobs": the request queues, a worker builds with the real engine, the
// portal answers meanwhile, a dead worker's job is taken over, one job runs per linked group.

let t: TestDatabase;
let app: App;
let office: { id: number; email: string };
let token: string;

async function cell(n: number, province: string, isic: string, months: string[], pv: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const u = await createUnit({ province_code: province, isic_class: isic });
    for (const m of months) await createFiling({ unitId: u.id, period: m, state: 'verified', productionValue: pv + i * 13, intermediateConsumption: Math.floor(pv / 3), employees: 10 + i });
  }
}

beforeAll(async () => {
  ({ t, app } = await freshApp());
  office = await createUser({ role: 'stats_office' });
  token = (await createApiToken(office.id, 'tools')).token;
  const months = ['1404-01', '1404-02', '1404-03'];
  await cell(4, '23', '1050', months, 9_000_000_000);
  await cell(3, '23', '1071', months, 2_000_000_000);
  await cell(1, '23', '1072', months, 7_000_000_000);
  await cell(3, '10', '1050', months, 8_000_000_000);
  await cell(4, '10', '2410', months, 5_000_000_000);
  await cell(2, '08', '0710', months, 3_000_000_000);
}, 120_000);
afterAll(() => t.close());

const api = () => ({
  post: (path: string) => request(app).post(path.startsWith('/api/') ? path : `/api/v1${path}`).set('Authorization', `Bearer ${token}`),
  get: (path: string) => request(app).get(path.startsWith('/api/') ? path : `/api/v1${path}`).set('Authorization', `Bearer ${token}`),
});

describe('releases as jobs through the API', () => {
  it('POST answers 202 with the job and its address; the job ends with the release; the address says so', async () => {
    const res = await api().post('/stats/releases').send({ period: '1404-01', preliminary: false }).expect(202);
    expect(res.body).toMatchObject({ job: expect.any(Number), status_url: `/api/v1/stats/releases/jobs/${res.body.job}`, state: 'queued' });
    const queued = await api().get(res.body.status_url).expect(200);
    expect(queued.body).toMatchObject({ state: 'queued', release: null, reason: null, progress: 0 });
    // The same again while it waits: 409, nothing queued twice.
    const again = await api().post('/stats/releases').send({ period: '1404-01' }).expect(409);
    expect(again.body.error.code).toBe('duplicate_job');
    expect(again.body.error.message).toMatch(/[\u0600-\u06ff]{3}/);

    const ran = await runNextJob();
    expect(ran?.end.state, JSON.stringify(ran?.end)).toBe('done');
    const done = await api().get(res.body.status_url).expect(200);
    expect(done.body).toMatchObject({ state: 'done', progress: 1, release: { period: '1404-01', preliminary: false, revision: 1 } });
    expect(done.body.release.id).toBe((await t.knex('releases').where({ period: '1404-01' }).first()).id);
    // A finished job cannot be cancelled.
    const cancel = await api().post(`${res.body.status_url}/cancellation`).expect(409);
    expect(cancel.body.error.code).toBe('job_finished');
  }, 120_000);

  it('bad input is a Persian 4xx and queues nothing: off the grid 400, not due 422, a preliminary after its final 422', async () => {
    const before = Number((await t.knex('stats_jobs').count('* as n').first())?.n);
    const off = await api().post('/stats/releases').send({ period: '1404-02..1404-05' }).expect(400);
    expect(off.body.error.code).toBe('period_off_grid');
    const due = await api().post('/stats/releases').send({ period: '1420' }).expect(422);
    expect(due.body.error.message).toContain('هنوز به پایان نرسیده است');
    const late = await api().post('/stats/releases').send({ period: '1404-01', preliminary: true }).expect(422);
    expect(late.body.error.message).toContain('مقدماتی پس از انتشار نهایی');
    await api().get('/stats/releases/jobs/999999').expect(404);
    expect(Number((await t.knex('stats_jobs').count('* as n').first())?.n)).toBe(before);
  });

  it('at most jobs_per_period_per_day requests of one period a day (429)', async () => {
    await saveSetting('jobs_per_period_per_day', 2, null);
    clearSettingsCache();
    try {
      // 1404-01 has one job already (the first test's): one more may be asked, then no more today.
      const second = await api().post('/stats/releases').send({ period: '1404-01' }).expect(202);
      await t.knex('stats_jobs').where({ id: second.body.job }).update({ state: 'cancelled', finished_at: new Date() });
      const third = await api().post('/stats/releases').send({ period: '1404-01' }).expect(429);
      expect(third.body.error.message).toContain('سقف');
    } finally {
      await saveSetting('jobs_per_period_per_day', 5, null);
      clearSettingsCache();
    }
  });
});

describe('the worker', () => {
  it('takes over a running job whose worker died (stale heartbeat), and fails one that died too often', async () => {
    const queued = await enqueueJob({ kind: 'release', period: '1404-02', preliminary: false, userId: office.id });
    if (!queued.ok) throw new Error(queued.reason);
    const stale = new Date(Date.now() - (STALE_SECONDS + 30) * 1000);
    await t.knex('stats_jobs').where({ id: queued.job.id }).update({ state: 'running', worker: 'dead-host:1', attempts: 1, started_at: stale, heartbeat_at: stale, phase: 'values', progress: 0.4 });
    const ran = await runNextJob({ worker: 'live-host:2' });
    expect(ran?.job.id).toBe(queued.job.id);
    expect(ran?.end.state, JSON.stringify(ran?.end)).toBe('done');
    expect(await jobById(queued.job.id)).toMatchObject({ state: 'done', worker: 'live-host:2', attempts: 2 });
    expect(Number((await t.knex('releases').where({ period: '1404-02' }).count('* as n').first())?.n)).toBe(1);

    const doomed = await enqueueJob({ kind: 'release', period: '1404-03', preliminary: false, userId: office.id });
    if (!doomed.ok) throw new Error(doomed.reason);
    await t.knex('stats_jobs').where({ id: doomed.job.id }).update({ state: 'running', worker: 'dead-host:1', attempts: MAX_ATTEMPTS, heartbeat_at: stale });
    expect(await runNextJob()).toBeNull();
    expect(await jobById(doomed.job.id)).toMatchObject({ state: 'failed', release_id: null });
    expect((await jobById(doomed.job.id))?.reason).toMatch(/[\u0600-\u06ff]{3}/);
  }, 120_000);

  it('one job at a time per linked group (a year of releases), whatever the worker; other years go on', async () => {
    const a = await enqueueJob({ kind: 'release', period: '1404-Q1', preliminary: false, userId: null });
    const b = await enqueueJob({ kind: 'release', period: '1404-03', preliminary: true, userId: null });
    const c = await enqueueJob({ kind: 'release', period: '1403-05', preliminary: false, userId: null });
    if (!a.ok || !b.ok || !c.ok) throw new Error('not queued');
    const first = await claimJob('w1');
    expect(first?.id).toBe(a.job.id);
    const second = await claimJob('w2');
    expect(second?.id).toBe(c.job.id); // 1404 is busy: the 1403 job goes first
    expect(await claimJob('w3')).toBeNull();
    await t.knex('stats_jobs').whereIn('id', [a.job.id, b.job.id, c.job.id]).update({ state: 'cancelled', finished_at: new Date() });
  });

  it('a running job asked to stop ends cancelled and stores nothing', async () => {
    const queued = await enqueueJob({ kind: 'release', period: '1404-03', preliminary: false, userId: office.id });
    if (!queued.ok) throw new Error(queued.reason);
    await t.knex('stats_jobs').where({ id: queued.job.id }).update({ cancel_requested: true });
    const claimed = await claimJob('w-cancel');
    expect(claimed?.id).toBe(queued.job.id);
    const { runJob } = await import('../src/stats/jobs/worker.ts');
    const end = await runJob(claimed!, 'w-cancel');
    expect(end.state).toBe('cancelled');
    expect(await t.knex('releases').where({ period: '1404-03', preliminary: false }).first()).toBeUndefined();
    expect(await jobById(queued.job.id)).toMatchObject({ state: 'cancelled', release_id: null });
  }, 120_000);

  it('the portal answers while a release builds: /healthz and the statistics page come back before the job ends', async () => {
    const { agent } = await signIn(app, office.email);
    const worker = startJobWorker({ pollMs: 50 });
    try {
      const queued = await enqueueJob({ kind: 'release', period: '1404', preliminary: false, userId: office.id });
      if (!queued.ok) throw new Error(queued.reason);
      // Wait until it is running, then ask the portal.
      for (let i = 0; i < 200 && (await jobById(queued.job.id))?.state === 'queued'; i++) await new Promise((r) => setTimeout(r, 25));
      const answered: string[] = [];
      await request(app).get('/healthz').expect(200);
      answered.push('healthz');
      await agent.get('/stats').expect(200);
      answered.push('stats');
      const during = await jobById(queued.job.id);
      expect(answered).toEqual(['healthz', 'stats']);
      expect(during?.state, 'the portal answered only after the build').toBe('running');
      for (let i = 0; i < 1200 && ['queued', 'running'].includes((await jobById(queued.job.id))!.state); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await jobById(queued.job.id)).toMatchObject({ state: 'done' });
    } finally {
      await worker.stop();
    }
  }, 180_000);
});
