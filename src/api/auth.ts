import crypto from 'node:crypto';
import type { Request, Response, NextFunction } from 'express';
import type { Knex } from 'knex';
import { db } from '../db.ts';
import { CURRENT_USER_COLUMNS, currentUserOf, type Role } from '../auth/users.ts';
import { sha256 } from '../auth/activation.ts';

// Per-user API tokens: shown once, stored as a SHA-256 hash, revocable.
const PREFIX = 'psp_';

/** A token lasts a year unless told otherwise (issue 12 §6). */
export const TOKEN_VALID_DAYS = 365;

export async function createApiToken(userId: number, name: string, k: Knex = db(), validDays = TOKEN_VALID_DAYS): Promise<{ id: number; token: string }> {
  const token = PREFIX + crypto.randomBytes(30).toString('base64url');
  const [row] = await k('api_tokens').insert({ user_id: userId, name, token_hash: sha256(token), prefix: token.slice(0, 12), expires_at: new Date(Date.now() + validDays * 86400_000) }).returning('id');
  return { id: row.id, token };
}

export async function revokeApiToken(userId: number, tokenId: number, k: Knex = db()): Promise<boolean> {
  const n = await k('api_tokens').where({ id: tokenId, user_id: userId }).whereNull('revoked_at').update({ revoked_at: k.fn.now() });
  return n === 1;
}

/** JSON error body shared by every API route: a code, a Persian message, optional field errors. */
export function apiError(res: Response, status: number, code: string, message: string, fields?: Record<string, { code: string; message: string }>): void {
  res.status(status).json({ error: { code, message, ...(fields ? { fields } : {}) } });
}

/** `Authorization: Bearer TOKEN` → req.user; 401 for a missing, unknown, revoked or expired token. */
export async function bearerAuth(req: Request, res: Response, next: NextFunction): Promise<void> {
  try {
    const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!m || !m[1].startsWith(PREFIX)) return apiError(res, 401, 'unauthorized', 'کلید دسترسی ارسال نشده یا نامعتبر است.');
    // One statement: the token, its user, and its last use (written at most once a minute per
    // token: the API is hot during the deadline rush).
    const { rows } = await db().raw(
      `with token as (
         select id, user_id, last_used_at from api_tokens where token_hash = ? and revoked_at is null and expires_at > now()
       ), used as (
         update api_tokens set last_used_at = now() from token join users on users.id = token.user_id and users.active
          where api_tokens.id = token.id and (token.last_used_at is null or token.last_used_at < now() - interval '1 minute')
       )
       select ${CURRENT_USER_COLUMNS} from token join users on users.id = token.user_id and users.active`,
      [sha256(m[1])],
    ) as { rows: Parameters<typeof currentUserOf>[0][] };
    if (!rows[0]) return apiError(res, 401, 'unauthorized', 'کلید دسترسی ارسال نشده یا نامعتبر است.');
    const user = currentUserOf(rows[0]);
    req.user = user;
    next();
  } catch (e) {
    next(e);
  }
}

/** API role guard: other roles, and a role still waiting for its second person, get 404, as if the resource did not exist (DESIGN §2). */
export function apiRole(...roles: Role[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.user && roles.includes(req.user.role) && !req.user.role_pending) return next();
    apiError(res, 404, 'not_found', 'یافت نشد.');
  };
}
