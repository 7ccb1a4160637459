import type { Knex } from 'knex';
import type { Period } from '../calendar.ts';

// The unit as the unit's own pages, its API and the officers' unit pages see it: one row type and
// one column list (which unit a user acts for is src/acting-unit.ts).

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
