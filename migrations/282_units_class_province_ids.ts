import type { Knex } from 'knex';

// A submission reads the employees of its class's peers in its province (filings/warnings.ts:
// employeePeersSql) through units_class_province, then fetched each peer's row from the table only
// for its id. With the id in the index the read is index-only where the table's pages are all
// visible (as autovacuum leaves them): at 100,000 units, 0.41–0.43 → 0.27–0.33 ms of the
// submission's database time (bench/RESULTS.md, session 11).
export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop index units_class_province');
  await knex.raw('create index units_class_province on units (isic_class, province_code) include (id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index units_class_province');
  await knex.raw('create index units_class_province on units (isic_class, province_code)');
}
