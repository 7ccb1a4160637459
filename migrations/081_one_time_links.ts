import type { Knex } from 'knex';

// Issue 12 §2, §5, §6: one table of one-time links with a purpose (set a password, prove an
// email, reset a forgotten password); only the hash is stored, never the link itself.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('activation_tokens', (t) => {
    t.string('purpose', 12).notNullable().defaultTo('activation');
  });
  await knex.raw(`alter table activation_tokens add constraint activation_tokens_purpose check (purpose in ('activation','email','reset'))`);
  await knex.raw('update activation_tokens set used_at = now() where token_plain is not null and used_at is null');
  await knex.schema.alterTable('activation_tokens', (t) => t.dropColumn('token_plain'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('activation_tokens', (t) => {
    t.text('token_plain');
  });
  await knex.raw('alter table activation_tokens drop constraint activation_tokens_purpose');
  await knex.schema.alterTable('activation_tokens', (t) => t.dropColumn('purpose'));
}
