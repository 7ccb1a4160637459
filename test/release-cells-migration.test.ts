import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { insertRelease, smallCube } from './support/releases.ts';

// Migration 230 (issue 20 §4): a release's value and product cells are one table. Rolled back,
// the product cells go back to release_product_cells and the value cells keep their ISIC column;
// applied again, both are in release_cells as before, and index_published (which reads it) works
// all along.

let t: TestDatabase;
beforeAll(async () => { t = await freshDatabase(); });
afterAll(() => t.close());

const PRODUCT_CELLS = [
  { geo: 'IR', node: '1050100010~t', measure: 'quantity', value: '1500.5', suppressed: false },
  { geo: 'IR', node: '1050100010~t', measure: 'units', value: '4', suppressed: false },
  { geo: '23', node: 'G105010~t', measure: 'quantity', value: null, suppressed: true },
  { geo: '23', node: '1050*~kg', measure: 'quantity', value: '0.000001', suppressed: false },
];

describe('migration 230: one table of published cells', () => {
  it('moves product cells out and back, keeps every value cell, and index_published reads it throughout', async () => {
    const id = await insertRelease({ period: '1404-07', cells: smallCube() }, t.knex);
    await t.knex('release_cells').insert(PRODUCT_CELLS.map((c) => ({ release_id: id, space: 'products', ...c })));
    const snapshot = async () => (await t.knex('release_cells').where({ release_id: id }).orderBy(['space', 'measure', 'geo', 'node'])
      .select('space', 'geo', 'node', 'measure', t.knex.raw('value::text as value'), 'suppressed')) as Record<string, unknown>[];
    const before = await snapshot();
    expect(before.filter((c) => c.space === 'products')).toHaveLength(PRODUCT_CELLS.length);

    await t.knex.migrate.down({ name: '230_one_release_cells' });
    expect(await t.knex.schema.hasColumn('release_cells', 'isic')).toBe(true);
    expect(await t.knex.schema.hasColumn('release_cells', 'space')).toBe(false);
    const moved = await t.knex('release_product_cells').where({ release_id: id }).select('geo', 'product', 'unit_of_measure_code', 'measure', t.knex.raw('value::text as value'));
    expect(moved).toHaveLength(PRODUCT_CELLS.length);
    expect(moved).toContainEqual({ geo: '23', product: '1050*', unit_of_measure_code: 'kg', measure: 'quantity', value: '0.000001' });
    expect(Number((await t.knex('release_cells').where({ release_id: id }).count('* as n').first())!.n)).toBe(smallCube().length);
    await t.knex.raw('select count(*) from index_published');

    await t.knex.migrate.latest();
    expect(await snapshot()).toEqual(before);
    await t.knex.raw('select count(*) from index_published');
  });

  it('refuses a product node in the values space, a fraction of a Rial, and a measure of the other space', async () => {
    const id = await insertRelease({ period: '1404-08', cells: [] }, t.knex);
    const cell = { release_id: id, geo: 'IR', suppressed: false };
    await expect(t.knex('release_cells').insert({ ...cell, space: 'values', node: '1050100010~t', measure: 'production_value', value: '1' })).rejects.toThrow(/release_cells_space/);
    await expect(t.knex('release_cells').insert({ ...cell, space: 'values', node: 'T', measure: 'production_value', value: '1.5' })).rejects.toThrow(/release_cells_space/);
    await expect(t.knex('release_cells').insert({ ...cell, space: 'products', node: '1050100010~t', measure: 'production_value', value: '1' })).rejects.toThrow(/release_cells_space/);
    await t.knex('release_cells').insert({ ...cell, space: 'values', node: 'T', measure: 'production_value', value: '12' });
  });
});
