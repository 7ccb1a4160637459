// npm run import:catalogue -- path/to/catalogue.csv   (format: top of src/catalogue/import.ts)
import { db, closeDb } from '../db.ts';
import { inputFileBytes } from './input-file.ts';
import { importCatalogue } from '../catalogue/import.ts';
import { seedReference } from '../../seeds/reference.ts';

const bytes = inputFileBytes('npm run import:catalogue -- path/to/catalogue.csv');

const k = db();
await k.migrate.latest();
await seedReference(k);
const result = await importCatalogue(bytes, { k });
await closeDb();
if (!result.ok) {
  for (const e of result.errors) console.error(`line ${e.line}: ${e.reason}`);
  console.error(`${result.errors.length} bad row(s); nothing was imported.`);
  process.exit(1);
}
console.log(`${result.rows} row(s): ${result.created} code(s) added, ${result.updated} updated, ${result.unchanged} unchanged.`);
