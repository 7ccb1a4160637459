import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUnit, createFiling, setSetting } from './support/stats-fixtures.ts';
import { parseJalaliDate, periodRange, startOfJalaliDay, type Period } from '../src/calendar.ts';
import { computeIndex } from '../src/production-index/compute.ts';
import { publishComputation } from '../src/production-index/model.ts';
import { indexTable, indexCsv } from '../src/production-index/view.ts';
import { chainLink, contributions } from '../src/production-index/chain.ts';
import { aggregate } from '../src/production-index/compute.ts';
import { chainCells, linkTerms, type ChainBasis } from '../src/production-index/linking.ts';
import { INDEX_SPACE, indexBaseRows, protectIndexCells, type UnitTerm } from '../src/production-index/protection.ts';
import { buildProblem, cellKey, NATIONAL } from '../src/stats/releases/cube.ts';
import { attack } from '../src/stats/releases/attack.ts';

// Issue 25 §2 wired into the monthly computation: class weights of the year before (the base
// year's for the base year and the next), linked at the annual overlap; contributions that add up
// to the nation's growth; the protection on the link year's additive volumes.

let t: TestDatabase;
const AT = startOfJalaliDay(parseJalaliDate('1406-03-20')!);
const Y1404 = periodRange('1404-01', '1404-12');
const Y1405 = periodRange('1405-01', '1405-12');

// Class 1050: three dairies; class 1061: three mills (one product each, in tonnes).
// 1404 (base): dairies 10 t, mills 20 t a month; value added 600 and 1200 a month a unit.
// 1405: dairies 12 t (class index 120), mills 20 t (100); value added 1600 and 1200 a month a unit.
// 1406-01: dairies 15 t (150), mills 25 t (125); 1406-02: dairies 12 t (120), mills 30 t (150).
const PLAN: Record<string, { dairy: number; mill: number; dairyVa: [number, number]; millVa: [number, number] }> = {};
for (const p of Y1404) PLAN[p] = { dairy: 10, mill: 20, dairyVa: [1000, 400], millVa: [2000, 800] };
for (const p of Y1405) PLAN[p] = { dairy: 12, mill: 20, dairyVa: [2000, 400], millVa: [2000, 800] };
PLAN['1406-01'] = { dairy: 15, mill: 25, dairyVa: [2000, 400], millVa: [2000, 800] };
PLAN['1406-02'] = { dairy: 12, mill: 30, dairyVa: [2000, 400], millVa: [2000, 800] };

beforeAll(async () => {
  t = await freshDatabase();
  await setSetting('index_base_year', 1404);
  for (const [code, isic] of [['1050000001', '1050'], ['1061000001', '1061']]) {
    await t.knex('catalogue').insert({ code, isic_class: isic, name_fa: `محصول ${code}`, unit_of_measure_code: 't', active_from: '1400-01', source: 'office' });
  }
  for (const kind of ['dairy', 'mill'] as const) {
    for (let i = 0; i < 3; i++) {
      const u = await createUnit({ isic_class: kind === 'dairy' ? '1050' : '1061', obligation_start: '1403-01', products: [{ name: 'محصول', unit_of_measure: 'تن', annual_capacity: 100000 }] });
      await t.knex('products').where({ id: u.productIds[0] }).update({ catalogue_code: kind === 'dairy' ? '1050000001' : '1061000001' });
      for (const [period, plan] of Object.entries(PLAN)) {
        const q = plan[kind];
        const [pv, ic] = kind === 'dairy' ? plan.dairyVa : plan.millVa;
        await createFiling({ unit_id: u.id, period, production_value: pv, intermediate_consumption: ic, lines: [{ product_id: u.productIds[0], produced: q, sold: q, sales_value: q * 100 }] });
      }
    }
  }
});
afterAll(() => t.close());

const value = (cells: { node: string; value: number }[], node: string) => cells.find((c) => c.node === node)!.value;
const contribution = (cells: { node: string; contribution?: number | null }[], node: string) => cells.find((c) => c.node === node)!.contribution!;

async function computeAndPublish(period: Period) {
  const out = await computeIndex({ period, at: AT, userId: null });
  if (!out.ok) throw new Error(out.reason);
  expect((await publishComputation(out.computationId, null)).ok).toBe(true);
  return out;
}

