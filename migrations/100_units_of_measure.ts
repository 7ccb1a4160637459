import type { Knex } from 'knex';

// Issue 15: units of measure as a table. Every unit belongs to one dimension and has an exact
// factor to that dimension's base unit (kg, litre, m², m, item, pair, set, kWh), so quantities
// declared in kilograms and tonnes add up exactly. Pairs and sets are dimensions of their own:
// a pair of shoes is not two items of anything the ministry counts.
export const UNITS_OF_MEASURE: readonly { code: string; name_fa: string; dimension: string; factor: string }[] = [
  { code: 'g', name_fa: 'گرم', dimension: 'mass', factor: '0.001' },
  { code: 'kg', name_fa: 'کیلوگرم', dimension: 'mass', factor: '1' },
  { code: 't', name_fa: 'تن', dimension: 'mass', factor: '1000' },
  { code: 'l', name_fa: 'لیتر', dimension: 'volume', factor: '1' },
  { code: 'kl', name_fa: 'هزار لیتر', dimension: 'volume', factor: '1000' },
  { code: 'm3', name_fa: 'متر مکعب', dimension: 'volume', factor: '1000' },
  { code: 'm2', name_fa: 'متر مربع', dimension: 'area', factor: '1' },
  { code: 'km2', name_fa: 'هزار متر مربع', dimension: 'area', factor: '1000' },
  { code: 'm', name_fa: 'متر', dimension: 'length', factor: '1' },
  { code: 'lm', name_fa: 'متر طول', dimension: 'length', factor: '1' },
  { code: 'km_len', name_fa: 'هزار متر', dimension: 'length', factor: '1000' },
  { code: 'km', name_fa: 'کیلومتر', dimension: 'length', factor: '1000' },
  { code: 'pc', name_fa: 'عدد', dimension: 'count', factor: '1' },
  { code: 'dev', name_fa: 'دستگاه', dimension: 'count', factor: '1' },
  { code: 'ring', name_fa: 'حلقه', dimension: 'count', factor: '1' },
  { code: 'kpc', name_fa: 'هزار عدد', dimension: 'count', factor: '1000' },
  { code: 'mpc', name_fa: 'میلیون عدد', dimension: 'count', factor: '1000000' },
  { code: 'kbottle', name_fa: 'هزار بطری', dimension: 'count', factor: '1000' },
  { code: 'kcan', name_fa: 'هزار قوطی', dimension: 'count', factor: '1000' },
  { code: 'kjar', name_fa: 'هزار شیشه', dimension: 'count', factor: '1000' },
  { code: 'kbar', name_fa: 'هزار قالب', dimension: 'count', factor: '1000' },
  { code: 'pair', name_fa: 'جفت', dimension: 'pair', factor: '1' },
  { code: 'kpair', name_fa: 'هزار جفت', dimension: 'pair', factor: '1000' },
  { code: 'set', name_fa: 'دست', dimension: 'set', factor: '1' },
  { code: 'kset', name_fa: 'هزار دست', dimension: 'set', factor: '1000' },
  { code: 'kwh', name_fa: 'کیلووات‌ساعت', dimension: 'energy', factor: '1' },
  { code: 'mwh', name_fa: 'مگاوات‌ساعت', dimension: 'energy', factor: '1000' },
];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('units_of_measure', (t) => {
    t.string('code', 12).primary();
    t.text('name_fa').notNullable().unique();
    t.string('dimension', 12).notNullable();
    t.decimal('factor', 30, 12).notNullable();
  });
  await knex.raw(`alter table units_of_measure add constraint units_of_measure_code_format check (code ~ '^[a-z0-9_]{1,12}$')`);
  await knex.raw(`alter table units_of_measure add constraint units_of_measure_dimension check (dimension in ('mass','volume','area','length','count','pair','set','energy'))`);
  await knex.raw('alter table units_of_measure add constraint units_of_measure_factor_positive check (factor > 0)');
  await knex('units_of_measure').insert(UNITS_OF_MEASURE);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('units_of_measure');
}
