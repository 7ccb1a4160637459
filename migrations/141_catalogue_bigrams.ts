import type { Knex } from 'knex';

// Issue 23 F4: the mapping queue ranked suggestions by comparing every spelling with every code
// in JavaScript, on the event loop (30,000 codes: 2.6–4.1 s a request). The character bigrams of
// each code's catalogue_key() are kept here, by a trigger, so the ranking is one set-based query
// over an index. `total` is the code's number of bigrams (the Dice coefficient's denominator).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function catalogue_bigrams_of(key text) returns table (gram text, n int) language sql immutable strict rows 20 as $$
      select g, count(*)::int from (
        select case when char_length(key) < 2 then key else substr(key, i, 2) end as g
          from generate_series(1, greatest(char_length(key) - 1, 1)) i
      ) x where g <> '' group by g
    $$`);
  await knex.raw(`
    create table catalogue_bigrams (
      code varchar(10) not null references catalogue(code) on delete cascade on update cascade,
      gram text not null,
      n int not null check (n > 0),
      total int not null check (total > 0),
      primary key (code, gram)
    )`);
  await knex.raw('create index catalogue_bigrams_gram on catalogue_bigrams (gram)');
  // Statement-level, with transition tables: an import of 70,000 codes is one insert of bigrams.
  await knex.raw(`
    create function catalogue_bigrams_added() returns trigger language plpgsql as $$
    begin
      insert into catalogue_bigrams (code, gram, n, total)
        select c.code, b.gram, b.n, sum(b.n) over (partition by c.code) from new_rows c cross join lateral catalogue_bigrams_of(catalogue_key(c.name_fa)) b;
      return null;
    end $$`);
  await knex.raw(`
    create function catalogue_bigrams_renamed() returns trigger language plpgsql as $$
    begin
      delete from catalogue_bigrams cb using new_rows c left join old_rows o on o.code = c.code
        where cb.code = c.code and o.name_fa is distinct from c.name_fa;
      insert into catalogue_bigrams (code, gram, n, total)
        select c.code, b.gram, b.n, sum(b.n) over (partition by c.code)
          from new_rows c left join old_rows o on o.code = c.code cross join lateral catalogue_bigrams_of(catalogue_key(c.name_fa)) b
         where o.name_fa is distinct from c.name_fa;
      return null;
    end $$`);
  await knex.raw(`create trigger catalogue_bigrams_insert after insert on catalogue referencing new table as new_rows for each statement execute function catalogue_bigrams_added()`);
  await knex.raw(`create trigger catalogue_bigrams_update after update on catalogue referencing old table as old_rows new table as new_rows for each statement execute function catalogue_bigrams_renamed()`);
  await knex.raw(`
    insert into catalogue_bigrams (code, gram, n, total)
      select c.code, b.gram, b.n, sum(b.n) over (partition by c.code) from catalogue c cross join lateral catalogue_bigrams_of(catalogue_key(c.name_fa)) b`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop trigger if exists catalogue_bigrams_update on catalogue');
  await knex.raw('drop trigger if exists catalogue_bigrams_insert on catalogue');
  await knex.raw('drop function if exists catalogue_bigrams_renamed()');
  await knex.raw('drop function if exists catalogue_bigrams_added()');
  await knex.raw('drop table if exists catalogue_bigrams');
  await knex.raw('drop function if exists catalogue_bigrams_of(text)');
}
