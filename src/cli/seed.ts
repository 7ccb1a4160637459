import { db, closeDb } from '../db.ts';
import { prepareDatabase } from '../setup.ts';

const summary = await prepareDatabase(db(), { demo: true });
console.log(summary ? `demo data seeded; password for all demo accounts: ${summary.password}` : 'database already has users: demo data not added');
await closeDb();
