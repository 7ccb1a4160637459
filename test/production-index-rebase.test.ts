import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUnit, createFiling, setSetting } from './support/stats-fixtures.ts';
import { insertRelease } from './support/releases.ts';
import { parseJalaliDate, periodRange, startOfJalaliDay, type Period } from '../src/calendar.ts';
import { computeIndex } from '../src/production-index/compute.ts';
import { publishComputation, publishedCells } from '../src/production-index/model.ts';

// Issue 25 §2: the product base year moves (1404 → 1405) and the new base's series is linked to
// the old one at the annual overlap 1405, so the published series goes on; contributions to growth
// still add up, across the link and within the new base, and follow a later revision of the
// previous month. Every expected figure below is worked by hand from the plan.
//
// Class 1050: three dairies, each milk (1050000001) and cheese (1050000002); class 1061: three
// mills, flour (1061000001). Per unit and month:
//   1404 (first product base): milk 10 t, cheese 10 t, both at 100 a tonne → shares ½, ½; flour 20 t;
//        value added: dairy 600, mill 1200 → W(1404) = ⅓, ⅔.
//   1405: milk 10, cheese 20 at 300 a tonne (new base: milk 1000, cheese 6000 → shares 1/7, 6/7);
//        flour 24; value added dairy 1600, mill 1200 → W(1405) = 4/7, 3/7.
//   Old series (base 1404) over 1405: 1050 = 100 (½·10/10 + ½·20/10) = 150, 1061 = 100·24/20 = 120,
//        T = ⅓·150 + ⅔·120 = 130 every month: the annual means the new base is linked to.
//   1406-01: milk 12, cheese 20, flour 30. New base: own 1050 = 100 (1/7·12/10 + 6/7·20/20) = 720/7,
//        own 1061 = 100·30/24 = 125; linked: 1050 = 1.5 · 720/7 = 1080/7, 1061 = 1.2 · 125 = 150,
//        T = 130 (4/7 · (720/7)/100 + 3/7 · 1.25) = 130 · 1101/980 (restarted it would be 112.35;
//        on the old product base 1050 would be 160).
//   1406-02 … 1406-12: milk 10, cheese 22, flour 24: own 1050 = 760/7, own 1061 = 100; linked
//        1050 = 1140/7, 1061 = 120, T = 130 (4/7 · 7.6/7 + 3/7) = 130 · 51.4/49. Value added as 1405.
//   Esfand 1405 → Farvardin 1406 (Ribarsky across the link; t − 1 on the old base, ref 1404, means 100):
//        1050: [130 · 4/7 · (150·(720/7)/100 ÷ 150 − 1) + 100 · ⅓ · (150 − 150)/100] ÷ 130 = 4/245,
//        1061: [130 · 3/7 · (150/120 − 1) + 100 · ⅔ · (120 − 120)/100] ÷ 130 = 3/28; sum 121/980.
//   Revision of 1406-01: one mill's flour 30 → 36 (class 96 t): own 1061 = 100·96/72, linked 160,
//        T = 130 (4/7 · 36/35 + 3/7 · 4/3) = 130 · 284/245.

let t: TestDatabase;
const AT = startOfJalaliDay(parseJalaliDate('1407-03-20')!);
const Y1404 = periodRange('1404-01', '1404-12');
const Y1405 = periodRange('1405-01', '1405-12');
const Y1406 = periodRange('1406-01', '1406-12');

interface Plan { milk: number; cheese: number; cheesePrice: number; flour: number; dairyVa: number }
const PLAN: Record<string, Plan> = {};
// (1404's months move about those levels, ±1 t and ±2 t, averaging them: the base quantities and
// shares above are the averages, and the old series over 1404 is not flat, for its adjustment.)
Y1404.forEach((p, i) => { const d = [1, -1, 0, 2, -2, 0, 1, -1, 0, 1, 0, -1][i]; PLAN[p] = { milk: 10 + d, cheese: 10 - d, cheesePrice: 100, flour: 20 + 2 * d, dairyVa: 600 }; });
for (const p of Y1405) PLAN[p] = { milk: 10, cheese: 20, cheesePrice: 300, flour: 24, dairyVa: 1600 };
for (const p of Y1406) PLAN[p] = { milk: 10, cheese: 22, cheesePrice: 300, flour: 24, dairyVa: 1600 };
PLAN['1406-01'] = { milk: 12, cheese: 20, cheesePrice: 300, flour: 30, dairyVa: 1600 };
PLAN['1407-01'] = { milk: 10, cheese: 22, cheesePrice: 300, flour: 24, dairyVa: 1600 };

