import type { Knex } from 'knex';

// Reference data: provinces, ISIC Rev.4 tree, settings with an effective period.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('provinces', (t) => {
    t.string('code', 2).primary();
    t.text('name').notNullable().unique();
    t.text('name_en').notNullable();
  });
  await knex.raw(`alter table provinces add constraint provinces_code_format check (code ~ '^[0-9]{2}$')`);

  await knex.schema.createTable('isic_codes', (t) => {
    t.string('code', 4).primary();
    t.string('level', 8).notNullable();
    t.string('parent_code', 4).references('isic_codes.code');
    t.string('section', 1).notNullable();
    t.text('title_fa').notNullable();
    t.text('title_en').notNullable();
  });
  await knex.raw(`alter table isic_codes add constraint isic_level check (level in ('section','division','group','class'))`);

  // A setting's value from a period on (DESIGN §4: rules change over time, history is never rewritten).
  await knex.schema.createTable('settings', (t) => {
    t.text('key').notNullable();
    t.string('effective_from', 7).notNullable().defaultTo('0001-01');
    t.jsonb('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('updated_by');
    t.primary(['key', 'effective_from']);
  });
  await knex.raw(`alter table settings add constraint settings_period_format check (effective_from ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('settings');
  await knex.schema.dropTable('isic_codes');
  await knex.schema.dropTable('provinces');
}
