import type { Knex } from 'knex';
import { db, num } from '../db.ts';
import { audit } from '../audit.ts';
import { FormError } from '../forms.ts';
import { latinDigits } from '../text.ts';
import { hashPassword } from '../auth/passwords.ts';
import { createActivationToken } from '../auth/activation.ts';
import { sendMail, mailConfigured } from '../mail.ts';
import { ROLE_LABELS } from '../glossary.ts';
import type { Role } from '../auth/users.ts';
import { isUniqueViolation } from '../units/model.ts';
import { endSessionsOf } from '../auth/session.ts';
import { isDataRole, tellProvinceOfGrant } from '../access/grants.ts';
import type { StaffRole, StaffUserInput, UserFilter } from './forms.ts';

// Staff accounts (issue 2 item 5): created by an admin or `npm run user:create`; a new account or
// a reset one gets a one-time activation link rather than a password chosen by someone else.

export interface Actor { id: number | null; ip?: string | null }
export interface CreatedUser { id: number; email: string; activationUrl: string | null; mailed: boolean; pendingConfirmation: boolean; provinceName: string | null }

const ACTIVATION_SUBJECT = 'حساب شما در سامانه آمار تولید صنعت و معدن';
const activationText = (url: string) => `برای شما حسابی در سامانه آمار تولید ساخته شد یا گذرواژه آن بازنشانی شد. برای تعیین گذرواژه این پیوند یک‌بار مصرف را باز کنید (تا ۳ روز معتبر است):\n${url}\n`;

/**
 * Creates a staff account. Without a password the owner gets a one-time activation link (emailed
 * when SMTP is configured); with one (the CLI, for a new installation) the account is usable at once.
 * Made by an admin in the web (`actor.id` set), a role that reaches unit data waits for a second
 * person (src/access/grants.ts) and its link never comes back to the admin: mailed, or made by a
 * confirmed officer of the province. The operator's CLI (`actor.id` null) stays immediate.
 */
export async function createStaffUser(input: StaffUserInput & { password?: string }, actor: Actor, k: Knex = db()): Promise<CreatedUser> {
  const province = input.role === 'province_officer' ? input.province_code : null;
  const provinceRow = province ? await k('provinces').where({ code: province }).first('code', 'name') : undefined;
  if (province && !provinceRow) throw new FormError({ province_code: 'این استان در فهرست نیست.' });
  if (await k('users').whereRaw('lower(email) = lower(?)', [input.email]).first('id')) throw new FormError({ email: 'این پست الکترونیکی پیش‌تر در سامانه ثبت شده است.' });
  const fourEyes = actor.id !== null && isDataRole(input.role);
  const hash = input.password && !fourEyes ? await hashPassword(input.password) : null;
  const linkMayBeShown = !fourEyes || mailConfigured();
  let created: { id: number; url: string | null };
  try {
    created = await k.transaction(async (trx) => {
      const [row] = await trx('users').insert({
        email: input.email, full_name: input.full_name, role: input.role, province_code: province, password_hash: hash, email_verified_at: hash ? trx.fn.now() : null,
        role_granted_by: actor.id, role_granted_at: trx.fn.now(), role_confirmed_at: fourEyes ? null : trx.fn.now(),
      }).returning('id');
      const link = hash || !linkMayBeShown ? null : await createActivationToken(row.id, trx);
      await audit({ action: 'user.created', userId: actor.id, ip: actor.ip ?? null, provinceCode: province, target: `user:${row.id}`, details: { email: input.email, role: input.role, province_code: province } }, trx);
      return { id: row.id, url: link?.url ?? null };
    });
  } catch (e) {
    if (isUniqueViolation(e, 'users_email_unique')) throw new FormError({ email: 'این پست الکترونیکی پیش‌تر در سامانه ثبت شده است.' });
    throw e;
  }
  const mailed = created.url ? await sendMail(input.email, ACTIVATION_SUBJECT, activationText(created.url)) : false;
  if (fourEyes && province) await tellProvinceOfGrant(province, { id: created.id, email: input.email }, k);
  return {
    id: created.id, email: input.email, mailed, pendingConfirmation: fourEyes, provinceName: (provinceRow?.name as string | undefined) ?? null,
    // A data role's link is never handed back to the admin (mailed, or made by the province's officer).
    activationUrl: fourEyes ? null : created.url,
  };
}

export interface UserRow { id: number; email: string; full_name: string; role: Role; province_code: string | null; province_name: string | null; active: boolean; activated: boolean; last_login_at: Date | null; created_at: Date }

