import type { Knex } from 'knex';
import { db } from '../db.ts';
import { auditInsert } from '../audit.ts';
import { isValidJalaliDate, jalaliWeekday, addJalaliDays, monthLength, splitPeriod, type Period, type JalaliDate } from '../calendar.ts';
import { latinDigits } from '../text.ts';

// Issue 25: Iran's official holidays by Jalali year, the calendar the index's calendar adjustment
// counts working days with (docs/index.md «Calendar»). Solar holidays are fixed Jalali dates;
// lunar ones move about 11 days a year and are whatever the Calendar Center of the University of
// Tehran's Geophysics Institute announces for the year (a table: index_holidays, one year at a time,
// with its source). Migration 220 loads 1395–1406; the office adds a year with
// `npm run index:holidays`, validated here.

export const SOLAR_HOLIDAYS: readonly (readonly [string, string])[] = [
  ['01-01', 'nowruz_1'], ['01-02', 'nowruz_2'], ['01-03', 'nowruz_3'], ['01-04', 'nowruz_4'],
  ['01-12', 'republic_day'], ['01-13', 'nature_day'], ['03-14', 'khomeini_demise'], ['03-15', 'khordad_15'],
  ['11-22', 'revolution_day'], ['12-29', 'oil_nationalisation'],
];

export const HOLIDAY_NAMES: Readonly<Record<string, string>> = {
  nowruz_1: 'عید نوروز', nowruz_2: 'عید نوروز', nowruz_3: 'عید نوروز', nowruz_4: 'عید نوروز',
  republic_day: 'روز جمهوری اسلامی', nature_day: 'روز طبیعت', khomeini_demise: 'رحلت امام خمینی', khordad_15: 'قیام ۱۵ خرداد',
  revolution_day: 'پیروزی انقلاب اسلامی', oil_nationalisation: 'روز ملی شدن صنعت نفت',
  tasua: 'تاسوعای حسینی', ashura: 'عاشورای حسینی', arbaeen: 'اربعین حسینی',
  prophet_demise: 'رحلت رسول اکرم (ص) و شهادت امام حسن مجتبی (ع)', reza_martyrdom: 'شهادت امام رضا (ع)',
  askari_martyrdom: 'شهادت امام حسن عسکری (ع)', prophet_birth: 'میلاد رسول اکرم (ص) و امام جعفر صادق (ع)',
  fatima_martyrdom: 'شهادت حضرت فاطمه زهرا (س)', ali_birth: 'ولادت امام علی (ع)', mabath: 'مبعث رسول اکرم (ص)',
  mahdi_birth: 'ولادت حضرت قائم (عج)', ali_martyrdom: 'شهادت حضرت علی (ع)', fitr: 'عید سعید فطر',
  fitr_2: 'تعطیل به مناسبت عید سعید فطر', sadiq_martyrdom: 'شهادت امام جعفر صادق (ع)', adha: 'عید سعید قربان', ghadir: 'عید سعید غدیر خم',
};

export const LUNAR_CODES: readonly string[] = Object.keys(HOLIDAY_NAMES).filter((c) => !SOLAR_HOLIDAYS.some(([, s]) => s === c));

// Lunar holidays a fixed number of days apart, whatever the year (a check on a year's list).
const GAPS: readonly (readonly [string, string, number])[] = [['tasua', 'ashura', 1], ['fitr', 'fitr_2', 1], ['adha', 'ghadir', 8], ['ali_birth', 'mabath', 14]];

export interface Holiday { date: string; code: string; kind: 'solar' | 'lunar' } // date `YYYY-MM-DD`, Jalali

export interface HolidayYear { year: number; source: string; status: 'announced' | 'provisional' }

export type HolidayYearParse = { ok: true; holidays: Holiday[] } | { ok: false; errors: string[] };

const pad = (n: number) => String(n).padStart(2, '0');
const dateKey = (d: JalaliDate) => `${d.jy}-${pad(d.jm)}-${pad(d.jd)}`;
const parseKey = (s: string): JalaliDate => ({ jy: Number(s.slice(0, 4)), jm: Number(s.slice(5, 7)), jd: Number(s.slice(8, 10)) });
const dayDiff = (a: string, b: string) => {
  const x = parseKey(a);
  for (let k = 0; k <= 400; k++) if (dateKey(addJalaliDays(x, k)) === b) return k;
  return -1;
};

