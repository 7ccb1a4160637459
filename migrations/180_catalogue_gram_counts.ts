import type { Knex } from 'knex';

// Issue 23, the mapping queue at national size: ranking a page's spellings against every code that
// shares any bigram read ~115,000 rows of catalogue_bigrams per spelling with a 30,000-code
// catalogue (bigrams such as «نو» are in nearly every name) — 2.9 million rows a page. The
// suggestions now start from each spelling's rarer bigrams, which needs each bigram's number of
// codes: kept here by statement-level triggers on catalogue_bigrams (an import is one update).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create table catalogue_gram_counts (gram text primary key, codes int not null check (codes >= 0))`);
  await knex.raw(`
    create function catalogue_gram_counts_added() returns trigger language plpgsql as $$
    begin
      insert into catalogue_gram_counts as c (gram, codes)
        select gram, count(*) from new_rows group by gram
        on conflict (gram) do update set codes = c.codes + excluded.codes;
      return null;
    end $$`);
  await knex.raw(`
    create function catalogue_gram_counts_removed() returns trigger language plpgsql as $$
    begin
      update catalogue_gram_counts c set codes = c.codes - o.n
        from (select gram, count(*) as n from old_rows group by gram) o where c.gram = o.gram;
      return null;
    end $$`);
  await knex.raw(`create trigger catalogue_gram_counts_insert after insert on catalogue_bigrams referencing new table as new_rows for each statement execute function catalogue_gram_counts_added()`);
  await knex.raw(`create trigger catalogue_gram_counts_delete after delete on catalogue_bigrams referencing old table as old_rows for each statement execute function catalogue_gram_counts_removed()`);
  await knex.raw(`insert into catalogue_gram_counts (gram, codes) select gram, count(*) from catalogue_bigrams group by gram`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger if exists catalogue_gram_counts_delete on catalogue_bigrams');
  await knex.raw('drop trigger if exists catalogue_gram_counts_insert on catalogue_bigrams');
  await knex.raw('drop function if exists catalogue_gram_counts_removed()');
  await knex.raw('drop function if exists catalogue_gram_counts_added()');
  await knex.raw('drop table if exists catalogue_gram_counts');
}
