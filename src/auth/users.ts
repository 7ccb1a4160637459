import type { Knex } from 'knex';
import { db } from '../db.ts';

export type Role = 'unit_user' | 'province_officer' | 'stats_office' | 'planning_deputy' | 'admin';
export const ROLES: readonly Role[] = ['unit_user', 'province_officer', 'stats_office', 'planning_deputy', 'admin'];
export const STAFF_ROLES: readonly Role[] = ['province_officer', 'stats_office', 'planning_deputy', 'admin'];

export interface User {
  id: number;
  email: string;
  full_name: string;
  password_hash: string | null;
  role: Role;
  province_code: string | null;
  active: boolean;
  failed_logins: number;
  locked_until: Date | null;
  last_login_at: Date | null;
  created_at: Date;
}

/** The signed-in user as requests see it: no hash, plus the units a unit user may act for. */
export interface CurrentUser {
  id: number;
  email: string;
  full_name: string;
  role: Role;
  province_code: string | null;
  unit_ids: number[];
}

export function findUserByEmail(email: string, k: Knex = db()): Promise<User | undefined> {
  return k<User>('users').whereRaw('lower(email) = lower(?)', [email]).first();
}

/** The columns of a CurrentUser, selected from `users` (unit ids as an array, empty for staff). */
export const CURRENT_USER_COLUMNS = `users.id, users.email, users.full_name, users.role, users.province_code,
  case when users.role = 'unit_user' then array(select uu.unit_id from unit_users uu where uu.user_id = users.id order by uu.unit_id) else '{}'::int[] end as unit_ids`;

type CurrentUserRow = Omit<CurrentUser, 'unit_ids'> & { unit_ids: number[] | null };

export function currentUserOf(row: CurrentUserRow): CurrentUser {
  return { ...row, unit_ids: (row.unit_ids ?? []).map(Number) };
}

/** One query: it runs on every signed-in request. */
export async function loadCurrentUser(id: number, k: Knex = db()): Promise<CurrentUser | undefined> {
  const { rows } = await k.raw(`select ${CURRENT_USER_COLUMNS} from users where users.id = ? and users.active`, [id]) as { rows: CurrentUserRow[] };
  return rows[0] ? currentUserOf(rows[0]) : undefined;
}
