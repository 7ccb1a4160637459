import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { convertQuantity, decimalText, parseDecimal, type MeasureUnit } from '../src/catalogue/quantity.ts';
import { convertedSql } from '../src/stats/releases/products.ts';

// Issue 26: one unit conversion. Releases convert quantities in SQL (products.ts, convertedSql);
// the tested TypeScript one (catalogue/quantity.ts) is the oracle: on every ordered pair of units
// of one dimension and quantities from a thousandth to the largest numeric(18,3), the SQL gives the
// oracle's exact result at six decimals.

let t: TestDatabase;
beforeAll(async () => { t = await freshDatabase(); });
afterAll(() => t.close());

const QUANTITIES = ['0.001', '1', '7', '12.5', '999.999', '1500500', '123456789.123', '999999999999999.999'];

describe('the SQL unit conversion of releases', () => {
  it('agrees with convertQuantity on every pair of units of one dimension', async () => {
    const units = (await t.knex('units_of_measure').select('code', 'name_fa', 'dimension', t.knex.raw('factor::text as factor'))) as MeasureUnit[];
    const byCode = new Map(units.map((u) => [u.code, u]));
    const { rows } = (await t.knex.raw(
      `select f.code as "from", u.code as "to", q.q::text as q, ${convertedSql('q.q', 'f.factor', 'u.factor')}::text as converted
         from units_of_measure f join units_of_measure u on u.dimension = f.dimension
        cross join unnest(?::numeric(18,3)[]) as q(q)`,
      [QUANTITIES],
    )) as { rows: { from: string; to: string; q: string; converted: string }[] };
    const pairs = units.reduce((n, a) => n + units.filter((b) => b.dimension === a.dimension).length, 0);
    expect(rows).toHaveLength(pairs * QUANTITIES.length);
    expect(new Set(units.map((u) => u.dimension)).size).toBeGreaterThan(1);
    for (const r of rows) {
      const oracle = decimalText(parseDecimal(convertQuantity(r.q, byCode.get(r.from)!, byCode.get(r.to)!)), 6);
      expect(decimalText(parseDecimal(r.converted), 6), `${r.q} ${r.from} → ${r.to}`).toBe(oracle);
    }
  });
});
