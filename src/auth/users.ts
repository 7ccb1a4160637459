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

/** One query: it runs on every signed-in request and every API call. */
export async function loadCurrentUser(id: number, k: Knex = db()): Promise<CurrentUser | undefined> {
  const u = await k<User>('users').where({ id, active: true }).first(
    'id', 'email', 'full_name', 'role', 'province_code',
    k.raw(`case when role = 'unit_user' then array(select uu.unit_id from unit_users uu where uu.user_id = users.id order by uu.unit_id) else '{}'::int[] end as unit_ids`),
  ) as (Omit<CurrentUser, 'unit_ids'> & { unit_ids: number[] | null }) | undefined;
  if (!u) return undefined;
  return { ...u, unit_ids: (u.unit_ids ?? []).map(Number) };
}
