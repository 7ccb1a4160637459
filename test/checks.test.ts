import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUnit, unitWithToken } from './support/factories.ts';
import { period, NOW_PERIOD } from './filings-helpers.ts';
import { submittedNow } from './support/filings.ts';
import { addMonths, periodRange } from '../src/calendar.ts';
import { keepCommonPriceMedians, keepMissingPeerChecks, keepClassEmployeeFits } from '../src/filings/warnings.ts';
import { hbFit } from '../src/filings/hidiroglou-berthelot.ts';

// Issue 24 §2: the new checks through a real submission, so that the SQL that finds the unit's
// class peers and the prices of the same catalogue code at other units is exercised too.

let t: TestDatabase;
let app: App;
beforeAll(async () => {
  ({ t, app } = await freshApp());
  await t.knex('catalogue').insert({ code: '2394000001', isic_class: '2394', name_fa: 'سیمان', unit_of_measure_code: 't', active_from: '1400-01', source: 'office' });
});
afterAll(() => t.close());

const CLASS = '2394';
const body = (productIds: number[], over: Record<string, unknown> = {}) => ({
  employees: 165,
  production_value: 1_200_000,
  intermediate_consumption: 700_000,
  lines: productIds.map((id) => ({ product_id: id, produced: 80, sold: 70, sales_value: 70_000 })),
  submit: true,
  ...over,
});

const codes = (r: request.Response) => (r.body.error?.warnings ?? r.body.warnings ?? []).map((w: { code: string }) => w.code);

async function coded(unitId: number, productId: number) {
  await t.knex('products').where({ id: productId }).update({ catalogue_code: '2394000001', unit_of_measure_code: 't' });
  return unitId;
}

