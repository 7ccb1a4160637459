// Persian text and number input: DESIGN §3, REFERENCE "Text and numbers".

import { plainNumber, hasComma } from '../public/numbers.js';

const PERSIAN_ZERO = 0x06f0;
const ARABIC_INDIC_ZERO = 0x0660;

/** Persian (۰–۹) and Arabic-Indic (٠–٩) digits → Latin. */
export function latinDigits(s: string): string {
  return s.replace(/[\u06f0-\u06f9\u0660-\u0669]/g, (ch) => {
    const c = ch.charCodeAt(0);
    return String(c >= PERSIAN_ZERO ? c - PERSIAN_ZERO : c - ARABIC_INDIC_ZERO);
  });
}

const PERSIAN = ['۰', '۱', '۲', '۳', '۴', '۵', '۶', '۷', '۸', '۹'];

/** Latin digits → Persian, for display (every number on every page: a loop, not a regex). */
export function persianDigits(s: string | number): string {
  const str = String(s);
  let out = '';
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i) - 48;
    out += c >= 0 && c <= 9 ? PERSIAN[c] : str[i];
  }
  return out;
}

/** Arabic ي and ك (and ى, ة-less variants users type) → Persian ی and ک; trims; keeps ZWNJ. */
export function normalizeLetters(s: string): string {
  return s.replace(/\u064a/g, '\u06cc').replace(/\u0649/g, '\u06cc').replace(/\u0643/g, '\u06a9');
}

// Bidi controls and invisible characters that have no place in stored text: they can disguise
// what a value says, or make two look-alike company names differ (issue 12 §8). Zero-width space
// U+200B, zero-width joiner U+200D, word joiner U+2060 and BOM U+FEFF go; ZWNJ (U+200C) stays,
// Persian spelling needs it (می‌شود).
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]|\u200b|\u200d|\u2060|\ufeff/g;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** Free text as stored: Persian letters, no control or bidi-override characters, trimmed. */
export function normalizeText(s: string): string {
  return normalizeLetters(s).replace(CONTROL_CHARS, '').replace(BIDI_CONTROLS, '').replace(/\s+/g, ' ').trim();
}

/** Multi-line free text: like normalizeText but keeps newlines. */
export function normalizeMultiline(s: string): string {
  return normalizeLetters(s).replace(CONTROL_CHARS, '').replace(BIDI_CONTROLS, '').replace(/\r\n/g, '\n').trim();
}

/** An amount as typed (`۱٬۲۰۰٬۰۰۰`, `1,200,000`, `١٢٠٠`) → its Latin digit string, separators dropped. */
export const normalizeNumberInput = (s: string): string => plainNumber(s);

/** What an amount as normalised still holds a comma that is no thousands separator (`12,5`, `1,2,3`). */
export const misplacedComma = (normalised: string): boolean => hasComma(normalised);

/** The one message for it, on forms and in the API. */
export const decimalCommaMessage = (label: string): string =>
  `${label}: ویرگول فقط رقم‌ها را سه‌تا‌سه‌تا جدا می‌کند (مانند ۱۲٬۵۰۰)؛ برای اعشار «٫» یا «.» بنویسید (مانند ۱۲٫۵).`;

// Grouping and number words: one copy shared with the browser (public/numbers.js).
export { groupDigits, numberWords, rialWords } from '../public/numbers.js';

/** Digits only, for identifiers: `۰۴۹۹-۳۷۰۸۹۹` → `0499370899`. Keeps other characters so validation can reject them. */
export function normalizeIdentifier(s: string): string {
  return latinDigits(s).replace(/[\s\-\u200c\u200e\u200f]/g, '');
}

/**
 * A Jalali month as typed → `YYYY-MM`: `۱۴۰۵/۰۱`, `۱۴۰۵-۱`, `١٤٠٥/٠١`, `1405.01` all give `1405-01`.
 * Anything else comes back digits-normalised, for the caller's isPeriod to refuse.
 */
export function normalizePeriodInput(s: string): string {
  const t = latinDigits(s).replace(/[\u200c\u200e\u200f\u061c\s]/g, '');
  const m = /^(\d{4})[-/.\u066b\u2010-\u2015_](\d{1,2})$/.exec(t);
  return m ? `${m[1]}-${m[2].padStart(2, '0')}` : t;
}

// Persian alphabetical order (چ after ج, ک and گ before ه), which code-point order breaks.
const faCollator = new Intl.Collator('fa');

export const compareFa = (a: string, b: string): number => faCollator.compare(a, b);

/** A copy of `items` in Persian alphabetical order of `key`. */
export function sortFa<T>(items: readonly T[], key: (x: T) => string): T[] {
  return [...items].sort((a, b) => faCollator.compare(key(a), key(b)));
}
