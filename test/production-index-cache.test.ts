import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { milkPlants } from './support/index-fixtures.ts';
import { computeIndex } from '../src/production-index/compute.ts';
import { convertedSql } from '../src/production-index/cache.ts';
import { convertQuantity, type MeasureUnit } from '../src/catalogue/quantity.ts';

// Issue 25 §5: the computation reads kept aggregates (the base year's products, each filing's
// term) made again only where filings changed; its numbers are those of a computation that makes
// everything anew. Issue 26: its unit conversion is the catalogue's exact one.

let t: TestDatabase;
const PERIOD = '1405-03';
const AT = new Date('2026-11-01T00:00:00Z');

beforeAll(async () => {
  t = await freshDatabase();
  await milkPlants(t.knex, PERIOD, 11);
});
afterAll(() => t.close());

const total = (cells: { node: string; value: number }[]) => cells.find((c) => c.node === 'T')!.value;

async function compute() {
  // Each computation in a transaction rolled back, so that every one is a first computation.
  let out: Awaited<ReturnType<typeof computeIndex>> | undefined;
  await t.knex.transaction(async (trx) => { out = await computeIndex({ period: PERIOD, at: AT, userId: null }, trx); await trx.rollback(); }).catch(() => undefined);
  // The cache made inside the rolled-back transaction is gone too: make it for good once.
  return out!;
}

describe('the kept aggregates of the index', () => {
  it('are made once, reused while nothing changes, and made again for a month whose lines change', async () => {
    const first = await computeIndex({ period: PERIOD, at: AT, userId: null });
    expect(first.ok && first.report.cache).toMatchObject({ base: true });
    if (!first.ok) throw new Error(first.reason);
    expect(first.report.cache!.months).toContain(PERIOD);
    expect(total(first.cells)).toBeCloseTo(110, 4);

    const again = await compute();
    if (!again.ok) throw new Error(again.reason);
    expect(again.report.cache).toEqual({ base: false, months: [] });
    expect(total(again.cells)).toBe(total(first.cells));

    // One plant's line of the month changes: only that month is made again, and the index moves.
    const line = await t.knex('filing_lines as fl').join('filings as f', 'f.id', 'fl.filing_id').where('f.period', PERIOD).first('fl.filing_id', 'fl.product_id');
    await t.knex('filing_lines').where({ filing_id: line.filing_id, product_id: line.product_id }).update({ produced: 14 });
    const changed = await computeIndex({ period: PERIOD, at: new Date(AT.getTime() + 1000), userId: null });
    if (!changed.ok) throw new Error(changed.reason);
    expect(changed.report.cache).toEqual({ base: false, months: [PERIOD] });
    expect(total(changed.cells)).toBeCloseTo(120, 4); // (11 + 11 + 14) ÷ 3 × 10

    // The same figures as a computation that makes every aggregate anew.
    await t.knex('index_cache_state').delete();
    const fresh = await computeIndex({ period: PERIOD, at: new Date(AT.getTime() + 2000), userId: null });
    if (!fresh.ok) throw new Error(fresh.reason);
    expect(fresh.report.cache!.base).toBe(true);
    expect(fresh.cells.map((c) => [c.node, c.value])).toEqual(changed.cells.map((c) => [c.node, c.value]));
  });

  it('a base-year line that changes makes the base again (and so every month\'s terms)', async () => {
    const line = await t.knex('filing_lines as fl').join('filings as f', 'f.id', 'fl.filing_id').where('f.period', '1404-05').first('fl.filing_id', 'fl.product_id');
    await t.knex('filing_lines').where({ filing_id: line.filing_id, product_id: line.product_id }).update({ produced: 40 });
    const out = await computeIndex({ period: PERIOD, at: new Date(AT.getTime() + 3000), userId: null });
    if (!out.ok) throw new Error(out.reason);
    expect(out.report.cache!.base).toBe(true);
    expect(out.report.cache!.months.length).toBe(13);
    // Base quantity of that plant: (11 × 10 + 40) ÷ 12 = 12.5 t a month; the class's monthly base 32.5 t.
    expect(total(out.cells)).toBeCloseTo((100 * 36) / 32.5, 3);
  });

  it('a product\'s unit of measure that changes makes its months again (a statement on products logs them)', async () => {
    const before = await t.knex('index_changes').count('* as n').first();
    const p = await t.knex('products').whereNotNull('catalogue_code').first('id', 'unit_of_measure_code');
    await t.knex('products').where({ id: p.id }).update({ unit_of_measure_code: 'kg' });
    const after = await t.knex('index_changes').count('* as n').first();
    expect(Number(after!.n)).toBeGreaterThan(Number(before!.n));
    await t.knex('products').where({ id: p.id }).update({ unit_of_measure_code: p.unit_of_measure_code });
  });
});

describe('the index\'s unit conversion in SQL', () => {
  it('is convertQuantity of src/catalogue/quantity.ts, digit for digit', async () => {
    const unit = (code: string, factor: string): MeasureUnit => ({ code, name_fa: code, dimension: 'mass', factor });
    const cases: [string, string, string][] = [
      ['1', '3', '7'], ['10.5', '1000', '1'], ['0.001', '0.001', '1000'], ['123456789012345.678', '1000', '0.001'],
      ['2', '1', '3'], ['5', '1', '6'], ['999.999', '0.453592370000', '1'], ['1', '2', '3'], ['7.125', '1', '8'],
    ];
    for (const [q, from, to] of cases) {
      const { rows } = await t.knex.raw(`select (${convertedSql('q')})::text as v from (select ?::numeric(18,3) as q, ?::numeric(30,12) as from_factor, ?::numeric(30,12) as to_factor) r`, [q, from, to]);
      const v = String(rows[0].v);
      const sql = v.includes('.') ? v.replace(/0+$/, '').replace(/\.$/, '') : v;
      expect(sql, `${q} × ${from} ÷ ${to}`).toBe(convertQuantity(q, unit('a', from), unit('b', to)));
    }
  });
});
