import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Knex } from 'knex';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createServerDatabase, PREPARED_PER_CONNECTION } from '../src/db.ts';

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
