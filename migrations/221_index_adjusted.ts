import type { Knex } from 'knex';

// Issue 25: each index computation's calendar- and seasonally-adjusted series, per published
// node (the nation, the sections and divisions not suppressed in that computation): the whole
// span adjusted with the computation (concurrent adjustment), and the model behind it. Published
// only through the computation's release; never changed, like the computation itself.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('index_adjustments', (t) => {
    t.integer('computation_id').notNullable().references('index_computations.id').onDelete('CASCADE');
    t.string('node', 4).notNullable();
    t.jsonb('model').notNullable();
    t.primary(['computation_id', 'node']);
  });
  await knex.schema.createTable('index_adjusted', (t) => {
    t.integer('computation_id').notNullable();
    t.string('node', 4).notNullable();
    t.string('period', 7).notNullable();
    t.decimal('nsa', 14, 4).notNullable();
    t.decimal('ca', 14, 4).notNullable();
    t.decimal('sa', 14, 4).notNullable();
    t.primary(['computation_id', 'node', 'period']);
    t.foreign(['computation_id', 'node']).references(['computation_id', 'node']).inTable('index_adjustments').onDelete('CASCADE');
  });
  await knex.raw('alter table index_adjusted add constraint index_adjusted_positive check (nsa > 0 and ca > 0 and sa > 0)');
  for (const table of ['index_adjustments', 'index_adjusted']) {
    await knex.raw(`create trigger ${table}_immutable before update or delete on ${table} for each row execute function index_immutable()`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['index_adjusted', 'index_adjustments']) await knex.raw(`drop trigger ${table}_immutable on ${table}`);
  await knex.schema.dropTable('index_adjusted');
  await knex.schema.dropTable('index_adjustments');
}
