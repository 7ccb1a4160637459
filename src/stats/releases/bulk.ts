import type { Knex } from 'knex';

// Storing a release's cells in one statement per table (issue 21): every column sent as one array
// and unnested server-side, instead of batches of 1,000 rows of bound parameters each. Measured in
// bench/RESULTS.md (issue 21). The lead's storage work may call it for any table of rows.

export type ColumnType = 'integer' | 'text' | 'numeric' | 'boolean' | 'jsonb';

/** Inserts `rows` into `table`: one INSERT … SELECT FROM unnest(…), whatever the number of rows. */
export async function bulkInsert(k: Knex, table: string, columns: readonly (readonly [string, ColumnType])[], rows: readonly Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const bindings: Record<string, object> = {};
  columns.forEach(([name], i) => {
    bindings[`c${i}`] = rows.map((r) => {
      const v = r[name];
      return v === null || v === undefined ? null : typeof v === 'boolean' ? v : String(v);
    });
  });
  const names = columns.map(([name]) => `"${name}"`).join(', ');
  const unnest = columns.map(([, type], i) => `:c${i}::${type}[]`).join(', ');
  await k.raw(`insert into "${table}" (${names}) select * from unnest(${unnest})`, bindings);
}
