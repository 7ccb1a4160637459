import type { Knex } from 'knex';

// A weight share is a node's share of the base year's value added: published beside an index it
// would give away a value added that the base year's release suppressed (weight share × the
// published national total). So index_published shows a node's weight share only when that
// node's national value added is published in the latest final release of the base year.
const PUBLISHED_VALUE_ADDED = `exists (
  select 1 from releases rl join release_cells rc on rc.release_id = rl.id
   where rl.period = c.base_year::text and not rl.preliminary
     and rl.revision = (select max(r3.revision) from releases r3 where r3.period = rl.period and not r3.preliminary)
     and rc.geo = 'IR' and rc.isic = x.node and rc.measure = 'value_added' and not rc.suppressed)`;

const view = (weight: string) => `
  create or replace view index_published as
  select r.period, r.id as release_id, r.released_at, c.id as computation_id, c.cut_off, c.computed_at, c.base_year,
         x.node, x.level, x.suppressed,
         case when x.suppressed then null else x.value end as value,
         case when x.suppressed then null else x.imputed_share end as imputed_share,
         ${weight} as weight_share
    from index_releases r
    join index_computations c on c.id = r.computation_id
    join index_cells x on x.computation_id = c.id
   where r.id = (select max(r2.id) from index_releases r2 where r2.period = r.period)`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(view(`case when x.suppressed or not ${PUBLISHED_VALUE_ADDED} then null else x.weight_share end`));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(view('case when x.suppressed then null else x.weight_share end'));
}
