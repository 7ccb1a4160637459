import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Knex } from 'knex';
import { deadlineOf, periodRange, DEFAULT_RULES, type Rules } from '../src/calendar.ts';
import { loadSettings } from '../src/settings.ts';
import { filingRecords } from '../src/eligibility/record.ts';
import { refreshYearRecords, yearCalendar } from '../src/eligibility/year-records.ts';
import { runNightly } from '../src/jobs/nightly.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUser } from './support/factories.ts';
import { createUnit, createFiling, addReview, setSetting, seeded } from './support/stats-fixtures.ts';

// Issue 23: unit_year_records is a cache of the filing-record rule (record.ts), never a second
// rule. After every kind of write — filings added, submitted, verified, returned, moved or
// removed; a unit approved, moved or given another obligation start; time passing a deadline; the
// deadline rule changed; the nightly job — every row a reader would use equals what the rule
// computes from the tables at that instant.

let t: TestDatabase;
const Y = 1404;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const day = 86_400_000;
const onTime = (p: string) => new Date(deadlineOf(p, DEFAULT_RULES).getTime() - day);
const late = (p: string) => new Date(deadlineOf(p, DEFAULT_RULES).getTime() + 3 * day);
const units: number[] = [];
let officer: { id: number };

beforeAll(async () => {
  t = await freshDatabase();
  officer = await createUser({ role: 'province_officer', province_code: '23' });
  const rnd = seeded(23);
  for (let i = 0; i < 12; i++) {
    const start = ['1403-01', '1404-03', '1404-07'][i % 3];
    const u = await createUnit({ province_code: i % 4 === 0 ? '10' : '23', name: `واحد ${i}`, obligation_start: start });
    units.push(u.id);
    for (const p of periodRange('1403-11', '1404-09')) {
      const x = rnd();
      if (x < 0.2) continue; // missing
      const state = x < 0.5 ? 'verified' : x < 0.7 ? 'submitted' : x < 0.8 ? 'returned' : x < 0.9 ? 'draft' : 'verified';
      const id = await createFiling({ unit_id: u.id, period: p, state, first_submitted_at: state === 'draft' ? null : x < 0.6 ? onTime(p) : late(p) });
      if (state === 'returned' || (state === 'verified' && x > 0.4)) await addReview(id, 'return', officer.id, late(p));
    }
  }
});
afterAll(() => t.close());

/** What the rule says for every approved unit at `at`: record.ts's record, and quality's counts from the tables. */
async function ruleRows(k: Knex, year: number, at: Date, rules: Rules) {
  const records = await filingRecords({ at, rules, from: `${year}-01`, to: `${year}-12` }, k);
  const approved = await k('units').where({ registration: 'approved' }).select('id', 'province_code');
  const filings = await k('filings').whereBetween('period', [`${year}-01`, `${year}-12`]).whereNotNull('first_submitted_at').where('first_submitted_at', '<=', at).select('id', 'unit_id', 'state');
  const returned = new Set((await k('filing_reviews').where({ action: 'return' }).select('filing_id')).map((r) => Number(r.filing_id)));
  return approved.map((u) => {
    const r = records.find((x) => x.unit_id === Number(u.id));
    const own = filings.filter((f) => Number(f.unit_id) === Number(u.id));
    return {
      unit_id: Number(u.id), province_code: String(u.province_code),
      due: r?.due ?? 0, filed: r?.filed ?? 0, on_time: r?.on_time ?? 0, missing_periods: r?.missing_periods ?? [],
      submitted: own.length, clean: own.filter((f) => f.state === 'verified' && !returned.has(Number(f.id))).length,
    };
  }).sort((a, b) => a.unit_id - b.unit_id);
}

async function cachedRows(k: Knex, year: number) {
  const rows = await k('unit_year_records').where({ year }).orderBy('unit_id')
    .select('unit_id', 'province_code', 'due', 'filed', 'on_time', 'missing_periods', 'submitted', 'clean');
  return rows.map((r) => ({ ...r, unit_id: Number(r.unit_id), due: Number(r.due), filed: Number(r.filed), on_time: Number(r.on_time), submitted: Number(r.submitted), clean: Number(r.clean) }));
}

/** A reader's view at `at`: the rows after the refresh every reader makes, equal to the rule. */
async function expectCacheIsTheRule(at: Date, year = Y) {
  const { rules } = await loadSettings(t.knex);
  for (const province of ['23', '10']) await refreshYearRecords(t.knex, { year, at, rules, provinceCode: province });
  expect(await cachedRows(t.knex, year)).toEqual(await ruleRows(t.knex, year, at, rules));
}

const at0 = new Date(deadlineOf('1404-06', DEFAULT_RULES).getTime() + day); // 1404-06 just due

