import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import path from 'node:path';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import ClientPGLite from 'knex-pglite';
import { env } from './env.ts';
import { migrationSource } from '../migrations/index.ts';
import { prepareStatements } from './db-prepared.ts';


// One rule for int8 and numeric on both databases: a whole value that a JS number holds exactly
// (counts, ids, one filing's Rial amount) comes back as a number; a larger one as a BigInt, so a
// Rial sum past 2^53 is never silently rounded (and adding it to a number throws); a fraction
// (quantities are numeric(18,3)) as a number. Exact sums: src/money.ts.
const INT8 = 20;
const NUMERIC = 1700;
export function parseDatabaseNumber(v: string | null): number | bigint | null {
  if (v === null) return v;
  if (/^-?\d+$/.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : BigInt(v);
  }
  return Number(v);
}
const toNumber = parseDatabaseNumber;
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

const serverUrls = new WeakMap<Knex, string>();

export function createServerDatabase(url: string, poolMax = env.DATABASE_POOL_MAX): Knex {
  const k = knexFactory({
    client: 'pg',
    connection: url,
    pool: {
      min: 0,
      max: poolMax,
      afterCreate: (client: pg.Client, done: (err: Error | null, client: pg.Client) => void) => {
        prepareStatements(client);
        done(null, client);
      },
    },
    migrations: { migrationSource },
  });
  serverUrls.set(k, url);
  return k;
}

/** The connection string a server database was made with (createServerDatabase), or null: the embedded database lives in this thread alone. */
export function serverUrlOf(k: Knex): string | null {
  return serverUrls.get(k) ?? null;
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

/** A count(*) or sum() as a number, whichever driver produced it (a BigInt is rounded: Rial sums use src/money.ts). */
export function num(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : Number(v);
}
