import type { Knex } from 'knex';
import { db } from '../db.ts';
import { UNIT_COLUMNS, type UnitRow } from '../units/row.ts';

export type Role = 'unit_user' | 'province_officer' | 'stats_office' | 'planning_deputy' | 'admin';
export const ROLES: readonly Role[] = ['unit_user', 'province_officer', 'stats_office', 'planning_deputy', 'admin'];

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
  email_verified_at: Date | null;
  last_login_at: Date | null;
  created_at: Date;
}

/** The signed-in user as requests see it: no hash, plus the units a unit user may act for. */
export interface CurrentUser {
  id: number;
  email: string;
  full_name: string;
  role: Role;
  /** Null while a province officer's role waits for its second person (issue 23 F1): such an account sees nothing. */
  province_code: string | null;
  /** A data role granted in the web and not yet confirmed by a second person. */
  role_pending: boolean;
  unit_ids: number[];
  /** A unit user's units, approved ones first (read with the user: no query of their own per page). */
  units: UnitRow[];
}

export function findUserByEmail(email: string, k: Knex = db()): Promise<User | undefined> {
  return k<User>('users').whereRaw('lower(email) = lower(?)', [email]).first();
}

/** The columns of a CurrentUser, selected from `users` (a unit user's units as JSON, none for staff). */
export const CURRENT_USER_COLUMNS = `users.id, users.email, users.full_name, users.role,
  case when users.role_confirmed_at is null then null else users.province_code end as province_code,
  (users.role_confirmed_at is null) as role_pending,
  case when users.role = 'unit_user' then (
    select coalesce(json_agg(x order by (x.registration = 'approved') desc, x.id), '[]')
      from (select ${UNIT_COLUMNS.join(', ')} from unit_users uu join units u on u.id = uu.unit_id join legal_entities le on le.id = u.legal_entity_id
             where uu.user_id = users.id) x
  ) else '[]'::json end as units`;

type CurrentUserRow = Omit<CurrentUser, 'unit_ids' | 'units'> & { units: UnitRow[] | string | null };

export function currentUserOf(row: CurrentUserRow): CurrentUser {
  const units = (typeof row.units === 'string' ? JSON.parse(row.units) : row.units ?? []) as UnitRow[];
  return { ...row, units, unit_ids: units.map((u) => Number(u.id)).sort((a, b) => a - b) };
}

/** One query: it runs on every signed-in request. */
export async function loadCurrentUser(id: number, k: Knex = db()): Promise<CurrentUser | undefined> {
  const { rows } = await k.raw(`select ${CURRENT_USER_COLUMNS} from users where users.id = ? and users.active`, [id]) as { rows: CurrentUserRow[] };
  return rows[0] ? currentUserOf(rows[0]) : undefined;
}
