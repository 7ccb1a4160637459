import crypto from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import path from 'node:path';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import ClientPGLite from 'knex-pglite';
import { env } from './env.ts';
import { migrationSource } from '../migrations/index.ts';

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

/** Named statements one server connection keeps at most; past it, new texts run unnamed. */
export const PREPARED_PER_CONNECTION = 300;

/** The statement's name: the same on every connection for the same text. */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `psp_${crypto.createHash('sha1').update(text).digest('base64url').slice(0, 22)}`;
    if (statementNames.size >= 5000) statementNames.clear();
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Makes every parameterised statement a named prepared statement on this connection, so
 * PostgreSQL parses and plans a query text once per connection instead of on every request
 * (planning was 40 % of the database's time on the unit dashboard and the filing submission:
 * bench/RESULTS.md). PostgreSQL still plans per call where a generic plan would be worse
 * (plan_cache_mode auto). Statements without parameters (DDL, migrations) are left alone.
 */
function prepareStatements(client: pg.Client): void {
  const names = new Set<string>();
  // A table whose columns changed under a prepared `select *` (a migration run by a newer instance
  // while this one serves) fails with "cached plan must not change result type": that request
  // fails once, and the text runs unnamed on this connection from then on.
  const stale = new Set<string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, ...rest: unknown[]) => {
    if (config && typeof config === 'object' && 'text' in config && !('name' in config)) {
      const c = config as { text: string; values?: unknown[] };
      const name = c.values?.length ? statementName(c.text) : undefined;
      if (name && !stale.has(name) && (names.has(name) || names.size < PREPARED_PER_CONNECTION)) {
        names.add(name);
        const [callback, ...more] = rest;
        if (typeof callback !== 'function') return query({ ...c, name }, ...rest);
        return query({ ...c, name }, (err: (Error & { code?: string }) | null, result: unknown) => {
          if (err?.code === '0A000' && /cached plan must not change result type/.test(err.message)) stale.add(name);
          (callback as (e: unknown, r: unknown) => void)(err, result);
        }, ...more);
      }
    }
    return query(config, ...rest);
  };
}

export function createServerDatabase(url: string, poolMax = env.DATABASE_POOL_MAX): Knex {
  return knexFactory({
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
