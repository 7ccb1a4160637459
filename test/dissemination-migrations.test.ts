import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { insertRelease, smallCube } from './support/releases.ts';

// Issue 27's migrations (200 calendar and embargo rule, 201 index_published under embargo, 202
// primary flags) have real downs: rolled back one by one and applied again, the data stays readable
// (230, which moved product cells into release_cells, first: it comes later).

let t: TestDatabase;
beforeAll(async () => { t = await freshDatabase(); });
afterAll(() => t.close());

describe('the dissemination migrations', () => {
  it('roll back one by one and forward again', async () => {
    await insertRelease({ period: '1404-07', cells: smallCube() }, t.knex);
    const has = async (table: string) => (await t.knex.schema.hasTable(table));
    const names = async () => ((await t.knex('knex_migrations').orderBy('id').pluck('name')) as string[]);
    for (const name of ['230_one_release_cells', '202_cells_primary', '201_index_published_embargo', '200_release_calendar']) await t.knex.migrate.down({ name });
    expect((await names()).filter((n) => n.startsWith('20'))).toEqual([]);
    expect(await has('release_announcements')).toBe(false);
    expect(await t.knex.schema.hasColumn('release_cells', 'primary')).toBe(false);
    await t.knex.raw('select count(*) from index_published');
    expect(await t.knex('release_cells').count('* as n').first()).toEqual({ n: expect.anything() });
    await t.knex.migrate.latest();
    expect(await has('release_announcements')).toBe(true);
    expect(await t.knex.schema.hasColumn('release_cells', 'primary')).toBe(true);
    const { rows } = await t.knex.raw(`select announced_public_from('1404-07', 'final', now()) <= now() as public`);
    expect(rows[0].public).toBe(true);
  });
});
