import { db, closeDb } from '../db.ts';
import { seedReference } from '../../seeds/reference.ts';

const k = db();
const [batch, names] = await k.migrate.latest();
console.log(names.length ? `migrated (batch ${batch}): ${names.join(', ')}` : 'schema is up to date');
await seedReference(k);
await closeDb();
