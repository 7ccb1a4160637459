import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { type Period, type Rules, latestDuePeriod, periodRange } from '../calendar.ts';
import { CALENDAR, RECORDS, judgedPeriods, unitFilings, calendarBindings, submittedBy } from './record.ts';

// Issue 23: each unit's filing record of a Jalali year kept in `unit_year_records` (migration 250)
// so that a province's ranking (the priority list, the candidates for nomination) reads a page of
// rows instead of judging every unit-period of the province for each request.
//
// The table is a cache of record.ts's rule, never a second copy of it: its rows are written only
// by refreshYearRecords() below, with judgedPeriods/RECORDS (DESIGN §4) and QUALITY (DESIGN §8).
// A row serves a request at T only if it is fresh for T (see `stale`); the triggers of migration
// 250 mark rows dirty in the transaction of any write that changes what they read, and every
// reader refreshes the stale rows of its scope first. test/year-records.test.ts checks, after
// submissions, reviews, imports, direct writes and the nightly job, that every row equals the
// rule's own computation.

/** The due periods of `year` at `at`: from its first month to its last, or to the latest due period if earlier. */
export function yearCalendar(year: number, at: Date, rules: Rules): Period[] {
  const last = latestDuePeriod(at, rules);
  const to = `${year}-12` < last ? `${year}-12` : last;
  return periodRange(`${year}-01`, to);
}

/**
 * The CTE `quality (unit_id, submitted, clean)` over `uf`: per unit, its filings submitted by
 * `:at` and those of them verified without ever being returned (DESIGN §8's quality).
 */
export const QUALITY = `quality as (
      select uf.unit_id, count(*)::int as submitted,
             count(*) filter (where uf.state = 'verified'
                                and not exists (select 1 from filing_reviews r where r.filing_id = uf.id and r.action = 'return'))::int as clean
        from uf where ${submittedBy('uf')}
       group by uf.unit_id)`;

/** SQL: the row `r` of unit_year_records cannot serve a request at `:at` over the calendar `:cal_key`. */
const stale = (r: string) =>
  `(${r}.dirty or ${r}.cal_key <> :cal_key or ${r}.judged_at > :at or (${r}.valid_until is not null and ${r}.valid_until <= :at))`;

export interface YearScope { year: number; at: Date; rules: Rules; provinceCode?: string; unitIds?: number[] }

function bindingsOf(s: YearScope) {
  const cal = calendarBindings(yearCalendar(s.year, s.at, s.rules), s.rules);
  return { ...cal, cal_key: crypto.createHash('sha1').update(cal.cal).digest('base64url'), at: s.at, year: s.year, uf_from: `${s.year}-01`, uf_to: `${s.year}-12` };
}

function scopeSql(s: YearScope, u = 'u'): string {
  const parts: string[] = [];
  if (s.provinceCode !== undefined) parts.push(`${u}.province_code = :province`);
  if (s.unitIds !== undefined) parts.push(`${u}.${u === 'u' ? 'id' : 'unit_id'} = any(:ids)`);
  return parts.length ? parts.join(' and ') : 'true';
}

/**
 * Makes every row of the scope (a province, some units, or all) fresh for `at`: the approved units
 * of the scope without a fresh row are judged again by the rule, in one statement, and rows of
 * units that left the scope's province or approval are removed. Returns how many units were judged.
 */
export async function refreshYearRecords(k: Knex, s: YearScope): Promise<number> {
  const b = { ...bindingsOf(s), province: s.provinceCode ?? null, ids: s.unitIds ?? [] };
  // The units to judge: approved ones of the scope whose row is missing or stale, and the stale
  // rows of the scope (a unit moved away or no longer approved: judged to nothing, so removed).
  const { rows } = await k.raw(
    `select u.id as unit_id from units u left join unit_year_records r on r.unit_id = u.id and r.year = :year
      where u.registration = 'approved' and ${scopeSql(s)} and (r.unit_id is null or ${stale('r')})
     union
     select r.unit_id from unit_year_records r where r.year = :year and ${scopeSql(s, 'r')} and ${stale('r')}`,
    b,
  );
  const ids = (rows as { unit_id: number }[]).map((r) => Number(r.unit_id));
  if (ids.length === 0) return 0;
  const units = "u.id = any(:judge) and u.registration = 'approved'";
  // Its estimates (a JSON calendar) look large: JIT compiling it cost more than running it (14 s of
  // 22 for a province at national size). Only inside a transaction (a page's, the nightly job's).
  if (k.isTransaction) await k.raw('set local jit = off');
  await k.raw(
    `with ${CALENDAR}, ${unitFilings(units)}, ${judgedPeriods('u.id = any(:judge)', { filings: 'uf' })}, ${RECORDS}, ${QUALITY},
       -- The unit's first submission after the instant judged, when the row stops being valid (grouped: a subquery per unit scanned all of uf).
       later as (select uf.unit_id, min(uf.first_submitted_at) as valid_until from uf where uf.first_submitted_at > :at group by uf.unit_id),
       fresh as (
         select u.id as unit_id, u.province_code, coalesce(rec.due, 0) as due, coalesce(rec.filed, 0) as filed,
                coalesce(rec.on_time, 0) as on_time, coalesce(rec.missing_periods, '{}') as missing_periods,
                coalesce(q.submitted, 0) as submitted, coalesce(q.clean, 0) as clean,
                later.valid_until,
                coalesce((select y.touched from unit_year_records y where y.unit_id = u.id and y.year = :year), 0) as touched
           from units u left join rec on rec.unit_id = u.id left join quality q on q.unit_id = u.id left join later on later.unit_id = u.id
          where ${units}),
       gone as (
         delete from unit_year_records y where y.year = :year and y.unit_id = any(:judge)
            and not exists (select 1 from fresh where fresh.unit_id = y.unit_id))
     insert into unit_year_records (unit_id, year, province_code, due, filed, on_time, missing_periods, submitted, clean, cal_key, judged_at, valid_until, dirty, touched)
     select unit_id, :year, province_code, due, filed, on_time, missing_periods, submitted, clean, :cal_key, :at, valid_until, false, touched from fresh order by unit_id
     on conflict (unit_id, year) do update set
       province_code = excluded.province_code, due = excluded.due, filed = excluded.filed, on_time = excluded.on_time,
       missing_periods = excluded.missing_periods, submitted = excluded.submitted, clean = excluded.clean,
       cal_key = excluded.cal_key, judged_at = excluded.judged_at, valid_until = excluded.valid_until, dirty = false
     -- A write committed since this statement's snapshot (a trigger counted it): the row stays stale.
     where unit_year_records.touched = excluded.touched`,
    { ...b, judge: ids },
  );
  return ids.length;
}

/**
 * The nightly job's part (DESIGN §11): after a deadline every row of the year is stale; judging
 * them at night keeps the first officer of the morning from paying for the whole province. The
 * years kept are those already in the table, and the year of the latest due period.
 */
export async function refreshAllYearRecords(k: Knex, at: Date, rules: Rules): Promise<number> {
  const current = Number(latestDuePeriod(at, rules).slice(0, 4));
  const kept = (await k('unit_year_records').distinct('year')).map((r: { year: number }) => Number(r.year));
  let judged = 0;
  for (const year of [...new Set([current, ...kept])].sort()) judged += await refreshYearRecords(k, { year, at, rules });
  return judged;
}
