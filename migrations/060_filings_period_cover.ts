import type { Knex } from 'knex';

// Issue 6 (bench/RESULTS.md): the performance report, its 12-month trend and the national
// aggregates read a month's or a year's filings for every unit. With the figures they need in
// the index itself they are read by an index-only scan (about half the table's bytes per row, and
// only the months asked for), not from the filings heap.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create index filings_period_unit_cover on filings (period, unit_id)
                  include (state, first_submitted_at, verified_at, production_value, value_added, employees)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index filings_period_unit_cover');
}
