import { z } from 'zod';
import { isPeriod } from '../calendar.ts';
import { latinDigits, normalizeMultiline, normalizeText } from '../text.ts';
import { backToList, str } from '../forms.ts';

// Queue filters come from the query string: anything malformed is simply ignored (no filter).
const optionalPeriod = z.preprocess((v) => (typeof v === 'string' ? latinDigits(v).trim().replace(/[/\u2010-\u2015]/g, '-') : undefined), z.string().refine(isPeriod).optional().catch(undefined));
const optionalDivision = z.preprocess((v) => (typeof v === 'string' ? latinDigits(v).trim() : undefined), z.string().regex(/^\d{2}$/).optional().catch(undefined));

// The search box: a unit's name, national id or licence, as typed (up to 100 characters).
const optionalSearch = z.preprocess((v) => (typeof v === 'string' ? normalizeText(v).slice(0, 100) || undefined : undefined), z.string().optional().catch(undefined));

export const queueFilterSchema = z.object({
  q: optionalSearch,
  period: optionalPeriod,
  division: optionalDivision,
  warnings: z.enum(['with', 'without']).optional().catch(undefined),
  state: z.enum(['submitted', 'returned', 'verified']).catch('submitted'),
  // Issue 24: waiting filings by score (selective editing) unless the officer asks for arrival order.
  order: z.enum(['score', 'arrival']).catch('score'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
export type QueueFilter = z.infer<typeof queueFilterSchema>;

export function parseQueueFilter(query: unknown): QueueFilter {
  return queueFilterSchema.parse(query ?? {});
}

export const QUEUE_PATH = '/province/queue';

/** The filter (and page) as a query string, state first: for every link back to the queue. */
export function filterQuery(f: Partial<QueueFilter>, withPage = false): string {
  const p = new URLSearchParams();
  for (const key of ['state', 'period', 'division', 'warnings', 'q'] as const) if (f[key]) p.set(key, String(f[key]));
  if (f.order === 'arrival') p.set('order', 'arrival');
  if (withPage && f.page && f.page > 1) p.set('page', String(f.page));
  return p.toString();
}

export function queueUrl(f: Partial<QueueFilter>): string {
  const qs = filterQuery(f, true);
  return qs ? `${QUEUE_PATH}?${qs}` : QUEUE_PATH;
}

/** Where an officer returns after a decision: the queue as it was (filter, search, page). */
export function queueBack(back: unknown): string {
  return backToList(back, QUEUE_PATH, (query) => queueUrl(parseQueueFilter(query)));
}

/** The reason an officer gives for returning or reopening a filing (DESIGN §6: required, shown to the unit). */
export const reasonForm = z.object({
  reason: z.preprocess(
    (v) => normalizeMultiline(str(v)),
    z.string().min(3, 'دلیل را بنویسید؛ واحد آن را می‌بیند.').max(2000, 'دلیل حداکثر ۲۰۰۰ نویسه است.'),
  ),
});

/** Ticked filing ids of the bulk form (one value or many), or every filtered one. */
export const bulkForm = z.object({
  ids: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.coerce.number().int().positive().max(2_147_483_647)).max(5000)).catch([]),
  // '1': every filtered one without warnings; 'below': every filtered one below the score threshold too (issue 24).
  all: z.preprocess((v) => (v === '1' || v === 'on' ? 'all' : v === 'below' ? 'below' : 'ticked'), z.enum(['ticked', 'all', 'below'])),
});
