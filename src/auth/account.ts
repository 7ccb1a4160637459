import type { Knex } from 'knex';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { FormError } from '../forms.ts';
import { verifyPassword, hashPassword } from './passwords.ts';
import { weakPasswordReason } from './password-policy.ts';
import { endSessionsOf } from './session.ts';

// A signed-in user's own account.

/**
 * Changes a user's password after checking the current one. The session `keepSid` stays; every
 * other session ends, and so does every API token and every unused one-time link: the password
 * may have been changed because it leaked (issue 23 F8: a reset link in a leaked mailbox must not
 * outlive the new password). Refusals are FormErrors of the fields `current` and `next`.
 */
export async function changePassword(
  user: { id: number; email: string },
  input: { current: string; next: string },
  context: { keepSid: string; ip: string | null },
  k: Knex = db(),
): Promise<void> {
  const row = await k('users').where({ id: user.id }).first('password_hash');
  // Nothing typed is shown again: these are passwords.
  if (!(await verifyPassword(row?.password_hash ?? null, input.current))) throw new FormError({ current: 'گذرواژه فعلی نادرست است.' }, { values: {} });
  const weak = weakPasswordReason(input.next, user.email);
  if (weak) throw new FormError({ next: weak }, { values: {} });
  const hash = await hashPassword(input.next);
  await k.transaction(async (trx) => {
    await trx('users').where({ id: user.id }).update({ password_hash: hash });
    await endSessionsOf(trx, user.id, context.keepSid);
    await trx('api_tokens').where({ user_id: user.id }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
    await trx('activation_tokens').where({ user_id: user.id }).whereNull('used_at').update({ used_at: trx.fn.now() });
    await audit({ action: 'user.password_changed', userId: user.id, ip: context.ip, target: `user:${user.id}` }, trx);
  });
}
