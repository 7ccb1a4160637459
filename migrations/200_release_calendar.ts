import type { Knex } from 'knex';

// Issue 27 §1: the advance release calendar. The statistics office announces, for each reference
// period and kind of release, the instant it is published (Tehran time in the UI). A release stored
// before its announced instant is under embargo until that instant, then public with nobody
// acting: the rule is the SQL function `announced_public_from` below, the ONE place where it lives
// (src/dissemination/embargo.ts builds every reader's predicate on it). A moved date keeps its
// history, each move with a reason.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('release_announcements', (t) => {
    t.increments('id');
    t.string('period', 7).notNullable(); // a code of the grid: 1405-07, 1405-Q2, 1405
    t.string('kind', 12).notNullable(); // preliminary | final | revision | index
    t.timestamp('release_at', { useTz: true }).notNullable(); // the instant announced now
    t.timestamp('first_release_at', { useTz: true }).notNullable(); // as first announced (punctuality)
    t.integer('created_by').references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['period', 'kind', 'first_release_at']);
  });
  await knex.raw(`alter table release_announcements add constraint release_announcements_period check (period ~ '^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4]){0,1}$')`);
  await knex.raw(`alter table release_announcements add constraint release_announcements_kind check (kind in ('preliminary','final','revision','index') and (kind <> 'index' or period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'))`);
  await knex.raw('create index release_announcements_slot on release_announcements (period, kind, release_at)');
  await knex.raw('create index release_announcements_at on release_announcements (release_at)');

  await knex.schema.createTable('release_announcement_moves', (t) => {
    t.increments('id');
    t.integer('announcement_id').notNullable().references('release_announcements.id');
    t.timestamp('from_at', { useTz: true }).notNullable();
    t.timestamp('to_at', { useTz: true }).notNullable();
    t.text('reason').notNullable();
    t.integer('moved_by').references('users.id');
    t.timestamp('moved_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table release_announcement_moves add constraint release_announcement_moves_reason check (length(btrim(reason)) >= 5)');
  await knex.raw('create index release_announcement_moves_of on release_announcement_moves (announcement_id, id)');

  // The embargo: a release of `slot` for `period` stored at `stored_at` is public from the first
  // instant announced for its slot after it was stored; without such an announcement (none, or
  // only past ones: a late release) it is public from the moment it was stored.
  await knex.raw(`
    create function announced_public_from(p_period text, p_slot text, p_stored timestamptz) returns timestamptz
    language sql stable as $$
      select coalesce((select min(a.release_at) from release_announcements a
                        where a.period = p_period and a.kind = p_slot and a.release_at > p_stored), p_stored)
    $$`);
  // The slot of a stored release: a second or later revision is a scheduled revision.
  await knex.raw(`
    create function release_slot(p_preliminary boolean, p_revision integer) returns text
    language sql immutable as $$
      select case when p_revision > 1 then 'revision' when p_preliminary then 'preliminary' else 'final' end
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function release_slot(boolean, integer)');
  await knex.raw('drop function announced_public_from(text, text, timestamptz)');
  await knex.schema.dropTable('release_announcement_moves');
  await knex.schema.dropTable('release_announcements');
}
