import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import request from 'supertest';
import knexFactory from 'knex';
import { db, setDb } from '../src/db.ts';
import { captureLogs } from '../src/log.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, createUnit, csrfFrom, signIn, PASSWORD } from './support/factories.ts';

let t: TestDatabase;
let app: App;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());

/** Every JSON line logged while `fn` runs. */
async function logged(fn: () => Promise<unknown>): Promise<{ raw: string; lines: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const stop = captureLogs({ write: (s) => { chunks.push(s); } });
  try {
    await fn();
    // 'finish' fires after supertest has the answer in rare orderings: let the event loop turn.
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    stop();
  }
  const raw = chunks.join('');
  return { raw, lines: raw.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('health and readiness', () => {
  let saved: ReturnType<typeof db> | undefined;
  afterEach(async () => {
    if (saved) { setDb(saved); saved = undefined; }
  });

  it('GET /healthz answers while the process is up, without touching the database', async () => {
    const res = await request(app).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 when the database is reachable and every migration has run', async () => {
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ready');
  });

  it('GET /readyz is 503 while migrations are pending', async () => {
    const [last] = await t.knex('knex_migrations').orderBy('id', 'desc').limit(1);
    await t.knex('knex_migrations').where({ id: last.id }).delete();
    try {
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('migrations pending');
    } finally {
      await t.knex('knex_migrations').insert(last);
    }
    expect((await request(app).get('/readyz')).status).toBe(200);
  });

  it('GET /readyz is 503 when the database cannot be reached, and /healthz still 200', async () => {
    saved = db();
    const dead = knexFactory({ client: 'pg', connection: { host: '127.0.0.1', port: 1, user: 'x', database: 'x', connectionTimeoutMillis: 500 }, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 1000, log: { error: () => undefined, warn: () => undefined } });
    setDb(dead);
    try {
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.status).toBe('database unreachable');
      expect((await request(app).get('/healthz')).status).toBe(200);
    } finally {
      setDb(saved);
      saved = undefined;
      await dead.destroy();
    }
  });
});

describe('request log', () => {
  it('a sign-in logs one JSON line with request id, user, route, status and time — never the password or the session id', async () => {
    const u = await createUser({ role: 'province_officer', province_code: '23' });
    const agent = request.agent(app);
    const page = await agent.get('/login');
    const csrf = csrfFrom(page.text);
    let res!: request.Response;
    const { raw, lines } = await logged(async () => {
      res = await agent.post('/login').type('form').send({ _csrf: csrf, email: u.email, password: PASSWORD });
    });
    expect(res.status).toBe(303);
    const line = lines.find((l) => l.msg === 'request' && l.route === '/login' && l.method === 'POST');
    expect(line).toBeDefined();
    expect(line).toMatchObject({ level: 30, status: 303, requestId: res.headers['x-request-id'] });
    expect(typeof line!.ms).toBe('number');
    expect(typeof line!.time).toBe('string');
    const sid = /psp\.sid=([^;]+)/.exec(String(res.headers['set-cookie']))![1];
    expect(raw).not.toContain(PASSWORD);
    expect(raw).not.toContain(csrf);
    expect(raw).not.toContain(decodeURIComponent(sid).slice(2, 34));
    expect(raw).not.toContain(sid);
    expect(raw).not.toMatch(/cookie/i);

    // The next request of that session carries the user's id, still no session id.
    const next = await logged(() => agent.get('/account?token=secret-in-query'));
    const again = next.lines.find((l) => l.route === '/account');
    expect(again).toMatchObject({ userId: u.id, status: 200, method: 'GET' });
    expect(next.raw).not.toContain('secret-in-query');
    expect(next.raw).not.toContain(sid);
  });

  it("a form carrying a unit's figures is logged without its body", async () => {
    const unit = await createUnit();
    const u = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
    const { agent, csrf } = await signIn(app, u.email);
    const figures = { _csrf: csrf, employees: '4711', production_value: '987654321987', intermediate_consumption: '123456789123', [`produced_${unit.productIds[0]}`]: '55501.25' };
    const { raw, lines } = await logged(async () => {
      await agent.post('/filings/1403-05').type('form').send(figures);
      await agent.put('/api/v1/filings/1403-05').send({ employees: 4711, production_value: 987654321987 });
    });
    const posts = lines.filter((l) => l.msg === 'request' && (l.method === 'POST' || l.method === 'PUT'));
    expect(posts).toHaveLength(2);
    expect(posts[0]).toMatchObject({ userId: u.id });
    for (const v of ['4711', '987654321987', '123456789123', '55501.25', csrf]) expect(raw).not.toContain(v);
  });

  it('a failed sign-in with a wrong password does not log what was typed', async () => {
    const u = await createUser({ role: 'admin' });
    const agent = request.agent(app);
    const csrf = csrfFrom((await agent.get('/login')).text);
    const { raw, lines } = await logged(() => agent.post('/login').type('form').send({ _csrf: csrf, email: u.email, password: 'Wr0ng-Typed-Secret' }));
    expect(lines.some((l) => l.route === '/login' && l.status === 401)).toBe(true);
    expect(raw).not.toContain('Wr0ng-Typed-Secret');
  });

  it('an unmatched path is logged without its query string and with long opaque segments hidden', async () => {
    const token = 'a'.repeat(40);
    const { raw, lines } = await logged(() => request(app).get(`/activate/${token}/x?password=hunter2`));
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({ status: 404, route: '/activate/:redacted/x', userId: null });
    expect(raw).not.toContain(token);
    expect(raw).not.toContain('hunter2');
  });

  it('probes and static files are logged at debug level only', async () => {
    const { lines } = await logged(async () => {
      await request(app).get('/healthz');
      await request(app).get('/login');
    });
    expect(lines.map((l) => l.route)).toEqual(['/login']);
  });
});
