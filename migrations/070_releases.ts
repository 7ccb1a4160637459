import type { Knex } from 'knex';

// Issue 11, DESIGN §7 "releases, not queries": figures leave the system only as views of a stored
// release. A release keeps the contributions it was built from (unit-level, never shown: they let
// a later release be protected jointly with it, and `stats:audit` re-run the attacker) and its
// published cells (the value null where suppressed). Neither is ever updated.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('releases', (t) => {
    t.increments('id');
    t.string('period', 7).notNullable();
    t.string('kind', 7).notNullable();
    t.boolean('preliminary').notNullable();
    t.integer('revision').notNullable();
    t.timestamp('cut_off', { useTz: true }).notNullable();
    t.integer('created_by').references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.jsonb('rules').notNullable();
    t.jsonb('report').notNullable();
    t.unique(['period', 'preliminary', 'revision']);
  });
  await knex.raw(`alter table releases add constraint releases_period check (period ~ '^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4]){0,1}$')`);
  await knex.raw(`alter table releases add constraint releases_kind check (kind in ('month','quarter','year'))`);
  await knex.raw('alter table releases add constraint releases_revision check (revision >= 1)');

  await knex.schema.createTable('release_contributions', (t) => {
    t.integer('release_id').notNullable().references('releases.id');
    t.integer('unit_id').notNullable().references('units.id');
    t.string('period', 7).notNullable();
    t.string('province_code', 2).notNullable();
    t.string('isic_class', 4).notNullable();
    t.bigInteger('production_value').notNullable();
    t.bigInteger('intermediate_consumption').notNullable();
    t.integer('employees').notNullable();
    t.primary(['release_id', 'unit_id', 'period']);
  });

  await knex.schema.createTable('release_cells', (t) => {
    t.integer('release_id').notNullable().references('releases.id');
    t.string('geo', 2).notNullable(); // 'IR' national, else the province code (00–30)
    t.string('isic', 4).notNullable(); // 'T' all industry and mining, a section letter, or a 2/3/4-digit code
    t.string('measure', 24).notNullable();
    t.decimal('value', 24, 0); // null when suppressed; employees are whole persons (monthly average)
    t.boolean('suppressed').notNullable();
    t.primary(['release_id', 'measure', 'geo', 'isic']);
  });
  await knex.raw(`alter table release_cells add constraint release_cells_measure check (measure in ('units','production_value','value_added','intermediate_consumption','employees'))`);
  await knex.raw('alter table release_cells add constraint release_cells_flag check (suppressed = (value is null))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('release_cells');
  await knex.schema.dropTable('release_contributions');
  await knex.schema.dropTable('releases');
}
