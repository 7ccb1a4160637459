import type { Knex } from 'knex';

// Issue 24, selective editing: what each submitted figure was expected to be — the median of the
// unit's own figures over the 12 months before (at least 3 of them), and per product line the
// median price (sales value ÷ quantity sold) — kept on the row when it is submitted. The queue's
// score then reads one row per filing instead of twelve months of history per filing, so it stays
// a handful of set-based aggregates at 100,000 units (docs/verification.md).
//
// Triggers fill them on every path that writes a filing (form, API, import, synthetic data), so no
// caller can forget; the backfill below fills the rows already there in two set-based statements.

const MIN_HISTORY = 3;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table filings add column production_value_expected double precision, add column employees_expected double precision`);
  await knex.raw(`alter table filing_lines add column price_expected double precision`);
  // 'YYYY-MM' + n months.
  await knex.raw(`
    create function period_add(p varchar, n integer) returns varchar language sql immutable strict as $$
      select lpad(((i + n) / 12)::text, 4, '0') || '-' || lpad(((i + n) % 12 + 1)::text, 2, '0')
        from (select substr(p, 1, 4)::int * 12 + substr(p, 6, 2)::int - 1 as i) x
    $$`);
  await knex.raw(`
    create function filings_expected() returns trigger language plpgsql as $$
    begin
      if new.first_submitted_at is null then return new; end if;
      select case when count(h.production_value) >= ${MIN_HISTORY} then percentile_cont(0.5) within group (order by h.production_value) end,
             case when count(h.employees) >= ${MIN_HISTORY} then percentile_cont(0.5) within group (order by h.employees) end
        into new.production_value_expected, new.employees_expected
        from filings h
       where h.unit_id = new.unit_id and h.period >= period_add(new.period, -12) and h.period < new.period
         and h.first_submitted_at is not null;
      return new;
    end $$`);
  await knex.raw(`create trigger filings_expected before insert or update of production_value, employees, first_submitted_at, period on filings
    for each row execute function filings_expected()`);
  await knex.raw(`
    create function filing_lines_expected() returns trigger language plpgsql as $$
    begin
      select case when count(*) >= ${MIN_HISTORY} then percentile_cont(0.5) within group (order by hl.sales_value::float8 / hl.sold::float8) end
        into new.price_expected
        from filings f
        join filings h on h.unit_id = f.unit_id and h.period >= period_add(f.period, -12) and h.period < f.period and h.first_submitted_at is not null
        join filing_lines hl on hl.filing_id = h.id and hl.product_id = new.product_id and hl.sold > 0 and hl.sales_value > 0
       where f.id = new.filing_id;
      return new;
    end $$`);
  await knex.raw(`create trigger filing_lines_expected before insert or update of sold, sales_value on filing_lines
    for each row execute function filing_lines_expected()`);
  // Backfill: a window over each unit's months (each product's, for prices), not a query per row.
  await knex.raw(`
    update filings f set production_value_expected = x.pv, employees_expected = x.emp
      from (select w.id,
                   (select case when count(v) >= ${MIN_HISTORY} then percentile_cont(0.5) within group (order by v) end from unnest(w.pvs) v) as pv,
                   (select case when count(v) >= ${MIN_HISTORY} then percentile_cont(0.5) within group (order by v) end from unnest(w.emps) v) as emp
              from (select id, array_agg(production_value) over win as pvs, array_agg(employees) over win as emps
                      from (select *, substr(period, 1, 4)::int * 12 + substr(period, 6, 2)::int as mi from filings where first_submitted_at is not null) s
                    window win as (partition by unit_id order by mi range between 12 preceding and 1 preceding)) w) x
     where f.id = x.id and (x.pv is not null or x.emp is not null)`);
  await knex.raw(`
    update filing_lines l set price_expected = x.price
      from (select w.filing_id, w.product_id,
                   (select case when count(v) >= ${MIN_HISTORY} then percentile_cont(0.5) within group (order by v) end from unnest(w.prices) v) as price
              from (select l.filing_id, l.product_id,
                           array_agg(l.sales_value::float8 / l.sold::float8) filter (where l.sold > 0 and l.sales_value > 0)
                             over (partition by f.unit_id, l.product_id order by substr(f.period, 1, 4)::int * 12 + substr(f.period, 6, 2)::int
                                   range between 12 preceding and 1 preceding) as prices
                      from filing_lines l join filings f on f.id = l.filing_id and f.first_submitted_at is not null) w) x
     where l.filing_id = x.filing_id and l.product_id = x.product_id and x.price is not null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger filing_lines_expected on filing_lines');
  await knex.raw('drop function filing_lines_expected()');
  await knex.raw('drop trigger filings_expected on filings');
  await knex.raw('drop function filings_expected()');
  await knex.raw('drop function period_add(varchar, integer)');
  await knex.raw('alter table filing_lines drop column price_expected');
  await knex.raw('alter table filings drop column production_value_expected, drop column employees_expected');
}
