import type { Knex } from 'knex';

// Issue 20 §4, one pipeline: the published cells of a release are one table whatever their space.
// A cell is what the cube calls it (src/stats/releases/cube.ts): a geo, a node of its space and a
// measure. `values` nodes are ISIC nodes (T, C, 10, 105, 1050); `products` nodes are a product
// node and its unit of measure as the cube writes them (`1050100010~kg`, `G105010~kg`, `1050*~kg`).
// release_product_cells (migration 110) is moved into release_cells and dropped.
//
// index_published (migrations 121, 201) reads release_cells: the views that read it are dropped
// and created again, from their own stored definitions, around the change of a column's type.

const VALUE_MEASURES = `('units','production_value','value_added','intermediate_consumption','employees')`;
const VALUE_NODE = '^(T|[A-Z]|[0-9]{2,4})$';
const PRODUCT_NODE = '^([0-9]{4,10}|[0-9]{4}[*]|G[0-9]{4}([0-9]{2}){0,2})~[A-Za-z0-9_]+$';

async function withViewsRebuilt(knex: Knex, table: string, change: () => Promise<void>): Promise<void> {
  const { rows } = (await knex.raw(
    `select distinct v.oid::regclass::text as name, pg_get_viewdef(v.oid) as def
       from pg_depend d join pg_rewrite r on r.oid = d.objid join pg_class v on v.oid = r.ev_class
      where d.refobjid = ?::regclass and v.oid <> d.refobjid and v.relkind = 'v'`,
    [table],
  )) as { rows: { name: string; def: string }[] };
  for (const v of rows) await knex.raw(`drop view ${v.name}`);
  await change();
  for (const v of rows) await knex.raw(`create view ${v.name} as ${v.def}`);
}

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table release_cells rename column isic to node');
  await knex.raw(`alter table release_cells add column space varchar(12)`);
  await knex.raw(`update release_cells set space = 'values'`);
  await knex.raw('alter table release_cells alter column space set not null');
  await withViewsRebuilt(knex, 'release_cells', async () => {
    await knex.raw('alter table release_cells alter column node type varchar(24)');
    await knex.raw('alter table release_cells alter column value type numeric'); // whole numbers for values (checked), decimals for quantities
  });
  await knex.raw('alter table release_cells drop constraint release_cells_measure');
  await knex.raw('alter table release_cells drop constraint release_cells_pkey');
  await knex.raw('alter table release_cells add primary key (release_id, space, measure, geo, node)');
  await knex.raw(`alter table release_cells add constraint release_cells_space check (
    (space = 'values' and measure in ${VALUE_MEASURES} and node ~ '${VALUE_NODE}' and (value is null or scale(value) = 0))
    or (space = 'products' and measure in ('quantity','units') and node ~ '${PRODUCT_NODE}'))`);
  await knex.raw(`insert into release_cells (release_id, space, measure, geo, node, value, suppressed, "primary")
    select release_id, 'products', measure, geo, product || '~' || unit_of_measure_code, trim_scale(value), suppressed, "primary" from release_product_cells`);
  await knex.schema.dropTable('release_product_cells');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.createTable('release_product_cells', (t) => {
    t.integer('release_id').notNullable().references('releases.id');
    t.string('geo', 2).notNullable();
    t.string('product', 10).notNullable();
    t.string('unit_of_measure_code', 12).notNullable().references('units_of_measure.code');
    t.string('measure', 12).notNullable();
    t.decimal('value', 30, 6);
    t.boolean('suppressed').notNullable();
    t.boolean('primary');
    t.primary(['release_id', 'measure', 'geo', 'product', 'unit_of_measure_code']);
  });
  await knex.raw(`alter table release_product_cells add constraint release_product_cells_product check (product ~ '^([0-9]{4,10}|[0-9]{4}[*]|G[0-9]{4}([0-9]{2}){0,2})$')`);
  await knex.raw(`alter table release_product_cells add constraint release_product_cells_measure check (measure in ('quantity','units'))`);
  await knex.raw('alter table release_product_cells add constraint release_product_cells_flag check (suppressed = (value is null))');
  await knex.raw(`alter table release_product_cells add constraint release_product_cells_primary check (not coalesce("primary", false) or suppressed)`);
  await knex.raw(`insert into release_product_cells (release_id, geo, product, unit_of_measure_code, measure, value, suppressed, "primary")
    select release_id, geo, split_part(node, '~', 1), split_part(node, '~', 2), measure, value, suppressed, "primary" from release_cells where space = 'products'`);
  await knex.raw(`delete from release_cells where space = 'products'`);
  await knex.raw('alter table release_cells drop constraint release_cells_space');
  await knex.raw('alter table release_cells drop constraint release_cells_pkey');
  await withViewsRebuilt(knex, 'release_cells', async () => {
    await knex.raw('alter table release_cells alter column node type varchar(4)');
    await knex.raw('alter table release_cells alter column value type numeric(24, 0)');
  });
  await knex.raw('alter table release_cells drop column space');
  await knex.raw('alter table release_cells rename column node to isic');
  await knex.raw('alter table release_cells add primary key (release_id, measure, geo, isic)');
  await knex.raw(`alter table release_cells add constraint release_cells_measure check (measure in ${VALUE_MEASURES})`);
}
