import type { Knex } from 'knex';

// Issue 15, item 4: quantities per coded product in releases (DESIGN §7, the product dimension).
// A release keeps, beside its value contributions, each unit-month's quantity per product in the
// catalogue code's standard unit (or, for a product not linked to a code yet, in its dimension's
// base unit under its ISIC class's «سایر محصولات»), and the protected product cells it publishes.
// Products are nodes: a code (`1050100010`), a group of codes by prefix within one unit of measure
// (`G1050`, `G105010`, `G10501000`), or a class's other products (`1050*`).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('release_product_contributions', (t) => {
    t.integer('release_id').notNullable().references('releases.id');
    t.integer('unit_id').notNullable().references('units.id');
    t.string('period', 7).notNullable();
    t.string('province_code', 2).notNullable();
    t.string('product', 10).notNullable();
    t.string('unit_of_measure_code', 12).notNullable().references('units_of_measure.code');
    t.decimal('quantity', 30, 6).notNullable();
    t.primary(['release_id', 'unit_id', 'period', 'product', 'unit_of_measure_code']);
  });
  await knex.raw(`alter table release_product_contributions add constraint release_product_contributions_product check (product ~ '^([0-9]{4,10}|[0-9]{4}[*])$')`);
  await knex.raw('alter table release_product_contributions add constraint release_product_contributions_quantity check (quantity >= 0)');

  await knex.schema.createTable('release_product_cells', (t) => {
    t.integer('release_id').notNullable().references('releases.id');
    t.string('geo', 2).notNullable(); // 'IR' national, else the province code
    t.string('product', 10).notNullable();
    t.string('unit_of_measure_code', 12).notNullable().references('units_of_measure.code');
    t.string('measure', 12).notNullable();
    t.decimal('value', 30, 6); // null when suppressed
    t.boolean('suppressed').notNullable();
    t.primary(['release_id', 'measure', 'geo', 'product', 'unit_of_measure_code']);
  });
  await knex.raw(`alter table release_product_cells add constraint release_product_cells_product check (product ~ '^([0-9]{4,10}|[0-9]{4}[*]|G[0-9]{4}([0-9]{2}){0,2})$')`);
  await knex.raw(`alter table release_product_cells add constraint release_product_cells_measure check (measure in ('quantity','units'))`);
  await knex.raw('alter table release_product_cells add constraint release_product_cells_flag check (suppressed = (value is null))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('release_product_cells');
  await knex.schema.dropTable('release_product_contributions');
}
