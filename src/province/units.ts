import { Router, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import { requireRole, officerProvince, NotFoundError } from '../auth/guards.ts';
import { db } from '../db.ts';
import { loadSettings } from '../settings.ts';
import { latestDuePeriod, gregorianIsoToJalali, type Period } from '../calendar.ts';
import { normalizeText, latinDigits, sortFa } from '../text.ts';
import { jalaliDateText } from '../views.ts';
import { registrationDetail } from '../units/approvals.ts';
import { unitPeriods, STATE_LABELS, TIMELINESS_LABELS } from '../filings/model.ts';

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

export function provinceUnits(province: string, opts: { q: string; filter: UnitFilter | null; due: Period }, k: Knex = db()): Promise<ProvinceUnitRow[]> {
  const query = k('units as u')
    .join('legal_entities as le', 'le.id', 'u.legal_entity_id')
    .where('u.province_code', province)
    .select(
      'u.id', 'le.name', 'le.national_id', 'u.licence_no', 'u.city', 'u.phone', 'u.email', 'u.contact_name', 'u.status', 'u.registration',
      k.raw(`(select string_agg(us.email, ' ' order by us.email) from unit_users uu join users us on us.id = uu.user_id where uu.unit_id = u.id) as account_emails`),
      k.raw(`(select count(*)::int from filings f where f.unit_id = u.id and f.state = 'returned') as returned`),
      k.raw(`exists (select 1 from filings f where f.unit_id = u.id and f.period = ? and f.first_submitted_at is not null) as due_filed`, [opts.due]),
      k.raw(`(u.registration = 'approved' and u.obligation_start <= ?) as obligated`, [opts.due]),
    );
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
  return query.limit(5000) as unknown as Promise<ProvinceUnitRow[]>;
}

const PAGE = 100;

async function list(req: Request, res: Response): Promise<void> {
  const province = officerProvince(req);
  const q = typeof req.query.q === 'string' ? req.query.q.slice(0, 100) : '';
  const f = typeof req.query.filter === 'string' ? req.query.filter : '';
  const filter = f in UNIT_FILTERS ? (f as UnitFilter) : null;
  const page = Math.max(1, Math.min(1000, Number(latinDigits(String(req.query.page ?? '1'))) || 1));
  const settings = await loadSettings();
  const due = latestDuePeriod(new Date(), settings.rules);
  const rows = sortFa(await provinceUnits(province, { q, filter, due }), (r) => r.name);
  const name = await db()('provinces').where({ code: province }).first('name');
  res.render('province/units', {
    title: 'واحدهای استان',
    provinceName: name?.name ?? '',
    rows: rows.slice((page - 1) * PAGE, page * PAGE),
    total: rows.length,
    page,
    pages: Math.max(1, Math.ceil(rows.length / PAGE)),
    q,
    filter,
    due,
    UNIT_FILTERS,
  });
}

async function show(req: Request, res: Response): Promise<void> {
  const raw = String(req.params.id ?? '');
  if (!/^\d{1,9}$/.test(raw)) throw new NotFoundError();
  const unit = await registrationDetail(Number(raw), officerProvince(req));
  if (!unit) throw new NotFoundError();
  const settings = await loadSettings();
  const periods = unit.registration === 'approved' ? (await unitPeriods(unit, new Date(), settings.rules)).slice(0, 12) : [];
  res.render('province/unit', {
    title: unit.entity_name,
    unit,
    periods,
    STATE_LABELS,
    TIMELINESS_LABELS,
    licenceDate: (iso: string) => jalaliDateText(gregorianIsoToJalali(iso)),
  });
}

export function provinceUnitsRouter(): Router {
  const router = Router();
  const officer = requireRole('province_officer');
  router.get('/province/units', officer, list);
  router.get('/province/units/:id', officer, show);
  return router;
}
