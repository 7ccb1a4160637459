import type { Knex } from 'knex';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { sendMail, mailConfigured } from '../mail.ts';
import { createActivationToken } from '../auth/activation.ts';
import type { CurrentUser, Role } from '../auth/users.ts';

// Four eyes on the roles that reach unit data (issue 23 F1, DESIGN §2). A province officer's role
// granted in the web (an account made by an admin, or a role changed to it) is *pending* until a
// second person confirms it: another admin than the one who granted it, or a confirmed officer of
// the same province. A pending account can sign in but reaches nothing (`role_pending` in
// CURRENT_USER_COLUMNS masks its province; the role guards refuse it). The one-time link of such
// an account never reaches the admin's screen: with mail it goes only to the account's address,
// without mail a confirmed officer of the province makes it, as for a unit's account.

/** The roles that reach unit data and so need a second person. */
export const DATA_ROLES: readonly Role[] = ['province_officer'];
export const isDataRole = (role: string): boolean => (DATA_ROLES as readonly string[]).includes(role);

export interface GrantRow {
  id: number; email: string; full_name: string; role: Role; province_code: string | null; province_name: string | null;
  active: boolean; activated: boolean;
  granted_at: Date | null; granted_by_email: string | null; confirmed_at: Date | null; confirmed_by_email: string | null; granted_by: number | null;
}

const GRANT_COLUMNS = (k: Knex) => [
  'us.id', 'us.email', 'us.full_name', 'us.role', 'us.province_code', 'p.name as province_name', 'us.active',
  k.raw('us.password_hash is not null as activated'),
  'us.role_granted_at as granted_at', 'g.email as granted_by_email', 'us.role_granted_by as granted_by',
  'us.role_confirmed_at as confirmed_at', 'c.email as confirmed_by_email',
];

function grants(k: Knex) {
  return k('users as us')
    .leftJoin('provinces as p', 'p.code', 'us.province_code')
    .leftJoin('users as g', 'g.id', 'us.role_granted_by')
    .leftJoin('users as c', 'c.id', 'us.role_confirmed_by')
    .whereIn('us.role', DATA_ROLES as Role[]);
}

export const ACCESS_PAGE_SIZE = 100;

/** The access review: every account holding a data role, pending ones first, with who granted and who confirmed it. */
export async function accessReview(opts: { province: string; page: number }, k: Knex = db()): Promise<{ rows: GrantRow[]; total: number; pages: number; pending: number }> {
  const base = () => {
    const q = grants(k);
    if (opts.province) q.where('us.province_code', opts.province);
    return q;
  };
  const [{ n, pending }] = await base().select(k.raw('count(*)::int as n'), k.raw('count(*) filter (where us.role_confirmed_at is null)::int as pending')) as unknown as { n: number; pending: number }[];
  const rows = await base().select(GRANT_COLUMNS(k))
    .orderByRaw('us.role_confirmed_at is null desc, us.province_code, us.email, us.id')
    .limit(ACCESS_PAGE_SIZE).offset((opts.page - 1) * ACCESS_PAGE_SIZE);
  return { rows: rows as GrantRow[], total: n, pages: Math.max(1, Math.ceil(n / ACCESS_PAGE_SIZE)), pending };
}

/** The officers of one province (colleagues and pending grants), for its officers' page. */
export async function provinceOfficers(province: string, k: Knex = db()): Promise<GrantRow[]> {
  return await grants(k).where('us.province_code', province).select(GRANT_COLUMNS(k))
    .orderByRaw('us.role_confirmed_at is null desc, us.email, us.id').limit(500) as GrantRow[];
}

export type ConfirmResult = 'done' | 'not_found' | 'own_grant' | 'not_pending';

/**
 * The second person's confirmation. `by` is the signed-in user as the guards read it: an admin, or
 * a province officer whose own role is confirmed (its province is then known). Nobody confirms a
 * grant it made, nor its own role; the database's check constraints hold the same rule.
 */
