import type { Knex } from 'knex';

// Issue 23: long lists (a province's 16,582 units) are sorted and paged in SQL, in Persian
// alphabetical order (چ after ج, ک and گ before ه), which the default code-point order breaks.
// ICU's Persian collation is the one Intl.Collator('fa') uses in src/text.ts.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create collation if not exists fa (provider = icu, locale = 'fa')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop collation if exists fa');
}
