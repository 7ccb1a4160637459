import type { Knex } from 'knex';
import { db } from '../db.ts';
import type { Period } from '../calendar.ts';
import { normalizeText, latinDigits } from '../text.ts';

// The province office's units (issue 14, item 11): the officer's chase list, searched by name,
// national id or licence and filtered to what needs a call, with each unit's phone and email.
// Scoped to the officer's province in SQL: another province's unit is simply not found.

export const UNIT_FILTERS = {
  inactive: 'غیرفعال',
  missing: 'آمار آخرین ماه سررسیده ثبت‌نشده',
  returned: 'اظهارنامه عودت‌شده',
  pending: 'ثبت‌نام در انتظار تأیید',
} as const;
export type UnitFilter = keyof typeof UNIT_FILTERS;

export interface ProvinceUnitRow {
  id: number; name: string; national_id: string; licence_no: string; city: string; phone: string | null; email: string | null;
  contact_name: string | null; status: string; registration: string; account_emails: string | null; returned: number; due_filed: boolean; obligated: boolean;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A unit searched as an officer types it: part of the name or licence, or the start of the
 * national id, in any digits. For queries joining `units as u` and `legal_entities as le`.
 */
export function unitMatches(q: string): Knex.QueryCallback {
  // normalizeText drops control characters (a NUL is no PostgreSQL text).
  const text = `%${likeEscape(normalizeText(q))}%`;
  const latin = normalizeText(latinDigits(q));
  const digits = latin.replace(/[\s-]/g, '');
  return (w) => {
    w.whereILike('le.name', text).orWhereILike('u.licence_no', `%${likeEscape(latin)}%`);
    if (/^\d+$/.test(digits)) w.orWhere('le.national_id', 'like', `${digits}%`);
  };
}

export const UNITS_PAGE_SIZE = 100;

/**
 * One page of the province's units in Persian alphabetical order, with the number of all that
 * match: sorted, counted and paged in SQL (a province holds tens of thousands), the per-unit
 * columns computed for the page only.
 */
export async function provinceUnits(province: string, opts: { q: string; filter: UnitFilter | null; due: Period; page: number }, k: Knex = db()): Promise<{ rows: ProvinceUnitRow[]; total: number }> {
  const matching = () => {
    const query = k('units as u').join('legal_entities as le', 'le.id', 'u.legal_entity_id').where('u.province_code', province);
    if (opts.q) query.where(unitMatches(opts.q));
    switch (opts.filter) {
      case 'inactive': query.where({ 'u.status': 'inactive', 'u.registration': 'approved' }); break;
      case 'pending': query.where('u.registration', 'pending'); break;
      case 'returned': query.whereExists(k('filings as f').whereRaw('f.unit_id = u.id').where('f.state', 'returned')); break;
      case 'missing':
        query.where('u.registration', 'approved').where('u.obligation_start', '<=', opts.due)
          .whereNotExists(k('filings as f').whereRaw('f.unit_id = u.id').where('f.period', opts.due).whereNotNull('f.first_submitted_at'));
        break;
      default: break;
    }
    return query;
  };
  const [{ n }] = await matching().count('* as n');
  const page = matching().select('u.id', k.raw('le.name collate fa as sort_name'))
    .orderByRaw('le.name collate fa, u.id').limit(UNITS_PAGE_SIZE).offset((opts.page - 1) * UNITS_PAGE_SIZE).as('pg');
  const rows = await k.from(page)
    .join('units as u', 'u.id', 'pg.id')
    .join('legal_entities as le', 'le.id', 'u.legal_entity_id')
    .select(
      'u.id', 'le.name', 'le.national_id', 'u.licence_no', 'u.city', 'u.phone', 'u.email', 'u.contact_name', 'u.status', 'u.registration',
      k.raw(`(select string_agg(us.email, ' ' order by us.email) from unit_users uu join users us on us.id = uu.user_id where uu.unit_id = u.id) as account_emails`),
      k.raw(`(select count(*)::int from filings f where f.unit_id = u.id and f.state = 'returned') as returned`),
      k.raw(`exists (select 1 from filings f where f.unit_id = u.id and f.period = ? and f.first_submitted_at is not null) as due_filed`, [opts.due]),
      k.raw(`(u.registration = 'approved' and u.obligation_start <= ?) as obligated`, [opts.due]),
    )
    .orderByRaw('pg.sort_name, u.id') as ProvinceUnitRow[];
  return { rows, total: Number(n) };
}
