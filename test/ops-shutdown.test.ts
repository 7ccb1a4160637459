import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createEmbeddedDatabase } from '../src/db.ts';
import { prepareDatabase } from '../src/setup.ts';
import { createApiToken } from '../src/api/auth.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { spawn } from 'node:child_process';
import { createUser, createUnit, csrfFrom, PASSWORD } from './support/factories.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';

// The real server process on the test database (a database of its own on the real server, a data
// folder of its own on the embedded one), stopped with SIGTERM while a request is in flight.

let t: TestDatabase;
let dataDir: string | null = null;
let user: { id: number; email: string };
let units: Awaited<ReturnType<typeof createUnit>>[];
let filer: { unit: Awaited<ReturnType<typeof createUnit>>; token: string };

/** A unit user with an API token, for a submission in flight. */
async function makeFiler(k: Knex) {
  const unit = await createUnit({ province_code: '10' }, k);
  const u = await createUser({ role: 'unit_user', unit_ids: [unit.id] }, k);
  return { unit, token: (await createApiToken(u.id, 'shutdown-test', k)).token };
}

/** The database the server process uses, opened from the test (embedded: only while no server runs). */
async function withServerDb<T>(fn: (k: Knex) => Promise<T>): Promise<T> {
  if (t.url) return fn(t.knex);
  const k = createEmbeddedDatabase(path.join(dataDir!, 'pg'));
  try {
    return await fn(k);
  } finally {
    await k.destroy();
  }
}

function serverEnv(): Record<string, string> {
  return t.url ? { DATABASE_URL: t.url } : { DATA_DIR: dataDir! };
}

beforeAll(async () => {
  t = await freshDatabase();
  if (!t.url) {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'psp-shutdown-'));
    user = await withServerDb(async (k) => {
      await prepareDatabase(k, { demo: false });
      units = [await createUnit({}, k), await createUnit({}, k)];
      filer = await makeFiler(k);
      return createUser({ role: 'province_officer', province_code: '10' }, k);
    });
  } else {
    user = await createUser({ role: 'province_officer', province_code: '10' }, t.knex);
    units = [await createUnit({}, t.knex), await createUnit({}, t.knex)];
    filer = await makeFiler(t.knex);
  }
}, 120_000);
afterAll(async () => {
  await t.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

function get(base: string, p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    http.get(`${base}${p}`, { headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => { text += c; }).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    }).on('error', reject);
  });
}

describe('graceful shutdown', () => {
  let srv: ServerProcess;
  afterAll(async () => srv?.stop());

  it('on SIGTERM stops accepting, finishes the sign-in and the filing submission in flight (stored whole), does not wait for idle connections, stops the scheduler, closes the pool and exits 0', async () => {
    srv = await startServerProcess({ ...serverEnv(), SCHEDULER: 'on', NIGHTLY_CRON: '01:00' });
    const scheduled = await srv.waitForLine((l) => l.msg === 'nightly job scheduled');
    expect(new Date(String(scheduled.next)).getTime()).toBeGreaterThan(Date.now());
    const page = await get(srv.base, '/login');
    const cookie = String(page.headers['set-cookie']).split(';')[0];
    // An idle keep-alive connection, as a reverse proxy keeps them: it must not hold the exit up.
    const keepAlive = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => http.get(`${srv.base}/healthz`, { agent: keepAlive }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject));
    const body = new URLSearchParams({ _csrf: csrfFrom(page.text), email: user.email, password: PASSWORD }).toString();
    const filing = JSON.stringify({
      employees: 41, production_value: 9_000_000, intermediate_consumption: 4_000_000, submit: true,
      lines: filer.unit.productIds.map((id) => ({ product_id: id, produced: 50, sold: 40, sales_value: 800_000 })),
    });

    // A sign-in and a filing submission whose bodies are still arriving when the signal comes.
    const inFlight = (method: string, p: string, headers: Record<string, string>, payload: string) => {
      let finish!: () => void;
      const answer = new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
        const req = http.request(`${srv.base}${p}`, { method, agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(payload)) } }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c) => { text += c; }).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
        });
        req.on('error', reject);
        req.write(payload.slice(0, 10));
        finish = () => req.end(payload.slice(10));
      });
      return { answer, finish };
    };
    const signIn = inFlight('POST', '/login', { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body);
    const submission = inFlight('PUT', '/api/v1/filings/1404-01', { authorization: `Bearer ${filer.token}`, 'content-type': 'application/json' }, filing);
    await new Promise((r) => setTimeout(r, 300));
    srv.child.kill('SIGTERM');
    await srv.waitForLine((l) => typeof l.msg === 'string' && l.msg.startsWith('shutting down'), 5000);
    // No new connections once shutting down.
    await expect(get(srv.base, '/healthz')).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
    signIn.finish();
    submission.finish();
    const [res, put] = await Promise.all([signIn.answer, submission.answer]);
    expect(put.status, put.text).toBe(200);
    expect(JSON.parse(put.text)).toMatchObject({ state: 'submitted', revision: 1 });
    const answered = Date.now();
    expect(res.status).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/psp\.sid=/);
    const { code } = await srv.exited;
    keepAlive.destroy();
    expect(code).toBe(0);
    expect(Date.now() - answered).toBeLessThan(5000);
    expect(srv.lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['started', 'stopped']));
    expect(srv.lines.find((l) => l.msg === 'request' && l.route === '/login' && l.method === 'POST')).toMatchObject({ status: 303 });
    expect(srv.output()).not.toContain(PASSWORD);
    expect(srv.output()).not.toContain(filer.token);
    expect(srv.output()).not.toContain('9000000');
    expect(srv.lines.find((l) => l.msg === 'request' && l.method === 'PUT')).toMatchObject({ route: '/api/v1/filings/:period', status: 200 });

    // What the request wrote after the signal is in the database: its session and its audit line.
    await withServerDb(async (k) => {
      const signIns = await k('audit_log').where({ action: 'auth.sign_in', target: `user:${user.id}` });
      expect(signIns).toHaveLength(1);
      const sessions = await k('sessions').select('sess');
      const users = sessions.map((s) => (typeof s.sess === 'string' ? JSON.parse(s.sess) : s.sess).passport?.user);
      expect(users).toContain(user.id);
      // The submission is there whole: the filing, every line, its first revision.
      const f = await k('filings').where({ unit_id: filer.unit.id, period: '1404-01' }).first();
      expect(f).toMatchObject({ state: 'submitted', employees: 41, revision: 1 });
      expect(await k('filing_lines').where({ filing_id: f.id })).toHaveLength(filer.unit.productIds.length);
      expect(await k('filing_revisions').where({ filing_id: f.id })).toHaveLength(1);
    });
  }, 120_000);

});

