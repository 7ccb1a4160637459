import type { Knex } from 'knex';

// The periods whose common-code price medians (migration 260) are kept, and when. A period's
// medians are taken once, the first night units file it: its 12-month window then lies wholly
// before the period, every month of it past its deadline, so the nightly job does not read 13
// months of lines again every night (10 s at 100,000 units).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create table catalogue_price_median_periods (
    period varchar(7) primary key check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    codes integer not null check (codes >= 0),
    computed_at timestamptz not null default now())`);
  await knex.raw(`insert into catalogue_price_median_periods (period, codes)
    select period, count(*) from catalogue_price_medians group by period`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table catalogue_price_median_periods');
}
