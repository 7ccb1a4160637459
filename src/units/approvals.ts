import type { Knex } from 'knex';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { recomputeStatusesNow } from '../eligibility/record.ts';
import { createActivationToken, emailProofText } from '../auth/activation.ts';
import { sendMail, mailConfigured } from '../mail.ts';
import { unitColumns, withProducts, type UnitSummary } from './model.ts';

// The province office's side of registration (DESIGN §2, issue 2 item 4): every query is scoped
// to the officer's province in SQL, so another province's unit is simply not found.

export interface PendingRegistration { id: number; entity_name: string; national_id: string; licence_no: string; kind: string; isic_class: string; isic_title: string; city: string; created_at: Date }

export function pendingRegistrations(province: string, k: Knex = db()): Promise<PendingRegistration[]> {
  return unitColumns(k).where({ 'u.province_code': province, 'u.registration': 'pending' }).orderBy('u.created_at');
}

export interface RegistrationDetail extends UnitSummary { accounts: { id: number; email: string; full_name: string; activated: boolean }[] }

export async function registrationDetail(id: number, province: string, k: Knex = db()): Promise<RegistrationDetail | undefined> {
  const unit = await unitColumns(k).where({ 'u.id': id, 'u.province_code': province }).first();
  if (!unit) return undefined;
  const [withP] = await withProducts([unit], k);
  const accounts = await k('unit_users as uu').join('users as us', 'us.id', 'uu.user_id').where('uu.unit_id', id)
    .select('us.id', 'us.email', 'us.full_name', k.raw('us.password_hash is not null as activated')).orderBy('us.id');
  return { ...withP, accounts };
}

export type Decision = { kind: 'approved' } | { kind: 'rejected'; reason: string };
export type DecisionResult = 'done' | 'already_decided' | 'not_found';

/** Approves or rejects a pending registration of the officer's province, and records it. */
export async function decideRegistration(id: number, province: string, decision: Decision, officer: { id: number; ip?: string | null }, k: Knex = db()): Promise<DecisionResult> {
  return k.transaction(async (trx) => {
    const changed = await trx('units')
      .where({ id, province_code: province, registration: 'pending' })
      .update({
        registration: decision.kind,
        rejection_reason: decision.kind === 'rejected' ? decision.reason : null,
        reviewed_by: officer.id,
        reviewed_at: trx.fn.now(),
      });
    if (changed !== 1) {
      const exists = await trx('units').where({ id, province_code: province }).first('id');
      return exists ? 'already_decided' : 'not_found';
    }
    await audit({
      action: decision.kind === 'approved' ? 'unit.registration_approved' : 'unit.registration_rejected',
      userId: officer.id, ip: officer.ip ?? null, unitId: id, provinceCode: province, target: `unit:${id}`,
      details: decision.kind === 'rejected' ? { reason: decision.reason } : null,
    }, trx);
    if (decision.kind === 'approved') await recomputeStatusesNow(trx, [id]);
    return 'done';
  });
}

export interface PendingActivation { user_id: number; email: string; unit_id: number; entity_name: string; licence_no: string; needs: 'password' | 'email'; expires_at: Date | null; other_provinces: boolean }

/**
 * True when the account `us` owns or claims a unit outside :province (issue 23 F2): a link made by
 * this province's officer would hand over that other province's unit too, so none is made here.
 */
const OTHER_PROVINCES = `exists (
    select 1 from unit_users x join units xu on xu.id = x.unit_id where x.user_id = us.id and xu.province_code <> :province
    union all
    select 1 from unit_claims x join units xu on xu.id = x.unit_id where x.user_id = us.id and x.status = 'pending' and xu.province_code <> :province)`;

export const OTHER_PROVINCE_REFUSAL = 'این حساب به واحدی در استان دیگری هم پیوند دارد یا آن را درخواست کرده است؛ پیوند یک‌بار مصرف آن را کارشناس یک استان به‌تنهایی نمی‌سازد، چون به داده‌های استان دیگر هم راه می‌دهد. با پست الکترونیکی سامانه، صاحب حساب خودش از «گذرواژه را فراموش کرده‌ام» پیوند را به نشانی خود می‌گیرد؛ وگرنه موضوع را به مدیر سامانه و کارشناس استان دیگر بگویید.';

/** Unit users of the province (owners, or claimants of its units) — the accounts its officer hands links to. */
const PROVINCE_UNIT_ACCOUNTS = `
  select uu.user_id, uu.unit_id from unit_users uu join units u on u.id = uu.unit_id where u.province_code = :province
  union
  select c.user_id, c.unit_id from unit_claims c join units u on u.id = c.unit_id where u.province_code = :province and c.status = 'pending'`;

/**
 * Accounts of the province's units that cannot sign in yet: no password (imported units, an admin's
 * reset) or an email not yet proven (registrations), with the expiry of the latest link issued.
 * Links are stored hashed: the officer gets a fresh one, once, by asking for it.
 */
export async function pendingActivations(province: string, k: Knex = db()): Promise<PendingActivation[]> {
  const r = await k.raw(`
    select distinct on (us.id) us.id as user_id, us.email, a.unit_id, le.name as entity_name, u.licence_no,
           case when us.password_hash is null then 'password' else 'email' end as needs, t.expires_at,
           ${OTHER_PROVINCES} as other_provinces
    from (${PROVINCE_UNIT_ACCOUNTS}) a
    join users us on us.id = a.user_id
    join units u on u.id = a.unit_id
    join legal_entities le on le.id = u.legal_entity_id
    left join lateral (
      select expires_at from activation_tokens t where t.user_id = us.id and t.used_at is null and t.expires_at > now() order by t.id desc limit 1
    ) t on true
    where us.role = 'unit_user' and us.active and (us.password_hash is null or us.email_verified_at is null)
    order by us.id, a.unit_id`, { province });
  return (r.rows as PendingActivation[]).sort((x, y) => x.entity_name.localeCompare(y.entity_name, 'fa') || x.email.localeCompare(y.email));
}

