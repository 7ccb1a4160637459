import type { Knex } from 'knex';

// Issue 12 §6: every API token carries an expiry (a year by default).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => {
    t.timestamp('expires_at', { useTz: true });
  });
  await knex.raw(`update api_tokens set expires_at = created_at + interval '1 year'`);
  await knex.raw(`alter table api_tokens alter column expires_at set not null, alter column expires_at set default now() + interval '1 year'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_tokens', (t) => t.dropColumn('expires_at'));
}
