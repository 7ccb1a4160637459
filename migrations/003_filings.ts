import type { Knex } from 'knex';

// DESIGN §5–§6: one filing per unit and period, its product lines, every revision, every review.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('filings', (t) => {
    t.increments('id');
    t.integer('unit_id').notNullable().references('units.id');
    t.string('period', 7).notNullable();
    t.string('state', 10).notNullable().defaultTo('draft');
    t.integer('employees');
    t.bigInteger('production_value');
    t.bigInteger('intermediate_consumption');
    t.jsonb('warnings').notNullable().defaultTo('[]');
    t.timestamp('first_submitted_at', { useTz: true });
    t.timestamp('submitted_at', { useTz: true });
    t.string('tracking_code', 20).unique();
    t.integer('revision').notNullable().defaultTo(0);
    t.text('return_reason');
    t.integer('reviewed_by').references('users.id');
    t.timestamp('reviewed_at', { useTz: true });
    t.timestamp('verified_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['unit_id', 'period']);
  });
  await knex.raw(`alter table filings add column value_added bigint generated always as (production_value - intermediate_consumption) stored`);
  await knex.raw(`alter table filings add constraint filings_period_format check (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')`);
  await knex.raw(`alter table filings add constraint filings_state check (state in ('draft','submitted','returned','verified'))`);
  await knex.raw(`alter table filings add constraint filings_nonnegative check (coalesce(employees,0) >= 0 and coalesce(production_value,0) >= 0 and coalesce(intermediate_consumption,0) >= 0)`);
  await knex.raw(`alter table filings add constraint filings_submitted_has_time check (state = 'draft' or first_submitted_at is not null)`);
  await knex.raw(`alter table filings add constraint filings_returned_has_reason check (state <> 'returned' or return_reason is not null)`);
  await knex.raw(`create index filings_queue on filings (state, first_submitted_at) where state = 'submitted'`);
  await knex.raw(`create index filings_period_state on filings (period, state)`);

  await knex.schema.createTable('filing_lines', (t) => {
    t.integer('filing_id').notNullable().references('filings.id').onDelete('CASCADE');
    t.integer('product_id').notNullable().references('products.id');
    t.decimal('produced', 18, 3);
    t.decimal('sold', 18, 3);
    t.bigInteger('sales_value');
    t.primary(['filing_id', 'product_id']);
  });
  await knex.raw(`alter table filing_lines add constraint filing_lines_nonnegative check (coalesce(produced,0) >= 0 and coalesce(sold,0) >= 0 and coalesce(sales_value,0) >= 0)`);
  await knex.raw(`create index filing_lines_product on filing_lines (product_id)`);

  // Every stored change after the first submission (and the submission itself), never updated.
  await knex.schema.createTable('filing_revisions', (t) => {
    t.increments('id');
    t.integer('filing_id').notNullable().references('filings.id').onDelete('CASCADE');
    t.integer('revision').notNullable();
    t.integer('user_id').references('users.id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.string('via', 10).notNullable().defaultTo('form');
    t.jsonb('changes').notNullable().defaultTo('[]');
    t.jsonb('snapshot').notNullable();
    t.unique(['filing_id', 'revision']);
  });

  // Officers' decisions (DESIGN §6): verify, return with reason, reopen with reason.
  await knex.schema.createTable('filing_reviews', (t) => {
    t.increments('id');
    t.integer('filing_id').notNullable().references('filings.id').onDelete('CASCADE');
    t.string('action', 10).notNullable();
    t.text('reason');
    t.integer('user_id').notNullable().references('users.id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table filing_reviews add constraint filing_reviews_action check (action in ('verify','return','reopen'))`);
  await knex.raw(`alter table filing_reviews add constraint filing_reviews_reason check (action = 'verify' or (reason is not null and length(reason) > 0))`);
  await knex.raw(`create index filing_reviews_filing on filing_reviews (filing_id, at)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('filing_reviews');
  await knex.schema.dropTable('filing_revisions');
  await knex.schema.dropTable('filing_lines');
  await knex.schema.dropTable('filings');
}
