import type { Knex } from 'knex';

// Issue 23 F1: a role that reaches unit data (province officer) granted in the web takes effect
// only once a second person confirms it. Who granted it and who confirmed it are kept with the
// account (the access review reads them). Rows written by the operator's own tools (the CLI,
// seeds, imports) are confirmed at once by the default; a web grant sets the confirmation to null
// and names its granter, and then only someone else may confirm it — the database says so.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.integer('role_granted_by').references('users.id');
    t.timestamp('role_granted_at', { useTz: true });
    t.integer('role_confirmed_by').references('users.id');
    t.timestamp('role_confirmed_at', { useTz: true }).defaultTo(knex.fn.now());
  });
  await knex.raw(`update users set role_granted_at = created_at, role_confirmed_at = created_at`);
  await knex.raw(`alter table users add constraint users_role_four_eyes check (
    role <> 'province_officer' or role_granted_by is null or role_confirmed_at is null or (role_confirmed_by is not null and role_confirmed_by <> role_granted_by))`);
  await knex.raw(`alter table users add constraint users_role_not_self_confirmed check (role_confirmed_by is null or role_confirmed_by <> id)`);
  await knex.raw(`create index users_role_pending on users (province_code) where role_confirmed_at is null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index if exists users_role_pending`);
  await knex.raw(`alter table users drop constraint if exists users_role_not_self_confirmed, drop constraint if exists users_role_four_eyes`);
  await knex.schema.alterTable('users', (t) => {
    t.dropColumn('role_confirmed_at');
    t.dropColumn('role_confirmed_by');
    t.dropColumn('role_granted_at');
    t.dropColumn('role_granted_by');
  });
}
