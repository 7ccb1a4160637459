import type { Knex } from 'knex';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { sendMail } from '../mail.ts';
import { unitColumns, withProducts, type UnitSummary } from './model.ts';

// Issue 12 §1: a registration naming a unit of the ministry's register is a claim. The national
// id and licence number are printed on public documents, so knowing them proves nothing: the
// province officer compares the register's data with the claimant's and decides. Scoped to the
// officer's province in SQL, like every registration.

export interface PendingClaim { id: number; unit_id: number; entity_name: string; licence_no: string; email: string; email_proven: boolean; created_at: Date }

export function pendingClaims(province: string, k: Knex = db()): Promise<PendingClaim[]> {
  return k('unit_claims as c')
    .join('units as u', 'u.id', 'c.unit_id')
    .join('legal_entities as le', 'le.id', 'u.legal_entity_id')
    .join('users as us', 'us.id', 'c.user_id')
    .where({ 'u.province_code': province, 'c.status': 'pending' })
    .orderBy('c.created_at')
    .select('c.id', 'c.unit_id', 'le.name as entity_name', 'u.licence_no', 'us.email', k.raw('us.email_verified_at is not null as email_proven'), 'c.created_at');
}

export interface ClaimDetail {
  id: number;
  status: 'pending' | 'approved' | 'rejected';
  reason: string | null;
  created_at: Date;
  decided_at: Date | null;
  user_id: number;
  email: string;
  email_proven: boolean;
  claimant: Record<string, unknown> & { products?: { name: string; unit_of_measure: string; annual_capacity: number }[] };
  unit: UnitSummary;
  owners: { email: string; full_name: string }[];
}

export async function claimDetail(id: number, province: string, k: Knex = db()): Promise<ClaimDetail | undefined> {
  const claim = await k('unit_claims as c').join('units as u', 'u.id', 'c.unit_id').join('users as us', 'us.id', 'c.user_id')
    .where({ 'c.id': id, 'u.province_code': province })
    .first('c.id', 'c.status', 'c.reason', 'c.created_at', 'c.decided_at', 'c.unit_id', 'c.user_id', 'c.claimant', 'us.email', k.raw('us.email_verified_at is not null as email_proven'));
  if (!claim) return undefined;
  const [unit] = await withProducts([await unitColumns(k).where({ 'u.id': claim.unit_id }).first()], k);
  const owners = await k('unit_users as uu').join('users as us', 'us.id', 'uu.user_id').where('uu.unit_id', claim.unit_id).select('us.email', 'us.full_name').orderBy('us.id');
  const claimant = typeof claim.claimant === 'string' ? JSON.parse(claim.claimant) : claim.claimant;
  return { ...claim, claimant, unit, owners };
}

export type ClaimDecision = { kind: 'approved' } | { kind: 'rejected'; reason: string };
export type ClaimResult = 'done' | 'already_decided' | 'not_found' | 'email_unproven';

/** Approves (the account is linked to the unit) or rejects a pending claim of the officer's province. */
export async function decideClaim(id: number, province: string, decision: ClaimDecision, officer: { id: number; ip?: string | null }, k: Knex = db()): Promise<ClaimResult> {
  const result = await k.transaction(async (trx): Promise<{ r: ClaimResult; email?: string; unitName?: string }> => {
    const claim = await trx('unit_claims as c').join('units as u', 'u.id', 'c.unit_id').join('users as us', 'us.id', 'c.user_id')
      .join('legal_entities as le', 'le.id', 'u.legal_entity_id')
      .where({ 'c.id': id, 'u.province_code': province }).forUpdate('c')
      .first('c.status', 'c.unit_id', 'c.user_id', 'us.email', 'us.email_verified_at', 'le.name');
    if (!claim) return { r: 'not_found' };
    if (claim.status !== 'pending') return { r: 'already_decided' };
    // An address nobody has proven is no one to hand a unit to (issue 12 §2).
    if (decision.kind === 'approved' && !claim.email_verified_at) return { r: 'email_unproven' };
    await trx('unit_claims').where({ id }).update({
      status: decision.kind, reason: decision.kind === 'rejected' ? decision.reason : null, decided_by: officer.id, decided_at: trx.fn.now(),
    });
    const common = { userId: officer.id, ip: officer.ip ?? null, unitId: claim.unit_id, provinceCode: province };
    if (decision.kind === 'approved') {
      await trx('unit_users').insert({ user_id: claim.user_id, unit_id: claim.unit_id }).onConflict(['user_id', 'unit_id']).ignore();
      await audit({ ...common, action: 'unit.claim_approved', target: `unit_claim:${id}` }, trx);
      await audit({ ...common, action: 'unit.account_linked', target: `user:${claim.user_id}`, details: { via: 'claim' } }, trx);
    } else {
      await audit({ ...common, action: 'unit.claim_rejected', target: `unit_claim:${id}`, details: { reason: decision.reason } }, trx);
    }
    return { r: 'done', email: claim.email, unitName: claim.name };
  });
  if (result.r === 'done' && result.email) {
    await sendMail(result.email, 'نتیجه درخواست پیوند به واحد در سامانه آمار تولید', decision.kind === 'approved'
      ? `درخواست شما برای پیوند به واحد «${result.unitName}» تأیید شد. اکنون می‌توانید وارد سامانه شوید و آمار آن را ثبت کنید.\n`
      : `درخواست شما برای پیوند به واحد «${result.unitName}» رد شد. دلیل: ${decision.reason}\n`);
  }
  return result.r;
}

/** The claims a unit user made, for «my units». */
export function claimsOfUser(userId: number, k: Knex = db()) {
  return k('unit_claims as c').join('units as u', 'u.id', 'c.unit_id').join('legal_entities as le', 'le.id', 'u.legal_entity_id').join('provinces as p', 'p.code', 'u.province_code')
    .where('c.user_id', userId).whereNot('c.status', 'approved').orderBy('c.id')
    .select('c.id', 'c.status', 'c.reason', 'c.created_at', 'le.name as entity_name', 'u.licence_no', 'p.name as province_name');
}

export function claimNoticeText(unitName: string, licenceNo: string, provinceName: string): string {
  return `کسی در سامانه آمار تولید صنعت و معدن ثبت‌نام کرده و خود را مالک واحد «${unitName}» (پروانه ${licenceNo}) معرفی کرده است. `
    + `این درخواست تا بررسی کارشناس سازمان صنعت، معدن و تجارت استان ${provinceName} به هیچ حسابی دسترسی به واحد نمی‌دهد. `
    + 'اگر این درخواست از سوی شما یا همکارانتان نیست، هرچه زودتر با سازمان استان تماس بگیرید.\n';
}