const T01 = (130 * 1101) / 980;
const T02 = (130 * 51.4) / 49;
const T01_REVISED = (130 * 284) / 245;

beforeAll(async () => {
  t = await freshDatabase();
  await setSetting('index_base_year', 1404);
  for (const [code, isic] of [['1050000001', '1050'], ['1050000002', '1050'], ['1061000001', '1061']]) {
    await t.knex('catalogue').insert({ code, isic_class: isic, name_fa: `محصول ${code}`, unit_of_measure_code: 't', active_from: '1400-01', source: 'office' });
  }
  const product = { unit_of_measure: 'تن', annual_capacity: 100000 };
  for (let i = 0; i < 3; i++) {
    const dairy = await createUnit({ isic_class: '1050', obligation_start: '1403-01', products: [{ name: 'شیر', ...product }, { name: 'پنیر', ...product }] });
    await t.knex('products').where({ id: dairy.productIds[0] }).update({ catalogue_code: '1050000001' });
    await t.knex('products').where({ id: dairy.productIds[1] }).update({ catalogue_code: '1050000002' });
    const mill = await createUnit({ isic_class: '1061', obligation_start: '1403-01', products: [{ name: 'آرد', ...product }] });
    await t.knex('products').where({ id: mill.productIds[0] }).update({ catalogue_code: '1061000001' });
    for (const [period, p] of Object.entries(PLAN)) {
      await createFiling({ unit_id: dairy.id, period, production_value: p.dairyVa + 400, intermediate_consumption: 400, lines: [
        { product_id: dairy.productIds[0], produced: p.milk, sold: p.milk, sales_value: p.milk * 100 },
        { product_id: dairy.productIds[1], produced: p.cheese, sold: p.cheese, sales_value: p.cheese * p.cheesePrice },
      ] });
      await createFiling({ unit_id: mill.id, period, production_value: 2000, intermediate_consumption: 800, lines: [{ product_id: mill.productIds[0], produced: p.flour, sold: p.flour, sales_value: p.flour * 100 }] });
    }
  }
  // The weight years' final releases publish the value added of every node, so weight shares and
  // contributions are published.
  for (const year of ['1405', '1406']) {
    await insertRelease({ period: year, cells: ['T', 'C', '10', '105', '106', '1050', '1061'].map((isic) => ({ geo: 'IR', isic, measure: 'value_added' as const, value: 1000 })) }, t.knex);
  }
});
afterAll(() => t.close());

type Computed = Extract<Awaited<ReturnType<typeof computeIndex>>, { ok: true }>;
const value = (out: Computed, node: string) => out.cells.find((c) => c.node === node)!.value;
let clock = 0;

async function computeAndPublish(period: Period): Promise<Computed> {
  const out = await computeIndex({ period, at: new Date(AT.getTime() + 1000 * clock++), userId: null });
  if (!out.ok) throw new Error(out.reason);
  expect((await publishComputation(out.computationId, null)).ok).toBe(true);
  return out;
}

async function published(period: Period): Promise<Map<string, { value: number | null; contribution: number | null }>> {
  return new Map((await publishedCells([period], ['total', 'class'], t.knex)).map((c) => [c.node, c]));
}

