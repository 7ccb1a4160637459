import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { createApiToken } from '../src/api/auth.ts';
import { withStatementTimeout, takeHeavySlot, heavyLimits, HeavyTimeoutError, BUSY_MESSAGE, TIMEOUT_MESSAGE } from '../src/ops/heavy.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, createUnit, signIn } from './support/factories.ts';

// Issue 12 §4: one statistics user cannot stall an instance. Heavy requests run under a statement
// timeout and at most heavyLimits.perUser at a time per user, with a clear Persian answer.

const onServer = Boolean(process.env.DATABASE_URL);
let t: TestDatabase;
let app: App;
beforeAll(async () => {
  ({ t, app } = await freshApp({ loginLimit: 10_000, apiLimit: 10_000 }));
});
afterAll(async () => t.close());

describe('the statement timeout', () => {
  it('the queries of a heavy request run with statement_timeout set, in their own transaction', async () => {
    const r = await withStatementTimeout((k) => k.raw(`select current_setting('statement_timeout') as s`), 1500, t.knex);
    expect(r.rows[0].s).toBe('1500ms');
    // …and only there: the setting is LOCAL to the transaction.
    expect((await t.knex.raw(`select current_setting('statement_timeout') as s`)).rows[0].s).toBe('0');
  });

  it.runIf(onServer)('on a PostgreSQL server a statement past the timeout is cancelled and becomes HeavyTimeoutError', async () => {
    const started = Date.now();
    await expect(withStatementTimeout((k) => k.raw('select pg_sleep(5)'), 200, t.knex)).rejects.toBeInstanceOf(HeavyTimeoutError);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it.runIf(onServer)('through HTTP: a report cut off by the timeout answers 503 with a Persian message', async () => {
    const stats = await createUser({ role: 'stats_office' });
    const { agent } = await signIn(app, stats.email);
    const saved = heavyLimits.statementTimeoutMs;
    heavyLimits.statementTimeoutMs = 1;
    try {
      const res = await agent.get('/stats/performance');
      // A 1 ms budget is less than the report's statements take.
      expect(res.status).toBe(503);
      expect(res.text).toContain(TIMEOUT_MESSAGE.slice(0, 40));
    } finally {
      heavyLimits.statementTimeoutMs = saved;
    }
  });
});

describe('concurrent heavy requests per user', () => {
  it('past the cap the performance report answers 429 with a Persian message; others are not affected', async () => {
    const stats = await createUser({ role: 'stats_office' });
    const other = await createUser({ role: 'stats_office' });
    const { agent } = await signIn(app, stats.email);
    const o = await signIn(app, other.email);
    const held = Array.from({ length: heavyLimits.perUser }, () => takeHeavySlot(`user:${stats.id}`)!);
    try {
      const res = await agent.get('/stats/performance');
      expect(res.status).toBe(429);
      expect(res.text).toContain(BUSY_MESSAGE);
      expect((await agent.get('/stats/performance?format=csv')).status).toBe(429);
      expect((await o.agent.get('/stats/performance')).status).toBe(200);
    } finally {
      held.forEach((release) => release());
    }
    expect((await agent.get('/stats/performance')).status).toBe(200);
  });

  it('the filing history export, the audit CSV and the API report are guarded too', async () => {
    const unit = await createUnit({ province_code: '23' });
    const owner = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
    const admin = await createUser({ role: 'admin' });
    const stats = await createUser({ role: 'stats_office' });
    const u = await signIn(app, owner.email);
    const a = await signIn(app, admin.email);
    const { token } = await createApiToken(stats.id, 'tool');
    const holds = [owner.id, admin.id, stats.id].flatMap((id) => Array.from({ length: heavyLimits.perUser }, () => takeHeavySlot(`user:${id}`)!));
    try {
      expect((await u.agent.get('/dashboard/history.csv')).status).toBe(429);
      expect((await u.agent.get('/dashboard/history.xlsx')).status).toBe(429);
      expect((await a.agent.get('/admin/audit.csv')).status).toBe(429);
      const api = await request(app).get('/api/v1/stats/performance').set('Authorization', `Bearer ${token}`);
      expect(api.status).toBe(429);
      expect(api.body.error.message).toBe(BUSY_MESSAGE);
    } finally {
      holds.forEach((release) => release());
    }
    const csv = await u.agent.get('/dashboard/history.csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
  });

  it('a slot is given back when the request ends, also after an error', async () => {
    const stats = await createUser({ role: 'stats_office' });
    const { agent } = await signIn(app, stats.email);
    for (let i = 0; i < heavyLimits.perUser + 3; i++) expect((await agent.get('/stats/performance?period=1300-01')).status).toBe(422);
    expect((await agent.get('/stats/performance')).status).toBe(200);
  });
});
