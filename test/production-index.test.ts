import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUnit, createFiling, setSetting } from './support/stats-fixtures.ts';
import { periodRange } from '../src/calendar.ts';
import { insertRelease } from './support/releases.ts';
import { computeIndex } from '../src/production-index/compute.ts';
import { publishComputation, publishedCells, computationsOf } from '../src/production-index/model.ts';

// Issue 16: the index computed by hand on crafted panels (base year 1404, every base month the
// same quantity, so each class's base-year index is 100), imputation, revision and suppression.

let t: TestDatabase;
const AT = new Date('2026-11-01T00:00:00Z'); // 1405-08-10: every month up to 1405-06 is past its first computation
const BASE = periodRange('1404-01', '1404-12');

async function code(k: Knex, c: string, isic: string, uom: string): Promise<void> {
  await k('catalogue').insert({ code: c, isic_class: isic, name_fa: `محصول ${c}`, unit_of_measure_code: uom, active_from: '1400-01', source: 'office' });
}

/** A unit of `isic` whose one product (declared in `unit`) carries catalogue code `c`. */
async function unitMaking(isic: string, c: string, unit = 'تن'): Promise<{ id: number; product: number }> {
  const u = await createUnit({ isic_class: isic, obligation_start: '1403-01', products: [{ name: `محصول ${c}`, unit_of_measure: unit, annual_capacity: 100000 }] });
  await t.knex('products').where({ id: u.productIds[0] }).update({ catalogue_code: c });
  return { id: u.id, product: u.productIds[0] };
}

async function file(u: { id: number; product: number }, periods: string[], produced: number, figures: { pv?: number; ic?: number; state?: 'verified' | 'submitted'; at?: Date } = {}): Promise<void> {
  for (const period of periods) {
    await createFiling({
      unit_id: u.id, period, state: figures.state ?? 'verified', production_value: figures.pv ?? 1000, intermediate_consumption: figures.ic ?? 400,
      first_submitted_at: figures.at, lines: [{ product_id: u.product, produced, sold: produced, sales_value: produced * 100 }],
    });
  }
}

let dairies: { id: number; product: number }[] = [];
let mills: { id: number; product: number }[] = [];
const cell = (cells: { node: string }[], node: string) => cells.find((c) => c.node === node) as Record<string, unknown> | undefined;

beforeAll(async () => {
  t = await freshDatabase();
  await setSetting('index_base_year', 1404);
  await code(t.knex, '1050000001', '1050', 't');
  await code(t.knex, '1061000001', '1061', 'kg');
});
afterAll(() => t.close());

describe('the index of a crafted panel, by hand', () => {
  it('one product +10 % makes its class 110 and the division the value-added weighted mean', async () => {
    // Class 1050: three dairies, 10 t a month in 1404 (one declares kilograms), value added 600 a month each.
    dairies = [await unitMaking('1050', '1050000001'), await unitMaking('1050', '1050000001'), await unitMaking('1050', '1050000001', 'کیلوگرم')];
    for (const [i, d] of dairies.entries()) await file(d, BASE, i === 2 ? 10_000 : 10);
    // Class 1061: three mills, 20 000 kg a month, value added 1200 a month each.
    mills = [await unitMaking('1061', '1061000001', 'کیلوگرم'), await unitMaking('1061', '1061000001', 'کیلوگرم'), await unitMaking('1061', '1061000001')];
    for (const [i, m] of mills.entries()) await file(m, BASE, i === 2 ? 20 : 20_000, { pv: 2000, ic: 800 });
    // 1405-01: the dairies make 11 t (+10 %), the mills as in the base year.
    for (const [i, d] of dairies.entries()) await file(d, ['1405-01'], i === 2 ? 11_000 : 11);
    for (const [i, m] of mills.entries()) await file(m, ['1405-01'], i === 2 ? 20 : 20_000, { pv: 2000, ic: 800 });

    const base = await computeIndex({ period: '1404-06', at: AT, userId: null });
    if (!base.ok) throw new Error(base.reason);
    expect(Number(cell(base.cells, 'T')!.value)).toBe(100);

    const out = await computeIndex({ period: '1405-01', at: AT, userId: null });
    if (!out.ok) throw new Error(out.reason);
    expect(cell(out.cells, '1050')!.value).toBe(110);
    expect(cell(out.cells, '1061')!.value).toBe(100);
    // Weights 3 × 12 × 600 = 21 600 and 3 × 12 × 1 200 = 43 200: (21 600 × 110 + 43 200 × 100) / 64 800.
    expect(cell(out.cells, '10')!.value).toBe(103.3333);
    expect(cell(out.cells, 'C')!.value).toBe(103.3333);
    expect(cell(out.cells, 'T')!.value).toBe(103.3333);
    expect(cell(out.cells, '10')!.imputedShare).toBe(0);
    expect(cell(out.cells, '1050')!.contributors).toBe(3);

    const stored = await t.knex('index_cells').where({ computation_id: out.computationId, node: '10' }).first();
    expect(Number(stored.value)).toBe(103.3333);
    expect(stored.suppressed).toBe(false);
    expect(await t.knex('audit_log').where({ action: 'stats.index_compute', target: `index_computation:${out.computationId}` }).count('* as n').first()).toMatchObject({ n: 1 });
  });
});