describe('the yearly records table follows the rule', () => {
  it('when first judged, and then without judging again when nothing changed', async () => {
    await expectCacheIsTheRule(at0);
    const { rules } = await loadSettings(t.knex);
    expect(await refreshYearRecords(t.knex, { year: Y, at: at0, rules, provinceCode: '23' })).toBe(0);
    expect(await refreshYearRecords(t.knex, { year: Y, at: new Date(at0.getTime() + 3600_000), rules })).toBe(0);
  });

  it('after writes to filings, reviews and units made in any way (the triggers mark what they change)', async () => {
    const k = t.knex;
    // A new submission, a draft submitted, a verification, a return, a filing moved and one removed.
    await createFiling({ unit_id: units[1], period: '1404-05', state: 'submitted', first_submitted_at: late('1404-05') }).catch(() => undefined);
    const draft = await k('filings').where({ state: 'draft' }).whereBetween('period', ['1404-01', '1404-06']).first();
    if (draft) await k('filings').where({ id: draft.id }).update({ state: 'submitted', first_submitted_at: onTime(draft.period), submitted_at: onTime(draft.period) });
    const submitted = await k('filings').where({ state: 'submitted' }).whereBetween('period', ['1404-01', '1404-06']).orderBy('id');
    await k('filings').where({ id: submitted[0].id }).update({ state: 'verified', verified_at: at0 });
    await addReview(submitted[1].id, 'return', officer.id, at0);
    await k('filings').where({ id: submitted[1].id }).update({ state: 'returned', return_reason: 'ارقام ناقص است' });
    const verified = await k('filings').where({ state: 'verified' }).whereBetween('period', ['1404-01', '1404-06']).orderBy('id');
    await k('filing_reviews').where({ filing_id: verified[0].id }).delete();
    await k('filings').where({ id: verified[1].id }).delete();
    await expectCacheIsTheRule(at0);
    // A unit's obligation start, its province, its approval.
    await k('units').where({ id: units[2] }).update({ obligation_start: '1404-04' });
    await k('units').where({ id: units[3] }).update({ province_code: '10' });
    await k('units').where({ id: units[5] }).update({ registration: 'rejected', rejection_reason: 'آزمایشی' });
    await expectCacheIsTheRule(at0);
    await k('units').where({ id: units[5] }).update({ registration: 'approved', rejection_reason: null });
    await k('units').where({ id: units[3] }).update({ province_code: '23' });
    await expectCacheIsTheRule(at0);
  });

  it('when time passes a deadline, when a request is of an earlier instant, and when a filing is submitted after the records were judged', async () => {
    await expectCacheIsTheRule(new Date(deadlineOf('1404-07', DEFAULT_RULES).getTime() + day));
    await expectCacheIsTheRule(new Date(deadlineOf('1404-03', DEFAULT_RULES).getTime() + day));
    const at = new Date(deadlineOf('1404-08', DEFAULT_RULES).getTime() + day);
    await expectCacheIsTheRule(at);
    // Stamped as submitted later than `at` (a clock ahead, an import): it counts only from then on.
    await createFiling({ unit_id: units[7], period: '1404-10', state: 'submitted', first_submitted_at: new Date(at.getTime() + 3600_000) });
    await expectCacheIsTheRule(at);
    await expectCacheIsTheRule(new Date(at.getTime() + 2 * 3600_000));
  });

  it('when the deadline rule changes', async () => {
    const at = new Date(deadlineOf('1404-08', DEFAULT_RULES).getTime() + day);
    await setSetting('deadline_day', 2, t.knex);
    try {
      await expectCacheIsTheRule(at);
    } finally {
      await setSetting('deadline_day', 8, t.knex);
    }
    await expectCacheIsTheRule(at);
  });

  it('the nightly job leaves every row fresh for its instant, equal to the rule, for the current year and those kept', async () => {
    const now = new Date(deadlineOf('1404-09', DEFAULT_RULES).getTime() + day);
    const { rules } = await loadSettings(t.knex);
    await refreshYearRecords(t.knex, { year: 1403, at: now, rules });
    await createFiling({ unit_id: units[9], period: '1403-12', state: 'submitted', first_submitted_at: late('1403-12') }).catch(() => undefined);
    await t.knex('filings').where({ unit_id: units[6], period: '1404-09' }).delete();
    await runNightly(t.knex, { at: now, now, log: quiet });
    for (const year of [1403, Y]) {
      expect(await cachedRows(t.knex, year)).toEqual(await ruleRows(t.knex, year, now, rules));
      expect(await refreshYearRecords(t.knex, { year, at: now, rules })).toBe(0);
      expect(yearCalendar(year, now, rules).length).toBe(year === Y ? 9 : 12);
    }
  });
});

describe('the triggers behind the kept records and the index log (migration 262)', () => {
  it('an update that changes none of their columns (a save locking its filing) marks no record and logs nothing; a state change does both', async () => {
    const f = await t.knex('filings').whereIn('unit_id', units).where({ state: 'submitted' }).first('id', 'unit_id', 'period');
    const year = Number(String(f.period).slice(0, 4));
    await refreshYearRecords(t.knex, { year, at: new Date(), rules: (await loadSettings(t.knex)).rules, unitIds: [f.unit_id] });
    const record = () => t.knex('unit_year_records').where({ unit_id: f.unit_id, year }).first('dirty', 'touched');
    const logged = async () => Number((await t.knex('index_changes').sum({ n: 'merged' }))[0].n ?? 0);
    const [before, log0] = [await record(), await logged()];
    expect(before.dirty).toBe(false);
    // The save's lock: insert … on conflict do update of the same unit.
    await t.knex.raw(`insert into filings (unit_id, period) values (?, ?) on conflict (unit_id, period) do update set unit_id = excluded.unit_id`, [f.unit_id, f.period]);
    await t.knex('filings').where({ id: f.id }).update({ production_value: 123 });
    expect(await record()).toEqual(before);
    expect(await logged()).toBe(log0);
    await t.knex('filings').where({ id: f.id }).update({ state: 'verified' });
    expect(await record()).toMatchObject({ dirty: true });
    expect(Number((await record()).touched)).toBeGreaterThan(Number(before.touched));
    expect(await logged()).toBe(log0 + 1);
  });
});
