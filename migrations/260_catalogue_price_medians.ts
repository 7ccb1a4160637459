import type { Knex } from 'knex';

// The class-price check of a submission (issue 24, src/filings/warnings.ts) compares a product's
// price with the other producers of its catalogue code over the last 12 months. Computed in the
// save, a common code (thousands of producers) read every one of their lines: 755 ms of a save at
// 100,000 units, submissions down from 364 to 3 a second. The nightly job keeps the median of each
// common code here, per filing period; a save reads one row. Rare codes stay computed in the save.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create table catalogue_price_medians (
    catalogue_code text not null,
    unit_of_measure_code text not null,
    period varchar(7) not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    median double precision not null,
    units integer not null check (units >= 0),
    computed_at timestamptz not null default now(),
    primary key (catalogue_code, unit_of_measure_code, period))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table catalogue_price_medians');
}
