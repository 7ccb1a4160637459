import type { Knex } from 'knex';

// Issue 23, bounded pages at national size: each unit's filing record of a Jalali year (DESIGN §4
// and §8: due, filed, on time, missing periods; submitted and verified-without-return filings) as
// a cache of record.ts's rule, so that a province's ranking is a read of its rows instead of a
// judgement of every unit-period (2–4 s for Tehran's 16,582 units at 100,000 units).
//
// A row is valid for a request at instant T only when it was judged over the same calendar
// (`cal_key`: the due periods and their deadlines), at an instant no later than T, before any of the
// unit's later submissions (`valid_until`), and nothing it reads changed since (`dirty`). The
// triggers below mark a row dirty in the same transaction as the write that changes what it reads:
// a filing (added, submitted, its state or period changed, removed), a review, or the unit itself
// (approval, obligation start, province), and count it in `touched`: a judgement begun before such a
// write (its snapshot did not see it) does not overwrite the row. Any stale row is judged again by the rule before a page
// reads it (eligibility/year-records.ts), and the nightly job judges them all after a deadline.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table unit_year_records (
      unit_id integer not null references units(id) on delete cascade,
      year smallint not null,
      province_code text not null,
      due integer not null,
      filed integer not null,
      on_time integer not null,
      missing_periods text[] not null,
      submitted integer not null,
      clean integer not null,
      cal_key text not null,
      judged_at timestamptz not null,
      valid_until timestamptz,
      dirty boolean not null default false,
      touched bigint not null default 0,
      primary key (unit_id, year)
    )`);
  // A province's year, ranked: completeness then timeliness (the priority list) are read in this order.
  await knex.raw(`create index unit_year_records_province on unit_year_records (province_code, year,
    (case when due = 0 then 1::float8 else filed::float8 / due end) desc,
    (case when due = 0 then 1::float8 else on_time::float8 / due end) desc)`);
  await knex.raw(`
    create function unit_year_records_touch_filing() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') then
        update unit_year_records set dirty = true, touched = touched + 1
         where unit_id = old.unit_id and year = substr(old.period, 1, 4)::int;
      end if;
      if tg_op in ('INSERT', 'UPDATE') then
        update unit_year_records set dirty = true, touched = touched + 1
         where unit_id = new.unit_id and year = substr(new.period, 1, 4)::int;
      end if;
      return null;
    end $$`);
  // Only the columns the record reads: a draft's figures saved again change nothing.
  await knex.raw(`create trigger unit_year_records_filings_insert after insert or delete on filings
    for each row execute function unit_year_records_touch_filing()`);
  await knex.raw(`create trigger unit_year_records_filings_update after update of unit_id, period, state, first_submitted_at on filings
    for each row execute function unit_year_records_touch_filing()`);
  await knex.raw(`
    create function unit_year_records_touch_review() returns trigger language plpgsql as $$
    declare r record;
    begin
      if tg_op = 'DELETE' then r := old; else r := new; end if;
      update unit_year_records y set dirty = true, touched = y.touched + 1
        from filings f
       where f.id = r.filing_id and y.unit_id = f.unit_id and y.year = substr(f.period, 1, 4)::int;
      return null;
    end $$`);
  await knex.raw(`create trigger unit_year_records_reviews after insert or update or delete on filing_reviews
    for each row execute function unit_year_records_touch_review()`);
  await knex.raw(`
    create function unit_year_records_touch_unit() returns trigger language plpgsql as $$
    begin
      update unit_year_records set dirty = true, touched = touched + 1 where unit_id = new.id;
      return null;
    end $$`);
  await knex.raw(`create trigger unit_year_records_units after update of registration, obligation_start, province_code on units
    for each row execute function unit_year_records_touch_unit()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger if exists unit_year_records_units on units');
  await knex.raw('drop trigger if exists unit_year_records_reviews on filing_reviews');
  await knex.raw('drop trigger if exists unit_year_records_filings_update on filings');
  await knex.raw('drop trigger if exists unit_year_records_filings_insert on filings');
  await knex.raw('drop function if exists unit_year_records_touch_unit()');
  await knex.raw('drop function if exists unit_year_records_touch_review()');
  await knex.raw('drop function if exists unit_year_records_touch_filing()');
  await knex.raw('drop table if exists unit_year_records');
}
