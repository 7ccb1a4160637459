import { describe, it, expect } from 'vitest';
import type { BaseRow, ReleaseInProblem } from '../src/stats/releases/cube.ts';
import { productFamilies, protectProducts } from '../src/stats/releases/products.ts';
import { packRows } from '../src/stats/releases/packed-rows.ts';

// Foresight is a help, never a new dead end (DESIGN §7), for the product families as for the
// values: a family that cannot be protected with the later releases in view is protected against
// what is published. Met at national scale by the first quarter after its six months (1404-Q1).

const RULES = { minUnits: 3, dominance: 0.85, interval: 0.1 };
const PRODUCT = '10710001~kg';
const row = (unit: number, province: string, sig: number[], quantity: bigint): BaseRow => ({ unit, province, category: PRODUCT, sig, amounts: { quantity } });

// One unit in province 23 (a sensitive cell), three in province 10 that release 1 published. The
// year ahead (foresight, −1) will publish its national cell: with it, the national cell less
// province 10 is the single unit's own figure, whatever the release being built (0) hides.
const rows = [row(1, '23', [0, -1], 5_000_000n), row(2, '10', [1, 0, -1], 4_000_000n), row(3, '10', [1, 0, -1], 3_000_000n), row(4, '10', [1, 0, -1], 2_000_000n)];
const published = (keys: string[]) => new Set(keys);

async function protect(releases: ReleaseInProblem[]) {
  const lines: string[] = [];
  const out = await protectProducts(productFamilies(packRows(rows, ['quantity']), releases, RULES), 0, { countOf: (m) => m.length, log: (l) => lines.push(l) });
  return { out, lines };
}

describe('a product family the foresight releases would leave no choice', () => {
  const stored: ReleaseInProblem = { id: 1, months: 1, period: '1404-01', published: published([`10|${PRODUCT}`]) };
  const building: ReleaseInProblem = { id: 0, months: 3, period: '1404-Q1', published: null };
  const year: ReleaseInProblem = { id: -1, months: 12, period: '1404', published: published([`IR|${PRODUCT}`]), foresight: true };

  it('is protected without foresight, and says so', async () => {
    const { out, lines } = await protect([stored, building, year]);
    expect(lines.some((l) => l.includes('foresight left out'))).toBe(true);
    const cell = (geo: string) => out.rows.find((r) => r.geo === geo && r.measure === 'quantity')!;
    expect(cell('23').suppressed).toBe(true);
    expect(cell('IR').suppressed).toBe(true); // it would give province 23 away with province 10 published
    expect(out.report.audit.inside).toBe(0);
  });

  it('needs no fallback when nothing ahead pins it', async () => {
    const { lines } = await protect([stored, building, { ...year, published: published([]) }]);
    expect(lines.some((l) => l.includes('foresight left out'))).toBe(false);
  });
});
