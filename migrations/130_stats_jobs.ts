import type { Knex } from 'knex';

// Issue 20, DESIGN §7 "releases are jobs": building a release or computing the index runs as a
// background job. A web request (or the CLI) only inserts a row here and reads it back; a worker
// in any instance claims it, reports its phase and progress, and ends it with its outcome.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('stats_jobs', (t) => {
    t.increments('id');
    t.string('kind', 10).notNullable(); // release | index
    t.string('period', 7).notNullable(); // a reference period of the grid (index: a month)
    t.boolean('preliminary').notNullable().defaultTo(false);
    t.string('state', 10).notNullable().defaultTo('queued');
    t.string('phase', 20);
    t.double('progress').notNullable().defaultTo(0);
    t.boolean('cancel_requested').notNullable().defaultTo(false);
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('worker', 120);
    t.integer('created_by').references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('heartbeat_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.integer('release_id').references('releases.id');
    t.integer('computation_id').references('index_computations.id');
    t.text('reason');
  });
  await knex.raw(`alter table stats_jobs add constraint stats_jobs_kind check (kind in ('release','index'))`);
  await knex.raw(`alter table stats_jobs add constraint stats_jobs_state check (state in ('queued','running','done','refused','failed','cancelled'))`);
  await knex.raw('alter table stats_jobs add constraint stats_jobs_progress check (progress between 0 and 1)');
  await knex.raw(`alter table stats_jobs add constraint stats_jobs_period check (period ~ '^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4]){0,1}$')`);
  await knex.raw(`alter table stats_jobs add constraint stats_jobs_outcome check ((state = 'done') = (release_id is not null or computation_id is not null))`);
  // The same work never waits twice: one queued or running job per kind, period and flag.
  await knex.raw(`create unique index stats_jobs_one_pending on stats_jobs (kind, period, preliminary) where state in ('queued','running')`);
  await knex.raw(`create index stats_jobs_open on stats_jobs (state, id) where state in ('queued','running')`);
  await knex.raw('create index stats_jobs_recent on stats_jobs (kind, created_at desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('stats_jobs');
}
