import type { Knex } from 'knex';
import { z } from 'zod';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { text, email } from '../forms.ts';
import { FormError } from '../forms.ts';
import { hashPassword } from '../auth/passwords.ts';
import { createActivationToken } from '../auth/activation.ts';
import { sendMail } from '../mail.ts';
import type { Role } from '../auth/users.ts';
import { isUniqueViolation } from '../units/model.ts';
import { endSessionsOf } from '../auth/session.ts';

// Staff accounts (issue 2 item 5): created by an admin or `npm run user:create`; a new account or
// a reset one gets a one-time activation link rather than a password chosen by someone else.

export const CREATABLE_ROLES = ['province_officer', 'stats_office', 'planning_deputy', 'admin'] as const satisfies readonly Role[];
export type StaffRole = (typeof CREATABLE_ROLES)[number];

export const staffUserForm = z.object({
  email: email(),
  full_name: text('نام و نام خانوادگی', 150),
  role: z.enum(CREATABLE_ROLES, { error: 'نقش را انتخاب کنید.' }),
  province_code: z.preprocess((v) => (typeof v === 'string' && v.trim() ? v.trim() : null), z.string().regex(/^\d{2}$/, 'استان را از فهرست انتخاب کنید.').nullable()),
}).superRefine((v, ctx) => {
  if (v.role === 'province_officer' && !v.province_code) ctx.addIssue({ code: 'custom', path: ['province_code'], message: 'برای کارشناس استان، استان را انتخاب کنید.' });
});
export type StaffUserInput = z.infer<typeof staffUserForm>;

export interface Actor { id: number | null; ip?: string | null }
export interface CreatedUser { id: number; email: string; activationUrl: string | null; mailed: boolean }

const ACTIVATION_SUBJECT = 'حساب شما در سامانه آمار تولید صنعت و معدن';
const activationText = (url: string) => `برای شما حسابی در سامانه آمار تولید ساخته شد یا گذرواژه آن بازنشانی شد. برای تعیین گذرواژه این پیوند یک‌بار مصرف را باز کنید (تا ۳۰ روز معتبر است):\n${url}\n`;

/**
 * Creates a staff account. Without a password the owner gets a one-time activation link (emailed
 * when SMTP is configured); with one (the CLI, for a new installation) the account is usable at once.
 */
export async function createStaffUser(input: StaffUserInput & { password?: string }, actor: Actor, k: Knex = db()): Promise<CreatedUser> {
  const province = input.role === 'province_officer' ? input.province_code : null;
  if (province && !(await k('provinces').where({ code: province }).first('code'))) throw new FormError({ province_code: 'این استان در فهرست نیست.' });
  if (await k('users').whereRaw('lower(email) = lower(?)', [input.email]).first('id')) throw new FormError({ email: 'این پست الکترونیکی پیش‌تر در سامانه ثبت شده است.' });
  const hash = input.password ? await hashPassword(input.password) : null;
  let created: { id: number; url: string | null };
  try {
    created = await k.transaction(async (trx) => {
      const [row] = await trx('users').insert({ email: input.email, full_name: input.full_name, role: input.role, province_code: province, password_hash: hash }).returning('id');
      const link = hash ? null : await createActivationToken(row.id, trx);
      await audit({ action: 'user.created', userId: actor.id, ip: actor.ip ?? null, provinceCode: province, target: `user:${row.id}`, details: { email: input.email, role: input.role, province_code: province } }, trx);
      return { id: row.id, url: link?.url ?? null };
    });
  } catch (e) {
    if (isUniqueViolation(e, 'users_email_unique')) throw new FormError({ email: 'این پست الکترونیکی پیش‌تر در سامانه ثبت شده است.' });
    throw e;
  }
  const mailed = created.url ? await sendMail(input.email, ACTIVATION_SUBJECT, activationText(created.url)) : false;
  return { id: created.id, email: input.email, activationUrl: created.url, mailed };
}

export interface UserRow { id: number; email: string; full_name: string; role: Role; province_code: string | null; province_name: string | null; active: boolean; activated: boolean; last_login_at: Date | null; created_at: Date }

export function listUsers(filter: { role?: string; province?: string }, k: Knex = db()): Promise<UserRow[]> {
  const q = k('users as us').leftJoin('provinces as p', 'p.code', 'us.province_code')
    .select('us.id', 'us.email', 'us.full_name', 'us.role', 'us.province_code', 'p.name as province_name', 'us.active',
      k.raw('us.password_hash is not null as activated'), 'us.last_login_at', 'us.created_at')
    .orderBy([{ column: 'us.role' }, { column: 'us.email' }])
    .limit(500);
  if (filter.role) q.where('us.role', filter.role);
  if (filter.province) q.where('us.province_code', filter.province);
  return q;
}

/** Clears the password and issues a new one-time link; undefined when there is no such user. */
export async function resetPassword(userId: number, actor: Actor, k: Knex = db()): Promise<CreatedUser | undefined> {
  const result = await k.transaction(async (trx) => {
    const user = await trx('users').where({ id: userId }).forUpdate().first('id', 'email', 'province_code');
    if (!user) return undefined;
    await trx('users').where({ id: userId }).update({ password_hash: null, failed_logins: 0, locked_until: null });
    await endSessionsOf(trx, userId); // a session that may have been stolen ends with the password
    // …and so does every API token: a reset means the account may be in someone else's hands.
    await trx('api_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
    const link = await createActivationToken(userId, trx);
    await audit({ action: 'user.password_reset', userId: actor.id, ip: actor.ip ?? null, provinceCode: user.province_code, target: `user:${userId}` }, trx);
    return { id: userId, email: user.email as string, url: link.url };
  });
  if (!result) return undefined;
  const mailed = await sendMail(result.email, ACTIVATION_SUBJECT, activationText(result.url));
  return { id: result.id, email: result.email, activationUrl: result.url, mailed };
}

/** Deactivates or reactivates an account; a deactivated user's sessions stop working at once. */
export async function setUserActive(userId: number, active: boolean, actor: Actor, k: Knex = db()): Promise<boolean> {
  return k.transaction(async (trx) => {
    const changed = await trx('users').where({ id: userId }).update({ active });
    if (changed !== 1) return false;
    await audit({ action: active ? 'user.reactivated' : 'user.deactivated', userId: actor.id, ip: actor.ip ?? null, target: `user:${userId}` }, trx);
    return true;
  });
}
