import type { Knex } from 'knex';

// Issue 12 §5: failed sign-ins counted per (typed email, source address) — never per account
// alone, so a stranger cannot lock an officer out, and an unknown email is counted like a real one.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('login_failures', (t) => {
    t.text('key').primary();
    t.integer('failures').notNullable().defaultTo(0);
    t.timestamp('blocked_until', { useTz: true });
    t.timestamp('last_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('create index login_failures_last_at on login_failures (last_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('login_failures');
}
