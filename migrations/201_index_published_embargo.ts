import type { Knex } from 'knex';

// Issue 27 §1: index_published is what anyone but the statistics office reads of the index, so it
// shows, per month, the latest release that is out of embargo now (announced_public_from, migration
// 200), and a weight share only when the base year's value added is published by a final release
// that is itself out of embargo.
const PUBLISHED_VALUE_ADDED = (embargo: boolean) => `exists (
  select 1 from releases rl join release_cells rc on rc.release_id = rl.id
   where rl.period = c.base_year::text and not rl.preliminary
     and rl.revision = (select max(r3.revision) from releases r3 where r3.period = rl.period and not r3.preliminary
                        ${embargo ? `and announced_public_from(r3.period, release_slot(r3.preliminary, r3.revision), r3.created_at) <= now()` : ''})
     and rc.geo = 'IR' and rc.isic = x.node and rc.measure = 'value_added' and not rc.suppressed)`;

const view = (embargo: boolean) => `
  create or replace view index_published as
  select r.period, r.id as release_id, r.released_at, c.id as computation_id, c.cut_off, c.computed_at, c.base_year,
         x.node, x.level, x.suppressed,
         case when x.suppressed then null else x.value end as value,
         case when x.suppressed then null else x.imputed_share end as imputed_share,
         case when x.suppressed or not ${PUBLISHED_VALUE_ADDED(embargo)} then null else x.weight_share end as weight_share
    from index_releases r
    join index_computations c on c.id = r.computation_id
    join index_cells x on x.computation_id = c.id
   where r.id = (select max(r2.id) from index_releases r2 where r2.period = r.period
                 ${embargo ? `and announced_public_from(r2.period, 'index', r2.released_at) <= now()` : ''})`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(view(true));
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(view(false));
}
