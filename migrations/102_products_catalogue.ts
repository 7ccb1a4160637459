import type { Knex } from 'knex';

// Issue 15: a unit's licensed product links to a catalogue code and declares its unit of measure
// from the table; its own name and unit text stay beside them as the unit's description. A code
// used by a product (and so by its filings) cannot be deleted (restrict). The unit of measure is
// filled from the typed text when it names a known unit, on every insert path (register import,
// registration, seeds), so that older rows and new ones agree.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('products', (t) => {
    t.string('catalogue_code', 10).references('catalogue.code').onDelete('RESTRICT').onUpdate('RESTRICT');
    t.string('unit_of_measure_code', 12).references('units_of_measure.code').onDelete('RESTRICT');
  });
  await knex.raw('alter table products add constraint products_coded_has_unit check (catalogue_code is null or unit_of_measure_code is not null)');
  await knex.raw('create index products_catalogue_code on products (catalogue_code)');
  await knex.raw(`
    update products p set unit_of_measure_code = m.code
      from units_of_measure m where catalogue_key(m.name_fa) = catalogue_key(p.unit_of_measure)`);
  // On insert, an unset unit is looked up; on an update of the typed text that does not set the
  // unit itself, it is looked up again (and kept when the new text names no known unit).
  await knex.raw(`
    create function products_declared_unit() returns trigger language plpgsql as $$
    declare found varchar(12);
    begin
      if tg_op = 'INSERT' and new.unit_of_measure_code is not null then return new; end if;
      if tg_op = 'UPDATE' and new.unit_of_measure_code is distinct from old.unit_of_measure_code then return new; end if;
      select m.code into found from units_of_measure m where catalogue_key(m.name_fa) = catalogue_key(new.unit_of_measure);
      new.unit_of_measure_code := coalesce(found, new.unit_of_measure_code);
      return new;
    end $$`);
  await knex.raw(`create trigger products_declared_unit before insert or update of unit_of_measure on products
    for each row execute function products_declared_unit()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger products_declared_unit on products');
  await knex.raw('drop function products_declared_unit()');
  await knex.raw('alter table products drop constraint products_coded_has_unit');
  await knex.raw('drop index products_catalogue_code');
  await knex.schema.alterTable('products', (t) => {
    t.dropColumn('unit_of_measure_code');
    t.dropColumn('catalogue_code');
  });
}