/**
 * A year's lunar holidays as the office types them — one per line or comma, `MM-DD code`
 * (any digits) — checked: real dates of that year, known codes, every lunar holiday at least once
 * and at most twice (a Jalali year is longer than a lunar one), two occurrences a lunar year
 * apart, and the fixed gaps (Tasua → Ashura 1 day, Fitr → its second day 1, Adha → Ghadir 8,
 * Imam Ali's birth → Mab'ath 14). The solar holidays are added by rule.
 */
export function parseHolidayYear(year: number, text: string): HolidayYearParse {
  const errors: string[] = [];
  if (!Number.isInteger(year) || year < 1380 || year > 1500) return { ok: false, errors: ['سال باید میان ۱۳۸۰ و ۱۵۰۰ باشد.'] };
  const lunar: Holiday[] = [];
  for (const raw of latinDigits(text).split(/[\n,،]+/).map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d{1,2})[-/](\d{1,2})\s+([a-z_0-9]+)$/.exec(raw);
    if (!m) { errors.push(`«${raw}» به شکل «ماه-روز کد» نیست (مانند 01-11 fitr).`); continue; }
    const d = { jy: year, jm: Number(m[1]), jd: Number(m[2]) };
    if (!isValidJalaliDate(d)) { errors.push(`«${raw}»: این روز در سال ${year} نیست.`); continue; }
    if (!LUNAR_CODES.includes(m[3])) { errors.push(`«${raw}»: کد «${m[3]}» از تعطیلات قمری نیست.`); continue; }
    lunar.push({ date: dateKey(d), code: m[3], kind: 'lunar' });
  }
  const seen = new Set<string>();
  for (const h of lunar) {
    if (seen.has(`${h.date}|${h.code}`)) errors.push(`${h.code} در ${h.date} دو بار آمده است.`);
    seen.add(`${h.date}|${h.code}`);
  }
  for (const code of LUNAR_CODES) {
    const at = lunar.filter((h) => h.code === code).map((h) => h.date).sort();
    if (at.length === 0) errors.push(`${code} (${HOLIDAY_NAMES[code]}) نیامده است؛ هر تعطیل قمری دست‌کم یک بار در هر سال خورشیدی هست.`);
    if (at.length > 2) errors.push(`${code} بیش از دو بار آمده است.`);
    if (at.length === 2 && ![354, 355].includes(dayDiff(at[0], at[1]))) errors.push(`دو تاریخ ${code} باید یک سال قمری (۳۵۴ یا ۳۵۵ روز) از هم فاصله داشته باشند.`);
  }
  for (const [a, b, gap] of GAPS) {
    for (const da of lunar.filter((h) => h.code === a).map((h) => h.date)) {
      const expected = dateKey(addJalaliDays(parseKey(da), gap));
      if (expected.startsWith(`${year}-`) && !lunar.some((h) => h.code === b && h.date === expected)) errors.push(`${b} باید ${gap} روز پس از ${a} (${da}) باشد.`);
    }
  }
  if (errors.length) return { ok: false, errors };
  const solar = SOLAR_HOLIDAYS.map(([md, code]) => ({ date: `${year}-${md}`, code, kind: 'solar' as const }));
  return { ok: true, holidays: [...solar, ...lunar].sort((x, y) => x.date.localeCompare(y.date) || x.code.localeCompare(y.code)) };
}

