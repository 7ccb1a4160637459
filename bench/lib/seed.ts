import type { Knex } from 'knex';
import { createServerDatabase } from '../../src/db.ts';
import { prepareDatabase } from '../../src/setup.ts';

// A fresh installation's first start (issue 26: timed here, no longer in test/demo-seed.test.ts):
// migrations, reference data and the demo data into an empty database of the same server, once.

export interface SeedNumbers { ms: number; units: number; filings: number }

export async function measureDemoSeed(k: Knex, databaseUrl: string, log: (line: string) => void): Promise<SeedNumbers> {
  const name = `psp_bench_seed_${process.pid}`;
  await k.raw(`drop database if exists ${name}`);
  await k.raw(`create database ${name}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  const fresh = createServerDatabase(url.toString(), 4);
  try {
    const started = performance.now();
    await prepareDatabase(fresh, { demo: true, say: (line) => log(`  seed: ${line}`) });
    const ms = performance.now() - started;
    const count = async (table: string) => Number((await fresh(table).count<{ n: number }[]>('* as n'))[0]!.n);
    return { ms, units: await count('units'), filings: await count('filings') };
  } finally {
    await fresh.destroy();
    await k.raw(`drop database if exists ${name} with (force)`);
  }
}
