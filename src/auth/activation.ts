import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { db } from '../db.ts';
import { env } from '../env.ts';
import { hashPassword } from './passwords.ts';
import { persianDigits } from '../text.ts';
import { mailConfigured, sendMail } from '../mail.ts';
import { endSessionsOf } from './session.ts';
import { findUserByEmail } from './users.ts';
import { audit } from '../audit.ts';

/**
 * One-time links (issue 12 §2, §6): `activation` sets the first password of an account (and proves
 * its email: the link reached it), `email` proves the email of an account that chose its password
 * at registration, `reset` sets a new password after "forgot password". Only the SHA-256 of a link
 * is stored; whoever hands a link over (the mail, or an officer's screen) gets it once, when made.
 */
export type LinkPurpose = 'activation' | 'email' | 'reset';

export const LINK_VALID_HOURS: Record<LinkPurpose, number> = { activation: 72, email: 72, reset: 2 };
export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

export async function createActivationToken(userId: number, k: Knex = db(), purpose: LinkPurpose = 'activation'): Promise<{ token: string; url: string; expiresAt: Date }> {
  const token = crypto.randomBytes(24).toString('base64url');
  // A new link makes every earlier unused one of the account worthless.
  await k('activation_tokens').where({ user_id: userId }).whereNull('used_at').update({ used_at: k.fn.now() });
  const expiresAt = new Date(Date.now() + LINK_VALID_HOURS[purpose] * 3600_000);
  await k('activation_tokens').insert({ user_id: userId, token_hash: sha256(token), purpose, expires_at: expiresAt });
  return { token, url: linkUrl(purpose, token), expiresAt };
}

export const linkUrl = (purpose: LinkPurpose, token: string) =>
  `${env.PUBLIC_URL.replace(/\/$/, '')}/${purpose === 'email' ? 'email-confirmations' : 'activate'}/${token}`;
export const activationUrl = (token: string) => linkUrl('activation', token);

export interface FoundLink { id: number; user_id: number; email: string; purpose: LinkPurpose }

export async function findActivationToken(token: string, purposes: LinkPurpose[] = ['activation', 'reset'], k: Knex = db()): Promise<FoundLink | undefined> {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return undefined;
  return k('activation_tokens as t')
    .join('users as u', 'u.id', 't.user_id')
    .where('t.token_hash', sha256(token))
    .whereIn('t.purpose', purposes)
    .whereNull('t.used_at')
    .where('t.expires_at', '>', k.fn.now())
    .where('u.active', true)
    .first('t.id', 't.user_id', 'u.email', 't.purpose');
}

/**
 * Sets the password of a link's account: the email is proven by the same stroke, every API token
 * is revoked and every session ends (a reset means the account may have been in other hands).
 */
export async function consumeActivationToken(tokenId: number, userId: number, password: string, k: Knex = db()): Promise<boolean> {
  const hash = await hashPassword(password);
  return k.transaction(async (trx) => {
    const used = await trx('activation_tokens').where({ id: tokenId }).whereNull('used_at').update({ used_at: trx.fn.now() });
    if (used !== 1) return false;
    // Every other link of the account dies with the new password too (issue 23 F8).
    await trx('activation_tokens').where({ user_id: userId }).whereNull('used_at').update({ used_at: trx.fn.now() });
    await trx('users').where({ id: userId }).update({ password_hash: hash, failed_logins: 0, locked_until: null, email_verified_at: trx.raw('coalesce(email_verified_at, now())') });
    await trx('api_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
    await endSessionsOf(trx, userId);
    return true;
  });
}

/** Proves the email of a link's account; false when the link was used meanwhile. */
export async function consumeEmailProof(tokenId: number, userId: number, k: Knex = db()): Promise<boolean> {
  return k.transaction(async (trx) => {
    const used = await trx('activation_tokens').where({ id: tokenId, purpose: 'email' }).whereNull('used_at').update({ used_at: trx.fn.now() });
    if (used !== 1) return false;
    await trx('users').where({ id: userId }).update({ email_verified_at: trx.raw('coalesce(email_verified_at, now())') });
    return true;
  });
}

export const emailProofText = (url: string) =>
  `برای تأیید این پست الکترونیکی در سامانه آمار تولید صنعت و معدن، این پیوند یک‌بار مصرف را باز کنید (تا ${persianDigits(LINK_VALID_HOURS.email / 24)} روز معتبر است):\n${url}\nاگر شما در سامانه ثبت‌نام نکرده‌اید، این نامه را نادیده بگیرید.\n`;

/** A fresh email-proof link, mailed; false when no mail is configured (the province office hands it over). */
export async function sendEmailProof(userId: number, to: string): Promise<boolean> {
  if (!mailConfigured()) return false;
  const { url } = await createActivationToken(userId, db(), 'email');
  return sendMail(to, 'تأیید پست الکترونیکی در سامانه آمار تولید', emailProofText(url));
}

/** A one-time link to set a new password, mailed to the account of `email` if there is an active one (silently nothing otherwise). */
export async function mailResetLink(email: string, ip: string | null): Promise<void> {
  const user = await findUserByEmail(email);
  if (!user || !user.active) return;
  const { url } = await createActivationToken(user.id, db(), 'reset');
  await audit({ action: 'user.password_reset_requested', target: `user:${user.id}`, ip });
  await sendMail(user.email, 'بازنشانی گذرواژه سامانه آمار تولید', `برای تعیین گذرواژه تازه این پیوند یک‌بار مصرف را باز کنید (تا ${persianDigits(LINK_VALID_HOURS.reset)} ساعت معتبر است):\n${url}\nاگر شما درخواست نکرده‌اید، این نامه را نادیده بگیرید؛ گذرواژه فعلی شما تغییر نکرده است.\n`);
}
