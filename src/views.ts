import { persianDigits } from './text.ts';
import { jalaliDateOf, tehranTimeOf, periodLabelParts, type Period, type JalaliDate } from './calendar.ts';

// Helpers every template gets (app.locals): Persian digits, Jalali dates, money.

const faNumber = new Intl.NumberFormat('fa-IR', { maximumFractionDigits: 3 });
const faPercent = new Intl.NumberFormat('fa-IR', { style: 'percent', maximumFractionDigits: 1 });

/** 1234567.5 → ۱٬۲۳۴٬۵۶۷٫۵; a BigInt or whole decimal text exactly, however large; null → — */
export function fa(n: number | bigint | string | null | undefined): string {
  if (n === null || n === undefined || n === '') return '—';
  if (typeof n === 'bigint') return faNumber.format(n);
  if (typeof n === 'string' && /^-?\d+$/.test(n.trim())) return faNumber.format(BigInt(n.trim()));
  const v = typeof n === 'number' ? n : Number(n);
  return Number.isFinite(v) ? faNumber.format(v) : persianDigits(String(n));
}

export const faPct = (ratio: number | null | undefined): string => (ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '—' : faPercent.format(ratio));

/** Digits only, no grouping: codes, years, identifiers. */
export const faDigits = (s: string | number | null | undefined): string => (s === null || s === undefined ? '' : persianDigits(String(s)));

const pad2 = (n: number) => String(n).padStart(2, '0');

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
  const { month } = periodLabelParts(`${d.jy}-${pad2(d.jm)}`);
  return `${persianDigits(d.jd)} ${month} ${persianDigits(d.jy)}`;
}

/** A Rial amount, whole and exact: ۱۲٬۵۰۰ ریال (never a fraction of a Rial). */
export const rial = (n: number | bigint | string | null | undefined): string => {
  if (n === null || n === undefined || n === '') return '—';
  return `${fa(typeof n === 'number' ? Math.round(n) : n)} ریال`;
};

export const ROLE_LABELS: Record<string, string> = {
  unit_user: 'کاربر واحد',
  province_officer: 'کارشناس استان',
  stats_office: 'دفتر آمار و فرآوری داده‌ها',
  planning_deputy: 'معاونت برنامه‌ریزی',
  admin: 'مدیر سامانه',
};

export const KIND_LABELS: Record<string, string> = { industrial: 'صنعتی', mining: 'معدنی' };

/** A unit's status (DESIGN §4) in words, everywhere it is shown. */
export const UNIT_STATUS_LABELS: Record<string, string> = { active: 'فعال', inactive: 'غیرفعال' };
export const unitStatusLabel = (status: string): string => UNIT_STATUS_LABELS[status] ?? status;

export const viewHelpers = { fa, faPct, faDigits, jdate, jdatetime, periodLabel, dayLabel, rial, jalaliDateText, unitStatusLabel, ROLE_LABELS, KIND_LABELS };
