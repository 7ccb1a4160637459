import type { Knex } from 'knex';

// What each submitted figure was expected to be (migration 150) is computed by two triggers from the
// unit's 12 months before, so that no writer can forget it. The save (filings/model.ts) has just
// read that same history for its warnings, so it computes the expectations itself, by the same rule
// (filings/warnings.ts: expectationsOf), and tells the triggers so for its transaction with
// `set_config('psp.expectations', 'given', true)`. At 100,000 units the per-line trigger's query was
// a fifth of a submission's database time. Every other writer (imports, the demo seed, db:synth, a
// hand-written update) still gets them from the triggers.
const GIVEN = `coalesce(current_setting('psp.expectations', true), '') <> 'given'`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop trigger filings_expected on filings');
  await knex.raw(`create trigger filings_expected before insert or update of production_value, employees, first_submitted_at, period on filings
    for each row when (${GIVEN}) execute function filings_expected()`);
  await knex.raw('drop trigger filing_lines_expected on filing_lines');
  await knex.raw(`create trigger filing_lines_expected before insert or update of sold, sales_value on filing_lines
    for each row when (${GIVEN}) execute function filing_lines_expected()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger filings_expected on filings');
  await knex.raw(`create trigger filings_expected before insert or update of production_value, employees, first_submitted_at, period on filings
    for each row execute function filings_expected()`);
  await knex.raw('drop trigger filing_lines_expected on filing_lines');
  await knex.raw(`create trigger filing_lines_expected before insert or update of sold, sales_value on filing_lines
    for each row execute function filing_lines_expected()`);
}