describe('the issue-24 checks at submission', () => {
  it('employees outside the unit\'s own months warn, with the range; the stored warning reaches the officer', async () => {
    const { unit, auth } = await unitWithToken({ isic_class: CLASS, province_code: '19' });
    for (const [i, p] of periodRange(period(-6), period(-1)).entries()) {
      await submittedNow({ unitId: unit.id, period: p, employees: [159, 165, 170, 162, 166, 168][i] });
    }
    const r = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { employees: 120 }));
    expect(r.status).toBe(422);
    expect(codes(r)).toEqual(['employees_history']);
    expect(r.body.error.warnings[0].message).toContain('۱۲۰ نفر');
    const ok = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { employees: 120, confirm_warnings: true })).expect(200);
    expect(codes(ok)).toEqual(['employees_history']);
    expect((await t.knex('filings').where({ unit_id: unit.id, period: NOW_PERIOD }).first()).warnings[0].code).toBe('employees_history');
  });

  it('a tenfold jump in employees against the class\'s peers of the province (HB), found by SQL', async () => {
    for (let i = 0; i < 5; i++) {
      const peer = await createUnit({ isic_class: '2395', province_code: '20' });
      await submittedNow({ unitId: peer.id, period: period(-2), employees: 50 + i * 10 });
      await submittedNow({ unitId: peer.id, period: period(-1), employees: 51 + i * 10 });
    }
    const { unit, auth } = await unitWithToken({ isic_class: '2395', province_code: '20' });
    await submittedNow({ unitId: unit.id, period: period(-1), employees: 165 });
    const r = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { employees: 1650 }));
    expect(codes(r)).toEqual(['employees_peers']);
    expect(r.body.error.warnings[0].message).toContain('هم‌رشته استان');
    const fine = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { employees: 168 }));
    expect(fine.status).toBe(200);
  });

  it('the nightly job keeps each class\'s fit (migration 261), and a save reads the kept fit instead of its peers\' filings', async () => {
    // Kept with a threshold of five pairs: class 2395 of the test above, in province 20 and in the nation.
    await keepClassEmployeeFits(t.knex, [NOW_PERIOD], 5);
    const kept = await t.knex('class_employee_fits').where({ isic_class: '2395', period: NOW_PERIOD }).orderBy('province_code');
    expect(kept.map((k) => [k.province_code, k.n])).toEqual([['', 5], ['20', 5]]);
    const oracle = hbFit([0, 1, 2, 3, 4].map((i) => [51 + i * 10, 50 + i * 10]))!;
    expect(kept[1].r_med).toBeCloseTo(oracle.rMed, 12);
    expect(kept[1].d_high).toBeCloseTo(oracle.dHigh, 12);
    // A kept province fit of tenfold growth: the jump is now inside it, so the save read the kept row.
    await t.knex('class_employee_fits').where({ isic_class: '2395', period: NOW_PERIOD, province_code: '20' }).update({ r_med: 10 });
    const { unit, auth } = await unitWithToken({ isic_class: '2395', province_code: '20' });
    await submittedNow({ unitId: unit.id, period: period(-1), employees: 165 });
    expect(codes(await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { employees: 1650 })))).toEqual([]);
    // Without it, the province's peers are read live again (the national kept fit is only the fallback).
    await t.knex('class_employee_fits').where({ isic_class: '2395', period: NOW_PERIOD, province_code: '20' }).delete();
    const r = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { employees: 1650 }));
    expect(codes(r)).toEqual(['employees_peers']);
    expect(r.body.error.warnings[0].message).toContain('هم‌رشته استان');
    await t.knex('class_employee_fits').where({ period: NOW_PERIOD }).delete();
  });

  it('value added below zero warns on intermediate consumption', async () => {
    const { unit, auth } = await unitWithToken({ isic_class: CLASS });
    const r = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { intermediate_consumption: 1_300_000 }));
    expect(r.status).toBe(422);
    expect(r.body.error.warnings).toEqual([expect.objectContaining({ code: 'negative_value_added', field: 'intermediate_consumption' })]);
  });

  it('a price ×100 against the unit\'s own months and against the same code at three other units', async () => {
    for (let i = 0; i < 3; i++) {
      const other = await createUnit({ isic_class: CLASS });
      await coded(other.id, other.productIds[0]);
      await submittedNow({ unitId: other.id, period: period(-1), lines: [{ product_id: other.productIds[0], produced: 10, sold: 10, sales_value: 10_000 + i }] });
    }
    const { unit, auth } = await unitWithToken({ isic_class: CLASS });
    await coded(unit.id, unit.productIds[0]);
    for (const p of periodRange(period(-4), period(-1))) {
      await submittedNow({ unitId: unit.id, period: p, lines: [{ product_id: unit.productIds[0], produced: 70, sold: 70, sales_value: 70_000 }] });
    }
    const ok = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { employees: 10 }));
    expect(codes(ok)).toEqual([]);
    const r = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { employees: 10, lines: [{ product_id: unit.productIds[0], produced: 80, sold: 70, sales_value: 7_000_000 }] }));
    expect(r.status).toBe(422);
    expect(codes(r)).toEqual(['price_history', 'price_class']);
    expect(r.body.error.warnings[1].message).toContain('میانه ۱٬۰۰۰ ریال');
  });

  it('a common code\'s median is kept by the nightly job (migration 260) and read by the save instead of every producer\'s lines', async () => {
    // The code now has four producers (the test above); kept with a threshold of four, its median is the oracle's.
    const kept = await keepCommonPriceMedians(t.knex, [NOW_PERIOD], 4);
    expect(kept).toBe(1);
    const lines = (await t.knex('filing_lines as l').join('products as p', 'p.id', 'l.product_id').join('filings as f', 'f.id', 'l.filing_id')
      .where('p.catalogue_code', '2394000001').whereNotNull('f.first_submitted_at').where('f.period', '>=', addMonths(NOW_PERIOD, -12)).where('f.period', '<', NOW_PERIOD)
      .where('l.sold', '>', 0).select('l.sales_value', 'l.sold')) as { sales_value: string; sold: string }[];
    const prices = lines.map((l) => Number(l.sales_value) / Number(l.sold)).sort((a, b) => a - b);
    const mid = prices.length / 2;
    const oracle = prices.length % 2 ? prices[Math.floor(mid)] : (prices[mid - 1] + prices[mid]) / 2;
    const row = await t.knex('catalogue_price_medians').where({ catalogue_code: '2394000001', unit_of_measure_code: 't', period: NOW_PERIOD }).first();
    expect(row).toMatchObject({ units: 4 });
    expect(row.median).toBeCloseTo(oracle, 9);
    // The save reads the kept row: a median set apart from what the lines give changes the verdict.
    await t.knex('catalogue_price_medians').where({ catalogue_code: '2394000001', period: NOW_PERIOD }).update({ median: 100, units: 40 });
    const { unit, auth } = await unitWithToken({ isic_class: CLASS });
    await coded(unit.id, unit.productIds[0]);
    const r = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { employees: 10 }));
    expect(codes(r)).toEqual(['price_class']);
    expect(r.body.error.warnings[0].message).toContain('میانه ۱۰۰ ریال');
  });

  it('the nightly job keeps a period\'s class checks once, the first night it is filed (migration 261)', async () => {
    // NOW_PERIOD's medians were kept by the test above: the nightly's call leaves them (and the edited median) alone.
    expect(await t.knex('peer_checks_kept').where({ period: NOW_PERIOD, kind: 'prices' }).first()).toMatchObject({ rows_kept: 1 });
    const next = addMonths(NOW_PERIOD, 1);
    expect(await keepMissingPeerChecks(t.knex, [NOW_PERIOD, next])).toEqual({ prices: [next], employees: [next] }); // NOW_PERIOD's fits were kept above
    expect((await t.knex('catalogue_price_medians').where({ catalogue_code: '2394000001', period: NOW_PERIOD }).first()).median).toBe(100);
    // A period is marked kept even with nothing common enough (30 producers or pairs here), and not read again.
    expect(await t.knex('peer_checks_kept').where({ period: next }).orderBy('kind').select('kind', 'rows_kept')).toEqual([{ kind: 'employees', rows_kept: 0 }, { kind: 'prices', rows_kept: 0 }]);
    expect(await keepMissingPeerChecks(t.knex, [NOW_PERIOD, next])).toEqual({ prices: [], employees: [] });
  });
});
