import type { Knex } from 'knex';

// Issue 23: the nominations' quality indicator asks, for each verified filing of a province's
// year, whether it was ever returned. Without an index of returns that was a scan of every review
// in the country (1.9 million rows at 100,000 units, ~1 s); returns are one review in thirteen.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create index filing_reviews_returns on filing_reviews (filing_id) where action = 'return'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists filing_reviews_returns');
}
