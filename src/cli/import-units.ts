// npm run import:units -- path/to/units.csv   (format: top of src/units/import.ts)
import fs from 'node:fs';
import { db, closeDb } from '../db.ts';
import { importUnits } from '../units/import.ts';
import { seedReference } from '../../seeds/reference.ts';

const file = process.argv.slice(2).find((a) => a !== '--');
if (!file) {
  console.error('usage: npm run import:units -- path/to/units.csv');
  process.exit(2);
}
let text: string;
try {
  text = fs.readFileSync(file, 'utf8');
} catch (e) {
  console.error(`cannot read ${file}: ${(e as Error).message}`);
  process.exit(2);
}

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
