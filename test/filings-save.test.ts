import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUnit, createUser } from './support/factories.ts';
import { saveFiling, decideSave, type Loaded, type SaveRequest } from '../src/filings/model.ts';
import { productsSellingFromStock, warningHistory } from '../src/filings/warnings.ts';
import { loadSettings, type Settings } from '../src/settings.ts';
import { latestDuePeriod, addMonths } from '../src/calendar.ts';
import { recomputeStatusesNow } from '../src/eligibility/record.ts';
import { refreshYearRecords } from '../src/eligibility/year-records.ts';

// saveFiling in three steps: load and lock (one statement), a pure decision, the write with the
// unit's status (one statement).

let t: TestDatabase;
let settings: Settings;
beforeAll(async () => {
  t = await freshDatabase();
  settings = await loadSettings(t.knex);
});
afterAll(() => t.close());

const input = (productId: number, produced = 50) => ({ employees: 10, production_value: 1_000_000, intermediate_consumption: 400_000, lines: [{ product_id: productId, produced, sold: 40, sales_value: 900_000 }] });

/** The statements a function sends, without the transaction's own begin/commit and its settings (`set local`). */
async function statementsOf(fn: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const listen = (q: { sql: string }) => { if (!/^(begin|commit|rollback|savepoint|release|set local)/i.test(q.sql.trim())) seen.push(q.sql); };
  t.knex.on('query', listen);
  try {
    await fn();
  } finally {
    t.knex.off('query', listen);
  }
  return seen;
}

