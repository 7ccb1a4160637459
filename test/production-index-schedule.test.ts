import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { setSetting } from './support/stats-fixtures.ts';
import { runNightly } from '../src/jobs/nightly.ts';
import { addMonths, parseJalaliDate, startOfJalaliDay, startOfPeriod } from '../src/calendar.ts';
import { firstComputationAt, DAY_MS } from '../src/production-index/compute.ts';
import { clearSettingsCache } from '../src/settings.ts';
import { revisionStats, revisionAnalysis } from '../src/production-index/revisions.ts';

// Issue 25 §3–4: the nightly job queues each month's flash computation after its time and its
// T+30 and T+60 revisions, once each, as jobs; the revision analysis of flash against latest growth.

let t: TestDatabase;
beforeAll(async () => {
  t = await freshDatabase();
  await setSetting('index_base_year', 1404);
  clearSettingsCache();
});
afterAll(() => t.close());

const day = (s: string) => startOfJalaliDay(parseJalaliDate(s)!);
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const run = (at: string) => runNightly(t.knex, { at: day(at), now: day(at), log: silent });
const jobsOf = (period: string) => t.knex('stats_jobs').where({ kind: 'index', period }).orderBy('id').select('id', 'state', 'created_by');
const REPORT = JSON.stringify({ respondents: 3, imputedUnits: 0, unweighted: [], uncovered: [], uncoveredShare: 0, seconds: { base: 0, panel: 0, store: 0 } });

describe('the nightly job and the index', () => {
  it('queues nothing while the office has never computed the index', async () => {
    expect((await run('1405-02-19')).indexQueued).toEqual([]);
    expect(await t.knex('stats_jobs').where({ kind: 'index' }).count('* as n').first()).toMatchObject({ n: 0 });
  });

  it('with the shipped settings the flash of a month is due at T+10: ten days after its end', async () => {
    for (const period of ['1405-01', '1405-07', '1405-12']) {
      const end = startOfPeriod(addMonths(period, 1)).getTime();
      expect((await firstComputationAt(period, t.knex)).getTime() - end).toBe(10 * DAY_MS - 1);
    }
  });

  it('queues the flash of Farvardin 1405 only after T+10, once, then T+30 and T+60, each once', async () => {
    // The office computed an earlier month once by hand: from now on the nightly job takes over.
    await t.knex('index_computations').insert({ period: '1404-09', base_year: 1404, cut_off: day('1404-10-18'), computed_at: day('1404-10-18'), first: true, report: REPORT });
    // T+10 is the end of 1405-02-10 (deadline the 8th + 2 days): the night of the 10th is too early.
    expect((await run('1405-02-10')).indexQueued).not.toContain('1405-01 flash');
    expect(await jobsOf('1405-01')).toHaveLength(0);
    const flash = await run('1405-02-11');
    expect(flash.indexQueued).toContain('1405-01 flash');
    expect(await jobsOf('1405-01')).toEqual([expect.objectContaining({ state: 'queued', created_by: null })]);
    // Idempotent: the job is still open.
    expect((await run('1405-02-11')).indexQueued).not.toContain('1405-01 flash');
    expect(await jobsOf('1405-01')).toHaveLength(1);

    // The worker made the flash computation on 1405-02-11 (written here as it would have).
    const [job] = await jobsOf('1405-01');
    const [flashRow] = await t.knex('index_computations').insert({ period: '1405-01', base_year: 1404, cut_off: day('1405-02-11'), computed_at: day('1405-02-11'), first: true, report: REPORT }).returning('id');
    await t.knex('stats_jobs').where({ id: job.id }).update({ state: 'done', finished_at: day('1405-02-11'), computation_id: flashRow.id });
    expect((await run('1405-02-28')).indexQueued.filter((q) => q.startsWith('1405-01'))).toEqual([]);
    // T is the end of Farvardin (1405-02-01 00:00); T+30 is 1405-02-31.
    expect((await run('1405-02-30')).indexQueued.filter((q) => q.startsWith('1405-01'))).toEqual([]);
    expect((await run('1405-02-31')).indexQueued).toContain('1405-01 T+30');
    const open = (await jobsOf('1405-01')).at(-1)!;
    const [t30] = await t.knex('index_computations').insert({ period: '1405-01', base_year: 1404, cut_off: day('1405-02-31'), computed_at: day('1405-02-31'), first: false, report: REPORT }).returning('id');
    await t.knex('stats_jobs').where({ id: open.id }).update({ state: 'done', finished_at: day('1405-02-31'), computation_id: t30.id });
    expect((await run('1405-03-10')).indexQueued.filter((q) => q.startsWith('1405-01'))).toEqual([]);
    // T+60 is 1405-03-30 (Ordibehesht 31 days, Khordad 31).
    expect((await run('1405-03-30')).indexQueued).toContain('1405-01 T+60');
    expect(await jobsOf('1405-01')).toHaveLength(3);
  });
});

describe('revision analysis of the flash estimate', () => {
  it('MR and MAR of flash against latest monthly growth, by hand', () => {
    const s = revisionStats([
      { period: '1404-01', flash: 102, latest: 103, previous: 100 }, // +2 % → +3 %: revision +1 point
      { period: '1404-02', flash: 99, latest: 98, previous: 100 }, // −1 % → −2 %: −1 point
      { period: '1404-03', flash: 105, latest: 105, previous: 105 }, // unchanged
    ]);
    expect(s.n).toBe(3);
    expect(s.mr).toBeCloseTo(0, 12);
    expect(s.mar).toBeCloseTo(0.02 / 3, 12);
    expect(s.points[0].revision).toBeCloseTo(0.01, 12);
    expect(revisionStats([])).toEqual({ points: [], n: 0, mr: null, mar: null });
  });

  it('reads released computations only: an unreleased revision does not count, a suppressed value leaves its month out', async () => {
    const comp = async (period: string, first: boolean, value: number, release: boolean, suppressed = false) => {
      const [c] = await t.knex('index_computations').insert({ period, base_year: 1404, cut_off: new Date(), computed_at: new Date(), first, report: REPORT }).returning('id');
      await t.knex('index_cells').insert({ computation_id: c.id, node: 'T', level: 'total', value, imputed_share: 0, weight_share: 1, contributors: 3, suppressed });
      if (release) await t.knex('index_publications').insert({ computation_id: c.id, period });
    };
    await comp('1403-01', true, 100, true);
    await comp('1403-02', true, 104, true);
    await comp('1403-02', false, 106, true); // +4 % → +6 %
    await comp('1403-03', true, 100, true);
    await comp('1403-03', false, 90, false); // not released: no revision of 1403-03 yet
    await comp('1403-04', true, 50, true, true);
    await comp('1403-04', false, 60, true, true);
    const s = await revisionAnalysis('1403-04', 'T', 4, t.knex);
    expect(s.points.map((p) => p.period)).toEqual(['1403-02']);
    expect(s.mr).toBeCloseTo(0.02, 12);
    expect(s.mar).toBeCloseTo(0.02, 12);
  });
});
