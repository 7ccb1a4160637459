import type { Knex } from 'knex';

// DESIGN §4, §11: status history, job runs, reminders, certificates; §8: nominations.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('job_runs', (t) => {
    t.increments('id');
    t.text('job').notNullable();
    t.timestamp('as_of', { useTz: true }).notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.integer('units_scanned');
    t.integer('units_changed');
    t.integer('reminders_queued');
    t.text('error');
  });

  await knex.schema.createTable('unit_status_changes', (t) => {
    t.bigIncrements('id');
    t.integer('unit_id').notNullable().references('units.id').onDelete('CASCADE');
    t.string('old_status', 10).notNullable();
    t.string('new_status', 10).notNullable();
    t.timestamp('changed_at', { useTz: true }).notNullable();
    t.text('reason').notNullable();
    t.integer('job_run_id').references('job_runs.id');
  });
  await knex.raw(`create index unit_status_changes_unit on unit_status_changes (unit_id, changed_at)`);

  await knex.schema.createTable('reminders', (t) => {
    t.increments('id');
    t.integer('unit_id').notNullable().references('units.id').onDelete('CASCADE');
    t.string('period', 7).notNullable();
    t.timestamp('deadline', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('dismissed_at', { useTz: true });
    t.unique(['unit_id', 'period']);
  });

  await knex.schema.createTable('certificates', (t) => {
    t.increments('id');
    t.string('code', 24).notNullable().unique();
    t.integer('unit_id').notNullable().references('units.id').onDelete('CASCADE');
    t.timestamp('issued_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('valid_until', { useTz: true }).notNullable();
    t.boolean('eligible').notNullable();
    t.jsonb('missing_periods').notNullable().defaultTo('[]');
    t.double('completeness').notNullable();
    t.double('timeliness').notNullable();
    t.integer('issued_by').references('users.id');
  });

  await knex.schema.createTable('nominations', (t) => {
    t.increments('id');
    t.integer('year').notNullable();
    t.integer('unit_id').notNullable().references('units.id').onDelete('CASCADE');
    t.string('province_code', 2).notNullable().references('provinces.code');
    t.integer('nominated_by').notNullable().references('users.id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.double('score').notNullable();
    t.jsonb('indicators').notNullable();
    t.unique(['year', 'unit_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['nominations', 'certificates', 'reminders', 'unit_status_changes', 'job_runs']) await knex.schema.dropTable(t);
}
