import { isPeriod, periodOfParts, periodRange, type Period } from '../../calendar.ts';
import { periodLabel } from '../../calendar.ts';
import { persianDigits } from '../../text.ts';

// The publication grid of DESIGN §7: a release covers one Jalali month (`1404-01`), quarter
// (`1404-Q1`, Farvardin–Khordad) or year (`1404`). No other span is ever published.

export type ReleaseKind = 'month' | 'quarter' | 'year';

export interface ReferencePeriod {
  code: string; // 1404-01 | 1404-Q1 | 1404
  kind: ReleaseKind;
  months: Period[];
}

export const KIND_LABELS: Record<ReleaseKind, string> = { month: 'ماهانه', quarter: 'فصلی', year: 'سالانه' };
const QUARTER_NAMES = ['بهار', 'تابستان', 'پاییز', 'زمستان'] as const;

/** `1404-01`, `1404-Q2` or `1404` (digits already Latin) → the reference period, or null. */
export function parseReferencePeriod(code: string): ReferencePeriod | null {
  if (isPeriod(code)) return { code, kind: 'month', months: [code] };
  const q = /^(\d{4})-Q([1-4])$/i.exec(code);
  if (q) {
    const jy = Number(q[1]);
    const n = Number(q[2]);
    if (jy < 1300 || jy > 1599) return null;
    return { code: `${q[1]}-Q${n}`, kind: 'quarter', months: periodRange(periodOfParts(jy, n * 3 - 2), periodOfParts(jy, n * 3)) };
  }
  if (/^\d{4}$/.test(code)) {
    const jy = Number(code);
    if (jy < 1300 || jy > 1599) return null;
    return { code, kind: 'year', months: periodRange(periodOfParts(jy, 1), periodOfParts(jy, 12)) };
  }
  return null;
}

/** A month range that is exactly one month, quarter or year of the grid, or null. */
export function referencePeriodOfRange(from: Period, to: Period): ReferencePeriod | null {
  if (from === to) return parseReferencePeriod(from);
  const [fy, fm] = [Number(from.slice(0, 4)), Number(from.slice(5, 7))];
  const [ty, tm] = [Number(to.slice(0, 4)), Number(to.slice(5, 7))];
  if (fy !== ty) return null;
  if (fm === 1 && tm === 12) return parseReferencePeriod(String(fy));
  if ((fm - 1) % 3 === 0 && tm === fm + 2) return parseReferencePeriod(`${fy}-Q${(fm + 2) / 3}`);
  return null;
}

export function referencePeriodLabel(p: ReferencePeriod): string {
  if (p.kind === 'month') return periodLabel(p.months[0]);
  const year = persianDigits(p.code.slice(0, 4));
  if (p.kind === 'year') return `سال ${year}`;
  return `${QUARTER_NAMES[Number(p.code.slice(-1)) - 1]} ${year}`;
}

/** Two reference periods share a month: their releases must be protected together. */
export function overlaps(a: ReferencePeriod, b: ReferencePeriod): boolean {
  return a.months.some((m) => b.months.includes(m));
}