export const USERS_PAGE_SIZE = 50;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** One page of accounts (by role, then email), searched by name, email or id, with the total. */
export async function listUsers(f: UserFilter, k: Knex = db()): Promise<{ rows: UserRow[]; total: number; pages: number }> {
  const base = () => {
    const q = k('users as us');
    if (f.role) q.where('us.role', f.role);
    if (f.province) q.where('us.province_code', f.province);
    if (f.q) {
      const like = `%${likeEscape(f.q.toLowerCase())}%`;
      const id = latinDigits(f.q);
      q.where((w) => {
        w.whereRaw(`lower(us.full_name) like ? escape '\\'`, [like]).orWhereRaw(`lower(us.email) like ? escape '\\'`, [like]);
        if (/^\d{1,9}$/.test(id)) w.orWhere('us.id', Number(id));
      });
    }
    return q;
  };
  const [{ n }] = await base().count<{ n: number }[]>('* as n');
  const total = num(n);
  const rows = await base().leftJoin('provinces as p', 'p.code', 'us.province_code')
    .select('us.id', 'us.email', 'us.full_name', 'us.role', 'us.province_code', 'p.name as province_name', 'us.active',
      k.raw('us.password_hash is not null as activated'), 'us.last_login_at', 'us.created_at')
    .orderBy([{ column: 'us.role' }, { column: 'us.email' }, { column: 'us.id' }])
    .limit(USERS_PAGE_SIZE)
    .offset((f.page - 1) * USERS_PAGE_SIZE);
  return { rows: rows as UserRow[], total, pages: Math.max(1, Math.ceil(total / USERS_PAGE_SIZE)) };
}

/** One account for the deactivation page, or undefined. */
export function findUser(id: number, k: Knex = db()): Promise<UserRow | undefined> {
  return k('users as us').leftJoin('provinces as p', 'p.code', 'us.province_code').where('us.id', id)
    .first('us.id', 'us.email', 'us.full_name', 'us.role', 'us.province_code', 'p.name as province_name', 'us.active',
      k.raw('us.password_hash is not null as activated'), 'us.last_login_at', 'us.created_at');
}

export interface ResetOutcome { id: number; email: string; role: Role; activationUrl: string | null; mailed: boolean; handedTo: 'mail' | 'admin' | 'province_officer'; provinceName: string | null }

/**
 * Clears the password and ends every session and API token; the one-time link goes only to the
 * account's own email (issue 12 §3a). Without mail, a staff account's link is shown to the admin,
 * but a unit user's never is: the admin must not be able to become a unit user — the officer of
 * the unit's province makes the link, after knowing who asks.
 */
