import { describe, it, expect } from 'vitest';
import { VALUE_SPACE, type BaseRow } from '../src/stats/releases/cube.ts';
import { protectInputs } from '../src/stats/releases/protect-job.ts';
import { QUANTITY_SPACE } from '../src/stats/releases/products.ts';
import { packRows } from '../src/stats/releases/packed-rows.ts';
import { baseRows, units, RULES } from './support/cubes.ts';

// A large release protects its product families in a thread of their own while its values are
// protected (protect-job.ts PRODUCTS_THREAD_ROWS): the same cells, held sides and proofs as in
// the release's own thread.

const P1 = '23';
const P2 = '10';

/** Quantities of two products of class 1071 (kg) in two provinces: one dominated, the rest spread. */
function productRows(): BaseRow[] {
  const rows: BaseRow[] = [];
  const add = (unit: number, province: string, product: string, kg: number) => rows.push({ unit, province, category: `${product}~kg`, sig: [0], amounts: { quantity: BigInt(kg) * 1_000_000n } });
  add(1, P1, '1071100010', 9000); add(2, P1, '1071100010', 300); add(3, P1, '1071100010', 200); // dominated by unit 1
  for (let u = 4; u <= 7; u++) add(u, P1, '1071100020', 500 + 10 * u);
  for (let u = 10; u <= 13; u++) add(u, P2, '1071100010', 800 + 20 * u);
  for (let u = 14; u <= 17; u++) add(u, P2, '1071100020', 700 + 15 * u);
  return rows;
}

describe('product families, and values, in a thread of their own', () => {
  it('gives the same product cells, held sides and proofs as when protected after the values', async () => {
    const values = baseRows([...units(0, 1, 3, P1, '1071', 500), ...units(0, 10, 4, P2, '1071', 300), ...units(0, 4, 4, P1, '1071', 200), ...units(0, 14, 4, P2, '1071', 250), ...units(0, 30, 1, P1, '1072', 900), ...units(0, 31, 3, P2, '1072', 400)]);
    const releases = [{ id: 0, months: 1, published: null, period: '1404-01' }];
    const inputs = (threadRows: number, valuesThreadRows = Number.MAX_SAFE_INTEGER) => ({ rules: RULES, months: 1, releases, productReleases: releases, samePeriod: [], seedFromGroup: false, valueRows: packRows(values, VALUE_SPACE.measures), productRows: packRows(productRows(), QUANTITY_SPACE.measures), headlineExtra: [], countSecret: 'test secret', productsThreadRows: threadRows, valuesThreadRows });
    const inline = await protectInputs(inputs(Number.MAX_SAFE_INTEGER));
    const aside = await protectInputs(inputs(0));
    expect(inline.products.length).toBeGreaterThan(0);
    expect(inline.products.some((r) => r.suppressed && r.primary)).toBe(true); // the dominated code
    expect(aside.products).toEqual(inline.products);
    expect(aside.cells).toEqual(inline.cells);
    expect(aside.report.products).toEqual({ ...inline.report.products, seconds: aside.report.products.seconds });
    expect(aside.report.held).toEqual(inline.report.held);
    expect(aside.proofs.map((p) => p.space).sort()).toEqual(inline.proofs.map((p) => p.space).sort());
    expect(aside.proofs.some((p) => p.space.startsWith('products:'))).toBe(true);

    // The values in a thread of their own too (a quarter's or the year's: VALUES_THREAD_ROWS), the
    // families after them: the same cells, report, held sides and proofs.
    const valuesAside = await protectInputs(inputs(Number.MAX_SAFE_INTEGER, 0));
    expect(valuesAside.cells).toEqual(inline.cells);
    expect(valuesAside.cells.some((c) => c.suppressed)).toBe(true);
    expect(valuesAside.products).toEqual(inline.products);
    const { seconds: _a, proof: proofA, ...reportA } = valuesAside.report;
    const { seconds: _b, proof: proofB, ...reportB } = inline.report;
    expect(reportA).toEqual({ ...reportB, products: { ...reportB.products, seconds: reportA.products.seconds } });
    expect({ ...proofA, seconds: 0 }).toEqual({ ...proofB, seconds: 0 });
    expect(valuesAside.proofs).toEqual(inline.proofs);
  }, 60_000);
});
