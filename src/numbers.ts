import { persianDigits } from './text.ts';

// Numbers as the portal writes them for people: Persian digits, ٬ between thousands, ٫ before
// decimals. One family for every page, file and message outside the statistics engine; the
// browser's grouping while typing (public/numbers.js) writes the same characters.

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

/** A ratio as a Persian percentage with one decimal: 0.875 → ۸۷٫۵٪; no ratio → — */
export const faPct = (ratio: number | null | undefined): string => (ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '—' : faPercent.format(ratio));

/** Digits only, no grouping: codes, years, identifiers. */
export const faDigits = (s: string | number | null | undefined): string => (s === null || s === undefined ? '' : persianDigits(String(s)));

/** A Rial amount, whole and exact: ۱۲٬۵۰۰ ریال (never a fraction of a Rial). */
export const rial = (n: number | bigint | string | null | undefined): string => {
  if (n === null || n === undefined || n === '') return '—';
  return `${fa(typeof n === 'number' ? Math.round(n) : n)} ریال`;
};
