import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import path from 'node:path';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import ClientPGLite from 'knex-pglite';
import { env } from './env.ts';
import { migrationSource } from '../migrations/index.ts';

// One rule for big integers on both databases: int8 and numeric come back as JS numbers.
// Rial amounts fit comfortably below 2^53; quantities are numeric(18,3).
const INT8 = 20;
const NUMERIC = 1700;
const toNumber = (v: string) => (v === null ? v : Number(v));
pg.types.setTypeParser(INT8, toNumber);
pg.types.setTypeParser(NUMERIC, toNumber);
export const pgliteParsers = { [INT8]: toNumber, [NUMERIC]: toNumber };

export function createEmbeddedDatabase(dataDir: string | undefined, loadDataDir?: Blob): Knex {
  if (dataDir) fs.mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
  const options = { parsers: pgliteParsers, loadDataDir };
  // PGlite ignores its options argument when the data dir is undefined: pass them alone.
  const pglite = dataDir ? new PGlite(dataDir, options) : new PGlite(options);
  return knexFactory({
    client: ClientPGLite as unknown as typeof knexFactory.Client,
    connection: { pglite } as unknown as Knex.StaticConnectionConfig,
    migrations: { migrationSource },
  });
}

export function createServerDatabase(url: string, poolMax = env.DATABASE_POOL_MAX): Knex {
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: poolMax },
    migrations: { migrationSource },
  });
}

let instance: Knex | undefined;

/** The one Knex instance of the process. Tests replace it with setDb() before building the app. */
export function db(): Knex {
  if (!instance) {
    instance = env.DATABASE_URL
      ? createServerDatabase(env.DATABASE_URL)
      : createEmbeddedDatabase(path.join(env.DATA_DIR, 'pg'));
  }
  return instance;
}

export function setDb(k: Knex): void {
  instance = k;
}

export async function closeDb(): Promise<void> {
  if (instance) {
    const k = instance;
    instance = undefined;
    await k.destroy();
  }
}

/** A count(*) or sum() as a number, whichever driver produced it. */
export function num(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : Number(v);
}
