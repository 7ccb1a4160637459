import type { Knex } from 'knex';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { recomputeStatusesNow } from '../eligibility/record.ts';
import { createActivationToken, activationUrl } from '../auth/activation.ts';
import { sendMail } from '../mail.ts';
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

export interface PendingActivation { user_id: number; email: string; unit_id: number; entity_name: string; licence_no: string; token_plain: string | null; expires_at: Date | null; link: string | null }

/**
 * Accounts of imported units of the province whose owner has not yet set a password, with the
 * latest unused one-time link when it is kept (no SMTP) so the officer can hand it over.
 */
export async function pendingActivations(province: string, k: Knex = db()): Promise<PendingActivation[]> {
  const r = await k.raw(`
    select us.id as user_id, us.email, u.id as unit_id, le.name as entity_name, u.licence_no, t.token_plain, t.expires_at
    from units u
    join legal_entities le on le.id = u.legal_entity_id
    join unit_users uu on uu.unit_id = u.id
    join users us on us.id = uu.user_id
    left join lateral (
      select token_plain, expires_at from activation_tokens a
      where a.user_id = us.id and a.used_at is null and a.expires_at > now()
      order by a.id desc limit 1
    ) t on true
    where u.province_code = ? and u.source = 'import' and us.role = 'unit_user' and us.password_hash is null and us.active
    order by le.name, u.licence_no, us.email`, [province]);
  return (r.rows as Omit<PendingActivation, 'link'>[]).map((row) => ({ ...row, link: row.token_plain ? activationUrl(row.token_plain) : null }));
}

/** A fresh one-time link for a not-yet-activated owner of a unit in the officer's province. */
export async function reissueActivation(userId: number, province: string, officer: { id: number; ip?: string | null }, k: Knex = db()): Promise<{ url: string; email: string; mailed: boolean } | undefined> {
  const target = await k('users as us')
    .join('unit_users as uu', 'uu.user_id', 'us.id')
    .join('units as u', 'u.id', 'uu.unit_id')
    .where({ 'us.id': userId, 'us.role': 'unit_user', 'u.province_code': province })
    .whereNull('us.password_hash')
    .first('us.id', 'us.email', 'u.id as unit_id');
  if (!target) return undefined;
  const { url } = await k.transaction(async (trx) => {
    const link = await createActivationToken(userId, trx);
    await audit({ action: 'user.activation_link_issued', userId: officer.id, ip: officer.ip ?? null, unitId: target.unit_id, provinceCode: province, target: `user:${userId}` }, trx);
    return link;
  });
  const mailed = await sendMail(target.email, 'پیوند فعال‌سازی حساب سامانه آمار تولید', activationMailText(url));
  return { url, email: target.email, mailed };
}

export interface LinkedAccount { at: Date; email: string; full_name: string; unit_id: number; entity_name: string; licence_no: string }

/**
 * Accounts that registered on the site and were linked to a unit of the register (last 90 days):
 * the link needs no approval, so the office sees who claimed which unit of its province.
 */
export function recentlyLinkedAccounts(province: string, k: Knex = db()): Promise<LinkedAccount[]> {
  return k('audit_log as a')
    .join('units as u', 'u.id', 'a.unit_id')
    .join('legal_entities as le', 'le.id', 'u.legal_entity_id')
    .join('users as us', 'us.id', 'a.user_id')
    .where({ 'a.action': 'unit.account_linked', 'u.province_code': province })
    .where('a.at', '>', k.raw(`now() - interval '90 days'`))
    .orderBy('a.at', 'desc')
    .limit(100)
    .select('a.at', 'us.email', 'us.full_name', 'u.id as unit_id', 'le.name as entity_name', 'u.licence_no');
}

export function activationMailText(url: string): string {
  return `برای تعیین گذرواژه حساب خود در سامانه آمار تولید صنعت و معدن، این پیوند را باز کنید (یک‌بار مصرف، تا ۳۰ روز):\n${url}\n`;
}
