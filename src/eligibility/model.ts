import type { Knex } from 'knex';
import { db } from '../db.ts';
import { type Period, type Rules, latestDuePeriod, splitPeriod, periodOfParts, maxPeriod } from '../calendar.ts';
import { normalizeIdentifier, normalizeText, latinDigits, compareFa } from '../text.ts';
import { filingRecords, eligibilityVerdict, type FilingRecord, type Verdict } from './record.ts';
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

export async function priorityList(province: string, at: Date, rules: Rules, k: Knex = db()): Promise<{ from: Period; rows: PriorityRow[] }> {
  const from = priorityYearStart(at, rules);
  const units: UnitRow[] = await unitRows(k).where('u.province_code', province).where('u.registration', 'approved');
  const [yearRecords, allStandings] = await Promise.all([
    filingRecords({ at, rules, from, provinceCode: province }, k),
    standings(units, at, rules, k),
  ]);
  const year = new Map(yearRecords.map((r) => [r.unit_id, r]));
  const rows = allStandings
    .map((s) => ({ ...s, yearRecord: year.get(s.unit.id)!, from: maxPeriod(from, s.unit.obligation_start) }))
    .filter((s) => s.yearRecord)
    .sort((a, b) => b.yearRecord.completeness - a.yearRecord.completeness || b.yearRecord.timeliness - a.yearRecord.timeliness || compareFa(a.unit.name, b.unit.name));
  let rank = 0;
  let prev: string | null = null;
  const ranked = rows.map((r, i) => {
    const key = `${r.yearRecord.completeness}|${r.yearRecord.timeliness}`;
    if (key !== prev) rank = i + 1;
    prev = key;
    return { ...r, rank };
  });
  return { from, rows: ranked };
}
