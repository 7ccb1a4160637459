import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { persianDigits, rialWords } from './text.ts';
import { ROLE_LABELS, KIND_LABELS, ISIC_LEVEL_LABELS, TERMS, UNIT_STATUS_LABELS, REGISTRATION_LABELS, actionLabel } from './glossary.ts';
import { jalaliDateOf, tehranTimeOf, periodLabelParts, addMonths, MONTH_NAMES, type Period, type JalaliDate } from './calendar.ts';

// Helpers every template gets (app.locals): Persian digits, Jalali dates, money.

const faNumber = new Intl.NumberFormat('fa-IR', { maximumFractionDigits: 3 });
const faPercent = new Intl.NumberFormat('fa-IR', { style: 'percent', maximumFractionDigits: 1 });

/** 1234567.5 → ۱٬۲۳۴٬۵۶۷٫۵; null → — */
export function fa(n: number | string | null | undefined): string {
  if (n === null || n === undefined || n === '') return '—';
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

/** An instant as Tehran Jalali date and time: ۱۴۰۴/۰۸/۰۸ ساعت ۱۴:۰۵ */
export function jdatetime(at: Date | string | null | undefined): string {
  if (!at) return '—';
  const d = new Date(at);
  const t = tehranTimeOf(d);
  return `${jdate(d)} ساعت ${persianDigits(`${pad2(t.h)}:${pad2(t.mi)}`)}`;
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

export const rial = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : `${fa(n)} ریال`);

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

export const viewHelpers = { asset, periodChoices, addMonths, fa, faPct, faDigits, jdate, jdatetime, periodLabel, dayLabel, rial, rialWords, jalaliDateText, ROLE_LABELS, KIND_LABELS, ISIC_LEVEL_LABELS, TERMS, UNIT_STATUS_LABELS, REGISTRATION_LABELS, actionLabel };
