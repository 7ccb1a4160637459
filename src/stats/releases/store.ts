import type { Knex } from 'knex';
import { bulkInsert } from './bulk.ts';
import { buildProblem, VALUE_SPACE, type BaseRow, type DisclosureRules, type LpMeasure, type Problem, type ReleaseInProblem, type Space } from './cube.ts';
import type { SourceSql } from './sources.ts';

// What a release keeps of each space of its cube (issue 20 §4: one pipeline), and how it is read
// back. A space of cube.ts (values, product quantities) is carried through storage by a few hooks
// of its own — where its contributions are, which columns hold its amounts, how its rows make
// problems — and every step is one function over them: the base rows of a group, its published
// patterns, its problems, the cells a release stores (one table, migration 230).
//
// A stored cell is what the cube calls it (cube.ts ReleaseCell): a geo and a node of its space,
// one row per measure. Values' nodes are ISIC nodes; products' nodes are a product node and its
// unit of measure (`1050100010~kg`, products.ts productCategory). A suppressed cell is suppressed
// in every measure, and its value is null.

export const CELL_SPACES = ['values', 'products'] as const;
export type CellSpace = (typeof CELL_SPACES)[number];

/** One amount column of a space's contributions, the LP measure it is, and its exact value from SQL text. */
export interface AmountColumn { column: string; measure: LpMeasure; exact: (text: string) => bigint }

export interface StoredSpace extends Space {
  name: CellSpace;
  /**
   * One relation of the contributions of the stored releases `:ids` and of the unstored ones of
   * `sources` (read from the filings): release_id, unit_id, period, province_code, category and the
   * amount columns.
   */
  contributions: (sources: SourceSql | null) => string;
  amounts: readonly AmountColumn[];
  /** The problems a group's rows make: the values one, the quantities one per family. */
  problems: (rows: readonly BaseRow[], releases: readonly ReleaseInProblem[], rules: DisclosureRules) => Problem[];
}

const integer = (text: string): bigint => BigInt(text);

export const VALUE_STORE: StoredSpace = {
  ...VALUE_SPACE,
  name: 'values',
  contributions: (sources) => `
    select release_id, unit_id, period, province_code, isic_class as category, production_value, intermediate_consumption, employees
      from release_contributions where release_id = any(:ids)
    ${sources ? `union all select release_id, unit_id, period, province_code, isic_class, production_value, intermediate_consumption, employees from (${sources.sql}) s` : ''}`,
  amounts: [
    { column: 'production_value', measure: 'production_value', exact: integer },
    { column: 'intermediate_consumption', measure: 'intermediate_consumption', exact: integer },
    { column: 'employees', measure: 'employees', exact: integer },
  ],
  problems: (rows, releases, rules) => [buildProblem(rows, releases, rules, VALUE_SPACE)],
};

/**
 * One row per unit and base cell of `space` over the stored releases `ids` and the unstored ones
 * of `sources`: the unit-months that exactly the same releases counted with exactly the same
 * figures share a signature. Each row carries the unit's owner (its legal entity, the contributor
 * of DESIGN §7), as the units table says now.
 */
export async function baseRowsOf(space: StoredSpace, ids: readonly number[], sources: SourceSql | null, k: Knex): Promise<BaseRow[]> {
  const cols = space.amounts.map((a) => a.column);
  const res = await k.raw(
    `with c as (${space.contributions(sources)}),
     s as (
       select unit_id, period, province_code, category, ${cols.join(', ')},
              array_to_string(array_agg(release_id order by release_id), ',') as sig
         from c group by unit_id, period, province_code, category, ${cols.join(', ')})
     select s.unit_id, u.legal_entity_id as owner_id, s.province_code, s.category, s.sig, ${cols.map((c) => `sum(s.${c})::text as ${c}`).join(', ')}
       from s join units u on u.id = s.unit_id
      group by s.province_code, s.category, s.sig, s.unit_id, u.legal_entity_id`,
    { ids: [...ids], ...(sources?.bindings ?? {}) },
  );
  // A national release reads 0.5 million rows with a few hundred signatures, 31 provinces and a few
  // thousand categories: rows share one array or string for each (less memory here, in the copy the
  // protection thread is given, and in its problem).
  const sigs = new Map<string, readonly number[]>();
  const names = new Map<string, string>();
  const shared = (text: string): string => {
    const known = names.get(text);
    if (known !== undefined) return known;
    names.set(text, text);
    return text;
  };
  return (res.rows as Record<string, string | number>[]).map((r) => {
    const sigText = String(r.sig);
    let sig = sigs.get(sigText);
    if (!sig) { sig = sigText.split(',').map(Number); sigs.set(sigText, sig); }
    return {
      unit: Number(r.unit_id),
      owner: Number(r.owner_id),
      province: shared(String(r.province_code)),
      category: shared(String(r.category)),
      sig,
      amounts: Object.fromEntries(space.amounts.map((a) => [a.measure, a.exact(String(r[a.column]))])),
    };
  });
}

/** Per release of `ids`, the cells (key `geo|node`) it publishes in `space`: a cell is published in every measure or none, so its first measure says it. */
export async function publishedPatterns(space: StoredSpace, ids: readonly number[], k: Knex): Promise<Map<number, Set<string>>> {
  const out = new Map<number, Set<string>>(ids.map((id) => [id, new Set()]));
  if (ids.length === 0) return out;
  const rows = (await k('release_cells').whereIn('release_id', [...ids]).andWhere({ space: space.name, measure: space.measures[0], suppressed: false }).select('release_id', 'geo', 'node')) as { release_id: number; geo: string; node: string }[];
  for (const r of rows) out.get(Number(r.release_id))!.add(`${r.geo}|${r.node}`);
  return out;
}

export interface StoredRelease { id: number; period: string; months: number }

/** The problems of `space` of a group of stored releases, with what each published (stats:audit, the proof's check). */
export async function storedProblems(space: StoredSpace, group: readonly StoredRelease[], rules: DisclosureRules, k: Knex): Promise<Problem[]> {
  const ids = group.map((g) => g.id);
  const patterns = await publishedPatterns(space, ids, k);
  const releases: ReleaseInProblem[] = group.map((g) => ({ id: g.id, months: g.months, published: patterns.get(g.id)!, period: g.period }));
  return space.problems(await baseRowsOf(space, ids, null, k), releases, rules);
}

export interface StoredCell {
  geo: string;
  node: string;
  measure: string;
  value: string | null; // exact decimal text (whole numbers for values); null ⇔ suppressed
  suppressed: boolean;
  primary: boolean | null; // suppressed because it failed the primary rule itself (null: stored before migration 202)
}

/** Stores the cells of one space of a release (inside the transaction that stores the release). */
export async function storeCells(trx: Knex, releaseId: number, space: CellSpace, cells: readonly StoredCell[]): Promise<void> {
  await bulkInsert(
    trx, 'release_cells',
    [['release_id', 'integer'], ['space', 'text'], ['geo', 'text'], ['node', 'text'], ['measure', 'text'], ['value', 'numeric'], ['suppressed', 'boolean'], ['primary', 'boolean']],
    cells.map((c) => ({ release_id: releaseId, space, ...c })),
  );
}

/** The stored cells of one space of a release, every measure. */
export async function storedCells(releaseId: number, space: CellSpace, k: Knex): Promise<StoredCell[]> {
  return (await k('release_cells').where({ release_id: releaseId, space }).select('geo', 'node', 'measure', k.raw('value::text as value'), 'suppressed', 'primary')) as StoredCell[];
}
