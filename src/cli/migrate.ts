import { db, closeDb } from '../db.ts';
import { env } from '../env.ts';
import { seedReference } from '../../seeds/reference.ts';
import { whileHoldingStartupLock } from '../ops/startup-lock.ts';

// The same lock as server start-up: a migrate job and starting instances never migrate at once.
const k = db();
const migrate = async () => {
  const [batch, names] = await k.migrate.latest();
  console.log(names.length ? `migrated (batch ${batch}): ${names.join(', ')}` : 'schema is up to date');
  await seedReference(k);
};
await (env.DATABASE_URL ? whileHoldingStartupLock(env.DATABASE_URL, migrate) : migrate());
await closeDb();
