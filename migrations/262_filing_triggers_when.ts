import type { Knex } from 'knex';

// A save locks its filing with `insert … on conflict do update set unit_id = excluded.unit_id`,
// an update that changes nothing, and then updates the figures. Two triggers ran on every such
// update although what they record had not changed: the yearly records' (migration 250, a row
// trigger that updated unit_year_records twice) and the index change log's (migration 241, a
// statement trigger that captured both transition tables to find no change). At 100,000 units they
// were about a tenth of a submission's machine time. Both now run only when a column they record
// changes: a row trigger with a WHEN condition (a statement trigger cannot have one).
export async function up(knex: Knex): Promise<void> {
  await knex.raw('drop trigger unit_year_records_filings_update on filings');
  await knex.raw(`create trigger unit_year_records_filings_update after update of unit_id, period, state, first_submitted_at on filings
    for each row when (old.unit_id is distinct from new.unit_id or old.period is distinct from new.period
                       or old.state is distinct from new.state or old.first_submitted_at is distinct from new.first_submitted_at)
    execute function unit_year_records_touch_filing()`);
  // The log's row for a filing whose state (or unit, or period) changed: as index_log_filings logged it.
  await knex.raw(`create function index_log_filing_row() returns trigger language plpgsql as $$
    begin
      insert into index_changes (period, kind) values (new.period, 'state');
      return null;
    end $$`);
  await knex.raw('drop trigger filings_index_update on filings');
  await knex.raw(`create trigger filings_index_update after update of unit_id, period, state on filings
    for each row when (old.unit_id is distinct from new.unit_id or old.period is distinct from new.period or old.state is distinct from new.state)
    execute function index_log_filing_row()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger filings_index_update on filings');
  await knex.raw('drop function index_log_filing_row()');
  await knex.raw('create trigger filings_index_update after update on filings referencing new table as changed old table as before for each statement execute function index_log_filings()');
  await knex.raw('drop trigger unit_year_records_filings_update on filings');
  await knex.raw(`create trigger unit_year_records_filings_update after update of unit_id, period, state, first_submitted_at on filings
    for each row execute function unit_year_records_touch_filing()`);
}