describe('the chain-linked index, computed month by month', () => {
  it('refuses a month of 1406 until every month of 1405 it links to is computed, naming them', async () => {
    const out = await computeIndex({ period: '1406-01', at: AT, userId: null });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.reason).toContain('1405-12');
  });

  it('weights 1405 by 1404\'s value added, 1406 by 1405\'s, linked at the annual overlap: by hand and by chain.ts', async () => {
    const months = new Map<Period, Awaited<ReturnType<typeof computeAndPublish>>>();
    for (const p of Y1405) months.set(p, await computeAndPublish(p));
    // 1405: weights of 1404 (1050: 1/3, 1061: 2/3) → (1/3) 120 + (2/3) 100.
    expect(value(months.get('1405-06')!.cells, 'T')).toBeCloseTo(320 / 3, 3);
    expect(months.get('1405-06')!.report.weightYear).toBe(1404);
    const jan = await computeAndPublish('1406-01');
    const feb = await computeAndPublish('1406-02');
    expect(jan.report.weightYear).toBe(1405);
    // 1406: weights of 1405 (1050: 4/7, 1061: 3/7), each class over its 1405 mean, × the 1405 mean of T.
    expect(value(jan.cells, '1050')).toBeCloseTo(150, 3);
    expect(value(jan.cells, 'T')).toBeCloseTo((320 / 3) * ((4 / 7) * (150 / 120) + (3 / 7) * (125 / 100)), 3);
    expect(value(feb.cells, 'T')).toBeCloseTo((320 / 3) * ((4 / 7) * (120 / 120) + (3 / 7) * (150 / 100)), 3);
    // The same as chain.ts's chainLink on the classes' series.
    const series = (node: string) => new Map<Period, number>([...Y1404.map((p) => [p, 100] as [Period, number]), ...[...months].map(([p, o]) => [p, value(o.cells, node)] as [Period, number]), ['1406-01', value(jan.cells, node)], ['1406-02', value(feb.cells, node)]]);
    const components = new Map([['1050', series('1050')], ['1061', series('1061')]]);
    const weights = new Map([[1404, new Map([['1050', 3 * 600 * 12], ['1061', 3 * 1200 * 12]])], [1405, new Map([['1050', 3 * 1600 * 12], ['1061', 3 * 1200 * 12]])]]);
    const chained = chainLink(components, weights, 1404, [...Y1404, ...Y1405, '1406-01', '1406-02']);
    expect(value(feb.cells, 'T')).toBeCloseTo(chained.index.get('1406-02')!, 3);
    expect(value(jan.cells, 'T')).toBeCloseTo(chained.index.get('1406-01')!, 3);

    // Contributions add up to the nation's growth, within the year and across the link, and are
    // Ribarsky's (chain.ts) class by class.
    for (const [now, before, previous] of [[feb, jan, '1406-01'], [jan, months.get('1405-12')!, '1405-12']] as const) {
      const growth = value(now.cells, 'T') / value(before.cells, 'T') - 1;
      expect(contribution(now.cells, '1050') + contribution(now.cells, '1061')).toBeCloseTo(growth, 6);
      expect(contribution(now.cells, 'T')).toBeCloseTo(growth, 6);
      expect(contribution(now.cells, 'C')).toBeCloseTo(growth, 6);
      const oracle = contributions(components, weights, 1404, now === feb ? '1406-02' : '1406-01', previous);
      for (const k of ['1050', '1061']) expect(contribution(now.cells, k)).toBeCloseTo(oracle.get(k)!, 5);
    }
    // Across the link, by hand: 1050 (4/7)(150/120 − 1) = 1/7, 1061 (3/7)(125/100 − 1) = 3/28.
    expect(contribution(jan.cells, '1050')).toBeCloseTo(1 / 7, 6);
    expect(contribution(jan.cells, '1061')).toBeCloseTo(3 / 28, 6);
    expect(jan.report.audit).toMatchObject({ inside: 0, exact: 0 });
  });

  it('publishes contributions only where their ingredients are published (no base-year release: no weight share, no contribution)', async () => {
    const table = await indexTable('1406-02', 'class', 3, t.knex);
    const row = table.rows.find((r) => r.node === '1050')!;
    expect(row.latest!.value).toBeCloseTo(120, 3);
    // Without a final release of 1405 publishing the classes' value added, neither is published.
    expect(row.latest!.weight).toBeNull();
    expect(row.latest!.contribution).toBeNull();
    expect(indexCsv(table).split('\n')[0]).toContain('سهم در رشد ماهانه کل');
  });
});

describe('the protection of a chained index (protection.ts on the link year\'s additive volumes)', () => {
  const RULES = { minUnits: 3, dominance: 0.85, interval: 0.1 };
  const units = (first: number, isic: string, terms: number[]): UnitTerm[] => terms.map((term, i) => ({ unit_id: first + i, isic_class: isic, term, imputed: false }));
  // Group 103: class 1030 one unit, 1031 three small ones, 1032 three; their 1405 means differ.
  const ROWS = [...units(1, '1030', [1.3]), ...units(2, '1031', [0.02, 0.015, 0.015]), ...units(5, '1032', [0.2, 0.15, 0.15])];
  const WEIGHTS = new Map([['1030', 100], ['1031', 100], ['1032', 100]]);
  const COVERED = new Set(WEIGHTS.keys());
  const BASIS: ChainBasis = { year: 1405, weights: WEIGHTS, classMeans: new Map([['1030', 1.3], ['1031', 0.07], ['1032', 0.55]]), nodeMeans: new Map([['T', 104], ['C', 104], ['10', 104], ['103', 97], ['1030', 130], ['1031', 7], ['1032', 55]]) };

  it('the published chained cells are audited: the one-unit class keeps its interval against every published cell', async () => {
    const linked = linkTerms(ROWS, BASIS);
    const rows = indexBaseRows(linked, WEIGHTS, COVERED);
    const p = await protectIndexCells({ rows, rules: RULES, headlineExtra: [] });
    expect(p.primary).toContain('1030');
    expect(p.suppressed).toContain('1030');
    expect(p.audit).toMatchObject({ exact: 0, inside: 0 });
    // An independent attack on the same problem with what is published finds nothing inside.
    const problem = buildProblem(rows, [{ id: 1, months: 1, published: null }], RULES, INDEX_SPACE);
    const checked = await attack(problem, new Map([[1, new Set(p.published.map((n) => cellKey(NATIONAL, n)))]]));
    expect(checked.exposures).toEqual([]);
    // Each published chained value is its link × its node's 1405 mean ÷ 100: the link year's sums.
    const cells = aggregate(linked, WEIGHTS, COVERED);
    const links = new Map(cells.map((c) => [c.node, c.value]));
    chainCells(cells, BASIS);
    for (const c of cells) expect(c.value).toBeCloseTo((links.get(c.node)! * BASIS.nodeMeans!.get(c.node)!) / 100, 3);
    // A class's chained value is its own index (its term × 100).
    expect(cells.find((c) => c.node === '1030')!.value).toBeCloseTo(130, 3);
  });
});
