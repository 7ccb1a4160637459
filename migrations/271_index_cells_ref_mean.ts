import type { Knex } from 'knex';

// Issue 25 §2: a cell keeps the annual mean of its node in the year its link is chained to
// (C̄_N(ref); 100 in the product base year when nothing came before it). With the weight shares it
// is what the contributions to growth are made of, so they are made when read from the stored
// levels of both months (linking.ts, contributionsBetween) and follow a later revision of the
// previous month. Null in computations made before it: their stored contribution stands.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table index_cells add column ref_mean double precision');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table index_cells drop column ref_mean');
}