/**
 * A process that stores a filing and its lines in one transaction, as the filing routes do, and is
 * killed (SIGKILL: no chance to clean up) after the first rows are written but before the commit.
 */
async function submitInChild(unitId: number, productId: number, opts: { commit: boolean }): Promise<void> {
  const file = path.join(os.tmpdir(), `psp-submit-${process.pid}-${Date.now()}.mts`);
  const dbModule = path.resolve(import.meta.dirname, '../src/db.ts');
  fs.writeFileSync(file, `
    import { db, closeDb } from ${JSON.stringify(dbModule)};
    const k = db();
    await k.transaction(async (trx) => {
      const now = new Date();
      const [f] = await trx('filings').insert({ unit_id: ${unitId}, period: '1403-05', state: 'submitted', employees: 12, production_value: 900, intermediate_consumption: 400, first_submitted_at: now, submitted_at: now, revision: 1 }).returning('id');
      await trx('filing_lines').insert({ filing_id: f.id, product_id: ${productId}, produced: 10, sold: 9, sales_value: 800 });
      console.log('HALF-STORED');
      ${opts.commit ? '' : 'await new Promise(() => undefined);'}
      await trx('filing_revisions').insert({ filing_id: f.id, revision: 1, snapshot: '{}' });
    });
    await closeDb();
    console.log('COMMITTED');
  `);
  const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: path.resolve(import.meta.dirname, '..'), env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...serverEnv() }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.on('exit', r));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      if (out.includes(opts.commit ? 'COMMITTED' : 'HALF-STORED')) resolve();
    });
    child.on('exit', () => setTimeout(() => reject(new Error(`child exited early: ${out}`)), 50));
  });
  if (!opts.commit) child.kill('SIGKILL');
  await exited;
  fs.rmSync(file, { force: true });
}

describe('a submission in flight is stored completely or not at all', () => {
  it('a process killed between the rows of one submission leaves no trace of it; a finished one leaves all of it', async () => {
    const [cut, done] = units;
    await submitInChild(cut.id, cut.productIds[0], { commit: false });
    await submitInChild(done.id, done.productIds[0], { commit: true });
    await withServerDb(async (k) => {
      const rows = async (unitId: number) => ({
        filings: (await k('filings').where({ unit_id: unitId })).length,
        lines: (await k('filing_lines').join('filings', 'filings.id', 'filing_lines.filing_id').where('filings.unit_id', unitId)).length,
        revisions: (await k('filing_revisions').join('filings', 'filings.id', 'filing_revisions.filing_id').where('filings.unit_id', unitId)).length,
      });
      expect(await rows(cut.id)).toEqual({ filings: 0, lines: 0, revisions: 0 });
      expect(await rows(done.id)).toEqual({ filings: 1, lines: 1, revisions: 1 });
    });
  }, 120_000);
});
