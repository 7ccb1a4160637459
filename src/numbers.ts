import { persianDigits } from './text.ts';

// Numbers as the portal writes them for people: Persian digits, ٬ between thousands, ٫ before
// decimals. One family for every page, file and message, the statistics' tables included; the
// browser's grouping while typing (public/numbers.js) writes the same characters.

const faNumber = new Intl.NumberFormat('fa-IR', { maximumFractionDigits: 3 });
const faPercent = new Intl.NumberFormat('fa-IR', { style: 'percent', maximumFractionDigits: 1 });

/** Exact decimal text as PostgreSQL's numeric gives it and the forms keep it: `-12.500`, `7`. */
export const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/** Decimal text in its shortest exact form: `012.500` → `12.5`, `-0.0` → `0`. */
export function canonicalDecimal(text: string): string {
  if (!DECIMAL_TEXT.test(text)) throw new RangeError(`not a decimal: ${text}`);
  const negative = text.startsWith('-');
  const [int, frac = ''] = (negative ? text.slice(1) : text).split('.');
  const whole = int!.replace(/^0+(?=\d)/, '');
  const fraction = frac.replace(/0+$/, '');
  const abs = fraction ? `${whole}.${fraction}` : whole;
  return negative && /[1-9]/.test(abs) ? `-${abs}` : abs;
}

/**
 * The one JSON form of an amount or a quantity (the API's and every file's): a JSON number when a
 * reader's double holds it exactly, its exact decimal text otherwise, never a rounded float
 * (a sum of Rials can pass 2^53; a quantity of numeric(18,3) can need 18 digits).
 */
export function exactJson(v: bigint | number | string | null | undefined): number | string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`not a number: ${v}`);
    return v;
  }
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  const exact = canonicalDecimal(v.trim());
  if (!exact.includes('.')) return exactJson(BigInt(exact));
  const asNumber = Number(exact);
  const digits = exact.replace(/[-.]/g, '').replace(/^0+/, '');
  // A double holds any 15 significant decimal digits exactly, wherever the point is.
  return digits.length <= 15 && String(asNumber) === exact ? asNumber : exact;
}

const faInteger = (int: bigint) => faNumber.format(int);

/** Canonical decimal text with Persian digits, grouping and every decimal; the sign as Intl writes it for fa-IR (a left-to-right mark and U+2212), for -0.5 too. */
function faCanonical(exact: string): string {
  const [int, frac] = exact.replace('-', '').split('.');
  return (exact.startsWith('-') ? '\u200e−' : '') + faInteger(BigInt(int!)) + (frac ? `٫${persianDigits(frac)}` : '');
}

/**
 * 1234567.5 → ۱٬۲۳۴٬۵۶۷٫۵; a BigInt or decimal text exactly, however large (up to three decimals
 * as written, more rounded to three); null → —
 */
export function fa(n: number | bigint | string | null | undefined): string {
  if (n === null || n === undefined || n === '') return '—';
  if (typeof n === 'bigint') return faInteger(n);
  if (typeof n === 'string' && DECIMAL_TEXT.test(n.trim())) {
    const exact = canonicalDecimal(n.trim());
    if ((exact.split('.')[1] ?? '').length <= 3) return faCanonical(exact);
  }
  const v = typeof n === 'number' ? n : Number(n);
  return Number.isFinite(v) ? faNumber.format(v) : persianDigits(String(n));
}

/**
 * An exact decimal (a stored quantity, an amount) with every decimal it has, however many:
 * `1500.500000` → ۱٬۵۰۰٫۵, `0.000001` → ۰٫۰۰۰۰۰۱. Where `fa` rounds past three decimals, this never rounds.
 */
export function faExact(v: bigint | string): string {
  return typeof v === 'bigint' ? faInteger(v) : faCanonical(canonicalDecimal(v.trim()));
}

/** A ratio as a Persian percentage with one decimal: 0.875 → ۸۷٫۵٪; no ratio → — */
export const faPct = (ratio: number | null | undefined): string => (ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '—' : faPercent.format(ratio));

const fixedFormats = new Map<number, Intl.NumberFormat>();

/** A number with exactly `digits` decimals, Persian: faFixed(110, 1) → ۱۱۰٫۰, faFixed(-2.345, 2) → ‎−۲٫۳۵; null → — */
export function faFixed(n: number | null | undefined, digits: number): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  let f = fixedFormats.get(digits);
  if (!f) fixedFormats.set(digits, f = new Intl.NumberFormat('fa-IR', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
  return f.format(n);
}

/** Digits only, no grouping: codes, years, identifiers. */
export const faDigits = (s: string | number | null | undefined): string => (s === null || s === undefined ? '' : persianDigits(String(s)));

/** A Rial amount, whole and exact: ۱۲٬۵۰۰ ریال (never a fraction of a Rial). */
export const rial = (n: number | bigint | string | null | undefined): string => {
  if (n === null || n === undefined || n === '') return '—';
  return `${fa(typeof n === 'number' ? Math.round(n) : n)} ریال`;
};
