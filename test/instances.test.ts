import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import request from 'supertest';
import { createServerDatabase } from '../src/db.ts';
import { prepareDatabase } from '../src/setup.ts';
import { whileHoldingStartupLock } from '../src/ops/startup-lock.ts';
import { latestMigration } from '../migrations/index.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { withDatabase } from './support/global-setup.ts';
import { createUser, csrfFrom, PASSWORD } from './support/factories.ts';
import { startServerProcess, type ServerProcess } from './support/server-process.ts';

// Two app processes on one PostgreSQL database, as behind a load balancer. Only on the real server:
// the embedded database belongs to one process.

let t: TestDatabase;
let name: string;
let url: string;
let k: Knex;
let a: ServerProcess | undefined;
let b: ServerProcess | undefined;

beforeAll(async () => {
  t = await freshDatabase();
  if (!t.url) return;
  // An EMPTY database: both instances find nothing and migrate at the same moment.
  name = `psp_t_${process.ppid}_inst_${crypto.randomBytes(3).toString('hex')}`;
  await t.knex.raw(`create database ${name}`);
  url = withDatabase(t.url, name);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await k?.destroy();
  if (t.url) await t.knex.raw(`drop database if exists ${name} with (force)`);
  await t.close();
});

describe('many instances on one database', () => {
  it.skipIf(!process.env.DATABASE_URL)('preparing an empty database from two instances at the same instant is serialised by the startup lock', async () => {
    // Without the lock, knex creates knex_migrations twice and one side fails (seen 8 of 8 times).
    for (let round = 0; round < 2; round++) {
      const db = `${name}_r${round}`;
      await t.knex.raw(`create database ${db}`);
      const dbUrl = withDatabase(t.url!, db);
      const sides = [createServerDatabase(dbUrl, 3), createServerDatabase(dbUrl, 3)];
      try {
        const results = await Promise.allSettled(sides.map((s) => whileHoldingStartupLock(dbUrl, () => prepareDatabase(s, { demo: false }))));
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
        expect((await sides[0]('knex_migrations').where({ name: latestMigration })).length).toBe(1);
      } finally {
        await Promise.all(sides.map((s) => s.destroy()));
        await t.knex.raw(`drop database if exists ${db} with (force)`);
      }
    }
  }, 120_000);

  it.skipIf(!process.env.DATABASE_URL)('two instances start together on an empty database: both migrate safely, and a sign-in on one is a sign-in on the other', async () => {
    const env = { DATABASE_URL: url, SESSION_SECRET: 'one-secret-shared-by-all-instances' };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    for (const s of [a, b]) expect((await request(s.base).get('/readyz')).status).toBe(200);

    k = createServerDatabase(url, 2);
    const migrations = await k('knex_migrations').select('name');
    expect(migrations.map((m) => m.name).filter((n) => n === latestMigration)).toHaveLength(1);
    expect(new Set(migrations.map((m) => m.name)).size).toBe(migrations.length);
    expect(await k('knex_migrations_lock').select('is_locked')).toEqual([{ is_locked: 0 }]);
    expect(Number((await k('provinces').count('* as n'))[0].n)).toBe(31);

    const user = await createUser({ role: 'stats_office' }, k);
    const fullName = `کارشناس آمار ${crypto.randomBytes(3).toString('hex')}`;
    await k('users').where({ id: user.id }).update({ full_name: fullName });
    const page = await request(a.base).get('/login');
    const cookie = String(page.headers['set-cookie']).split(';')[0];
    const signIn = await request(a.base).post('/login').set('cookie', cookie).type('form').send({ _csrf: csrfFrom(page.text), email: user.email, password: PASSWORD });
    expect(signIn.status).toBe(303);
    const session = String(signIn.headers['set-cookie']).split(';')[0];

    // The other instance knows the session: the account page shows the user.
    const there = await request(b.base).get('/account').set('cookie', session);
    expect(there.status).toBe(200);
    expect(there.text).toContain(fullName);
    // Without the cookie it does not.
    expect((await request(b.base).get('/account')).status).toBe(303);

    // Signing out on the second ends the session on the first too.
    const out = await request(b.base).post('/logout').set('cookie', session).type('form').send({ _csrf: csrfFrom(there.text) });
    expect(out.status).toBe(303);
    const back = await request(a.base).get('/account').set('cookie', session);
    expect(back.status).toBe(303);
    expect(back.headers.location).toMatch(/^\/login(\?next=|$)/);

    const [ea, eb] = [a, b].map((s) => s.child.pid);
    await Promise.all([a.stop(), b.stop()]);
    expect((await a.exited).code).toBe(0);
    expect((await b.exited).code).toBe(0);
    expect(ea).not.toBe(eb);
  }, 180_000);
});