/**
 * A fresh one-time link for an account of the officer's province that cannot sign in yet: to set
 * its password, or to prove its email. Mailed when mail is configured; otherwise returned once for
 * the officer to hand over (it is stored only as a hash).
 */
export async function reissueActivation(userId: number, province: string, officer: { id: number; ip?: string | null }, k: Knex = db()): Promise<{ url: string; email: string; mailed: boolean; expiresAt: Date } | 'other_province' | undefined> {
  const { rows } = await k.raw(`
    select us.id, us.email, us.password_hash is null as no_password, a.unit_id, ${OTHER_PROVINCES} as other_provinces
      from (${PROVINCE_UNIT_ACCOUNTS}) a join users us on us.id = a.user_id
     where us.id = :userId and us.role = 'unit_user' and us.active and (us.password_hash is null or us.email_verified_at is null)
     limit 1`, { province, userId }) as { rows: { id: number; email: string; no_password: boolean; unit_id: number; other_provinces: boolean }[] };
  const target = rows[0];
  if (!target) return undefined;
  if (target.other_provinces) {
    // Recorded with the province of the asking officer: the admin's audit view shows it.
    await audit({ action: 'user.activation_link_refused', userId: officer.id, ip: officer.ip ?? null, unitId: target.unit_id, provinceCode: province, target: `user:${userId}`, details: { reason: 'other_province' } }, k);
    await tellOfRefusedLink(userId, target.email, province, k);
    return 'other_province';
  }
  const purpose = target.no_password ? 'activation' : 'email';
  const link = await k.transaction(async (trx) => {
    const made = await createActivationToken(userId, trx, purpose);
    await audit({ action: 'user.activation_link_issued', userId: officer.id, ip: officer.ip ?? null, unitId: target.unit_id, provinceCode: province, target: `user:${userId}`, details: { purpose } }, trx);
    return made;
  });
  const mailed = await sendMail(target.email, purpose === 'email' ? 'تأیید پست الکترونیکی در سامانه آمار تولید' : 'پیوند فعال‌سازی حساب سامانه آمار تولید',
    purpose === 'email' ? emailProofText(link.url) : activationMailText(link.url));
  return { url: link.url, email: target.email, mailed, expiresAt: link.expiresAt };
}

/** The admins and the confirmed officers of every province the account reaches are mailed (when mail is configured). */
async function tellOfRefusedLink(userId: number, email: string, asking: string, k: Knex): Promise<void> {
  if (!mailConfigured()) return;
  const { rows } = await k.raw(`
    select distinct us.email from users us
     where us.active and us.role_confirmed_at is not null and (us.role = 'admin' or (us.role = 'province_officer' and us.province_code in (
       select u.province_code from unit_users x join units u on u.id = x.unit_id where x.user_id = :userId
       union select u.province_code from unit_claims x join units u on u.id = x.unit_id where x.user_id = :userId and x.status = 'pending')))`, { userId }) as { rows: { email: string }[] };
  const text = `کارشناس استان (${asking}) برای حساب ${email} پیوند یک‌بار مصرف خواست و سامانه آن را نساخت، چون این حساب به واحدهایی در بیش از یک استان راه دارد. اگر صاحب حساب را می‌شناسید، با او و با کارشناسان استان‌های دیگر هماهنگ کنید؛ با پست الکترونیکی، صاحب حساب خودش از «گذرواژه را فراموش کرده‌ام» پیوند را به نشانی خود می‌گیرد.\n`;
  for (const r of rows) await sendMail(r.email, 'درخواست پیوند برای حسابی با واحد در چند استان', text);
}

export interface LinkedAccount { at: Date; email: string; full_name: string; unit_id: number; entity_name: string; licence_no: string; via: string | null }

/**
 * Every account linked to a unit of the province in the last 90 days — by an approved claim or by
 * an import (issue 12 §2) — so the office sees who may now act for which unit.
 */
export function recentlyLinkedAccounts(province: string, k: Knex = db()): Promise<LinkedAccount[]> {
  return k('audit_log as a')
    .join('units as u', 'u.id', 'a.unit_id')
    .join('legal_entities as le', 'le.id', 'u.legal_entity_id')
    .join('users as us', (j) => { j.on(k.raw("us.id = case when a.details->>'via' is null then a.user_id else substr(a.target, 6)::int end")); })
    .where({ 'a.action': 'unit.account_linked', 'u.province_code': province })
    .where('a.at', '>', k.raw(`now() - interval '90 days'`))
    .orderBy('a.at', 'desc')
    .limit(100)
    .select('a.at', 'us.email', 'us.full_name', 'u.id as unit_id', 'le.name as entity_name', 'u.licence_no', k.raw("a.details->>'via' as via"));
}

export function activationMailText(url: string): string {
  return `برای تعیین گذرواژه حساب خود در سامانه آمار تولید صنعت و معدن، این پیوند را باز کنید (یک‌بار مصرف، تا ۳ روز):\n${url}\n`;
}
