import type { Knex } from 'knex';
import { z } from 'zod';
import { db } from '../db.ts';
import { parseJalaliDate, startOfJalaliDay, jalaliDateOf, formatJalaliDate, tehranTimeOf, type JalaliDate } from '../calendar.ts';
import { latinDigits, normalizeText, compareFa, persianDigits } from '../text.ts';
import { str, type FormResult } from '../forms.ts';
import { ACTION_LABELS, DETAIL_LABELS, OBJECT_LABELS, actionLabel } from '../glossary.ts';

// The audit log for administrators (DESIGN §2: every officer's view of a unit's filing, every
// decision): filters, pages, CSV. Reads only; scope is national (admins only).

export { ACTION_LABELS, actionLabel };

/**
 * The details an administrator may read (issue 12 §3d, DESIGN §2: the admin sees no unit data):
 * who did what when, never the words of an officer's reason (they quote figures) nor a unit's
 * score or figures. Anything not named (in the glossary's DETAIL_LABELS) is left out, so a new
 * detail is hidden until listed.
 */
const SHOWN_DETAIL_KEYS = new Set(Object.keys(DETAIL_LABELS).filter((k) => k !== '…'));

export function shownDetails(details: unknown): Record<string, unknown> | null {
  if (details === null || details === undefined) return null;
  let obj: unknown = details;
  if (typeof details === 'string') {
    try { obj = JSON.parse(details); } catch { return null; }
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return null;
  const kept = Object.entries(obj as Record<string, unknown>).filter(([k]) => SHOWN_DETAIL_KEYS.has(k));
  const hidden = Object.keys(obj as Record<string, unknown>).length - kept.length;
  const out = Object.fromEntries(kept);
  if (hidden > 0) out['…'] = 'پنهان';
  return Object.keys(out).length ? out : null;
}

export const PAGE_SIZE = 50;

export interface AuditFilter {
  action: string | null;
  user: { id: number } | { email: string } | null;
  unitId: number | null;
  target: string | null; // one object's events: `filing:12`
  province: string | null;
  from: Date | null; // inclusive: the start of the Jalali day, Tehran
  until: Date | null; // exclusive: the start of the day after the last day
  page: number;
}

export interface AuditRow {
  id: number;
  at: Date;
  action: string;
  user_id: number | null;
  email: string | null;
  full_name: string | null;
  role: string | null;
  unit_id: number | null;
  unit_name: string | null;
  province_code: string | null;
  province_name: string | null;
  target: string | null;
  details: unknown;
  ip: string | null;
}

const optional = (v: unknown) => latinDigits(str(v)).trim();

const jalaliDay = (label: string) => z.preprocess(
  (v) => optional(v).replace(/\//g, '-'),
  z.string().refine((s) => s === '' || parseJalaliDate(s) !== null, `${label} باید تاریخ شمسی معتبر باشد، مانند ۱۴۰۴/۰۸/۰۱.`),
);

const filterForm = z.object({
  action: z.preprocess(optional, z.string().max(60, 'رویداد نامعتبر است.').regex(/^[a-z0-9_.]*$/, 'رویداد نامعتبر است.')),
  user: z.preprocess((v) => normalizeText(optional(v)).toLowerCase(), z.string().max(200, 'کاربر حداکثر ۲۰۰ نویسه است.')),
  unit: z.preprocess(optional, z.string().regex(/^\d{0,9}$/, 'شناسه واحد باید عدد باشد.')),
  province: z.preprocess(optional, z.string().regex(/^(\d{2})?$/, 'استان نامعتبر است.')),
  target: z.preprocess(optional, z.string().regex(/^([a-z_]{1,20}:[0-9A-Za-z_-]{1,40})?$/, 'مورد نامعتبر است.')),
  from: jalaliDay('تاریخ شروع'),
  to: jalaliDay('تاریخ پایان'),
  page: z.preprocess((v) => optional(v) || '1', z.string().regex(/^\d{1,6}$/, 'شماره صفحه نامعتبر است.')),
});

export type AuditFilterValues = Record<'action' | 'user' | 'unit' | 'target' | 'province' | 'from' | 'to', string>;

/** The query string as typed (for re-showing the form) and, when valid, the filter it means. */
export function parseAuditFilter(query: Record<string, unknown>): { values: AuditFilterValues; result: FormResult<AuditFilter> } {
  const raw = (k: string) => str(query[k], 200);
  const values = { action: raw('action'), user: raw('user'), unit: raw('unit'), target: raw('target'), province: raw('province'), from: raw('from'), to: raw('to') };
  const parsed = filterForm.safeParse(query);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const i of parsed.error.issues) errors[String(i.path[0] ?? '_form')] ??= i.message;
    return { values, result: { ok: false, errors } };
  }
  const d = parsed.data;
  const from = d.from ? parseJalaliDate(d.from) : null;
  const to = d.to ? parseJalaliDate(d.to) : null;
  if (from && to && formatJalaliDate(from) > formatJalaliDate(to)) return { values, result: { ok: false, errors: { to: 'تاریخ پایان پیش از تاریخ شروع است.' } } };
  return {
    values,
    result: {
      ok: true,
      data: {
        action: d.action || null,
        user: d.user === '' ? null : /^\d{1,9}$/.test(d.user) ? { id: Number(d.user) } : { email: d.user },
        unitId: d.unit ? Number(d.unit) : null,
        target: d.target || null,
        province: d.province || null,
        from: from ? startOfJalaliDay(from) : null,
        until: to ? startOfJalaliDay(dayAfter(to)) : null,
        page: Math.max(1, Number(d.page)),
      },
    },
  };
}

