import type { Knex } from 'knex';

// Issue 6 (bench/RESULTS.md): filingRecords() starts from the earliest obligation start of all
// units (min(obligation_start)); on every unit dashboard that was a scan of the units table.
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index units_obligation_start on units (obligation_start)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index units_obligation_start');
}