export async function resetPassword(userId: number, actor: Actor, k: Knex = db()): Promise<ResetOutcome | undefined> {
  const result = await k.transaction(async (trx) => {
    const user = await trx('users').where({ id: userId }).forUpdate().first('id', 'email', 'province_code', 'role');
    if (!user) return undefined;
    await trx('users').where({ id: userId }).update({ password_hash: null, failed_logins: 0, locked_until: null });
    await endSessionsOf(trx, userId); // a session that may have been stolen ends with the password
    // …and so does every API token: a reset means the account may be in someone else's hands.
    await trx('api_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
    // A unit user's or a data role's link never reaches the admin's screen (issue 12 §3a, issue 23 F1).
    const unitUser = user.role === 'unit_user' || isDataRole(user.role);
    const link = !unitUser || mailConfigured() ? await createActivationToken(userId, trx) : null;
    // For a unit user without mail any earlier link dies too: only the officer's fresh one counts.
    if (!link) await trx('activation_tokens').where({ user_id: userId }).whereNull('used_at').update({ used_at: trx.fn.now() });
    const province = user.province_code
      ? await trx('provinces as p').where('p.code', user.province_code).first('p.name', 'p.code')
      : unitUser
      ? await trx('unit_users as uu').join('units as u', 'u.id', 'uu.unit_id').join('provinces as p', 'p.code', 'u.province_code').where('uu.user_id', userId).first('p.name', 'p.code')
      : undefined;
    await audit({ action: 'user.password_reset', userId: actor.id, ip: actor.ip ?? null, provinceCode: user.province_code ?? province?.code ?? null, target: `user:${userId}` }, trx);
    return { id: userId, email: user.email as string, role: user.role as Role, url: link?.url ?? null, provinceName: (province?.name as string | undefined) ?? null };
  });
  if (!result) return undefined;
  const mailed = result.url ? await sendMail(result.email, ACTIVATION_SUBJECT, activationText(result.url)) : false;
  const unitUser = result.role === 'unit_user' || isDataRole(result.role);
  return {
    id: result.id, email: result.email, role: result.role, mailed, provinceName: result.provinceName,
    activationUrl: mailed || unitUser ? null : result.url,
    handedTo: mailed ? 'mail' : unitUser ? 'province_officer' : 'admin',
  };
}

/**
 * Changes a staff account's role (issue 12 §3b): never one's own — an admin does not make itself
 * a province officer — and never to or from a unit user. Audited, and the account is told.
 */
export async function changeRole(userId: number, input: { role: StaffRole; province_code: string | null }, actor: Actor, k: Knex = db()): Promise<'done' | 'self' | 'not_found' | 'unchanged'> {
  if (actor.id === userId) return 'self';
  const province = input.role === 'province_officer' ? input.province_code : null;
  if (province && !(await k('provinces').where({ code: province }).first('code'))) throw new FormError({ province_code: 'این استان در فهرست نیست.' });
  const changed = await k.transaction(async (trx) => {
    const user = await trx('users').where({ id: userId }).whereNot('role', 'unit_user').forUpdate().first('id', 'email', 'role', 'province_code');
    if (!user) return undefined;
    if (user.role === input.role && user.province_code === province) return null;
    // A data role (or a data role in another province) waits for a second person (issue 23 F1).
    const fourEyes = actor.id !== null && isDataRole(input.role);
    await trx('users').where({ id: userId }).update({
      role: input.role, province_code: province,
      role_granted_by: actor.id, role_granted_at: trx.fn.now(), role_confirmed_by: null, role_confirmed_at: fourEyes ? null : trx.fn.now(),
    });
    if (fourEyes) {
      // The admin may have seen this account's link while it held a staff role: the account starts
      // again from a link the admin never sees (mailed, or made by a confirmed officer of the province).
      await trx('users').where({ id: userId }).update({ password_hash: null, failed_logins: 0, locked_until: null });
      await endSessionsOf(trx, userId);
      await trx('api_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
      await trx('activation_tokens').where({ user_id: userId }).whereNull('used_at').update({ used_at: trx.fn.now() });
    }
    await audit({ action: 'user.role_changed', userId: actor.id, ip: actor.ip ?? null, provinceCode: province ?? user.province_code, target: `user:${userId}`, details: { from: user.role, to: input.role, province_code: province } }, trx);
    return user as { id: number; email: string; role: Role };
  });
  if (changed === undefined) return 'not_found';
  if (changed === null) return 'unchanged';
  if (province && isDataRole(input.role) && actor.id !== null) {
    if (mailConfigured()) {
      const link = await createActivationToken(userId, k);
      await sendMail(changed.email, ACTIVATION_SUBJECT, activationText(link.url));
    }
    await tellProvinceOfGrant(province, { id: userId, email: changed.email }, k);
  }
  await sendMail(changed.email, 'تغییر نقش حساب شما در سامانه آمار تولید', `نقش حساب شما در سامانه آمار تولید صنعت و معدن از «${ROLE_LABELS[changed.role] ?? changed.role}» به «${ROLE_LABELS[input.role] ?? input.role}» تغییر کرد. اگر از این تغییر خبر ندارید، به مدیر سامانه اطلاع دهید.\n`);
  return 'done';
}

/** Deactivates or reactivates an account; a deactivated user's sessions stop working at once. */
export async function setUserActive(userId: number, active: boolean, actor: Actor, k: Knex = db()): Promise<boolean> {
  return k.transaction(async (trx) => {
    const changed = await trx('users').where({ id: userId }).update({ active });
    if (changed !== 1) return false;
    // One-time links die both ways (issue 23 F8): a link made before a deactivation must not wake up with the account.
    await trx('activation_tokens').where({ user_id: userId }).whereNull('used_at').update({ used_at: trx.fn.now() });
    // Revoked for good: a reactivated account starts without the tokens it had (issue 12 §6).
    if (!active) {
      await trx('api_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
      await endSessionsOf(trx, userId);
    }
    await audit({ action: active ? 'user.reactivated' : 'user.deactivated', userId: actor.id, ip: actor.ip ?? null, target: `user:${userId}` }, trx);
    return true;
  });
}
