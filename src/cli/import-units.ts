// npm run import:units -- path/to/units.csv   (format: top of src/units/import.ts)
import { db, closeDb } from '../db.ts';
import { inputFileText } from './input-file.ts';
import { importUnits } from '../units/import.ts';
import { seedReference } from '../../seeds/reference.ts';

const text = inputFileText('npm run import:units -- path/to/units.csv');

const k = db();
await k.migrate.latest();
await seedReference(k);
const result = await importUnits(text, { k });
await closeDb();
if (!result.ok) {
  for (const e of result.errors) console.error(`line ${e.line}: ${e.reason}`);
  console.error(`${result.errors.length} bad row(s); nothing was imported.`);
  process.exit(1);
}
console.log(`${result.rows} row(s): ${result.created} unit(s) created, ${result.unchanged} unchanged.`);
for (const a of result.accounts) {
  console.log(a.mailed ? `  ${a.email}: activation link emailed` : `  ${a.email}: activation link (shown only here; the province officer can issue a new one): ${a.url}`);
}
for (const n of result.notLinked) console.log(`  line ${n.line}: ${n.email} has an account whose email is not proven yet: not linked to the unit`);