describe('non-response and revisions', () => {
  let oil: { id: number; product: number }[];

  it('imputes a missing unit from its last quantity times its class respondents\' change', async () => {
    await code(t.knex, '1040000001', '1040', 't');
    oil = [];
    for (let i = 0; i < 4; i++) oil.push(await unitMaking('1040', '1040000001'));
    for (const u of oil) await file(u, [...BASE, '1405-01'], 10);
    for (const u of oil.slice(0, 3)) await file(u, ['1405-02'], 12);

    const out = await computeIndex({ period: '1405-02', at: AT, userId: null });
    if (!out.ok) throw new Error(out.reason);
    expect(out.first).toBe(true);
    // The fourth mill: 10 t × (36 ÷ 30) = 12 t, a quarter of the class's 48 t.
    expect(cell(out.cells, '1040')!.value).toBe(120);
    expect(cell(out.cells, '1040')!.imputedShare).toBeCloseTo(0.25, 10);
    expect(cell(out.cells, '1040')!.contributors).toBe(3); // the imputed mill is no contributor
    expect(out.report.imputedUnits).toBeGreaterThanOrEqual(1);
    const released = await publishComputation(out.computationId, null);
    expect(released.ok).toBe(true);
  });

  it('a late filing makes a new computation; the published figure moves only with a new release', async () => {
    await file(oil[3], ['1405-02'], 16, { at: new Date('2026-07-01T00:00:00Z') });
    const published = async () => (await publishedCells(['1405-02'], ['class'])).find((c) => c.node === '1040')!;
    expect((await published()).value).toBe(120);

    const again = await computeIndex({ period: '1405-02', at: AT, userId: null });
    if (!again.ok) throw new Error(again.reason);
    expect(again.first).toBe(false);
    expect(cell(again.cells, '1040')!.value).toBe(130); // (3 × 12 + 16) ÷ 40
    expect(cell(again.cells, '1040')!.imputedShare).toBe(0);
    expect(await computationsOf('1405-02')).toHaveLength(2);
    expect((await published()).value).toBe(120);

    expect((await publishComputation(again.computationId, null)).ok).toBe(true);
    expect((await published()).value).toBe(130);
    // The first computation cannot be released over the newer one, and nothing stored can change.
    const first = (await computationsOf('1405-02'))[0];
    expect(await publishComputation(first.id, null)).toMatchObject({ ok: false });
    await expect(t.knex('index_cells').where({ computation_id: first.id }).update({ value: 1 })).rejects.toThrow();
  });
});

describe('confidentiality', () => {
  it('suppresses a one-unit class and, by the release engine\'s protection, a sibling: no family has a single hidden member', async () => {
    await code(t.knex, '1030000001', '1030', 't');
    const alone = await unitMaking('1030', '1030000001');
    await file(alone, [...BASE, '1405-03'], 5);
    // The dairies and mills file the month too (respondents: imputed units count as no contributor).
    for (const [i, d] of dairies.entries()) await file(d, ['1405-03'], i === 2 ? 11_000 : 11);
    for (const [i, m] of mills.entries()) await file(m, ['1405-03'], i === 2 ? 20 : 20_000, { pv: 2000, ic: 800 });
    const out = await computeIndex({ period: '1405-03', at: AT, userId: null });
    if (!out.ok) throw new Error(out.reason);
    expect(cell(out.cells, '1030')).toMatchObject({ primary: true, suppressed: true, contributors: 1 });
    expect(cell(out.cells, '103')!.suppressed).toBe(true);
    const hidden = new Set(out.cells.filter((c) => c.suppressed).map((c) => c.node));
    const groups = out.cells.filter((c) => c.level === 'group' && c.node.startsWith('10'));
    expect(groups.filter((g) => hidden.has(g.node)).length).toBeGreaterThanOrEqual(2);
    // Every family (a parent and its children) hides none or at least two of its members.
    for (const parent of out.cells) {
      const kids = out.cells.filter((c) => c.node !== parent.node && (c.node.length === parent.node.length + 1 && c.node.startsWith(parent.node)));
      if (!kids.length || !/^\d+$/.test(parent.node)) continue;
      expect([parent, ...kids].filter((c) => c.suppressed).length).not.toBe(1);
    }
    expect((await publishComputation(out.computationId, null)).ok).toBe(true);
    const published = await publishedCells(['1405-03'], ['class', 'group']);
    expect(published.find((c) => c.node === '1030')).toMatchObject({ value: null, weight_share: null, imputed_share: null, suppressed: true });
    // Group 103 hidden with it; the protection LP hides the dairies (105 and its only class 1050,
    // the cheaper of 103's siblings); the mills (106, 43 200) stay published.
    expect(published.find((c) => c.node === '1050')).toMatchObject({ value: null, suppressed: true });
    expect(published.find((c) => c.node === '1061')?.value).toBe(100);
  });

  it('a weight share is published only where the base year\'s release publishes that value added', async () => {
    const shares = async () => new Map((await t.knex('index_published').where({ period: '1405-02' }).select('node', 'weight_share', 'suppressed')).map((r: { node: string; weight_share: number | null }) => [r.node, r.weight_share]));
    // No release of 1404 yet: no value added of the base year is public, so no share is.
    const before = await shares();
    expect(before.size).toBeGreaterThan(0);
    for (const [node, share] of before) expect(share, node).toBeNull();
    // A final release of 1404 that publishes class 1040's value added (and hides the total's).
    await insertRelease({ period: '1404', cells: [
      { geo: 'IR', isic: '1040', measure: 'value_added', value: 1000 },
      { geo: 'IR', isic: 'T', measure: 'value_added', value: null },
    ] }, t.knex);
    const after = await shares();
    expect(after.get('1040')).not.toBeNull();
    expect(after.get('T')).toBeNull();
  });
});
