import { parseReferencePeriod, type ReferencePeriod } from './period.ts';
import { ALL_ACTIVITIES, NATIONAL } from './cube.ts';
import type { UnstoredRelease } from './sources.ts';

// The statistics office's routine (DESIGN §7): which releases a period will be combined with
// later (foresight), and which cells every release publishes (headline cells). Each rule lives
// here once; the protection of values, products and the index calls it.

/**
 * The releases not stored yet that the release of `period` will be combined with, from the data
 * known now: the quarter and year that contain a month, the months of a quarter and the year that
 * contains it, the quarters of a year, and the final of a preliminary — each a final release,
 * unless one is stored already (then it is part of the group itself). Ids −1, −2, … (see sources.ts).
 */
export function foresightOf(period: ReferencePeriod, preliminary: boolean, storedFinals: ReadonlySet<string>): UnstoredRelease[] {
  const year = period.code.slice(0, 4);
  const codes: string[] = [];
  if (preliminary) codes.push(period.code);
  if (period.kind === 'month') codes.push(`${year}-Q${Math.ceil(Number(period.code.slice(5, 7)) / 3)}`, year);
  if (period.kind === 'quarter') codes.push(...period.months, year);
  if (period.kind === 'year') codes.push(...[1, 2, 3, 4].map((q) => `${year}-Q${q}`));
  return codes
    .filter((code) => !storedFinals.has(code))
    .map((code, i) => ({ id: -(i + 1), code, months: parseReferencePeriod(code)!.months, preliminary: false }));
}

/**
 * Headline cells are always published (DESIGN §7): the national total, the national section
 * totals and the national division totals, and any cell the office adds (setting
 * `headline_cells`, keys `geo|node`).
 */
export function isHeadline(key: string, extra: ReadonlySet<string> = new Set()): boolean {
  if (extra.has(key)) return true;
  const [geo, node] = key.split('|');
  return geo === NATIONAL && (node === ALL_ACTIVITIES || /^[A-Z]$/.test(node) || /^\d{2}$/.test(node));
}
