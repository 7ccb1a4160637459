import type { Knex } from 'knex';

// Issue 25: the change log of the index's kept aggregates (migration 241) is compacted. A cache
// remembers how many changes of its periods it was made after; compaction replaces the rows of
// one (period, kind) by one row that stands for all of them (`merged`: how many changes it counts),
// so every count a cache compares with is the same before and after (cache.ts,
// compactIndexChanges). A remembered highest id would not do: ids are taken at insert, not at
// commit, so a change with a lower id could commit after a higher one was read and never be seen.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table index_changes add column merged bigint not null default 1 check (merged > 0)');
}

export async function down(knex: Knex): Promise<void> {
  // Back to one row per change: a merged row becomes as many rows as it counts.
  await knex.raw(`insert into index_changes (period, kind) select c.period, c.kind from index_changes c cross join generate_series(2, c.merged)`);
  await knex.raw('alter table index_changes drop column merged');
}
