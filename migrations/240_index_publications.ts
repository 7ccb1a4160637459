import type { Knex } from 'knex';

// Issue 20 §4: "release" means one thing — the statistics office's protected release of values and
// products (`releases`). Making a stored index computation public is its *publication* («نشر
// شاخص»): the table index_releases becomes index_publications (released_at/by → published_at/by)
// and index_published names the publication it shows. The embargo rule (announced_public_from
// with the calendar's 'index' slot, migrations 200–201) is unchanged.
const PUBLISHED_VALUE_ADDED = `exists (
  select 1 from releases rl join release_cells rc on rc.release_id = rl.id
   where rl.period = c.base_year::text and not rl.preliminary
     and rl.revision = (select max(r3.revision) from releases r3 where r3.period = rl.period and not r3.preliminary
                        and announced_public_from(r3.period, release_slot(r3.preliminary, r3.revision), r3.created_at) <= now())
     and rc.geo = 'IR' and rc.node = x.node and rc.measure = 'value_added' and not rc.suppressed)`;

const view = (table: string, id: string, at: string) => `
  create view index_published as
  select r.period, r.id as ${id}, r.${at}, c.id as computation_id, c.cut_off, c.computed_at, c.base_year,
         x.node, x.level, x.suppressed,
         case when x.suppressed then null else x.value end as value,
         case when x.suppressed then null else x.imputed_share end as imputed_share,
         case when x.suppressed or not ${PUBLISHED_VALUE_ADDED} then null else x.weight_share end as weight_share
    from ${table} r
    join index_computations c on c.id = r.computation_id
    join index_cells x on x.computation_id = c.id
   where r.id = (select max(r2.id) from ${table} r2 where r2.period = r.period
                 and announced_public_from(r2.period, 'index', r2.${at}) <= now())`;

async function rename(knex: Knex, from: { table: string; at: string; by: string }, to: { table: string; at: string; by: string }, id: string): Promise<void> {
  await knex.raw('drop view index_published');
  await knex.raw(`alter table ${from.table} rename to ${to.table}`);
  await knex.raw(`alter table ${to.table} rename column ${from.at} to ${to.at}`);
  await knex.raw(`alter table ${to.table} rename column ${from.by} to ${to.by}`);
  await knex.raw(`alter index ${from.table}_period rename to ${to.table}_period`);
  await knex.raw(`alter trigger ${from.table}_immutable on ${to.table} rename to ${to.table}_immutable`);
  await knex.raw(`alter table ${to.table} rename constraint ${from.table}_pkey to ${to.table}_pkey`);
  await knex.raw(`alter table ${to.table} rename constraint ${from.table}_computation_id_unique to ${to.table}_computation_id_unique`);
  await knex.raw(`alter table ${to.table} rename constraint ${from.table}_computation_id_foreign to ${to.table}_computation_id_foreign`);
  await knex.raw(`alter table ${to.table} rename constraint ${from.table}_${from.by}_foreign to ${to.table}_${to.by}_foreign`);
  await knex.raw(view(to.table, id, to.at));
}

const OLD = { table: 'index_releases', at: 'released_at', by: 'released_by' };
const NEW = { table: 'index_publications', at: 'published_at', by: 'published_by' };

export async function up(knex: Knex): Promise<void> {
  await rename(knex, OLD, NEW, 'publication_id');
}

export async function down(knex: Knex): Promise<void> {
  await rename(knex, NEW, OLD, 'release_id');
}
