import type { Knex } from 'knex';
import { seedReference } from '../seeds/reference.ts';
import { seedDemo, type DemoSummary } from '../seeds/demo.ts';

/** Brings a database to the current schema with reference data; demo data only into an empty one. */
export async function prepareDatabase(k: Knex, opts: { demo: boolean }): Promise<DemoSummary | null> {
  await k.migrate.latest();
  await seedReference(k);
  if (!opts.demo) return null;
  const { n } = (await k('users').count<{ n: number }[]>('* as n'))[0] as { n: number };
  if (Number(n) > 0) return null;
  return seedDemo(k);
}
