import type { Knex } from 'knex';
import { db, num } from '../db.ts';
import { type Period, type Rules, latestDuePeriod, splitPeriod, periodOfParts, maxPeriod } from '../calendar.ts';
import { normalizeIdentifier, normalizeText, latinDigits } from '../text.ts';
import { filingRecords, eligibilityVerdict, filingRecordOf, type FilingRecord, type Verdict } from './record.ts';
import { refreshYearRecords } from './year-records.ts';
import { unitRows, type UnitRow } from '../units/row.ts';

// DESIGN §4 as the officer and the unit see it: verdict, missing periods, completeness and
// timeliness — all from filingRecords/eligibilityVerdict (record.ts), never re-derived here.

export interface Standing { unit: UnitRow; record: FilingRecord; verdict: Verdict }

/** Each unit's standing at `at`: its filing record since its obligation start and the verdict. */
export async function standings(units: UnitRow[], at: Date, rules: Rules, k: Knex = db()): Promise<Standing[]> {
  if (units.length === 0) return [];
  const from = units.reduce((m, u) => (u.obligation_start < m ? u.obligation_start : m), units[0].obligation_start);
  const records = await filingRecords({ at, rules, from, unitIds: units.map((u) => u.id) }, k);
  const byId = new Map(records.map((r) => [r.unit_id, r]));
  return units.flatMap((unit) => {
    const record = byId.get(unit.id);
    return record ? [{ unit, record, verdict: eligibilityVerdict(unit.status, record) }] : [];
  });
}

/** Approved units of a province whose legal entity's national identifier or licence number is `q`. */
export async function findProvinceUnits(province: string, q: string, k: Knex = db()): Promise<UnitRow[]> {
  const id = normalizeIdentifier(q);
  // Licence numbers mix letters, digits and dashes (`L-۱۰۰۱`): compare with Latin digits, dashes kept.
  const licence = latinDigits(normalizeText(q));
  return unitRows(k)
    .where('u.province_code', province)
    .where('u.registration', 'approved')
    .where((w) => w.where('le.national_id', id).orWhereRaw('lower(u.licence_no) = lower(?)', [licence]).orWhereRaw('lower(u.licence_no) = lower(?)', [id]))
    .orderBy('u.id')
    .limit(50);
}

export async function findUnit(id: number, scope: { province?: string; unitIds?: number[] }, k: Knex = db()): Promise<UnitRow | undefined> {
  // Ids are PostgreSQL integers: a larger number is no unit (not a database error).
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return undefined;
  const q = unitRows(k).where('u.id', id).where('u.registration', 'approved');
  if (scope.province) q.where('u.province_code', scope.province);
  if (scope.unitIds) q.whereIn('u.id', scope.unitIds);
  return q.first();
}

/**
 * DESIGN §4 priority: completeness since the start of the current Jalali year (or the
 * obligation start if later), then timeliness. "Current year" is the year of the latest due
 * period, so that in Farvardin — when nothing of the new year is due yet — the ranking still
 * reflects the year just closed instead of ranking everyone equal.
 */
export function priorityYearStart(at: Date, rules: Rules): Period {
  return periodOfParts(splitPeriod(latestDuePeriod(at, rules)).jy, 1);
}

export interface PriorityRow extends Standing { rank: number; from: Period; yearRecord: FilingRecord }

export interface PriorityPage { from: Period; rows: PriorityRow[]; page: number; pages: number; total: number; all: number }

/**
 * One page of the province's priority list matching `q` (part of the name as normalizeText writes
 * it, or the start of the national id in any digits). Issue 23: the whole province is ranked in
 * SQL — completeness this year, then timeliness, equal pairs sharing a rank, names in Persian
 * order — searched, counted and cut to the page there; only the page's units leave the database
 * and only they get their standing since their obligation start. Past the last page: the last page.
 */
export async function priorityPage(province: string, at: Date, rules: Rules, opts: { q: string; page: number; size: number }, k: Knex = db()): Promise<PriorityPage> {
  const from = priorityYearStart(at, rules);
  const digits = latinDigits(opts.q);
  // Each unit's record of this year is read from its cache, made fresh for `at` first (year-records.ts).
  await refreshYearRecords(k, { year: Number(from.slice(0, 4)), at, rules, provinceCode: province });
  const { rows } = await k.raw(
    `with base as (
         select y.unit_id, le.name, le.national_id, y.due, y.filed, y.on_time, y.missing_periods,
                case when y.due = 0 then 1::float8 else y.filed::float8 / y.due end as completeness,
                case when y.due = 0 then 1::float8 else y.on_time::float8 / y.due end as timeliness
           from unit_year_records y join units u on u.id = y.unit_id join legal_entities le on le.id = u.legal_entity_id
          where y.province_code = :province and y.year = :year),
       ranked as materialized (
         select b.*, rank() over (order by b.completeness desc, b.timeliness desc) as rank,
                row_number() over (order by b.completeness desc, b.timeliness desc, b.name collate fa, b.unit_id) as pos
           from base b),
       found as (select r.*, row_number() over (order by r.pos) as fpos from ranked r
                  where :q = '' or strpos(r.name, :q) > 0 or (:digits ~ '^[0-9]+$' and r.national_id like :digits || '%')),
       counts as (select (select count(*) from found)::int as total, (select count(*) from ranked)::int as all_count),
       bounds as (select c.*, greatest(1, least(:page, ceil(c.total::numeric / :size)::int)) as page from counts c)
     select b.total, b.all_count, b.page as shown_page, f.*
       from bounds b left join found f on f.fpos > (b.page - 1) * :size and f.fpos <= b.page * :size
      order by f.fpos`,
    { province, year: Number(from.slice(0, 4)), q: opts.q, digits, page: opts.page, size: opts.size },
  );
  const list = rows as Record<string, unknown>[];
  const head = list[0]!;
  const shown = list.filter((r) => r.unit_id !== null);
  const units: UnitRow[] = shown.length ? await unitRows(k).whereIn('u.id', shown.map((r) => Number(r.unit_id))) : [];
  const byId = new Map((await standings(units, at, rules, k)).map((s) => [s.unit.id, s]));
  const total = num(head.total);
  return {
    from,
    rows: shown.flatMap((r) => {
      const s = byId.get(Number(r.unit_id));
      return s ? [{ ...s, rank: num(r.rank), yearRecord: filingRecordOf(r), from: maxPeriod(from, s.unit.obligation_start) }] : [];
    }),
    page: num(head.shown_page), pages: Math.max(1, Math.ceil(total / opts.size)), total, all: num(head.all_count),
  };
}
