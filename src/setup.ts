import type { Knex } from 'knex';
import { seedReference } from '../seeds/reference.ts';
import { seedDemo, type DemoSummary } from '../seeds/demo.ts';

/**
 * Brings a database to the current schema with reference data; demo data only into an empty one.
 * `say` hears each step as it starts (npm start prints them: a first start takes a minute).
 */
export async function prepareDatabase(k: Knex, opts: { demo: boolean; say?: (line: string) => void }): Promise<DemoSummary | null> {
  const say = opts.say ?? (() => undefined);
  const [, pending] = (await k.migrate.list()) as [unknown[], unknown[]];
  say(pending.length ? `migrating the database: ${pending.length} migration${pending.length === 1 ? '' : 's'} to apply…` : 'database schema up to date');
  await k.migrate.latest();
  say('reference data (provinces, ISIC codes, units of measure)…');
  await seedReference(k);
  if (!opts.demo) return null;
  const { n } = (await k('users').count<{ n: number }[]>('* as n'))[0] as { n: number };
  if (Number(n) > 0) return null;
  say('an empty database: seeding the demo data (once; about a minute on a slow machine)');
  return seedDemo(k, (step, of, what) => say(`seeding demo data ${step} of ${of}: ${what}…`));
}