export async function confirmRole(userId: number, by: CurrentUser, ip: string | null, k: Knex = db()): Promise<ConfirmResult> {
  const officer = by.role === 'province_officer';
  if (!(by.role === 'admin' || (officer && !by.role_pending && by.province_code))) return 'not_found';
  const result = await k.transaction(async (trx) => {
    const q = trx('users').where({ id: userId }).whereIn('role', DATA_ROLES as Role[]).forUpdate();
    if (officer) q.where('province_code', by.province_code);
    const target = await q.first('id', 'email', 'province_code', 'role_granted_by', 'role_confirmed_at');
    if (!target) return 'not_found' as const;
    if (target.role_confirmed_at) return 'not_pending' as const;
    if (target.role_granted_by === by.id || target.id === by.id) return 'own_grant' as const;
    await trx('users').where({ id: userId }).update({ role_confirmed_by: by.id, role_confirmed_at: trx.fn.now() });
    await audit({ action: 'user.role_confirmed', userId: by.id, ip, provinceCode: target.province_code, target: `user:${userId}`, details: { role: 'province_officer', province_code: target.province_code } }, trx);
    return target as { email: string };
  });
  if (typeof result === 'string') return result;
  await sendMail(result.email, 'تأیید نقش حساب شما در سامانه آمار تولید', 'نقش «کارشناس استان» حساب شما در سامانه آمار تولید صنعت و معدن را نفر دوم تأیید کرد و اکنون به کار می‌افتد.\n');
  return 'done';
}

/** Tells the province's confirmed officers of a grant in their province (with mail; the page lists it anyway). */
export async function tellProvinceOfGrant(province: string, grantee: { id: number; email: string }, k: Knex = db()): Promise<void> {
  if (!mailConfigured()) return;
  const officers = await k('users').where({ role: 'province_officer', province_code: province, active: true }).whereNotNull('role_confirmed_at').whereNot('id', grantee.id).pluck('email') as string[];
  for (const to of officers) {
    await sendMail(to, 'نقش تازه کارشناس در استان شما', `مدیر سامانه نقش «کارشناس استان» را به حساب ${grantee.email} در استان شما داد. این نقش تا تأیید مدیری دیگر یا یکی از کارشناسان استان به کار نمی‌افتد. اگر این شخص را نمی‌شناسید، آن را تأیید نکنید و به مدیر سامانه خبر دهید.\n`);
  }
}

/**
 * A one-time link for an officer account of the same province that has no password yet (an
 * account made by the admin without mail, or reset): made by a confirmed colleague, shown once.
 */
export async function colleagueActivation(userId: number, by: CurrentUser, ip: string | null, k: Knex = db()): Promise<{ url: string; email: string; mailed: boolean; expiresAt: Date } | undefined> {
  if (by.role !== 'province_officer' || by.role_pending || !by.province_code) return undefined;
  const province = by.province_code;
  const made = await k.transaction(async (trx) => {
    const target = await trx('users').where({ id: userId, role: 'province_officer', province_code: province, active: true }).whereNull('password_hash').whereNot('id', by.id).forUpdate().first('id', 'email');
    if (!target) return undefined;
    const link = await createActivationToken(userId, trx);
    await audit({ action: 'user.activation_link_issued', userId: by.id, ip, provinceCode: province, target: `user:${userId}`, details: { purpose: 'activation' } }, trx);
    return { ...link, email: target.email as string };
  });
  if (!made) return undefined;
  const mailed = await sendMail(made.email, 'پیوند فعال‌سازی حساب سامانه آمار تولید', `برای تعیین گذرواژه حساب خود در سامانه آمار تولید صنعت و معدن، این پیوند را باز کنید (یک‌بار مصرف، تا ۳ روز):\n${made.url}\n`);
  return { url: made.url, email: made.email, mailed, expiresAt: made.expiresAt };
}
