import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { milkPlants } from './support/index-fixtures.ts';
import { computeIndex } from '../src/production-index/compute.ts';
import { compactIndexChanges, convertedSql } from '../src/production-index/cache.ts';
import { runNightly } from '../src/jobs/nightly.ts';
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

describe('the change log compacted (nightly)', () => {
  let at = AT.getTime() + 10_000;
  const computeNow = async () => {
    const out = await computeIndex({ period: PERIOD, at: new Date((at += 1000)), userId: null });
    if (!out.ok) throw new Error(out.reason);
    return out;
  };
  const plantLines = () => t.knex('filing_lines as fl').join('filings as f', 'f.id', 'fl.filing_id').where('f.period', PERIOD).orderBy('fl.filing_id').select('fl.filing_id', 'fl.product_id');
  const setProduced = async (line: { filing_id: number; product_id: number }, produced: number, k = t.knex) => {
    await k('filing_lines').where({ filing_id: line.filing_id, product_id: line.product_id }).update({ produced });
  };
  const duplicates = async () => Number((await t.knex.raw('select count(*)::int as n from (select 1 from index_changes group by period, kind having count(*) > 1) d')).rows[0].n);
  /** The figures of a computation that makes every aggregate anew (rolled back: the kept state stays). */
  const fresh = async () => {
    let cells: [string, number][] = [];
    await t.knex.transaction(async (trx) => {
      await trx('index_cache_state').delete();
      const out = await computeIndex({ period: PERIOD, at: new Date((at += 1000)), userId: null }, trx);
      if (!out.ok) throw new Error(out.reason);
      cells = out.cells.map((c) => [c.node, c.value]);
      await trx.rollback();
    }).catch(() => undefined); // the rollback rejects; a failed computation leaves no cells and fails the comparison
    return cells;
  };

  it('leaves a row per period and kind, reuses a cache made before it, and makes one again after a change made before or after it', async () => {
    await computeNow();
    const [a, b] = await plantLines();
    await setProduced(a, 12);
    await setProduced(b, 13);
    await setProduced(a, 11);
    expect(await duplicates()).toBeGreaterThan(0);
    const remade = await computeNow();
    expect(remade.report.cache!.months).toEqual([PERIOD]);

    // Compaction: nothing changed since the cache was made, so it is reused.
    const compacted = await compactIndexChanges(t.knex);
    expect(compacted.deleted).toBeGreaterThan(compacted.kept);
    expect(await duplicates()).toBe(0);
    const reused = await computeNow();
    expect(reused.report.cache).toEqual({ base: false, months: [] });
    expect(reused.cells.map((c) => [c.node, c.value])).toEqual(remade.cells.map((c) => [c.node, c.value]));

    // A change, then the nightly job's compaction, then the computation: the merged row still counts it.
    await setProduced(b, 20);
    await runNightly(t.knex, { at: new Date(at), now: new Date(at) });
    expect(await duplicates()).toBe(0);
    const after = await computeNow();
    expect(after.report.cache!.months).toEqual([PERIOD]);
    expect(after.cells.map((c) => [c.node, c.value])).toEqual(await fresh());
    expect(after.cells.find((c) => c.node === 'T')!.value).not.toBe(reused.cells.find((c) => c.node === 'T')!.value);
    // And a change after a compaction.
    await compactIndexChanges(t.knex);
    await setProduced(b, 21);
    const again = await computeNow();
    expect(again.report.cache!.months).toEqual([PERIOD]);
    expect(again.cells.map((c) => [c.node, c.value])).toEqual(await fresh());
  });

  // Needs two sessions at once: on the server only.
  it.runIf(Boolean(process.env.DATABASE_URL))('a change committed between reading the log and filling the cache makes it again next time, across a compaction', async () => {
    await computeNow();
    const [a, b] = await plantLines();
    await setProduced(a, 15); // the cache of the month is stale
    // Another session holds the month's kept terms (so the computation waits after reading the log,
    // where it deletes them to fill them again) and changes a line, not yet committed.
    const other = await t.knex.transaction();
    await other.raw('select 1 from index_filing_terms where base_year = 1404 and period = ? for update', [PERIOD]);
    await setProduced(b, 25, other);
    const computing = computeNow();
    for (let i = 0; ; i++) {
      const waiting = await t.knex.raw("select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%index_filing_terms%'");
      if (waiting.rows[0].n > 0) break;
      if (i > 600) throw new Error('the computation never waited for the kept terms');
      await new Promise((r) => setTimeout(r, 50));
    }
    await compactIndexChanges(t.knex);
    await other.commit(); // the change commits after the computation read the log, before it fills the terms
    const during = await computing;
    expect(during.report.cache!.months).toEqual([PERIOD]);
    // The count it remembered does not include the change: the next computation makes the month again.
    await compactIndexChanges(t.knex);
    const next = await computeNow();
    expect(next.report.cache!.months).toEqual([PERIOD]);
    expect(next.cells.map((c) => [c.node, c.value])).toEqual(await fresh());
    const settled = await computeNow();
    expect(settled.report.cache).toEqual({ base: false, months: [] });
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
