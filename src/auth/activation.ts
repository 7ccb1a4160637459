import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { db } from '../db.ts';
import { env } from '../env.ts';
import { hashPassword } from './passwords.ts';

const VALID_DAYS = 30;
export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

/**
 * A one-time link for setting a password. The plain token is kept only when no SMTP server is
 * configured, so the province officer can hand it over; otherwise it is only emailed.
 */
export async function createActivationToken(userId: number, k: Knex = db()): Promise<{ token: string; url: string }> {
  const token = crypto.randomBytes(24).toString('base64url');
  await k('activation_tokens').where({ user_id: userId }).whereNull('used_at').update({ used_at: k.fn.now() });
  await k('activation_tokens').insert({
    user_id: userId,
    token_hash: sha256(token),
    token_plain: env.SMTP_URL ? null : token,
    expires_at: new Date(Date.now() + VALID_DAYS * 86400_000),
  });
  return { token, url: activationUrl(token) };
}

export const activationUrl = (token: string) => `${env.PUBLIC_URL.replace(/\/$/, '')}/activate/${token}`;

export async function findActivationToken(token: string, k: Knex = db()): Promise<{ id: number; user_id: number; email: string } | undefined> {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return undefined;
  return k('activation_tokens as t')
    .join('users as u', 'u.id', 't.user_id')
    .where('t.token_hash', sha256(token))
    .whereNull('t.used_at')
    .where('t.expires_at', '>', k.fn.now())
    .first('t.id', 't.user_id', 'u.email');
}

export async function consumeActivationToken(tokenId: number, userId: number, password: string, k: Knex = db()): Promise<void> {
  const hash = await hashPassword(password);
  await k.transaction(async (trx) => {
    const used = await trx('activation_tokens').where({ id: tokenId }).whereNull('used_at').update({ used_at: trx.fn.now(), token_plain: null });
    if (used !== 1) return;
    await trx('users').where({ id: userId }).update({ password_hash: hash, failed_logins: 0, locked_until: null });
  });
}
