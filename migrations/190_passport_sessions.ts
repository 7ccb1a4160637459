import type { Knex } from 'knex';

// Issue 26: sign-in goes through passport, which keeps the signed-in user's id in the session as
// `passport.user` (it was `userId`). Sessions open at the upgrade keep their user: nobody is
// signed out by a deployment.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`update sessions
     set sess = ((sess::jsonb - 'userId') || jsonb_build_object('passport', jsonb_build_object('user', (sess->>'userId')::int)))::json
   where sess->>'userId' ~ '^[0-9]{1,9}$'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`update sessions
     set sess = ((sess::jsonb - 'passport') || jsonb_build_object('userId', (sess->'passport'->>'user')::int))::json
   where sess->'passport'->>'user' ~ '^[0-9]{1,9}$'`);
}
