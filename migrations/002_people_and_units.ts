import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.text('email').notNullable();
    t.text('full_name').notNullable().defaultTo('');
    t.text('password_hash'); // null until the owner activates the account
    t.string('role', 20).notNullable();
    t.string('province_code', 2).references('provinces.code');
    t.boolean('active').notNullable().defaultTo(true);
    t.integer('failed_logins').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true });
    t.timestamp('last_login_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`create unique index users_email_unique on users (lower(email))`);
  await knex.raw(`alter table users add constraint users_role check (role in ('unit_user','province_officer','stats_office','planning_deputy','admin'))`);
  await knex.raw(`alter table users add constraint users_officer_has_province check (role <> 'province_officer' or province_code is not null)`);

  await knex.schema.createTable('legal_entities', (t) => {
    t.increments('id');
    t.string('national_id', 11).notNullable().unique();
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table legal_entities add constraint legal_entities_id_format check (national_id ~ '^[0-9]{11}$')`);

  await knex.schema.createTable('units', (t) => {
    t.increments('id');
    t.integer('legal_entity_id').notNullable().references('legal_entities.id');
    t.text('licence_no').notNullable();
    t.date('licence_issued_on').notNullable();
    t.string('kind', 10).notNullable();
    t.string('isic_class', 4).notNullable().references('isic_codes.code');
    t.string('province_code', 2).notNullable().references('provinces.code');
    t.text('city').notNullable();
    t.text('address').notNullable().defaultTo('');
    t.string('postal_code', 10);
    t.text('phone').notNullable().defaultTo('');
    t.text('contact_name').notNullable().defaultTo('');
    t.string('contact_national_code', 10);
    t.text('email');
    t.boolean('previously_announced').notNullable().defaultTo(false);
    t.string('obligation_start', 7).notNullable();
    t.string('registration', 10).notNullable().defaultTo('pending');
    t.text('rejection_reason');
    t.integer('reviewed_by').references('users.id');
    t.timestamp('reviewed_at', { useTz: true });
    t.string('source', 10).notNullable().defaultTo('site');
    t.string('status', 10).notNullable().defaultTo('active');
    t.timestamp('status_changed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['legal_entity_id', 'licence_no']);
  });
  await knex.raw(`alter table units add constraint units_kind check (kind in ('industrial','mining'))`);
  await knex.raw(`alter table units add constraint units_registration check (registration in ('pending','approved','rejected'))`);
  await knex.raw(`alter table units add constraint units_status check (status in ('active','inactive'))`);
  await knex.raw(`alter table units add constraint units_source check (source in ('site','import','seed'))`);
  await knex.raw(`alter table units add constraint units_obligation_format check (obligation_start ~ '^[0-9]{4}-(0[1-9]|1[0-2])$')`);
  await knex.raw(`alter table units add constraint units_postal_format check (postal_code is null or postal_code ~ '^[0-9]{10}$')`);
  await knex.raw(`alter table units add constraint units_rejection_has_reason check (registration <> 'rejected' or rejection_reason is not null)`);
  await knex.raw(`create index units_province_registration on units (province_code, registration)`);

  await knex.schema.createTable('products', (t) => {
    t.increments('id');
    t.integer('unit_id').notNullable().references('units.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('unit_of_measure').notNullable();
    t.decimal('annual_capacity', 18, 3).notNullable();
    t.string('product_code', 10);
    t.smallint('position').notNullable().defaultTo(0);
    t.unique(['unit_id', 'name']);
  });
  await knex.raw(`alter table products add constraint products_capacity_nonnegative check (annual_capacity >= 0)`);

  await knex.schema.createTable('unit_users', (t) => {
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.integer('unit_id').notNullable().references('units.id').onDelete('CASCADE');
    t.primary(['user_id', 'unit_id']);
  });
  await knex.raw(`create index unit_users_unit on unit_users (unit_id)`);

  // One-time links for setting a password (imported units, admin resets).
  await knex.schema.createTable('activation_tokens', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.text('token_plain'); // kept only while no SMTP is configured, so the province officer can hand it over
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('api_tokens', (t) => {
    t.increments('id');
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.text('name').notNullable().defaultTo('');
    t.text('token_hash').notNullable().unique();
    t.string('prefix', 12).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
  });

  await knex.schema.createTable('sessions', (t) => {
    t.string('sid').primary();
    t.json('sess').notNullable();
    t.timestamp('expired', { useTz: true }).notNullable().index();
  });

  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('user_id').references('users.id');
    t.text('action').notNullable();
    t.integer('unit_id').references('units.id');
    t.string('province_code', 2);
    t.text('target');
    t.jsonb('details');
    t.text('ip');
  });
  await knex.raw(`create index audit_log_at on audit_log (at desc)`);
  await knex.raw(`create index audit_log_action_at on audit_log (action, at desc)`);
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['audit_log', 'sessions', 'api_tokens', 'activation_tokens', 'unit_users', 'products', 'units', 'legal_entities', 'users']) {
    await knex.schema.dropTable(t);
  }
}