/** Stores (or, with `replace`, replaces) a year's holidays; audited. */
export async function saveHolidayYear(y: HolidayYear, holidays: readonly Holiday[], opts: { replace: boolean; userId: number | null }, k: Knex = db()): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (!y.source.trim()) return { ok: false, reason: 'منبع تاریخ‌ها (مانند تقویم رسمی مرکز تقویم مؤسسه ژئوفیزیک دانشگاه تهران) را بنویسید.' };
  return k.transaction(async (trx) => {
    const existing = await trx('index_holiday_years').where({ year: y.year }).first('year', 'status');
    if (existing && !opts.replace) return { ok: false as const, reason: `تعطیلات سال ${y.year} پیش‌تر ثبت شده است (${existing.status === 'announced' ? 'اعلام‌شده' : 'پیش‌بینی'})؛ برای جایگزینی --replace بدهید.` };
    await trx('index_holidays').where({ year: y.year }).delete();
    await trx('index_holiday_years').where({ year: y.year }).delete();
    await trx('index_holiday_years').insert({ year: y.year, source: y.source.trim(), status: y.status, added_by: opts.userId });
    await trx('index_holidays').insert(holidays.map((h) => ({ year: y.year, date: h.date, code: h.code, kind: h.kind })));
    await auditInsert({ action: 'stats.index_holidays', userId: opts.userId, target: `index_holidays:${y.year}`, details: { year: y.year, status: y.status, source: y.source, replaced: Boolean(existing), count: holidays.length } }, trx);
    return { ok: true as const };
  });
}

export async function holidayYears(k: Knex = db()): Promise<(HolidayYear & { added_at: Date })[]> {
  return k('index_holiday_years').orderBy('year').select('year', 'source', 'status', 'added_at');
}

export async function holidaysOf(years: readonly number[], k: Knex = db()): Promise<Holiday[]> {
  if (years.length === 0) return [];
  return k('index_holidays').whereIn('year', [...years]).orderBy(['date', 'code']).select('date', 'code', 'kind');
}

export interface MonthCalendar { period: Period; days: number; workingDays: number; holidaysOnWorkdays: number; ramadanDays: number }

/**
 * Per Jalali month: working days (Saturday–Wednesday 1, Thursday `thursdayWeight`, Friday 0, an
 * official holiday 0), the holidays that fell on would-be working days, and the days of Ramadan
 * (from 21 Ramadan, Imam Ali's martyrdom, back 20 days, to the day before Eid al-Fitr).
 */
export function monthCalendars(periods: readonly Period[], holidays: readonly Holiday[], thursdayWeight: number): MonthCalendar[] {
  const off = new Set(holidays.map((h) => h.date));
  const ramadan = new Set<string>();
  const sorted = [...holidays].sort((a, b) => a.date.localeCompare(b.date));
  for (const h of sorted) {
    if (h.code !== 'ali_martyrdom') continue;
    const fitr = sorted.find((f) => f.code === 'fitr' && f.date > h.date);
    const start = addJalaliDays(parseKey(h.date), -20);
    const last = fitr ? addJalaliDays(parseKey(fitr.date), -1) : addJalaliDays(start, 29);
    for (let d = start; dateKey(d) <= dateKey(last); d = addJalaliDays(d, 1)) ramadan.add(dateKey(d));
  }
  return periods.map((p) => {
    const { jy, jm } = splitPeriod(p);
    const days = monthLength(jy, jm);
    let workingDays = 0;
    let holidaysOnWorkdays = 0;
    let ramadanDays = 0;
    for (let jd = 1; jd <= days; jd++) {
      const d = { jy, jm, jd };
      const wd = jalaliWeekday(d);
      const weight = wd === 6 ? 0 : wd === 5 ? thursdayWeight : 1;
      if (off.has(dateKey(d))) holidaysOnWorkdays += weight;
      else workingDays += weight;
      if (ramadan.has(dateKey(d))) ramadanDays++;
    }
    return { period: p, days, workingDays, holidaysOnWorkdays, ramadanDays };
  });
}

/** Each regressor minus its mean over the same Jalali month of the span (so that it moves no month's level on average). */
export function centredByMonth(periods: readonly Period[], values: readonly number[]): number[] {
  const sums = new Map<number, { s: number; n: number }>();
  periods.forEach((p, i) => { const m = splitPeriod(p).jm; const e = sums.get(m) ?? { s: 0, n: 0 }; e.s += values[i]; e.n++; sums.set(m, e); });
  return periods.map((p, i) => { const e = sums.get(splitPeriod(p).jm)!; return values[i] - e.s / e.n; });
}
