import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { createApiToken } from '../src/api/auth.ts';
import { withStatementTimeout, takeHeavySlot, heavyLimits, heavyRunning, heavy, HeavyTimeoutError, BUSY_MESSAGE, TIMEOUT_MESSAGE } from '../src/ops/heavy.ts';
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
    expect(Date.now() - started).toBeLessThan(4500); // cut off before the 5 s sleep ends
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

// Issue 23 F3/F3b: the pen test queued 16 publishes for one user by hanging up (the slot was freed
// by the disconnect, not by the end of the work), and an early hang-up leaked a slot for good.
describe('a heavy slot belongs to the work, not to the connection', () => {
  const USER = 987_654;
  const key = `user:${USER}`;
  /** A bare app whose one heavy route waits for the test to let its work finish. */
  async function harness(opts: { before?: express.RequestHandler; writeFirst?: boolean; fail?: boolean }) {
    let finish!: () => void;
    const work = new Promise<void>((resolve) => { finish = resolve; });
    let started!: () => void;
    const began = new Promise<void>((resolve) => { started = resolve; });
    const a = express();
    a.use((req, _res, next) => { (req as { user?: unknown }).user = { id: USER }; next(); });
    if (opts.before) a.use(opts.before);
    a.get('/heavy', heavy(async (_req, res) => {
      if (opts.writeFirst) { res.setHeader('Content-Type', 'text/plain'); res.write('first part\n'); }
      started();
      await work;
      if (opts.fail) throw new Error('the work failed after the client had gone');
      if (!res.writableEnded) res.end('done');
    }));
    const server = http.createServer(a);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return { server, port, began, finish };
  }
  const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms));

  it('a client that hangs up before any answer keeps the slot taken until the work ends, then frees it', async () => {
    const h = await harness({});
    try {
      const req = http.get({ port: h.port, host: '127.0.0.1', path: '/heavy' });
      req.on('error', () => undefined);
      await h.began;
      req.destroy();
      await tick();
      expect(heavyRunning(key)).toBe(1); // still working: the slot is not the client's to give back
      h.finish();
      await tick();
      expect(heavyRunning(key)).toBe(0);
    } finally {
      h.server.close();
    }
  });

  it('a client that hangs up late (after the first bytes) keeps it too, and it is freed when the work ends', async () => {
    const h = await harness({ writeFirst: true });
    try {
      await new Promise<void>((resolve) => {
        const req = http.get({ port: h.port, host: '127.0.0.1', path: '/heavy' }, (res) => {
          res.once('data', () => { req.destroy(); resolve(); });
        });
        req.on('error', () => undefined);
      });
      await tick();
      expect(heavyRunning(key)).toBe(1);
      h.finish();
      await tick();
      expect(heavyRunning(key)).toBe(0);
    } finally {
      h.server.close();
    }
  });

  it('a hang-up before the guard is reached leaks no slot, and many hang-ups never run more than the cap at once', async () => {
    // A slow middleware in front (the session read): the client is gone before heavy() runs, and
    // the work then fails (as a query does when its connection is cut).
    let gone!: () => void;
    const clientGone = new Promise<void>((resolve) => { gone = resolve; });
    const h = await harness({ fail: true, before: (_req, _res, next) => { void clientGone.then(() => tick()).then(() => next()); } });
    h.server.on('clientError', () => undefined);
    try {
      const req = http.get({ port: h.port, host: '127.0.0.1', path: '/heavy' });
      req.on('error', () => undefined);
      await tick();
      req.destroy();
      gone();
      await h.began;
      h.finish();
      await tick();
      expect(heavyRunning(key)).toBe(0);
    } finally {
      h.server.close();
    }
    // Ten clients that each hang up at once: never more than the cap working, nothing left afterwards.
    const h2 = await harness({});
    try {
      let max = 0;
      const reqs = Array.from({ length: 10 }, () => {
        const r = http.get({ port: h2.port, host: '127.0.0.1', path: '/heavy' });
        r.on('error', () => undefined);
        r.on('response', (res) => res.resume());
        return r;
      });
      await h2.began;
      await tick(100);
      reqs.forEach((r) => r.destroy());
      for (let i = 0; i < 5; i++) { max = Math.max(max, heavyRunning(key)); await tick(20); }
      expect(max).toBe(heavyLimits.perUser);
      h2.finish();
      await tick();
      expect(heavyRunning(key)).toBe(0);
    } finally {
      h2.server.close();
    }
  });
});

