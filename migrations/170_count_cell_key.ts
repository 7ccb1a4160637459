import type { Knex } from 'knex';

// Issue 22: counts of units are perturbed by the cell-key method (docs/disclosure-control.md,
// "Counts"). Each unit's record key is derived from this secret, drawn once here: whoever knows it
// and which units sit in a cell could undo the perturbation, so it never leaves the database (no
// setting shows it, no view or export reads it).

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('disclosure_secrets', (t) => {
    t.string('name', 40).primary();
    t.text('value').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`insert into disclosure_secrets (name, value)
                  values ('count_cell_key', md5(random()::text || clock_timestamp()::text) || md5(random()::text || clock_timestamp()::text))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('disclosure_secrets');
}
