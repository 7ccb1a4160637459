import type { Knex } from 'knex';

// Issue 27 §2: SDMX marks a suppressed observation CONF_STATUS C (primary: it failed the rule
// itself) or D (secondary: hidden to protect another). The protection knows which; a stored cell
// now keeps it. Null for cells stored before (shown as C, the general «confidential»).
export async function up(knex: Knex): Promise<void> {
  for (const table of ['release_cells', 'release_product_cells']) {
    await knex.schema.alterTable(table, (t) => { t.boolean('primary'); });
    await knex.raw(`alter table ${table} add constraint ${table}_primary check (not coalesce("primary", false) or suppressed)`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['release_cells', 'release_product_cells']) {
    await knex.raw(`alter table ${table} drop constraint ${table}_primary`);
    await knex.schema.alterTable(table, (t) => { t.dropColumn('primary'); });
  }
}
