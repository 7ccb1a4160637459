import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { env } from '../env.ts';
import { loadSettings } from '../settings.ts';
import { latinDigits } from '../text.ts';
import { standings, findUnit, type Standing } from './model.ts';

// DESIGN §4: a certificate carries a code anyone can check; the public check reveals only the
// verdict, the unit's name, the date issued and whether it still holds — never a figure.

// Issue 24: 32 characters none of which can be read as another — no O or 0, no I or 1. Codes
// issued before used A–Z and 2–7 (O and I among them): they stay valid, and since no new code has
// a 0 or a 1, a typed 0 is read as O and a typed 1 as I.
export const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const CODE_LENGTH = 16;

/** 16 characters of 32 = 80 random bits: not guessable, short enough to type from paper. */
export function newCertificateCode(): string {
  const bytes = crypto.randomBytes(CODE_LENGTH);
  let out = '';
  for (const b of bytes) out += CODE_ALPHABET[b & 31];
  return out;
}

/** What a person may type: any case, spaces or dashes between groups, Persian digits. */
export function normalizeCode(s: string): string | null {
  const c = latinDigits(s).toUpperCase().replace(/[\s\-\u200c]/g, '').replace(/0/g, 'O').replace(/1/g, 'I');
  // The new alphabet and the old one (A–Z, 2–7) together.
  return new RegExp(`^[A-Z2-9]{${CODE_LENGTH}}$`).test(c) ? c : null;
}

/** ABCD-EFGH-IJKL-MNOP, for print. */
export const groupedCode = (code: string): string => code.match(/.{1,4}/g)?.join('-') ?? code;

export const verifyUrl = (code: string): string => `${env.PUBLIC_URL.replace(/\/$/, '')}/verify/${code}`;

export interface CertificateRow {
  id: number;
  code: string;
  unit_id: number;
  issued_at: Date;
  valid_until: Date;
  eligible: boolean;
  missing_periods: string[];
  completeness: number;
  timeliness: number;
  issued_by: number | null;
}

export async function issueCertificate(s: Standing, userId: number, k: Knex = db()): Promise<CertificateRow> {
  const settings = await loadSettings(k);
  const days = settings.get('certificate_valid_days');
  const now = new Date();
  // The certificate and its audit entry commit together, or neither does.
  return k.transaction(async (trx) => {
    const [row] = await trx('certificates').insert({
      code: newCertificateCode(),
      unit_id: s.unit.id,
      issued_at: now,
      valid_until: new Date(now.getTime() + days * 86400_000),
      eligible: s.verdict.eligible,
      missing_periods: JSON.stringify(s.record.missing_periods),
      completeness: s.record.completeness,
      timeliness: s.record.timeliness,
      issued_by: userId,
    }).returning('*');
    await audit({ action: 'certificate.issue', userId, unitId: s.unit.id, provinceCode: s.unit.province_code, target: `certificate:${row.id}` }, trx);
    return row as CertificateRow;
  });
}

/** A certificate of one of the given units (the unit user's own), or undefined. */
export function findOwnCertificate(code: string, unitIds: number[], k: Knex = db()): Promise<CertificateRow | undefined> {
  return k('certificates').where({ code }).whereIn('unit_id', unitIds).first();
}

export interface PublicCheck {
  code: string;
  unit_name: string;
  eligible: boolean;
  issued_at: Date;
  valid_until: Date;
  expired: boolean;
  verdict_still_holds: boolean;
  valid: boolean;
}

/**
 * The public answer for a code, or undefined for an unknown one. Still valid means: not expired,
 * and the verdict recomputed now is the one printed on the certificate.
 */
export async function checkCertificate(code: string, now: Date = new Date(), k: Knex = db()): Promise<PublicCheck | undefined> {
  const cert: CertificateRow | undefined = await k('certificates').where({ code }).first();
  if (!cert) return undefined;
  const unit = await findUnit(cert.unit_id, {}, k);
  const le = unit ? undefined : await k('units as u').join('legal_entities as le', 'le.id', 'u.legal_entity_id').where('u.id', cert.unit_id).first('le.name');
  const expired = new Date(cert.valid_until) <= now;
  let holds = false;
  if (unit) {
    const [s] = await standings([unit], now, (await loadSettings(k)).rules, k);
    holds = Boolean(s) && s.verdict.eligible === cert.eligible;
  }
  return {
    code: cert.code,
    unit_name: unit?.name ?? le?.name ?? '',
    eligible: cert.eligible,
    issued_at: cert.issued_at,
    valid_until: cert.valid_until,
    expired,
    verdict_still_holds: holds,
    valid: !expired && holds,
  };
}
