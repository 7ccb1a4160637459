import type { Knex } from 'knex';
import { bulkInsert } from './bulk.ts';

// The one store of a release's published cells, whatever their space (migration 230; issue 20
// §4): a cell is what the cube calls it (cube.ts ReleaseCell), a geo and a node of its space, with
// one row per measure. Values' nodes are ISIC nodes; products' nodes are a product node and its
// unit of measure (`1050100010~kg`, products.ts productCategory). A suppressed cell is suppressed
// in every measure, and its value is null.

export const CELL_SPACES = ['values', 'products'] as const;
export type CellSpace = (typeof CELL_SPACES)[number];

/** The measure whose published cells are a release's pattern (the same in every measure of its space). */
export const PATTERN_MEASURE: Record<CellSpace, string> = { values: 'production_value', products: 'quantity' };

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

/** Per release of `ids`, the cells (key `geo|node`) it publishes in `space`. */
export async function publishedPatterns(space: CellSpace, ids: readonly number[], k: Knex): Promise<Map<number, Set<string>>> {
  const out = new Map<number, Set<string>>(ids.map((id) => [id, new Set()]));
  if (ids.length === 0) return out;
  const rows = (await k('release_cells').whereIn('release_id', [...ids]).andWhere({ space, measure: PATTERN_MEASURE[space], suppressed: false }).select('release_id', 'geo', 'node')) as { release_id: number; geo: string; node: string }[];
  for (const r of rows) out.get(Number(r.release_id))!.add(`${r.geo}|${r.node}`);
  return out;
}