describe('a new product base year, linked to the old series at the annual overlap', () => {
  it('goes on from the old series\' level in 1405 instead of restarting at 100, class by class and in total', async () => {
    for (const p of [...Y1404, ...Y1405.slice(0, 11)]) await computeAndPublish(p);
    // The link needs every month of 1405 on the old base: without Esfand the new base is refused.
    await setSetting('index_base_year', 1405);
    const refused = await computeIndex({ period: '1406-01', at: AT, userId: null });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.reason).toContain('1405-12');
    await setSetting('index_base_year', 1404);
    await computeAndPublish('1405-12');
    await setSetting('index_base_year', 1405);
    const jan = await computeAndPublish('1406-01');
    expect(value(jan, '1050')).toBeCloseTo(1080 / 7, 3);
    expect(value(jan, '1061')).toBeCloseTo(150, 3);
    expect(value(jan, 'T')).toBeCloseTo(T01, 3);
    const feb = await computeAndPublish('1406-02');
    expect(value(feb, '1050')).toBeCloseTo(1140 / 7, 3);
    expect(value(feb, 'T')).toBeCloseTo(T02, 3);
  });

  it('contributions across the product base link add up to the published growth and are the hand-worked ones', async () => {
    const jan = await published('1406-01');
    expect(jan.get('1050')!.contribution).toBeCloseTo(4 / 245, 6);
    expect(jan.get('1061')!.contribution).toBeCloseTo(3 / 28, 6);
    expect(jan.get('T')!.contribution).toBeCloseTo(121 / 980, 6);
    const esfand = await published('1405-12');
    expect(jan.get('T')!.value! / esfand.get('T')!.value! - 1).toBeCloseTo(121 / 980, 6);
  });

  it('a month\'s published contributions follow a later revision of the previous month, without computing the month again', async () => {
    const feb = await published('1406-02');
    // Within the new base: a_k (C_k(t) − C_k(t−1)) ÷ T(t−1), a_k = s_k · 130 ÷ C̄_k(1405).
    expect(feb.get('1050')!.contribution).toBeCloseTo(((4 / 7) * (130 / 150) * (1140 / 7 - 1080 / 7)) / T01, 6);
    expect(feb.get('1061')!.contribution).toBeCloseTo(((3 / 7) * (130 / 120) * (120 - 150)) / T01, 6);
    expect(feb.get('T')!.contribution).toBeCloseTo(T02 / T01 - 1, 6);
    const stored = await t.knex('index_cells as x').join('index_publications as p', 'p.computation_id', 'x.computation_id')
      .where({ 'p.period': '1406-02', 'x.node': 'T' }).first('x.contribution');

    // One mill's flour of 1406-01 is revised; 1406-01 is computed again and published; 1406-02 is not.
    const line = await t.knex('filing_lines as fl').join('filings as f', 'f.id', 'fl.filing_id').join('units as u', 'u.id', 'f.unit_id')
      .where({ 'f.period': '1406-01', 'u.isic_class': '1061' }).first('fl.filing_id', 'fl.product_id');
    await t.knex('filing_lines').where({ filing_id: line.filing_id, product_id: line.product_id }).update({ produced: 36 });
    const revised = await computeAndPublish('1406-01');
    expect(value(revised, '1061')).toBeCloseTo(160, 3);
    expect(value(revised, 'T')).toBeCloseTo(T01_REVISED, 3);

    const after = await published('1406-02');
    expect(after.get('1050')!.contribution).toBeCloseTo(((4 / 7) * (130 / 150) * (1140 / 7 - 1080 / 7)) / T01_REVISED, 6);
    expect(after.get('1061')!.contribution).toBeCloseTo(((3 / 7) * (130 / 120) * (120 - 160)) / T01_REVISED, 6);
    expect(after.get('T')!.contribution).toBeCloseTo(T02 / T01_REVISED - 1, 6);
    expect(after.get('1050')!.contribution! + after.get('1061')!.contribution!).toBeCloseTo(after.get('T')!.value! / (await published('1406-01')).get('T')!.value! - 1, 6);
    // What 1406-02's computation stored is still against the first 1406-01: only the reading moved.
    expect(Number(stored.contribution)).toBeCloseTo(T02 / T01 - 1, 6);
  });

  it('later years link on the new base (its classes carried at the old level): 1407 against 1406\'s means', async () => {
    for (const p of Y1406.slice(2)) await computeAndPublish(p);
    const jan = await computeAndPublish('1407-01');
    // Class values go on at the linked level: 1407-01 has 1406-02's quantities.
    expect(value(jan, '1050')).toBeCloseTo(1140 / 7, 3);
    expect(value(jan, '1061')).toBeCloseTo(120, 3);
    // T = C̄_T(1406) · Σ s_k(1406) C_k ÷ C̄_k(1406), 1406's means with the revised Farvardin.
    const mean = (first: number, rest: number) => (first + 11 * rest) / 12;
    const expected = mean(T01_REVISED, T02) * ((4 / 7) * (1140 / 7) / mean(1080 / 7, 1140 / 7) + (3 / 7) * 120 / mean(160, 120));
    expect(value(jan, 'T')).toBeCloseTo(expected, 3);
    // The seasonal adjustment reads the linked series across the move: 37 published months, not 13.
    expect(jan.report.adjustment!.tooShort).toEqual([]);
    expect(jan.report.adjustment!.adjusted).toBeGreaterThan(0);
    const contributions = await published('1407-01');
    const esfand = await published('1406-12');
    // Across the annual link they add up within the rounding of the stored values (4 decimals).
    expect(contributions.get('1050')!.contribution! + contributions.get('1061')!.contribution!).toBeCloseTo(jan.cells.find((c) => c.node === 'T')!.value / esfand.get('T')!.value! - 1, 5);
  });
});
