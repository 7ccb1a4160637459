import pg from 'pg';
import { LOCKS } from '../locks.ts';

// knex's own migration lock (a row in knex_migrations_lock) only exists once its tables do: two
// instances starting together on an EMPTY database both try to create knex_migrations and one
// crashes ("relation already exists"). A PostgreSQL advisory lock, held on a connection of its
// own, makes instances prepare the database one after another; the later ones find nothing to do.

export async function whileHoldingStartupLock<T>(databaseUrl: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1::bigint)', [LOCKS.prepareDatabase]);
    return await fn();
  } finally {
    // Closing the connection releases the lock even if the unlock is never reached.
    await client.query('select pg_advisory_unlock($1::bigint)', [LOCKS.prepareDatabase]).catch(() => undefined);
    await client.end();
  }
}