// Issue 23 F4: /catalogue/mapping was not guarded and ranked suggestions on the event loop
// (30,000 codes: 2.6–4.1 s a request; six at once held /healthz 7.8 s), 200 spellings at once.
describe('the mapping queue', () => {
  it('is a heavy request, paged by 25 spellings, its ranking the same as the reference similarity', async () => {
    const { importCatalogue } = await import('../src/catalogue/import.ts');
    const { suggestionsFor, similarity, MAPPING_PAGE_SIZE } = await import('../src/catalogue/mapping.ts');
    const names = ['شیر پاستوریزه', 'شیر استریل', 'ماست پرچرب', 'ماست کم‌چرب', 'دوغ گازدار', 'کره حیوانی', 'پنیر سفید', 'خامه صبحانه'];
    const csv = ['code,name_fa,name_en,unit,active_from,retired_from', ...names.map((n, i) => `10501000${String(i + 10)},${n},,تن,1400-01,`)].join('\n');
    expect((await importCatalogue(csv, { k: t.knex })).ok).toBe(true);
    const officer = await createUser({ role: 'province_officer', province_code: '21' });
    const unit = await createUnit({ province_code: '21' });
    const spellings = 60;
    await t.knex('products').insert(Array.from({ length: spellings }, (_, i) => ({ unit_id: unit.id, name: `${names[i % names.length]} نوع ${i}`, unit_of_measure: 'تن', annual_capacity: 1, position: i + 1 })));
    const o = await signIn(app, officer.email);
    const first = await o.agent.get('/catalogue/mapping').expect(200);
    expect((first.text.match(/action="\/catalogue\/mapping\/\d+\/link"/g) ?? []).length).toBe(MAPPING_PAGE_SIZE);
    expect(first.text).toContain('id="mapping-pages"');
    const last = await o.agent.get(`/catalogue/mapping?page=${Math.ceil((spellings + 1) / MAPPING_PAGE_SIZE)}`).expect(200);
    expect((last.text.match(/action="\/catalogue\/mapping\/\d+\/link"/g) ?? []).length).toBe((spellings + 1) % MAPPING_PAGE_SIZE);

    // The SQL ranking gives the scores of the reference definition.
    const keys = [{ key: 'شیرپاستوریزهنوع1', main_isic: '1050' }, { key: 'ماستکمچرب', main_isic: '1520' }];
    const got = await suggestionsFor(keys, t.knex);
    const codes: { code: string; name_fa: string; isic_class: string; key: string }[] = (await t.knex.raw(`select code, name_fa, isic_class, catalogue_key(name_fa) as key from catalogue where retired_from is null`)).rows;
    for (const g of keys) {
      const expected = codes.map((c) => ({ code: c.code, score: similarity(g.key, c.key) + (c.isic_class === g.main_isic ? 0.15 : 0) }))
        .filter((s) => s.score > 0.2).sort((a, b) => b.score - a.score || a.code.localeCompare(b.code)).slice(0, 5);
      expect(got.get(g.key)!.map((s) => s.code)).toEqual(expected.map((s) => s.code));
      got.get(g.key)!.forEach((s, i) => expect(s.score).toBeCloseTo(expected[i]!.score, 9));
    }

    // Guarded: past the cap it answers 429, the link too.
    const held = Array.from({ length: heavyLimits.perUser }, () => takeHeavySlot(`user:${officer.id}`)!);
    try {
      expect((await o.agent.get('/catalogue/mapping')).status).toBe(429);
    } finally {
      held.forEach((release) => release());
    }
  });
});
