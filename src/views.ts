import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { persianDigits, rialWords } from './text.ts';
import { ROLE_LABELS, KIND_LABELS, ISIC_LEVEL_LABELS, TERMS, UNIT_STATUS_LABELS, REGISTRATION_LABELS, actionLabel } from './glossary.ts';
import { jalaliDateOf, tehranTimeOf, periodLabelParts, addMonths, MONTH_NAMES, type Period, type JalaliDate } from './calendar.ts';

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

export { ROLE_LABELS, KIND_LABELS } from './glossary.ts';

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

const root = path.resolve(import.meta.dirname, '..');

/** A hash of every served asset (public/, and the bootstrap and vazirmatn versions): their address. */
export const ASSET_VERSION = (() => {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(path.join(root, 'public')).sort()) h.update(f).update(fs.readFileSync(path.join(root, 'public', f)));
  for (const pkg of ['bootstrap', 'vazirmatn']) h.update(fs.readFileSync(path.join(root, 'node_modules', pkg, 'package.json')));
  return h.digest('hex').slice(0, 12);
})();

/** The long-cached address of an asset: asset('app.css') → /assets/<version>/app.css */
export const asset = (file: string): string => `/assets/${ASSET_VERSION}/${file}`;

/** A unit's status (DESIGN §4) in words, everywhere it is shown. */
export const unitStatusLabel = (status: string): string => UNIT_STATUS_LABELS[status] ?? status;

export const viewHelpers = { asset, unitStatusLabel, periodChoices, addMonths, fa, faPct, faDigits, jdate, jdatetime, periodLabel, dayLabel, rial, rialWords, jalaliDateText, ROLE_LABELS, KIND_LABELS, ISIC_LEVEL_LABELS, TERMS, UNIT_STATUS_LABELS, REGISTRATION_LABELS, actionLabel };
