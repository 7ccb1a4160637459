import type { Knex } from 'knex';

// Issue 12 §1: registering for a unit of the ministry's register is a claim that waits for the
// province officer, with what the claimant typed kept beside the register's data.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('unit_claims', (t) => {
    t.increments('id');
    t.integer('unit_id').notNullable().references('units.id').onDelete('CASCADE');
    t.integer('user_id').notNullable().references('users.id').onDelete('CASCADE');
    t.jsonb('claimant').notNullable();
    t.string('status', 10).notNullable().defaultTo('pending');
    t.text('reason');
    t.integer('decided_by').references('users.id');
    t.timestamp('decided_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table unit_claims add constraint unit_claims_status check (status in ('pending','approved','rejected'))`);
  await knex.raw(`alter table unit_claims add constraint unit_claims_rejection_has_reason check (status <> 'rejected' or reason is not null)`);
  await knex.raw('create index unit_claims_unit on unit_claims (unit_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('unit_claims');
}
