import type { Knex } from 'knex';

// Issue 24 §3: validation rules the statistics office keeps (DHIS2-style: left side, operator,
// right side, severity), each in force for a range of periods; retired, never deleted, so that a
// filing's stored warnings always name a rule that exists. Expressions are checked by the app's
// parser (src/validation-rules/expression.ts) before they are stored.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('validation_rules', (t) => {
    t.increments('id');
    t.string('name', 200).notNullable();
    t.text('left_expr').notNullable();
    t.string('operator', 2).notNullable();
    t.text('right_expr').notNullable();
    t.string('severity', 7).notNullable();
    t.text('message').notNullable();
    t.string('effective_from', 7).notNullable();
    t.string('effective_to', 7);
    t.timestamp('retired_at', { useTz: true });
    t.integer('created_by').references('users.id');
    t.integer('updated_by').references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table validation_rules add constraint validation_rules_operator check (operator in ('<','<=','>','>=','=','!='))`);
  await knex.raw(`alter table validation_rules add constraint validation_rules_severity check (severity in ('warning','error'))`);
  await knex.raw(`alter table validation_rules add constraint validation_rules_period check (effective_from ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'
    and (effective_to is null or (effective_to ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' and effective_to >= effective_from)))`);
  await knex.raw(`alter table validation_rules add constraint validation_rules_texts check (length(btrim(name)) > 0 and length(btrim(message)) > 0
    and length(left_expr) between 1 and 300 and length(right_expr) between 1 and 300)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('validation_rules');
}
