import * as jalaali from 'jalaali-js';
import { persianDigits } from './text.ts';

// The only importer of jalaali-js. Periods are Jalali months written `YYYY-MM`; instants are
// JS Dates; all day boundaries are Asia/Tehran.

export type Period = string;
export interface JalaliDate { jy: number; jm: number; jd: number }

export const TEHRAN = 'Asia/Tehran';
export const MONTH_NAMES = ['فروردین', 'اردیبهشت', 'خرداد', 'تیر', 'مرداد', 'شهریور', 'مهر', 'آبان', 'آذر', 'دی', 'بهمن', 'اسفند'] as const;

const PERIOD_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriod(s: unknown): s is Period {
  return typeof s === 'string' && PERIOD_RE.test(s);
}

export function periodOfParts(jy: number, jm: number): Period {
  return `${String(jy).padStart(4, '0')}-${String(jm).padStart(2, '0')}`;
}

export function splitPeriod(p: Period): { jy: number; jm: number } {
  if (!PERIOD_RE.test(p)) throw new Error(`not a period: ${p}`);
  return { jy: Number(p.slice(0, 4)), jm: Number(p.slice(5, 7)) };
}

export function addMonths(p: Period, n: number): Period {
  const { jy, jm } = splitPeriod(p);
  const index = jy * 12 + (jm - 1) + n;
  return periodOfParts(Math.floor(index / 12), (index % 12) + 1);
}

export const nextPeriod = (p: Period): Period => addMonths(p, 1);
export const previousPeriod = (p: Period): Period => addMonths(p, -1);

/** Number of months from a to b (b − a). */
export function monthsBetween(a: Period, b: Period): number {
  const x = splitPeriod(a);
  const y = splitPeriod(b);
  return (y.jy * 12 + y.jm) - (x.jy * 12 + x.jm);
}

/** Every period from `from` to `to`, both included (empty when from > to). */
export function periodRange(from: Period, to: Period): Period[] {
  const out: Period[] = [];
  for (let p = from; p <= to; p = nextPeriod(p)) out.push(p);
  return out;
}

export const maxPeriod = (a: Period, b: Period): Period => (a > b ? a : b);

export function isLeapJalaliYear(jy: number): boolean {
  return jalaali.isLeapJalaaliYear(jy);
}

export function monthLength(jy: number, jm: number): number {
  return jalaali.jalaaliMonthLength(jy, jm);
}

export function isValidJalaliDate(d: JalaliDate): boolean {
  return Number.isInteger(d.jy) && Number.isInteger(d.jm) && Number.isInteger(d.jd) && d.jy >= 1300 && d.jy <= 1500 && jalaali.isValidJalaaliDate(d.jy, d.jm, d.jd);
}

/** `1404-02-15` or `1404/2/15` (Latin digits) → a valid Jalali date, or null. */
export function parseJalaliDate(s: string): JalaliDate | null {
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(s.trim());
  if (!m) return null;
  const d = { jy: Number(m[1]), jm: Number(m[2]), jd: Number(m[3]) };
  return isValidJalaliDate(d) ? d : null;
}

export function formatJalaliDate(d: JalaliDate, sep = '-'): string {
  return `${d.jy}${sep}${String(d.jm).padStart(2, '0')}${sep}${String(d.jd).padStart(2, '0')}`;
}

export function jalaliToGregorianIso(d: JalaliDate): string {
  const g = jalaali.toGregorian(d.jy, d.jm, d.jd);
  return `${g.gy}-${String(g.gm).padStart(2, '0')}-${String(g.gd).padStart(2, '0')}`;
}

export function gregorianIsoToJalali(iso: string | Date): JalaliDate {
  const s = typeof iso === 'string' ? iso : iso.toISOString();
  const [gy, gm, gd] = s.slice(0, 10).split('-').map(Number);
  return jalaali.toJalaali(gy, gm, gd);
}

