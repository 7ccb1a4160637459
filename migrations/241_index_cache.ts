import type { Knex } from 'knex';

// Issue 25 §5: the index reads aggregates, not filing lines. Two caches, each filled once and
// refreshed only when what it was made from changes:
//
// - index_base_products: per base year, class and catalogue code, the product's weight within its
//   class ÷ its base quantity (the base year's whole result; 2.9 M lines at national scale);
// - index_filing_terms: per base year and filing, Σ over its coded lines of the converted quantity
//   × that coefficient (a unit-month's term; 13 months of lines at national scale).
//
// What changed is recorded by triggers in index_changes, an append-only log of periods ('*' for
// every period): a statement that touches filing lines (or deletes filings) logs the periods of
// those filings as 'lines'; a change of a filing's state logs its period as 'state' (the base
// year counts submitted and verified filings only; the months' terms do not depend on state, read
// at computation time); a change of a product's code, unit or owner, or of a unit's class, logs
// the periods of their lines; a change of a unit of measure or of a code's unit, and a truncate,
// logs '*'. A cache remembers how many log rows of its periods it was made after (index_cache_state):
// the log is read before the cache is filled, so a change that commits meanwhile always leaves
// the count higher than remembered, and the cache is made again the next time. The log is
// append-only: never delete from it while a cache remembers its count (migration 270 makes it
// compactable by merging rows, which keeps every count).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create table index_changes (
    id bigserial primary key,
    period varchar(7) not null,
    kind varchar(5) not null check (kind in ('lines', 'state')))`);
  await knex.raw('create index index_changes_period on index_changes (period, kind)');
  await knex.raw(`create table index_base_products (
    base_year integer not null, isic_class varchar(4) not null, code text not null, coef double precision not null,
    primary key (base_year, isic_class, code))`);
  await knex.raw(`create table index_filing_terms (
    base_year integer not null, period varchar(7) not null, filing_id integer not null, term double precision not null,
    primary key (base_year, filing_id))`);
  await knex.raw('create index index_filing_terms_period on index_filing_terms (base_year, period)');
  // What each cache was made after: `what` is 'base' or a period; `changes` the count of log rows.
  await knex.raw(`create table index_cache_state (
    base_year integer not null, what varchar(7) not null, changes bigint not null, filled_at timestamptz not null default now(),
    primary key (base_year, what))`);

  await knex.raw(`create function index_log_lines() returns trigger language plpgsql as $$
    begin
      insert into index_changes (period, kind)
      select distinct f.period, 'lines' from changed c join filings f on f.id = c.filing_id;
      return null;
    end $$`);
  for (const [event, ref] of [['insert', 'new'], ['update', 'new'], ['delete', 'old']] as const) {
    await knex.raw(`create trigger filing_lines_index_${event} after ${event} on filing_lines referencing ${ref} table as changed for each statement execute function index_log_lines()`);
  }
  await knex.raw(`create function index_log_filings() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        insert into index_changes (period, kind) select distinct o.period, 'lines' from before o;
      else
        insert into index_changes (period, kind)
        select distinct n.period, 'state' from changed n join before o on o.id = n.id
         where n.state is distinct from o.state or n.period is distinct from o.period or n.unit_id is distinct from o.unit_id;
      end if;
      return null;
    end $$`);
  await knex.raw('create trigger filings_index_update after update on filings referencing new table as changed old table as before for each statement execute function index_log_filings()');
  await knex.raw('create trigger filings_index_delete after delete on filings referencing old table as before for each statement execute function index_log_filings()');
  await knex.raw(`create function index_log_products() returns trigger language plpgsql as $$
    begin
      insert into index_changes (period, kind)
      select distinct f.period, 'lines'
        from changed n join before o on o.id = n.id
        join filing_lines fl on fl.product_id = n.id join filings f on f.id = fl.filing_id
       where n.catalogue_code is distinct from o.catalogue_code or n.unit_of_measure_code is distinct from o.unit_of_measure_code or n.unit_id is distinct from o.unit_id;
      return null;
    end $$`);
  await knex.raw('create trigger products_index_update after update on products referencing new table as changed old table as before for each statement execute function index_log_products()');
  await knex.raw(`create function index_log_units() returns trigger language plpgsql as $$
    begin
      insert into index_changes (period, kind)
      select distinct f.period, 'lines' from changed n join before o on o.id = n.id join filings f on f.unit_id = n.id
       where n.isic_class is distinct from o.isic_class;
      return null;
    end $$`);
  await knex.raw('create trigger units_index_update after update on units referencing new table as changed old table as before for each statement execute function index_log_units()');
  await knex.raw(`create function index_log_all() returns trigger language plpgsql as $$
    begin insert into index_changes (period, kind) values ('*', 'lines'); return null; end $$`);
  await knex.raw('create trigger units_of_measure_index after update or delete on units_of_measure for each statement execute function index_log_all()');
  await knex.raw('create trigger catalogue_index after update of unit_of_measure_code on catalogue for each statement execute function index_log_all()');
  for (const table of ['filing_lines', 'filings', 'products', 'units']) {
    await knex.raw(`create trigger ${table}_index_truncate after truncate on ${table} for each statement execute function index_log_all()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['filing_lines', 'filings', 'products', 'units']) await knex.raw(`drop trigger ${table}_index_truncate on ${table}`);
  await knex.raw('drop trigger catalogue_index on catalogue');
  await knex.raw('drop trigger units_of_measure_index on units_of_measure');
  await knex.raw('drop trigger units_index_update on units');
  await knex.raw('drop trigger products_index_update on products');
  await knex.raw('drop trigger filings_index_update on filings');
  await knex.raw('drop trigger filings_index_delete on filings');
  for (const event of ['insert', 'update', 'delete']) await knex.raw(`drop trigger filing_lines_index_${event} on filing_lines`);
  for (const f of ['index_log_lines', 'index_log_filings', 'index_log_products', 'index_log_units', 'index_log_all']) await knex.raw(`drop function ${f}()`);
  for (const t of ['index_cache_state', 'index_filing_terms', 'index_base_products', 'index_changes']) await knex.raw(`drop table ${t}`);
}
