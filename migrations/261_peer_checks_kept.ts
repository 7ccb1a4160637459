import type { Knex } from 'knex';

// The class checks of a submission (issue 24) compare a unit with the other units of its class.
// Read live, the employees check (Hidiroglou–Berthelot over the class's units that filed the two
// months before) scanned every unit for its class and probed two filings per peer: 59 ms of a
// save at 100,000 units, most of what bounded submissions to 24 a second. As the price medians of
// migration 260, the nightly job now keeps the fit of each class (in each province, and in the
// nation) with at least 30 usable pairs; a save reads those rows and computes live only the
// groups too small to be kept (few rows, found through units_class_province).
//
// peer_checks_kept says which periods each kept check was taken for, and when: a period's are
// taken once, the first night units file it. Its 12-month (prices) or 2-month (employees) window
// then lies wholly before the period, every month of it past its deadline, so the nightly job
// does not read those months of lines and filings again every night.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create table class_employee_fits (
    isic_class varchar(4) not null,
    province_code varchar(2) not null default '',
    period varchar(7) not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    r_med double precision not null,
    e_med double precision not null,
    d_low double precision not null,
    d_high double precision not null,
    n integer not null check (n > 0),
    primary key (isic_class, period, province_code))`);
  await knex.raw('comment on column class_employee_fits.province_code is \'the province the fit is of; empty for the nation\'');
  await knex.raw('create index units_class_province on units (isic_class, province_code)');
  await knex.raw(`create table peer_checks_kept (
    period varchar(7) not null check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    kind varchar(9) not null check (kind in ('prices', 'employees')),
    rows_kept integer not null check (rows_kept >= 0),
    computed_at timestamptz not null default now(),
    primary key (period, kind))`);
  await knex.raw(`insert into peer_checks_kept (period, kind, rows_kept)
    select period, 'prices', count(*) from catalogue_price_medians group by period`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table peer_checks_kept');
  await knex.raw('drop index units_class_province');
  await knex.raw('drop table class_employee_fits');
}
