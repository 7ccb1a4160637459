import { parseReferencePeriod, type ReferencePeriod } from './period.ts';
import { ALL_ACTIVITIES, NATIONAL } from './cube.ts';
import type { UnstoredRelease } from './sources.ts';

// The statistics office's routine (DESIGN §7): which releases a period will be combined with
// later (foresight), and which cells every release publishes (headline cells). Each rule lives
// here once; the protection of values, products and the index calls it.

/**
 * The releases not stored yet that the release of `period` will be combined with next, from the
 * data known now (each a final release; ids −1, −2, …, see sources.ts):
 * - a month: its quarter — or, once the quarter is stored, the quarter's other months (the last of
 *   them would otherwise be the quarter minus the others);
 * - a quarter: its year — or, once the year is stored, the year's other quarters;
 * - a preliminary: its own final, and for a quarter or a year the finals of its months or quarters.
 * Only the next level up: a year is protected ahead by its quarters, not by every month (measured
 * at 5,000 units: a preliminary month protected ahead of its final, quarter and year read 3.2 times
 * the rows and met 7.8 times the exposures of the month alone).
 */
export function foresightOf(period: ReferencePeriod, preliminary: boolean, storedFinals: ReadonlySet<string>): UnstoredRelease[] {
  const year = period.code.slice(0, 4);
  const quarterOf = (month: string) => `${year}-Q${Math.ceil(Number(month.slice(5, 7)) / 3)}`;
  const quarters = [1, 2, 3, 4].map((q) => `${year}-Q${q}`);
  const codes = new Set<string>();
  if (preliminary) codes.add(period.code);
  if (period.kind === 'month') {
    const q = quarterOf(period.code);
    if (!storedFinals.has(q)) codes.add(q);
    else for (const m of parseReferencePeriod(q)!.months) if (m !== period.code) codes.add(m);
  }
  if (period.kind === 'quarter') {
    if (!storedFinals.has(year)) codes.add(year);
    else for (const q of quarters) if (q !== period.code) codes.add(q);
    if (preliminary) for (const m of period.months) codes.add(m);
  }
  if (period.kind === 'year' && preliminary) for (const q of quarters) codes.add(q);
  return [...codes]
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
