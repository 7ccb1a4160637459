import type { Knex } from 'knex';

// Migration 280's idea carried to the save's other trigger work. A submission's write statement
// (filings/model.ts: writeFiling) logs the month for the index's kept aggregates (index_changes:
// 'lines' when its lines were written, 'state' when its state changed) and marks the unit's yearly
// record (unit_year_records) itself, by the rule of the triggers below, and tells them so for its
// transaction with `set_config('psp.logs', 'given', true)` (set by the save's first statement,
// before its write). At 100,000 units these triggers were an eighth of a submission's database CPU.
// Every other writer (imports, officers' reviews, the demo seed, db:synth, a hand-written update)
// still gets them from the triggers. The year record's insert trigger stays as it was: it fires in
// the save's first statement, where a new filing row is made.
const NOT_GIVEN = `coalesce(current_setting('psp.logs', true), '') <> 'given'`;

const LINES = (op: 'insert' | 'update' | 'delete', when: string) =>
  `create trigger filing_lines_index_${op} after ${op} on filing_lines referencing ${op === 'delete' ? 'old' : 'new'} table as changed
    for each statement ${when} execute function index_log_lines()`;
const UNITS = (when: string) =>
  `create trigger units_index_update after update on units referencing old table as before new table as changed
    for each statement ${when} execute function index_log_units()`;
const FILINGS_INDEX = (extra: string) =>
  `create trigger filings_index_update after update of unit_id, period, state on filings for each row
    when ((old.unit_id is distinct from new.unit_id or old.period is distinct from new.period or old.state is distinct from new.state)${extra})
    execute function index_log_filing_row()`;
const FILINGS_YEAR = (extra: string) =>
  `create trigger unit_year_records_filings_update after update of unit_id, period, state, first_submitted_at on filings for each row
    when ((old.unit_id is distinct from new.unit_id or old.period is distinct from new.period or old.state is distinct from new.state
           or old.first_submitted_at is distinct from new.first_submitted_at)${extra})
    execute function unit_year_records_touch_filing()`;

async function recreate(knex: Knex, given: boolean): Promise<void> {
  const when = given ? `when (${NOT_GIVEN})` : '';
  const extra = given ? ` and ${NOT_GIVEN}` : '';
  for (const op of ['insert', 'update', 'delete'] as const) {
    await knex.raw(`drop trigger filing_lines_index_${op} on filing_lines`);
    await knex.raw(LINES(op, when));
  }
  await knex.raw('drop trigger units_index_update on units');
  await knex.raw(UNITS(when));
  await knex.raw('drop trigger filings_index_update on filings');
  await knex.raw(FILINGS_INDEX(extra));
  await knex.raw('drop trigger unit_year_records_filings_update on filings');
  await knex.raw(FILINGS_YEAR(extra));
}

export async function up(knex: Knex): Promise<void> {
  await recreate(knex, true);
}

export async function down(knex: Knex): Promise<void> {
  await recreate(knex, false);
}