describe('saving a filing', () => {
  it('a submission and a correction are each one read and one write (the filing, its revision, the audit entry and the unit\'s status)', async () => {
    const u = await createUnit({ obligation_start: '1404-01' });
    const user = await createUser({ role: 'unit_user', unit_ids: [u.id] });
    const period = latestDuePeriod(new Date());
    const req = (produced: number, baseRevision: number): SaveRequest => ({ unitId: u.id, period, userId: user.id, via: 'form', input: input(u.productIds[0], produced), submit: true, confirmWarnings: true, baseRevision, settings });
    expect(await statementsOf(() => saveFiling(req(50, 0)))).toHaveLength(2);
    expect(await statementsOf(() => saveFiling(req(60, 1)))).toHaveLength(2);
    expect((await t.knex('filings').where({ unit_id: u.id, period }).first()).revision).toBe(2);
  });

  it('the status judged inside the write is the one a judgement run after it gives: inside the window, before it, and a stale status', async () => {
    const due = latestDuePeriod(new Date(), settings.rules);
    const cases = [
      // Inactive, submits the latest due month: active at once, with its change record.
      { status: 'inactive', period: due, expected: 'active', records: 1 },
      // Inactive, submits a month before the window: still inactive, nothing recorded.
      { status: 'inactive', period: addMonths(due, -10), expected: 'inactive', records: 0 },
      // Shown active though it filed nothing in the window (stale): the submission of an old month judges it inactive.
      { status: 'active', period: addMonths(due, -10), expected: 'inactive', records: 1 },
    ] as const;
    for (const c of cases) {
      const u = await createUnit({ obligation_start: addMonths(due, -14), status: c.status });
      const user = await createUser({ role: 'unit_user', unit_ids: [u.id] });
      const out = await saveFiling({ unitId: u.id, period: c.period, userId: user.id, via: 'api', input: input(u.productIds[0]), submit: true, confirmWarnings: true, settings });
      expect(out).toMatchObject({ ok: true, statusChanged: c.records > 0 });
      expect((await t.knex('units').where({ id: u.id }).first()).status).toBe(c.expected);
      expect(await t.knex('unit_status_changes').where({ unit_id: u.id })).toHaveLength(c.records);
      // The same rule run afterwards finds nothing to change.
      expect(await recomputeStatusesNow(t.knex, [u.id], { rules: settings.rules })).toEqual([]);
    }
  });

  it('logs the month for the index and marks the yearly record itself, as the triggers it skips would (migration 281)', async () => {
    const u = await createUnit({ obligation_start: '1404-01' });
    const user = await createUser({ role: 'unit_user', unit_ids: [u.id] });
    const period = latestDuePeriod(new Date(), settings.rules);
    const year = Number(period.slice(0, 4));
    await refreshYearRecords(t.knex, { year, at: new Date(), rules: settings.rules, unitIds: [u.id] });
    const logged = async () => {
      const rows = await t.knex('index_changes').where({ period }).groupBy('kind').select('kind', t.knex.raw('sum(merged)::int as n'));
      return Object.fromEntries(rows.map((r: { kind: string; n: number }) => [r.kind, Number(r.n)]));
    };
    const record = async () => t.knex('unit_year_records').where({ unit_id: u.id, year }).first('dirty', 'touched');
    const save = (submit: boolean, produced: number, baseRevision: number) => saveFiling({ unitId: u.id, period, userId: user.id, via: 'api', input: input(u.productIds[0], produced), submit, confirmWarnings: true, baseRevision, settings });
    const steps: { submit: boolean; produced: number; base: number; lines: number; state: number; touched: boolean }[] = [
      { submit: false, produced: 40, base: 0, lines: 1, state: 0, touched: true }, // a new draft: its lines; the record marked by the new row's insert trigger
      { submit: true, produced: 50, base: 0, lines: 1, state: 1, touched: true }, // submitted: lines, state and the record
      { submit: true, produced: 60, base: 1, lines: 1, state: 0, touched: false }, // a correction: lines only
    ];
    for (const step of steps) {
      const before = await logged();
      await t.knex('unit_year_records').where({ unit_id: u.id, year }).update({ dirty: false });
      const r0 = await record();
      expect(await save(step.submit, step.produced, step.base)).toMatchObject({ ok: true });
      const after = await logged();
      expect((after.lines ?? 0) - (before.lines ?? 0)).toBe(step.lines);
      expect((after.state ?? 0) - (before.state ?? 0)).toBe(step.state);
      const r1 = await record();
      expect(r1.dirty).toBe(step.touched);
      expect(Number(r1.touched) > Number(r0.touched)).toBe(step.touched);
    }
    // The triggers still do it for any other writer.
    const filing = await t.knex('filings').where({ unit_id: u.id, period }).first('id');
    const before = await logged();
    await t.knex('filing_lines').where({ filing_id: filing.id }).update({ produced: 70 });
    await t.knex('filings').where({ id: filing.id }).update({ state: 'returned', return_reason: 'آزمایشی' });
    const after = await logged();
    expect(after.lines - before.lines).toBe(1);
    expect(after.state - before.state).toBe(1);
    expect((await record()).dirty).toBe(true);
  });

  it('a refusal writes nothing, and the new row it locked is rolled back', async () => {
    const u = await createUnit({ obligation_start: '1404-01' });
    const user = await createUser({ role: 'unit_user', unit_ids: [u.id] });
    const out = await saveFiling({ unitId: u.id, period: latestDuePeriod(new Date()), userId: user.id, via: 'api', input: input(u.productIds[0]), submit: true, confirmWarnings: true, baseRevision: 3, settings });
    expect(out).toMatchObject({ ok: false, code: 'stale_revision', current_revision: 0 });
    expect(await t.knex('filings').where({ unit_id: u.id })).toHaveLength(0);
  });
  it('sold over stock counts every earlier month, though only the last 12 travel row by row', async () => {
    const u = await createUnit({ obligation_start: '1402-01' });
    const user = await createUser({ role: 'unit_user', unit_ids: [u.id] });
    const period = latestDuePeriod(new Date());
    const product = u.productIds[0];
    // 100 made and none sold 20 months ago; every month since, 10 made and 10 sold.
    const months = Array.from({ length: 20 }, (_, i) => addMonths(period, -20 + i));
    for (const [i, p] of months.entries()) {
      const [f] = await t.knex('filings').insert({ unit_id: u.id, period: p, state: 'submitted', revision: 1, employees: 10, production_value: 1_000_000, intermediate_consumption: 400_000, first_submitted_at: new Date(), submitted_at: new Date() }).returning('id');
      await t.knex('filing_lines').insert({ filing_id: f.id, product_id: product, produced: i === 0 ? 100 : 10, sold: i === 0 ? 0 : 10, sales_value: i === 0 ? 0 : 100_000 });
    }
    const sale = (sold: number): SaveRequest => ({ unitId: u.id, period, userId: user.id, via: 'form', input: { ...input(product, 10), lines: [{ product_id: product, produced: 10, sold, sales_value: 100_000 }] }, submit: false, confirmWarnings: false, settings });
    // Stock 100 from month −20, plus this month's 10: selling 110 is possible, 111 is not.
    const codes = async (sold: number) => {
      const out = await saveFiling(sale(sold));
      if (!out.ok) throw new Error(out.message);
      return out.warnings.map((w) => w.code);
    };
    expect(await codes(110)).not.toContain('sold_over_stock');
    expect(await codes(111)).toContain('sold_over_stock');
    // What the first statement brings back: the 12 months' lines, and one summed row for the 8 before
    // when the line sells from stock; none when no line sells more than it makes.
    const rowsOf = async (stockOf: number[]) => {
      const history = warningHistory(u.id, period, stockOf);
      return (await t.knex.raw(history.sql, history.bindings)).rows as { period: string; produced: string | number }[];
    };
    const rows = await rowsOf([product]);
    expect(rows.filter((r) => r.period >= addMonths(period, -12))).toHaveLength(12);
    expect(rows.filter((r) => r.period < addMonths(period, -12)).map((r) => [r.period, Number(r.produced)])).toEqual([[months[0], 100 + 7 * 10]]);
    const lean = await rowsOf(productsSellingFromStock({ lines: [{ product_id: product, produced: 10, sold: 10, sales_value: 100_000 }] }));
    expect(lean.filter((r) => r.period >= addMonths(period, -12))).toHaveLength(12);
    expect(lean.filter((r) => r.period < addMonths(period, -12))).toEqual([]);
  });
});

