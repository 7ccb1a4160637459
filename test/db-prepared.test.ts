import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Knex } from 'knex';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import pg from 'pg';
import knexFactory from 'knex';
import { createServerDatabase } from '../src/db.ts';
import { prepareStatements, PREPARED_PER_CONNECTION, type QueryingClient } from '../src/db-prepared.ts';

// On a PostgreSQL server every parameterised statement is prepared once per connection (planning
// was 40 % of the database's time on the dashboard and the submission), at most
// PREPARED_PER_CONNECTION texts per connection. PGlite has no connections of its own: skipped there.

const onServer = !!process.env.DATABASE_URL;
let t: TestDatabase;
let one: Knex;
beforeAll(async () => {
  t = await freshDatabase();
  if (t.url) one = createServerDatabase(t.url, 1); // one connection: its prepared statements are the ones we see
});
afterAll(async () => {
  await one?.destroy();
  await t.close();
});

const prepared = async (k: Knex): Promise<string[]> => (await k.raw("select name from pg_prepared_statements where name like 'psp\\_%' order by name")).rows.map((r: { name: string }) => r.name);

describe.skipIf(!onServer)('prepared statements on the server', () => {
  it('a parameterised statement is prepared once and reused; one without parameters is not prepared', async () => {
    for (let i = 0; i < 3; i++) expect((await one('provinces').where({ code: '23' }).first('code'))?.code).toBe('23');
    await one.raw('select 1');
    const names = await prepared(one);
    expect(names).toHaveLength(1);
    const stats = (await one.raw('select generic_plans + custom_plans as plans from pg_prepared_statements where name = ?', [names[0]])).rows[0];
    expect(Number(stats.plans)).toBeGreaterThanOrEqual(3);
    // Same text, other values: the same statement, right answers.
    expect((await one('provinces').where({ code: '01' }).first('code'))?.code).toBe('01');
    expect(await prepared(one)).toHaveLength(2); // the pg_prepared_statements query above has a parameter too
  });

  it(`keeps at most ${PREPARED_PER_CONNECTION} texts per connection; past that, statements still run, unnamed`, async () => {
    for (let i = 0; i < PREPARED_PER_CONNECTION + 20; i++) {
      const row = (await one.raw(`select ?::int + ${i} as n`, [1])).rows[0];
      expect(Number(row.n)).toBe(1 + i);
    }
    expect((await prepared(one)).length).toBe(PREPARED_PER_CONNECTION);
  });

  it('a prepared `select *` whose table gained a column fails once, then runs unnamed and sees the column', async () => {
    await t.knex.raw('create table prep_probe (id int primary key, a text)');
    await t.knex('prep_probe').insert({ id: 1, a: 'x' });
    const fresh = createServerDatabase(t.url!, 1); // a connection with room for new names
    try {
      const read = () => fresh('prep_probe').where({ id: 1 }).first();
      expect(await read()).toEqual({ id: 1, a: 'x' });
      expect(await prepared(fresh)).toHaveLength(1);
      await t.knex.raw("alter table prep_probe add column b text default 'y'"); // a migration by another instance
      await expect(read()).rejects.toThrow(/cached plan must not change result type/);
      expect(await read()).toEqual({ id: 1, a: 'x', b: 'y' });
      expect(await read()).toEqual({ id: 1, a: 'x', b: 'y' });
    } finally {
      await fresh.destroy();
    }
  });
});

// The contracts the patch relies on, checked without a server (so on every run): an upgrade of
// knex or pg that changes them fails here.
describe('what the prepared-statement patch relies on', () => {
  it("knex's pg client sends a query as connection.query({ text, values }, callback)", async () => {
    const k = knexFactory({ client: 'pg' });
    const seen: unknown[][] = [];
    const connection = { query: (...args: unknown[]) => { seen.push(args); (args[1] as (e: null, r: unknown) => void)(null, { rows: [], command: 'SELECT' }); } };
    try {
      const client = k.client as unknown as { _query(c: unknown, o: { sql: string; bindings: unknown[] }): Promise<unknown> };
      await client._query(connection, { sql: 'select $1::int as n', bindings: [1] });
    } finally {
      await k.destroy();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0][0]).toEqual({ text: 'select $1::int as n', values: [1] });
    expect(typeof seen[0][1]).toBe('function');
  });

  it("pg's Client has the query method the patch wraps, and a Query keeps the config's name", () => {
    expect(typeof pg.Client.prototype.query).toBe('function');
    const q = new (pg as unknown as { Query: new (c: unknown) => { name?: string; text: string } }).Query({ text: 'select $1', values: [1], name: 'psp_probe' });
    expect(q.name).toBe('psp_probe');
    expect(q.text).toBe('select $1');
  });

  it('names a parameterised text, leaves one without parameters alone, and runs a text unnamed after it went stale', () => {
    const calls: { config: Record<string, unknown>; cb?: (e: unknown, r: unknown) => void }[] = [];
    const client: QueryingClient = { query: (config: unknown, cb?: unknown) => { calls.push({ config: config as Record<string, unknown>, cb: cb as never }); } };
    prepareStatements(client);
    const results: unknown[] = [];
    client.query({ text: 'select $1 as probe', values: [1] }, (_e: unknown, r: unknown) => results.push(r));
    client.query({ text: 'select 1' }, () => undefined);
    expect(calls[0].config.name).toMatch(/^psp_/);
    expect(calls[1].config.name).toBeUndefined();
    calls[0].cb!(null, 'ok');
    expect(results).toEqual(['ok']);
    // A "cached plan must not change result type" error marks the text: the next call runs unnamed.
    calls[0].cb!(Object.assign(new Error('cached plan must not change result type'), { code: '0A000' }), undefined);
    client.query({ text: 'select $1 as probe', values: [2] }, () => undefined);
    expect(calls[2].config.name).toBeUndefined();
  });
});
