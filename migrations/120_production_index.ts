import type { Knex } from 'knex';

// Issue 16: the index of industrial and mining production. Every computation of a month is kept
// with its cells (the revision triangle is month × computation); a computation is published only
// by a release of it, and what is published is read through index_published, which never shows a
// suppressed cell's value or weight. Computations, their cells and releases are never changed.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('index_computations', (t) => {
    t.increments('id');
    t.string('period', 7).notNullable();
    t.integer('base_year').notNullable();
    t.timestamp('cut_off', { useTz: true }).notNullable();
    t.timestamp('computed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.boolean('first').notNullable();
    t.integer('created_by').references('users.id');
    t.jsonb('report').notNullable();
  });
  await knex.raw(`alter table index_computations add constraint index_computations_period check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')`);
  await knex.raw('alter table index_computations add constraint index_computations_base_year check (base_year between 1380 and 1500)');
  await knex.raw('create unique index index_computations_one_first on index_computations (period, base_year) where first');
  await knex.raw('create index index_computations_period on index_computations (period, computed_at)');

  await knex.schema.createTable('index_cells', (t) => {
    t.integer('computation_id').notNullable().references('index_computations.id').onDelete('CASCADE');
    t.string('node', 4).notNullable();
    t.string('level', 8).notNullable();
    t.decimal('value', 14, 4);
    t.double('imputed_share').notNullable();
    t.double('weight_share').notNullable();
    t.integer('contributors').notNullable();
    t.boolean('suppressed').notNullable();
    t.primary(['computation_id', 'node']);
  });
  await knex.raw(`alter table index_cells add constraint index_cells_level check (level in ('total','section','division','group','class'))`);
  await knex.raw('alter table index_cells add constraint index_cells_ranges check (imputed_share between 0 and 1 and weight_share between 0 and 1 and contributors >= 0 and (value is null or value >= 0))');

  await knex.schema.createTable('index_releases', (t) => {
    t.increments('id');
    t.integer('computation_id').notNullable().unique().references('index_computations.id');
    t.string('period', 7).notNullable();
    t.timestamp('released_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('released_by').references('users.id');
  });
  await knex.raw('create index index_releases_period on index_releases (period, id)');

  await knex.raw(`
    create function index_immutable() returns trigger language plpgsql as $$
    begin raise exception 'index computations, cells and releases are never changed (issue 16)'; end $$`);
  for (const table of ['index_computations', 'index_cells', 'index_releases']) {
    await knex.raw(`create trigger ${table}_immutable before update or delete on ${table} for each row execute function index_immutable()`);
  }

  // The published figures: the latest release of each month, suppressed cells without value or weight.
  await knex.raw(`
    create view index_published as
    select r.period, r.id as release_id, r.released_at, c.id as computation_id, c.cut_off, c.computed_at, c.base_year,
           x.node, x.level, x.suppressed,
           case when x.suppressed then null else x.value end as value,
           case when x.suppressed then null else x.imputed_share end as imputed_share,
           case when x.suppressed then null else x.weight_share end as weight_share
      from index_releases r
      join index_computations c on c.id = r.computation_id
      join index_cells x on x.computation_id = c.id
     where r.id = (select max(r2.id) from index_releases r2 where r2.period = r.period)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop view index_published');
  for (const table of ['index_releases', 'index_cells', 'index_computations']) await knex.raw(`drop trigger ${table}_immutable on ${table}`);
  await knex.raw('drop function index_immutable()');
  await knex.schema.dropTable('index_releases');
  await knex.schema.dropTable('index_cells');
  await knex.schema.dropTable('index_computations');
}