describe('what the figures were expected to be (migration 150)', () => {
  it('the save computes them as the triggers do for every other writer, and leaves the triggers on for those', async () => {
    const u = await createUnit({ obligation_start: '1402-01', products: [{ name: 'شیر', unit_of_measure: 'تن', annual_capacity: 1200 }, { name: 'پنیر', unit_of_measure: 'تن', annual_capacity: 120 }] });
    const user = await createUser({ role: 'unit_user', unit_ids: [u.id] });
    const period = latestDuePeriod(new Date());
    const [p1, p2] = u.productIds;
    expect(p2).toBeDefined();
    // 14 months with gaps: no employees in two, no production value in one, p2 unsold in most.
    for (let i = 0; i < 14; i++) {
      const p = addMonths(period, -14 + i);
      const [f] = await t.knex('filings').insert({ unit_id: u.id, period: p, state: 'submitted', revision: 1, employees: i % 5 === 2 ? null : 10 + (i * 7) % 9, production_value: i === 6 ? null : 1_000_000 + i * 37_913, intermediate_consumption: 400_000, first_submitted_at: new Date(), submitted_at: new Date() }).returning('id');
      await t.knex('filing_lines').insert([
        { filing_id: f.id, product_id: p1, produced: 50, sold: 40 + (i % 4), sales_value: 900_000 + i * 1_231 },
        ...(p2 ? [{ filing_id: f.id, product_id: p2, produced: 5, sold: i > 11 ? 3 : 0, sales_value: i > 11 ? 70_001 * i : 0 }] : []),
      ]);
    }
    const lines = [p1, ...(p2 ? [p2] : [])].map((id) => ({ product_id: id, produced: 45, sold: 40, sales_value: 880_000 }));
    const save = (submit: boolean) => saveFiling({ unitId: u.id, period, userId: user.id, via: 'form', input: { ...input(p1), lines }, submit, confirmWarnings: true, settings });
    const kept = async () => {
      const f = await t.knex('filings').where({ unit_id: u.id, period }).first('id', 'production_value_expected', 'employees_expected');
      const l = await t.knex('filing_lines').where({ filing_id: f.id }).orderBy('product_id').select('product_id', 'price_expected');
      return { f, l };
    };
    /** The triggers' answer for the same rows: each touched by a writer that computes nothing. */
    const byTriggers = async () => {
      const { f } = await kept();
      await t.knex('filings').where({ id: f.id }).update({ production_value: t.knex.raw('production_value') });
      await t.knex('filing_lines').where({ filing_id: f.id }).update({ sold: t.knex.raw('sold') });
      return kept();
    };
    expect((await save(false)).ok).toBe(true);
    const draft = await kept();
    expect(draft.f).toMatchObject({ production_value_expected: null, employees_expected: null });
    expect(await byTriggers()).toEqual(draft);
    expect((await save(true)).ok).toBe(true);
    const submitted = await kept();
    expect(submitted.f.production_value_expected).not.toBeNull();
    expect(submitted.f.employees_expected).not.toBeNull();
    expect(submitted.l[0].price_expected).not.toBeNull();
    if (p2) expect(submitted.l[1].price_expected).toBeNull(); // sold in 2 of the 12 months: fewer than 3
    // Spoil them, then let the triggers write theirs: the same numbers.
    await t.knex('filings').where({ id: submitted.f.id }).update({ production_value_expected: -1, employees_expected: -1 });
    expect(await byTriggers()).toEqual(submitted);
  });
});

