import type { Knex } from 'knex';

// Issue 21: the stored proof of a release. For the values and for each product family of the
// release, the witnesses (src/stats/releases/proof.ts) that show, for every sensitive expression of
// its linked group, measure and side, a table the attacker cannot rule out. `npm run stats:audit --
// --verify` re-checks them against the stored contributions and cells with integer arithmetic.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('release_proofs', (t) => {
    t.integer('release_id').notNullable().references('releases.id').onDelete('CASCADE');
    t.string('space', 80).notNullable(); // 'values' or 'products:<family>'
    t.jsonb('proof').notNullable();
    t.primary(['release_id', 'space']);
  });
  await knex.raw(`alter table release_proofs add constraint release_proofs_space check (space = 'values' or space like 'products:%')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('release_proofs');
}
