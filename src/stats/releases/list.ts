import type { Knex } from 'knex';
import { db } from '../../db.ts';
import { addMonths, deadlineOf, periodOf, periodRange, type Rules } from '../../calendar.ts';
import { persianDigits } from '../../text.ts';
import { parseReferencePeriod, referencePeriodLabel, type ReferencePeriod, type ReleaseKind } from './period.ts';
import type { ReleaseRow } from './types.ts';
import { visibleRelease, releasePublicFromSql, PUBLIC, type Viewer } from '../../dissemination/embargo.ts';

// What the statistics office sees of its releases: the list with each one's protection report,
// and the release calendar (which periods of the grid are due, which are out).

/** A period code of the grid in words (بهار ۱۴۰۴); the code itself if it is not one. */
export function periodName(code: string): string {
  const p = parseReferencePeriod(code);
  return p ? referencePeriodLabel(p) : code;
}

export interface ReleaseListRow extends ReleaseRow { created_by_name: string | null; public_from: Date }

export async function listReleases(k: Knex = db(), viewer: Viewer = PUBLIC): Promise<ReleaseListRow[]> {
  return k('releases as r')
    .leftJoin('users as u', 'u.id', 'r.created_by')
    .where(visibleRelease(viewer, 'r'))
    .select('r.*', 'u.full_name as created_by_name', k.raw(`${releasePublicFromSql('r')} as public_from`))
    .orderBy([{ column: 'r.created_at', order: 'desc' }, { column: 'r.id', order: 'desc' }])
    .limit(500);
}

export interface CalendarEntry {
  code: string;
  label: string;
  kind: ReleaseKind;
  due: boolean; // the filing deadline of its last month has passed
  final: ReleaseRow | null; // its latest final release
  preliminary: ReleaseRow | null; // its latest preliminary release
}

export interface CalendarYear { year: number; months: (CalendarEntry | null)[]; quarters: (CalendarEntry | null)[]; whole: CalendarEntry }

/** A period of the grid is due once the filing deadline of its last month has passed. */
export function isDue(p: ReferencePeriod, at: Date, rules: Rules): boolean {
  return deadlineOf(p.months[p.months.length - 1], rules) < at;
}

/**
 * The last 24 months before the current one, their quarters and years: for each, whether it is
 * due and its latest releases. Months outside the window are null in their year's row.
 */
export function releaseCalendar(at: Date, rules: Rules, releases: readonly ReleaseRow[]): CalendarYear[] {
  const current = periodOf(at);
  const window = periodRange(addMonths(current, -24), addMonths(current, -1));
  const latest = new Map<string, ReleaseRow>();
  for (const r of releases) {
    const key = `${r.period}|${r.preliminary}`;
    const seen = latest.get(key);
    if (!seen || seen.revision < r.revision) latest.set(key, r);
  }
  const entry = (code: string): CalendarEntry => {
    const p = parseReferencePeriod(code)!;
    return { code, label: referencePeriodLabel(p), kind: p.kind, due: isDue(p, at, rules), final: latest.get(`${code}|false`) ?? null, preliminary: latest.get(`${code}|true`) ?? null };
  };
  const years = [...new Set(window.map((m) => Number(m.slice(0, 4))))].sort((a, b) => b - a);
  return years.map((year) => {
    const inWindow = (m: string) => window.includes(m);
    const months = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`).map((m) => (inWindow(m) ? entry(m) : null));
    const quarters = [1, 2, 3, 4].map((q) => {
      const p = parseReferencePeriod(`${year}-Q${q}`)!;
      return p.months.some(inWindow) ? entry(p.code) : null;
    });
    return { year, months, quarters, whole: entry(String(year)) };
  });
}

export interface PeriodOption { code: string; label: string; released: boolean; due: boolean }
export interface PeriodGroup { year: number; label: string; options: PeriodOption[] }

/** The period selects: per year (newest first) the year, its quarters and months. */
export function periodOptions(years: readonly number[], releases: readonly ReleaseRow[], at: Date, rules: Rules): PeriodGroup[] {
  const released = new Set(releases.map((r) => r.period));
  const all = [...new Set([...years, ...releases.map((r) => Number(r.period.slice(0, 4)))])].sort((a, b) => b - a);
  return all.map((year) => {
    const codes = [String(year), ...[1, 2, 3, 4].map((q) => `${year}-Q${q}`), ...Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}`)];
    return {
      year,
      label: `سال ${persianDigits(year)}`,
      options: codes.map((code) => {
        const p = parseReferencePeriod(code)!;
        return { code, label: referencePeriodLabel(p), released: released.has(code), due: isDue(p, at, rules) };
      }),
    };
  });
}
