import type { Knex } from 'knex';

// Issue 12 §2: an email is proven by a one-time link before it can sign in or be linked to a unit.
// Accounts that already signed in with a password count as proven; new ones start unproven where
// the code says so (registration, import, admin-created staff), trusted operator paths (the CLI
// with --password, seeds) keep the default.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.timestamp('email_verified_at', { useTz: true }).defaultTo(knex.fn.now());
  });
  await knex.raw('update users set email_verified_at = null where password_hash is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => t.dropColumn('email_verified_at'));
}
