import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import request from 'supertest';
import { freshApp, type App } from './support/app.ts';
import type { TestDatabase } from './support/db.ts';
import { createUnit, createUser, signIn } from './support/factories.ts';
import { createFiling } from './support/filings.ts';
import { createApiToken } from '../src/api/auth.ts';
import { saveSetting, clearSettingsCache } from '../src/settings.ts';

// Issue 23 F13 (Info): nothing limited revisions or index computations of a period. Every request
// queues a job that rebuilds a whole release or index, so a stats office account (or a stolen token)
// could keep the workers busy all day with one period. Now at most `jobs_per_period_per_day` jobs of
// one kind and period in 24 hours, on the page, in the API and for both kinds, refused in Persian.

let t: TestDatabase;
let app: App;
let token: string;
let office: { id: number; email: string };

beforeAll(async () => {
  ({ t, app } = await freshApp());
  office = await createUser({ role: 'stats_office' });
  token = (await createApiToken(office.id, 'tools')).token;
  for (let i = 0; i < 4; i++) {
    const u = await createUnit({ province_code: '23', isic_class: '1050' });
    await createFiling({ unitId: u.id, period: '1404-01', state: 'verified', productionValue: 9_000_000_000 + i * 7, intermediateConsumption: 3_000_000_000, employees: 10 + i });
  }
  await saveSetting('jobs_per_period_per_day', 2, null);
  clearSettingsCache();
});
afterAll(() => t.close());
/** Each accepted job is cancelled at once: what counts is that it was asked for, not that it ran. */
afterEach(async () => { await t.knex('stats_jobs').whereIn('state', ['queued', 'running']).update({ state: 'cancelled', finished_at: new Date() }); });

const api = (path: string) => request(app).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
const cancelAll = () => t.knex('stats_jobs').whereIn('state', ['queued', 'running']).update({ state: 'cancelled', finished_at: new Date() });
const jobs = async () => Number((await t.knex('stats_jobs').count('* as n'))[0].n);

describe('requests for one period a day', () => {
  for (const [kind, path, body] of [
    ['release', '/stats/releases', { period: '1404-01' }],
    ['index', '/stats/index/computations', { period: '1405-02' }],
  ] as const) {
    it(`${kind}: the API takes the cap's number of requests of a period, then answers 429 in Persian, until a day has passed`, async () => {
      for (let i = 0; i < 2; i++) { await api(path).send(body).expect(202); await cancelAll(); }
      const before = await jobs();
      const refused = await api(path).send(body).expect(429);
      expect(refused.body.error.code).toBe('too_many_jobs');
      expect(refused.body.error.message).toMatch(/سقف/);
      expect(await jobs()).toBe(before);
      // A day later the period may be asked again.
      await t.knex('stats_jobs').where({ kind, period: body.period }).update({ created_at: t.knex.raw("now() - interval '25 hours'") });
      await api(path).send(body).expect(202);
    });
  }

  it('through the pages too: the form answers 429 with the Persian reason, nothing queued; each kind counted apart', async () => {
    const { agent, csrf } = await signIn(app, office.email);
    for (let i = 0; i < 2; i++) {
      await agent.post('/stats/index/computations').type('form').send({ _csrf: csrf, period: '1405-03' }).expect(303);
      await cancelAll();
    }
    const before = await jobs();
    const page = await agent.post('/stats/index/computations').type('form').send({ _csrf: csrf, period: '1405-03' }).expect(429);
    expect(page.text).toContain('سقف مجاز');
    // Releases are counted apart: 1404-01 has one request in the last 24 hours (the API test's last), so one more is taken.
    await agent.post('/stats/releases').type('form').send({ _csrf: csrf, period: '1404-01' }).expect(303);
    await cancelAll();
    await agent.post('/stats/releases').type('form').send({ _csrf: csrf, period: '1404-01' }).expect(429);
    expect(await jobs()).toBe(before + 1);
  });
});
