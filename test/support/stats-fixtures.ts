import type { Knex } from 'knex';
import { db } from '../../src/db.ts';
import { createUnit, type UnitAttrs } from './factories.ts';
import { clearSettingsCache } from '../../src/settings.ts';

// Test data for statistics: units with products and filings with product lines, inserted
// directly (the filing form is someone else's feature; these tests judge what is stored).

export interface FilingAttrs {
  unit_id: number;
  period: string;
  state?: 'draft' | 'submitted' | 'returned' | 'verified';
  employees?: number | null;
  production_value?: number | null;
  intermediate_consumption?: number | null;
  first_submitted_at?: Date | null;
  verified_at?: Date | null;
  return_reason?: string | null;
  lines?: { product_id: number; produced: number | null; sold?: number | null; sales_value?: number | null }[];
}

export async function createFiling(a: FilingAttrs, k: Knex = db()): Promise<number> {
  const state = a.state ?? 'verified';
  const submitted = a.first_submitted_at === undefined ? (state === 'draft' ? null : new Date('2025-01-01T00:00:00Z')) : a.first_submitted_at;
  const [row] = await k('filings').insert({
    unit_id: a.unit_id,
    period: a.period,
    state,
    employees: a.employees === undefined ? 10 : a.employees,
    production_value: a.production_value === undefined ? 1000 : a.production_value,
    intermediate_consumption: a.intermediate_consumption === undefined ? 400 : a.intermediate_consumption,
    first_submitted_at: submitted,
    submitted_at: submitted,
    verified_at: a.verified_at ?? (state === 'verified' ? submitted : null),
    return_reason: state === 'returned' ? a.return_reason ?? 'ارقام ناقص است' : a.return_reason ?? null,
  }).returning('id');
  const lines = a.lines ?? [];
  if (lines.length) await k('filing_lines').insert(lines.map((l) => ({ filing_id: row.id, product_id: l.product_id, produced: l.produced, sold: l.sold ?? null, sales_value: l.sales_value ?? null })));
  return row.id;
}

export async function addReview(filingId: number, action: 'verify' | 'return' | 'reopen', userId: number, at: Date, k: Knex = db()): Promise<void> {
  await k('filing_reviews').insert({ filing_id: filingId, action, user_id: userId, at, reason: action === 'verify' ? null : 'دلیل آزمایشی' });
}

export { createUnit, type UnitAttrs };

/** Deterministic pseudo-random numbers for bulk fixtures (no test depends on Math.random). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export async function setSetting(key: string, value: unknown, k: Knex = db()): Promise<void> {
  await k('settings').insert({ key, effective_from: '0001-01', value: JSON.stringify(value) }).onConflict(['key', 'effective_from']).merge();
  clearSettingsCache();
}

/**
 * Many units across provinces and ISIC classes with verified/submitted/returned/draft filings over
 * a range of periods, inserted in bulk (a handful of statements). Returns the unit ids.
 */
export async function bulkFixture(opts: { units: number; periods: string[]; seed?: number; classes?: string[]; provinces?: string[] }, k: Knex = db()): Promise<number[]> {
  const rnd = seeded(opts.seed ?? 1);
  const classes = opts.classes ?? ['1050', '1071', '2394', '2410', '0710', '2910'];
  const provinces = opts.provinces ?? ['23', '10', '07', '03'];
  const productNames = [['شیر', 'تن'], ['نان', 'تن'], ['سیمان', 'تن'], ['فولاد', 'تن'], ['خودرو', 'دستگاه']];
  const tag = `${process.pid}${Date.now() % 100000}${Math.floor(rnd() * 1000)}`;
  const entities: { id: number }[] = await k('legal_entities').insert(Array.from({ length: opts.units }, (_, i) => ({
    national_id: String(90000000000 + Number(tag.slice(-6)) * 1000 + i).slice(0, 11), name: `واحد انبوه ${i + 1}`,
  }))).returning('id');
  const unitRows: { id: number }[] = await k('units').insert(entities.map((e, i) => ({
    legal_entity_id: e.id, licence_no: `B-${tag}-${i}`, licence_issued_on: '2020-01-01', kind: 'industrial',
    isic_class: classes[Math.floor(rnd() * classes.length)], province_code: provinces[Math.floor(rnd() * provinces.length)],
    city: 'شهر', obligation_start: opts.periods[0], registration: 'approved', status: 'active', source: 'seed',
  }))).returning('id');
  const products: { id: number; unit_id: number }[] = await k('products').insert(unitRows.flatMap((u) => {
    const first = Math.floor(rnd() * productNames.length);
    return [0, 1].map((j) => {
      const [name, uom] = productNames[(first + j) % productNames.length];
      return { unit_id: u.id, name, unit_of_measure: uom, annual_capacity: 1000, position: j };
    });
  })).returning(['id', 'unit_id']);
  const productsOf = new Map<number, number[]>();
  for (const p of products) productsOf.set(p.unit_id, [...(productsOf.get(p.unit_id) ?? []), p.id]);
  const filings: Record<string, unknown>[] = [];
  for (const u of unitRows) {
    for (const p of opts.periods) {
      const x = rnd();
      const state = x < 0.6 ? 'verified' : x < 0.75 ? 'submitted' : x < 0.85 ? 'returned' : x < 0.92 ? 'draft' : null;
      if (!state) continue;
      const pv = Math.floor(rnd() * 1_000_000);
      const submitted = state === 'draft' ? null : new Date('2025-01-01T00:00:00Z');
      filings.push({
        unit_id: u.id, period: p, state, employees: 5 + Math.floor(rnd() * 200), production_value: pv,
        intermediate_consumption: Math.floor(rnd() * pv * 1.2), first_submitted_at: submitted, submitted_at: submitted,
        verified_at: state === 'verified' ? submitted : null, return_reason: state === 'returned' ? 'اصلاح شود' : null,
      });
    }
  }
  for (let i = 0; i < filings.length; i += 1000) {
    const rows: { id: number; unit_id: number }[] = await k('filings').insert(filings.slice(i, i + 1000)).returning(['id', 'unit_id']);
    const lines = rows.flatMap((r) => productsOf.get(r.unit_id)!.map((pid, j) => ({ filing_id: r.id, product_id: pid, produced: j === 1 && rnd() < 0.3 ? 0 : Math.floor(rnd() * 500) })));
    for (let j = 0; j < lines.length; j += 1000) await k('filing_lines').insert(lines.slice(j, j + 1000));
  }
  return unitRows.map((u) => u.id);
}
