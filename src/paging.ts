import { latinDigits, normalizeText } from './text.ts';
import { str } from './forms.ts';

// Long lists (a province's units, its ranked candidates, the mapping queue) are shown a page at a
// time, with their total and page links (views/partials/pages.ejs), never silently cut (issue 23).

/** A page number from a query or a form, in any digits; 1 for anything else. */
export function pageNumber(v: unknown): number {
  const n = Number(latinDigits(str(v) || '1').trim());
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}

/** The address of page `n` of `path` with the list's other parameters kept (page 1 without `page`). */
export function pageLink(path: string, params: Record<string, string | number | null | undefined>): (n: number) => string {
  return (n) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') p.set(k, String(v));
    if (n > 1) p.set('page', String(n));
    const qs = p.toString();
    return qs ? `${path}?${qs}` : path;
  };
}

/** A search as typed, for matching names in memory the way the database's are stored. */
export function searchText(v: unknown): string {
  return typeof v === 'string' ? normalizeText(v).slice(0, 100) : '';
}