function dayAfter(d: JalaliDate): JalaliDate {
  // Noon of the day plus 24 h is safely inside the next day whatever the offset.
  return jalaliDateOf(new Date(startOfJalaliDay(d).getTime() + 36 * 3600_000));
}

// Who the event is about: its user, or for sign-in events (written before anyone is signed in)
// the account named in the target.
const ACTOR = `coalesce(a.user_id, case when a.action like 'auth.%' and a.target ~ '^user:[0-9]{1,9}$' then substr(a.target, 6)::int end)`;

function filtered(k: Knex, f: AuditFilter): Knex.QueryBuilder {
  const q = k('audit_log as a')
    .leftJoin('users as u', (j) => { j.on('u.id', '=', k.raw(ACTOR)); })
    .leftJoin('units as un', 'un.id', 'a.unit_id')
    .leftJoin('legal_entities as le', 'le.id', 'un.legal_entity_id')
    .leftJoin('provinces as p', 'p.code', 'a.province_code');
  if (f.action) q.where('a.action', f.action);
  if (f.user && 'id' in f.user) q.whereRaw(`${ACTOR} = ?`, [f.user.id]);
  if (f.user && 'email' in f.user) q.whereRaw(`lower(u.email) like ? escape '\\'`, [`%${f.user.email.replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
  if (f.unitId) q.where('a.unit_id', f.unitId);
  if (f.target) q.where('a.target', f.target);
  // A province's events, and events of its officers that name no province (their sign-ins).
  if (f.province) q.where((w) => w.where('a.province_code', f.province).orWhere((o) => o.whereNull('a.province_code').where('u.province_code', f.province)));
  if (f.from) q.where('a.at', '>=', f.from);
  if (f.until) q.where('a.at', '<', f.until);
  return q;
}

const COLUMNS = ['a.id', 'a.at', 'a.action', 'u.id as user_id', 'u.email', 'u.full_name', 'u.role', 'a.unit_id', 'le.name as unit_name', 'a.province_code', 'p.name as province_name', 'a.target', 'a.details', 'a.ip'];

/** One page, newest first, and whether another page follows. */
export async function auditPage(f: AuditFilter, k: Knex = db()): Promise<{ rows: AuditRow[]; hasNext: boolean }> {
  const rows = (await filtered(k, f).select(COLUMNS).orderBy('a.id', 'desc').limit(PAGE_SIZE + 1).offset((f.page - 1) * PAGE_SIZE)) as AuditRow[];
  return { rows: rows.slice(0, PAGE_SIZE), hasNext: rows.length > PAGE_SIZE };
}

/** Every matching row, newest first, in batches (the log grows by every officer's view). */
export async function* auditRows(f: AuditFilter, k: Knex = db(), batch = 2000): AsyncGenerator<AuditRow[]> {
  let before: number | null = null;
  for (;;) {
    const q = filtered(k, f).select(COLUMNS).orderBy('a.id', 'desc').limit(batch);
    if (before !== null) q.where('a.id', '<', before);
    const rows = (await q) as AuditRow[];
    if (rows.length) yield rows;
    if (rows.length < batch) return;
    before = rows[rows.length - 1].id;
  }
}

/** Every action present in the log (an index skip-scan, not a pass over the whole table). */
export async function actionsInLog(k: Knex = db()): Promise<string[]> {
  const r = await k.raw(
    `with recursive a as (
       select min(action) as action from audit_log
       union all
       select (select min(action) from audit_log where action > a.action) from a where a.action is not null
     ) select action from a where action is not null`,
  );
  const present = (r.rows as { action: string }[]).map((x) => x.action);
  return [...new Set([...Object.keys(ACTION_LABELS), ...present])].sort((x, y) => compareFa(actionLabel(x), actionLabel(y)));
}

export interface AuditObject { label: string; href: string | null }

/**
 * What a row is about, in words, and the page an administrator can open for it: an account in
 * the users list; anything else its own events in this log (an administrator opens no unit's
 * filing or release: DESIGN §2), a unit by its id.
 */
export function auditObject(target: string | null): AuditObject | null {
  const m = target ? /^([a-z_]+):(.+)$/.exec(target) : null;
  if (!m) return target ? { label: target, href: null } : null;
  const [, kind, id] = m;
  const label = `${OBJECT_LABELS[kind] ?? 'مورد'} ${persianDigits(id)}`;
  if (kind === 'user' && /^\d{1,9}$/.test(id)) return { label, href: `/admin/users?q=${id}` };
  if (kind === 'unit' && /^\d{1,9}$/.test(id)) return { label, href: `/admin/audit?unit=${id}` };
  return { label, href: `/admin/audit?target=${encodeURIComponent(target!)}` };
}

/** The shown details as label–value pairs, for a folded list under the row. */
export function detailPairs(details: unknown): { label: string; value: string }[] {
  const shown = shownDetails(details);
  if (!shown) return [];
  return Object.entries(shown).map(([k, v]) => ({ label: DETAIL_LABELS[k] ?? k, value: persianDigits(typeof v === 'string' ? v : JSON.stringify(v)) }));
}

export const CSV_HEADER = ['شناسه', 'زمان (تهران)', 'زمان (UTC)', 'رویداد', 'کد رویداد', 'شناسه کاربر', 'پست الکترونیکی کاربر', 'نقش', 'استان', 'شناسه واحد', 'واحد', 'هدف', 'جزئیات', 'نشانی IP'];

const pad = (n: number) => String(n).padStart(2, '0');

export function csvRecord(r: AuditRow, roleLabel: (role: string) => string): string[] {
  const at = new Date(r.at);
  const t = tehranTimeOf(at);
  return [
    String(r.id),
    `${formatJalaliDate(jalaliDateOf(at), '/')} ${pad(t.h)}:${pad(t.mi)}:${pad(t.s)}`,
    at.toISOString(),
    actionLabel(r.action),
    r.action,
    r.user_id === null ? '' : String(r.user_id),
    r.email ?? '',
    r.role ? roleLabel(r.role) : '',
    r.province_name ?? r.province_code ?? '',
    r.unit_id === null ? '' : String(r.unit_id),
    r.unit_name ?? '',
    r.target ?? '',
    (() => { const d = shownDetails(r.details); return d ? JSON.stringify(d) : ''; })(),
    r.ip ?? '',
  ];
}

