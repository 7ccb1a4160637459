import { db } from '../db.ts';
import { findUserByEmail } from '../auth/users.ts';

/**
 * The `--email` of the statistics office's commands: `{ userId: null }` without one, the active
 * statistics-office user's id with one, and null (after saying why) when the email names no such user.
 */
export async function statsOfficeUser(email: string | undefined): Promise<{ userId: number | null } | null> {
  if (!email) return { userId: null };
  const user = await findUserByEmail(email, db());
  if (!user || !user.active || user.role !== 'stats_office') {
    console.error(`no active statistics-office user with email ${email}`);
    return null;
  }
  return { userId: user.id };
}
