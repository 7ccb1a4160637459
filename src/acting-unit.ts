import type { Knex } from 'knex';
import type { Request } from 'express';
import { currentUser } from './auth/guards.ts';
import type { Period } from './calendar.ts';

declare module 'express-session' {
  interface SessionData {
    currentUnitId?: number;
  }
}

// The unit as the unit's own pages, its API and the officers' unit pages see it: one row type,
// one column list, and one answer to "which unit does this user act for".

export interface UnitRow {
  id: number;
  name: string;
  national_id: string;
  licence_no: string;
  kind: string;
  isic_class: string;
  province_code: string;
  province_name: string;
  city: string;
  registration: string;
  obligation_start: Period;
  status: string;
}

/**
 * The columns of a UnitRow over `units u` joined to `legal_entities le` (the province's name as
 * a subquery, so that any statement with those two tables can select them as text).
 */
export const UNIT_COLUMNS = [
  'u.id', 'le.name', 'le.national_id', 'u.licence_no', 'u.kind', 'u.isic_class', 'u.province_code',
  '(select p.name from provinces p where p.code = u.province_code) as province_name',
  'u.city', 'u.registration', 'u.obligation_start', 'u.status',
];

/** `units u` with its legal entity, selecting UnitRow's columns. */
export function unitRows(k: Knex): Knex.QueryBuilder {
  return k('units as u').join('legal_entities as le', 'le.id', 'u.legal_entity_id').select(k.raw(UNIT_COLUMNS.join(', ')));
}

export const isApproved = (u: Pick<UnitRow, 'registration'>): boolean => u.registration === 'approved';

/**
 * The unit a unit user acts for, among their own units only (read with the session, approved
 * ones first): the one `asked` for (the API's `?unit_id=`), else the one chosen in the session,
 * else the first. `approvedOnly`: the pages, the certificate and the status, which have nothing to
 * show for a unit not yet approved; the filings API answers such a unit itself (unit_not_approved).
 * Undefined when there is none (or the asked one is not theirs).
 */
export function actingUnit(req: Request, opts: { approvedOnly: boolean; asked?: unknown }): UnitRow | undefined {
  const own = currentUser(req).units;
  const units = opts.approvedOnly ? own.filter(isApproved) : own;
  if (opts.asked !== undefined) return units.find((u) => String(u.id) === String(opts.asked));
  const chosen = req.session?.currentUnitId;
  return units.find((u) => u.id === chosen) ?? units[0];
}
