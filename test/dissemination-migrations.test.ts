import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { insertRelease, smallCube } from './support/releases.ts';

// Issue 27's migrations (200 calendar and embargo rule, 201 index_published under embargo, 202
// primary flags) have real downs — and so have the index's 240–242 built on them (issue 25) and 230
// (product cells moved into release_cells): rolled back one by one and applied again, the data stays readable.

let t: TestDatabase;
beforeAll(async () => { t = await freshDatabase(); });
afterAll(() => t.close());

describe('the dissemination migrations', () => {
  it('roll back one by one and forward again', async () => {
    await insertRelease({ period: '1404-07', cells: smallCube() }, t.knex);
    const has = async (table: string) => (await t.knex.schema.hasTable(table));
    const names = async () => ((await t.knex('knex_migrations').orderBy('id').pluck('name')) as string[]);
    // The index's later migrations build index_published on the embargo rule: they go first.
    for (const name of ['242_index_chain', '241_index_cache', '240_index_publications']) await t.knex.migrate.down({ name });
    expect(await has('index_releases')).toBe(true);
    for (const name of ['230_one_release_cells', '202_cells_primary', '201_index_published_embargo', '200_release_calendar']) await t.knex.migrate.down({ name });
    expect((await names()).filter((n) => n.startsWith('20'))).toEqual([]);
    expect(await has('release_announcements')).toBe(false);
    expect(await t.knex.schema.hasColumn('release_cells', 'primary')).toBe(false);
    await t.knex.raw('select count(*) from index_published');
    expect(await t.knex('release_cells').count('* as n').first()).toEqual({ n: expect.anything() });
    await t.knex.migrate.latest();
    expect(await has('release_announcements')).toBe(true);
    expect(await t.knex.schema.hasColumn('release_cells', 'primary')).toBe(true);
    expect(await has('index_publications')).toBe(true);
    expect(await t.knex.schema.hasColumn('index_cells', 'contribution')).toBe(true);
    const { rows } = await t.knex.raw(`select announced_public_from('1404-07', 'final', now()) <= now() as public`);
    expect(rows[0].public).toBe(true);
  }, 120_000); // six migrations down and up again on a shared machine
});
