import type { Knex } from 'knex';

// Issue 23, the mapping queue at national size: a page's suggestions (each spelling's nearest codes
// in force, catalogue/mapping.ts) cost ~1 s to rank over a 30,000-code catalogue, for every view.
// They depend only on the spelling, the group's main ISIC class, the month (codes come into force
// and retire by month) and the catalogue: kept here per (spelling, class) with the month and the
// catalogue's generation they were ranked for; a generation counted up by any statement that
// writes the catalogue makes every kept ranking stale at once.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create table catalogue_generation (one boolean primary key default true check (one), n bigint not null)`);
  await knex.raw(`insert into catalogue_generation (one, n) values (true, 0)`);
  await knex.raw(`
    create function catalogue_generation_bump() returns trigger language plpgsql as $$
    begin
      update catalogue_generation set n = n + 1;
      return null;
    end $$`);
  await knex.raw(`create trigger catalogue_generation_bump after insert or update or delete or truncate on catalogue
    for each statement execute function catalogue_generation_bump()`);
  await knex.raw(`
    create table mapping_suggestions (
      key text not null,
      main_isic text not null,
      period varchar(7) not null,
      generation bigint not null,
      suggestions jsonb not null,
      primary key (key, main_isic)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists mapping_suggestions');
  await knex.raw('drop trigger if exists catalogue_generation_bump on catalogue');
  await knex.raw('drop function if exists catalogue_generation_bump()');
  await knex.raw('drop table if exists catalogue_generation');
}
