import type { Knex } from 'knex';

// Issue 15: the national product catalogue. A code has up to 10 digits and starts with the ISIC
// Rev.4 class it belongs to (the check ties the two columns, the foreign key ties the class to the
// ISIC tree). catalogue_key() is the one definition of «the same spelling» for search and for the
// mapping queue: Arabic ي/ى/ك/ۀ/أ/إ as Persian, Persian and Arabic-Indic digits as Latin, and
// ZWNJ, ZWJ and spaces ignored («شیر پاستوریزه» = «شيرپاستوريزه»).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function catalogue_key(s text) returns text language sql immutable strict as $$
      select lower(translate(s,
        'يىكۀأإ۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩' || chr(8204) || chr(8205) || chr(160) || chr(9) || chr(10) || chr(13) || ' ',
        'ییکهاا01234567890123456789'))
    $$`);
  await knex.schema.createTable('catalogue', (t) => {
    t.string('code', 10).primary();
    t.string('isic_class', 4).notNullable().references('isic_codes.code');
    t.text('name_fa').notNullable();
    t.text('name_en');
    t.string('unit_of_measure_code', 12).notNullable().references('units_of_measure.code');
    t.string('active_from', 7).notNullable();
    t.string('retired_from', 7);
    t.string('source', 10).notNullable().defaultTo('office');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table catalogue add constraint catalogue_code_format check (code ~ '^[0-9]{4,10}$' and left(code, 4) = isic_class)`);
  await knex.raw(`alter table catalogue add constraint catalogue_name_present check (length(btrim(name_fa)) > 0)`);
  await knex.raw(`alter table catalogue add constraint catalogue_periods check (active_from ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' and (retired_from is null or (retired_from ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' and retired_from > active_from)))`);
  await knex.raw(`alter table catalogue add constraint catalogue_source check (source in ('office','import','demo'))`);
  await knex.raw('create index catalogue_isic on catalogue (isic_class)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('catalogue');
  await knex.raw('drop function catalogue_key(text)');
}