const tehranFormatter = new Intl.DateTimeFormat('en-US', {
  timeZone: TEHRAN, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

interface WallClock { gy: number; gm: number; gd: number; h: number; mi: number; s: number }

// Intl's formatToParts is slow, and every submission time on a page is a different instant.
// Tehran's offset is asked of Intl at both ends of each UTC day; where they agree (every day but
// a clock change's) the wall clock is plain arithmetic from that offset, and a day with a clock
// change is asked of Intl instant by instant.
const DAY = 86_400_000;
const dayOffsets = new Map<number, number>();

function offsetByIntl(at: Date): number {
  const parts: Record<string, number> = {};
  for (const p of tehranFormatter.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

function tehranWallClock(at: Date): WallClock {
  const t = at.getTime();
  const day = Math.floor(t / DAY);
  let offset = dayOffsets.get(day);
  if (offset === undefined) {
    const first = offsetByIntl(new Date(day * DAY));
    offset = first === offsetByIntl(new Date((day + 1) * DAY - 1000)) ? first : NaN;
    if (dayOffsets.size >= 50_000) dayOffsets.clear();
    dayOffsets.set(day, offset);
  }
  if (Number.isNaN(offset)) offset = offsetByIntl(at);
  const wall = new Date(Math.floor(t / 1000) * 1000 + offset);
  return { gy: wall.getUTCFullYear(), gm: wall.getUTCMonth() + 1, gd: wall.getUTCDate(), h: wall.getUTCHours(), mi: wall.getUTCMinutes(), s: wall.getUTCSeconds() };
}

/** Tehran's offset from UTC at an instant, in ms (3.5 h now; 4.5 h in summers before 2022). */
function tehranOffset(at: Date): number {
  const w = tehranWallClock(at);
  const asUtc = Date.UTC(w.gy, w.gm - 1, w.gd, w.h, w.mi, w.s);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

// Day starts are asked for over and over (every deadline of every period on every page) and
// Intl's formatToParts is slow; a day's start never changes while the process runs.
const dayStarts = new Map<string, number>();

/** The instant at which the given Jalali day begins in Tehran. */
export function startOfJalaliDay(d: JalaliDate): Date {
  const key = `${d.jy}-${d.jm}-${d.jd}`;
  const known = dayStarts.get(key);
  if (known !== undefined) return new Date(known);
  const g = jalaali.toGregorian(d.jy, d.jm, d.jd);
  const wall = Date.UTC(g.gy, g.gm - 1, g.gd);
  let guess = wall - 3.5 * 3600_000;
  for (let i = 0; i < 2; i++) guess = wall - tehranOffset(new Date(guess));
  if (dayStarts.size >= 20_000) dayStarts.clear();
  dayStarts.set(key, guess);
  return new Date(guess);
}

/** The Jalali date of an instant, in Tehran. */
export function jalaliDateOf(at: Date): JalaliDate {
  const w = tehranWallClock(at);
  return jalaali.toJalaali(w.gy, w.gm, w.gd);
}

export function tehranTimeOf(at: Date): { h: number; mi: number; s: number } {
  const w = tehranWallClock(at);
  return { h: w.h, mi: w.mi, s: w.s };
}

/** The period containing an instant, in Tehran. */
export function periodOf(at: Date): Period {
  const d = jalaliDateOf(at);
  return periodOfParts(d.jy, d.jm);
}

export function startOfPeriod(p: Period): Date {
  const { jy, jm } = splitPeriod(p);
  return startOfJalaliDay({ jy, jm, jd: 1 });
}

/** A setting whose value changes from a given period on; never rewrites earlier periods. */
export interface RuleStep { from: Period; value: number }
export interface Rules {
  deadlineDay: readonly RuleStep[];
  inactivityMonths: readonly RuleStep[];
}

export const DEFAULT_RULES: Rules = {
  deadlineDay: [{ from: '0001-01', value: 8 }],
  inactivityMonths: [{ from: '0001-01', value: 3 }],
};

export function ruleFor(steps: readonly RuleStep[], p: Period): number {
  let value: number | undefined;
  let best = '';
  for (const s of steps) if (s.from <= p && s.from >= best) { best = s.from; value = s.value; }
  if (value === undefined) throw new Error(`no rule in force for ${p}`);
  return value;
}

// Every page shows the deadlines of a unit's periods, and each is asked for several times (row,
// timeliness, record): kept per deadline rule in force (the settings give a new rule object when
// they change) and per period.
const deadlines = new WeakMap<readonly RuleStep[], Map<Period, number>>();

/** The last instant (…23:59:59.999 Tehran) on which the filing for `p` is on time. */
export function deadlineOf(p: Period, rules: Rules = DEFAULT_RULES): Date {
  let known = deadlines.get(rules.deadlineDay);
  if (!known) deadlines.set(rules.deadlineDay, known = new Map());
  let t = known.get(p);
  if (t === undefined) {
    t = computeDeadline(p, rules);
    if (known.size >= 10_000) known.clear();
    known.set(p, t);
  }
  return new Date(t);
}

function computeDeadline(p: Period, rules: Rules): number {
  const day = ruleFor(rules.deadlineDay, p);
  const { jy, jm } = splitPeriod(nextPeriod(p));
  const lastDay = Math.min(day, monthLength(jy, jm));
  const end = lastDay === monthLength(jy, jm)
    ? startOfPeriod(addMonths(p, 2))
    : startOfJalaliDay({ jy, jm, jd: lastDay + 1 });
  return end.getTime() - 1;
}

/** The Jalali day on which the deadline of `p` falls. */
export function deadlineDayOf(p: Period, rules: Rules = DEFAULT_RULES): JalaliDate {
  return jalaliDateOf(deadlineOf(p, rules));
}

export interface ObligationSettings { systemStart: Period; legacyStart: Period }

/**
 * DESIGN §4: the month containing licence issue + 3 Jalali months; previously announced units
 * start at the legacy start; never earlier than the system start.
 */
export function obligationStart(licenceIssuedOn: JalaliDate, previouslyAnnounced: boolean, s: ObligationSettings): Period {
  const own = previouslyAnnounced ? s.legacyStart : addMonths(periodOfParts(licenceIssuedOn.jy, licenceIssuedOn.jm), 3);
  return maxPeriod(own, s.systemStart);
}

/** The latest period whose deadline has passed at `at` (periods are global, so this is too). */
export function latestDuePeriod(at: Date, rules: Rules = DEFAULT_RULES): Period {
  let p = previousPeriod(periodOf(at));
  while (deadlineOf(p, rules) >= at) p = previousPeriod(p);
  return p;
}

/** The periods a unit with this obligation start must have filed by `at`. */
export function duePeriods(start: Period, at: Date, rules: Rules = DEFAULT_RULES): Period[] {
  return periodRange(start, latestDuePeriod(at, rules));
}

/** The current filing period at `at`: the earliest period whose deadline has not yet passed. */
export function currentFilingPeriod(at: Date, rules: Rules = DEFAULT_RULES): Period {
  return nextPeriod(latestDuePeriod(at, rules));
}

/** A due period's class (DESIGN §4); the SQL twin is record.ts's timelinessClass. */
export type Timeliness = 'on_time' | 'late' | 'missing';

/** DESIGN §4: judged by the first submission; a submission after `at` does not count yet. */
export function classify(p: Period, firstSubmittedAt: Date | null, at: Date = new Date(), rules: Rules = DEFAULT_RULES): Timeliness {
  if (!firstSubmittedAt || firstSubmittedAt > at) return 'missing';
  return firstSubmittedAt <= deadlineOf(p, rules) ? 'on_time' : 'late';
}

/** DESIGN §4: the N most recent due periods (N in force for the latest) all missing. */
export function inactivityWindow(at: Date, rules: Rules = DEFAULT_RULES): { from: Period; to: Period; months: number } {
  const to = latestDuePeriod(at, rules);
  const months = ruleFor(rules.inactivityMonths, to);
  return { from: addMonths(to, -(months - 1)), to, months };
}

export function periodLabelParts(p: Period): { month: string; year: number } {
  const { jy, jm } = splitPeriod(p);
  return { month: MONTH_NAMES[jm - 1], year: jy };
}

// Dates and periods as people read them: Persian digits, Tehran's calendar day.

const pad2 = (n: number) => String(n).padStart(2, '0');

/** A Jalali date in Persian digits: ۱۴۰۴/۰۸/۰۸ */
export function jalaliDateText(d: JalaliDate): string {
  return persianDigits(`${d.jy}/${pad2(d.jm)}/${pad2(d.jd)}`);
}

/** An instant as a Tehran Jalali date: ۱۴۰۴/۰۸/۰۸ */
export function jdate(at: Date | string | null | undefined): string {
  if (!at) return '—';
  return jalaliDateText(jalaliDateOf(new Date(at)));
}

/** An instant's Tehran Jalali date and time in Latin digits: { date: '1404/08/08', time: '14:05' } (files read by machines). */
export function jalaliStamp(at: Date): { date: string; time: string } {
  const d = jalaliDateOf(at);
  const t = tehranTimeOf(at);
  return { date: `${d.jy}/${pad2(d.jm)}/${pad2(d.jd)}`, time: `${pad2(t.h)}:${pad2(t.mi)}` };
}

/** An instant as Tehran Jalali date and time: ۱۴۰۴/۰۸/۰۸ ساعت ۱۴:۰۵ */
export function jdatetime(at: Date | string | null | undefined): string {
  if (!at) return '—';
  const { date, time } = jalaliStamp(new Date(at));
  return `${persianDigits(date)} ساعت ${persianDigits(time)}`;
}

/** 1404-07 → مهر ۱۴۰۴ */
export function periodLabel(p: Period): string {
  const { month, year } = periodLabelParts(p);
  return `${month} ${persianDigits(year)}`;
}

/** A Jalali day in words: ۸ آبان ۱۴۰۴ */
export function dayLabel(d: JalaliDate): string {
  return `${persianDigits(d.jd)} ${MONTH_NAMES[d.jm - 1]} ${persianDigits(d.jy)}`;
}

/** The months from `from` to `to` grouped by year, for a Jalali month picker (partials/period-select). */
export function periodChoices(from: Period, to: Period): { year: string; options: { code: Period; label: string }[] }[] {
  const years: { year: string; options: { code: Period; label: string }[] }[] = [];
  for (let p = from; p <= to; p = addMonths(p, 1)) {
    const y = p.slice(0, 4);
    if (years.at(-1)?.year !== persianDigits(y)) years.push({ year: persianDigits(y), options: [] });
    years.at(-1)!.options.push({ code: p, label: `${MONTH_NAMES[Number(p.slice(5)) - 1]} ${persianDigits(y)}` });
  }
  return years;
}

/** Day of the Iranian week of a Jalali date: 0 Saturday (شنبه) … 6 Friday (جمعه). */
export function jalaliWeekday(d: JalaliDate): number {
  return (jalaali.j2d(d.jy, d.jm, d.jd) + 2) % 7;
}

/** The Jalali date `days` days after `d` (negative: before). */
export function addJalaliDays(d: JalaliDate, days: number): JalaliDate {
  return jalaali.d2j(jalaali.j2d(d.jy, d.jm, d.jd) + days);
}