describe('the decision, without a database', () => {
  const loaded = (over: Partial<Loaded['filing']> = {}, previous: Loaded['previous'] = null): Loaded => ({
    unit: { registration: 'approved', obligation_start: '1404-01' },
    products: [{ id: 7, name: 'شیر', unit_of_measure: 'تن', annual_capacity: 1200, product_code: null }],
    history: [],
    filing: { id: 1, state: 'draft', revision: 0, tracking_code: null, inserted: true, ...over },
    previous,
  });
  const base: SaveRequest = { unitId: 1, period: '1404-07', userId: 1, via: 'form', input: input(7), submit: true, confirmWarnings: true };
  const at = new Date('2025-11-01T12:00:00Z'); // in 1404-08

  it('refuses in the order of the rules: no unit, the period, the lines, the lock, staleness, a draft over a submission', () => {
    expect(decideSave(base, undefined, at, settings)).toMatchObject({ kind: 'refused', failure: { code: 'unit_not_approved' } });
    expect(decideSave({ ...base, period: '1404-12' }, loaded(), at, settings)).toMatchObject({ failure: { code: 'period_not_begun' } });
    expect(decideSave({ ...base, input: input(8) }, loaded(), at, settings)).toMatchObject({ failure: { code: 'unknown_product' } });
    expect(decideSave(base, loaded({ state: 'verified', revision: 1 }), at, settings)).toMatchObject({ failure: { code: 'locked' } });
    expect(decideSave({ ...base, baseRevision: 0 }, loaded({ state: 'submitted', revision: 2 }), at, settings)).toMatchObject({ failure: { code: 'stale_revision', current_revision: 2 } });
    expect(decideSave({ ...base, submit: false }, loaded({ state: 'submitted', revision: 1 }), at, settings)).toMatchObject({ failure: { code: 'already_submitted' } });
  });

  it('an unchanged resubmission writes nothing; a changed one lists what changed', () => {
    const previous = { employees: 10, production_value: 1_000_000, intermediate_consumption: 400_000, value_added: 600_000, lines: [{ product_id: 7, name: 'شیر', unit_of_measure: 'تن', produced: 50, sold: 40, sales_value: 900_000 }], warnings: [] };
    expect(decideSave(base, loaded({ state: 'submitted', revision: 1, inserted: false }, previous), at, settings)).toMatchObject({ kind: 'unchanged' });
    const changed = decideSave({ ...base, input: input(7, 55) }, loaded({ state: 'submitted', revision: 1, inserted: false }, previous), at, settings);
    expect(changed).toMatchObject({ kind: 'write', changes: [{ field: 'lines.7.produced', old: 50, new: 55 }] });
  });

});
