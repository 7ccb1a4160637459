import type { Knex } from 'knex';

// Issue 25: Iran's official holidays by Jalali year, for the index's calendar adjustment
// (src/production-index/holidays.ts, docs/index.md «Calendar»). One row per year with its source
// and whether its lunar dates are announced or provisional; one row per holiday.
//
// Lunar dates below: each lunar holiday's Hijri date converted with the Hijri month beginnings of
// Iran's official calendar as published by the Calendar Center of the Institute of Geophysics,
// University of Tehran (مرکز تقویم مؤسسه ژئوفیزیک دانشگاه تهران), as transcribed in
// github.com/roozbehp/qamari (consolidated.txt) and persian-calendar/calendar
// (IranianIslamicDateConverter.kt, commit 58cf36e), checked against the Calendar Center's own
// converter (1,161 month beginnings 1346–1442 AH, no difference). Announced through the Ramadan of
// 1448 AH (Esfand 1405); Jalali 1406 is that table's prediction: provisional until the Center
// publishes the 1406 calendar, then replaced with `npm run index:holidays -- --year 1406 --replace`.
// Imam Reza's martyrdom is the last day of Safar (29 or 30), as Iran's calendar keeps it.
const SOURCE = 'تقویم رسمی کشور، مرکز تقویم مؤسسه ژئوفیزیک دانشگاه تهران (آغاز ماه‌های قمری به روایت github.com/roozbehp/qamari و persian-calendar/calendar)';
const SOLAR = ['01-01 nowruz_1', '01-02 nowruz_2', '01-03 nowruz_3', '01-04 nowruz_4', '01-12 republic_day', '01-13 nature_day', '03-14 khomeini_demise', '03-15 khordad_15', '11-22 revolution_day', '12-29 oil_nationalisation'];
const LUNAR: Record<number, string> = {
  1395: '02-02 ali_birth, 02-16 mabath, 03-02 mahdi_birth, 04-07 ali_martyrdom, 04-16 fitr, 04-17 fitr_2, 05-09 sadiq_martyrdom, 06-22 adha, 06-30 ghadir, 07-20 tasua, 07-21 ashura, 08-30 arbaeen, 09-08 prophet_demise, 09-10 reza_martyrdom, 09-18 askari_martyrdom, 09-27 prophet_birth, 12-12 fatima_martyrdom',
  1396: '01-22 ali_birth, 02-05 mabath, 02-22 mahdi_birth, 03-26 ali_martyrdom, 04-05 fitr, 04-06 fitr_2, 04-29 sadiq_martyrdom, 06-10 adha, 06-18 ghadir, 07-08 tasua, 07-09 ashura, 08-18 arbaeen, 08-26 prophet_demise, 08-28 reza_martyrdom, 09-06 askari_martyrdom, 09-15 prophet_birth, 12-01 fatima_martyrdom',
  1397: '01-11 ali_birth, 01-25 mabath, 02-12 mahdi_birth, 03-16 ali_martyrdom, 03-25 fitr, 03-26 fitr_2, 04-18 sadiq_martyrdom, 05-31 adha, 06-08 ghadir, 06-28 tasua, 06-29 ashura, 08-08 arbaeen, 08-16 prophet_demise, 08-17 reza_martyrdom, 08-25 askari_martyrdom, 09-04 prophet_birth, 11-20 fatima_martyrdom, 12-29 ali_birth',
  1398: '01-14 mabath, 02-01 mahdi_birth, 03-06 ali_martyrdom, 03-15 fitr, 03-16 fitr_2, 04-08 sadiq_martyrdom, 05-21 adha, 05-29 ghadir, 06-18 tasua, 06-19 ashura, 07-27 arbaeen, 08-05 prophet_demise, 08-07 reza_martyrdom, 08-15 askari_martyrdom, 08-24 prophet_birth, 11-09 fatima_martyrdom, 12-18 ali_birth',
  1399: '01-03 mabath, 01-21 mahdi_birth, 02-26 ali_martyrdom, 03-04 fitr, 03-05 fitr_2, 03-28 sadiq_martyrdom, 05-10 adha, 05-18 ghadir, 06-08 tasua, 06-09 ashura, 07-17 arbaeen, 07-25 prophet_demise, 07-26 reza_martyrdom, 08-04 askari_martyrdom, 08-13 prophet_birth, 10-28 fatima_martyrdom, 12-07 ali_birth, 12-21 mabath',
  1400: '01-09 mahdi_birth, 02-14 ali_martyrdom, 02-23 fitr, 02-24 fitr_2, 03-16 sadiq_martyrdom, 04-30 adha, 05-07 ghadir, 05-27 tasua, 05-28 ashura, 07-05 arbaeen, 07-13 prophet_demise, 07-15 reza_martyrdom, 07-23 askari_martyrdom, 08-02 prophet_birth, 10-16 fatima_martyrdom, 11-26 ali_birth, 12-10 mabath, 12-27 mahdi_birth',
  1401: '02-03 ali_martyrdom, 02-13 fitr, 02-14 fitr_2, 03-06 sadiq_martyrdom, 04-19 adha, 04-27 ghadir, 05-16 tasua, 05-17 ashura, 06-26 arbaeen, 07-03 prophet_demise, 07-05 reza_martyrdom, 07-13 askari_martyrdom, 07-22 prophet_birth, 10-06 fatima_martyrdom, 11-15 ali_birth, 11-29 mabath, 12-17 mahdi_birth',
  1402: '01-23 ali_martyrdom, 02-02 fitr, 02-03 fitr_2, 02-26 sadiq_martyrdom, 04-08 adha, 04-16 ghadir, 05-05 tasua, 05-06 ashura, 06-15 arbaeen, 06-23 prophet_demise, 06-25 reza_martyrdom, 07-02 askari_martyrdom, 07-11 prophet_birth, 09-26 fatima_martyrdom, 11-05 ali_birth, 11-19 mabath, 12-06 mahdi_birth',
  1403: '01-13 ali_martyrdom, 01-22 fitr, 01-23 fitr_2, 02-15 sadiq_martyrdom, 03-28 adha, 04-05 ghadir, 04-25 tasua, 04-26 ashura, 06-04 arbaeen, 06-12 prophet_demise, 06-14 reza_martyrdom, 06-22 askari_martyrdom, 06-31 prophet_birth, 09-15 fatima_martyrdom, 10-25 ali_birth, 11-09 mabath, 11-26 mahdi_birth',
  1404: '01-02 ali_martyrdom, 01-11 fitr, 01-12 fitr_2, 02-04 sadiq_martyrdom, 03-16 adha, 03-24 ghadir, 04-14 tasua, 04-15 ashura, 05-23 arbaeen, 05-31 prophet_demise, 06-02 reza_martyrdom, 06-10 askari_martyrdom, 06-19 prophet_birth, 09-03 fatima_martyrdom, 10-13 ali_birth, 10-27 mabath, 11-15 mahdi_birth, 12-20 ali_martyrdom',
  1405: '01-01 fitr, 01-02 fitr_2, 01-25 sadiq_martyrdom, 03-06 adha, 03-14 ghadir, 04-03 tasua, 04-04 ashura, 05-13 arbaeen, 05-21 prophet_demise, 05-22 reza_martyrdom, 05-30 askari_martyrdom, 06-08 prophet_birth, 08-22 fatima_martyrdom, 10-02 ali_birth, 10-16 mabath, 11-04 mahdi_birth, 12-09 ali_martyrdom, 12-19 fitr, 12-20 fitr_2',
  1406: '01-14 sadiq_martyrdom, 02-27 adha, 03-04 ghadir, 03-24 tasua, 03-25 ashura, 05-03 arbaeen, 05-11 prophet_demise, 05-12 reza_martyrdom, 05-20 askari_martyrdom, 05-29 prophet_birth, 08-11 fatima_martyrdom, 09-21 ali_birth, 10-05 mabath, 10-22 mahdi_birth, 11-28 ali_martyrdom, 12-08 fitr, 12-09 fitr_2',
};

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('index_holiday_years', (t) => {
    t.integer('year').primary();
    t.text('source').notNullable();
    t.string('status', 12).notNullable();
    t.integer('added_by').references('users.id');
    t.timestamp('added_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table index_holiday_years add constraint index_holiday_years_status check (status in ('announced', 'provisional'))`);
  await knex.raw('alter table index_holiday_years add constraint index_holiday_years_year check (year between 1380 and 1500)');
  await knex.schema.createTable('index_holidays', (t) => {
    t.integer('year').notNullable().references('index_holiday_years.year').onDelete('CASCADE');
    t.string('date', 10).notNullable();
    t.string('code', 24).notNullable();
    t.string('kind', 5).notNullable();
    t.primary(['date', 'code']);
  });
  await knex.raw(`alter table index_holidays add constraint index_holidays_date check (date ~ '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' and substr(date, 1, 4)::int = year)`);
  await knex.raw(`alter table index_holidays add constraint index_holidays_kind check (kind in ('solar', 'lunar'))`);
  for (const [y, list] of Object.entries(LUNAR)) {
    const year = Number(y);
    await knex('index_holiday_years').insert({ year, source: SOURCE, status: year <= 1405 ? 'announced' : 'provisional' });
    const rows = [
      ...SOLAR.map((s) => ({ year, date: `${year}-${s.slice(0, 5)}`, code: s.slice(6), kind: 'solar' })),
      ...list.split(', ').map((s) => ({ year, date: `${year}-${s.slice(0, 5)}`, code: s.slice(6), kind: 'lunar' })),
    ];
    await knex('index_holidays').insert(rows);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('index_holidays');
  await knex.schema.dropTable('index_holiday_years');
}
