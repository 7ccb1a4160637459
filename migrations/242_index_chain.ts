import type { Knex } from 'knex';

// Issue 25 §2: the index is chain-linked (src/production-index/linking.ts). A computation records
// the year whose value added weights it (weight_year; null before: the base year), and each cell
// its contribution to the nation's growth from the previous month. index_published shows a
// node's weight share (and so its contribution) only when that node's value added is published
// in the latest final release of the weight year — as migration 121 did for the base year.
const PUBLISHED_VALUE_ADDED = (year: string) => `exists (
  select 1 from releases rl join release_cells rc on rc.release_id = rl.id
   where rl.period = ${year}::text and not rl.preliminary
     and rl.revision = (select max(r3.revision) from releases r3 where r3.period = rl.period and not r3.preliminary
                        and announced_public_from(r3.period, release_slot(r3.preliminary, r3.revision), r3.created_at) <= now())
     and rc.geo = 'IR' and rc.node = x.node and rc.measure = 'value_added' and not rc.suppressed)`;

const view = (chained: boolean) => `
  create view index_published as
  select r.period, r.id as publication_id, r.published_at, c.id as computation_id, c.cut_off, c.computed_at, c.base_year,
         x.node, x.level, x.suppressed,
         case when x.suppressed then null else x.value end as value,
         case when x.suppressed then null else x.imputed_share end as imputed_share,
         case when x.suppressed or not ${PUBLISHED_VALUE_ADDED(chained ? 'coalesce(c.weight_year, c.base_year)' : 'c.base_year')} then null else x.weight_share end as weight_share
         ${chained ? `, c.weight_year,
         case when x.suppressed or not ${PUBLISHED_VALUE_ADDED('coalesce(c.weight_year, c.base_year)')} then null else x.contribution end as contribution` : ''}
    from index_publications r
    join index_computations c on c.id = r.computation_id
    join index_cells x on x.computation_id = c.id
   where r.id = (select max(r2.id) from index_publications r2 where r2.period = r.period
                 and announced_public_from(r2.period, 'index', r2.published_at) <= now())`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop view index_published');
  await knex.raw('alter table index_computations add column weight_year integer');
  await knex.raw('alter table index_cells add column contribution double precision');
  await knex.raw(view(true));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop view index_published');
  await knex.raw('alter table index_cells drop column contribution');
  await knex.raw('alter table index_computations drop column weight_year');
  await knex.raw(view(false));
}
