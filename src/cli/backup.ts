import fs from 'node:fs';
import path from 'node:path';
import { env } from '../env.ts';
import { createEmbeddedDatabase } from '../db.ts';
import { claimDataDir, DataDirBusyError } from '../ops/data-dir-lock.ts';
import { pgTool, describeTarget } from '../ops/backup.ts';

// `npm run db:backup -- FILE`
//   PostgreSQL server (DATABASE_URL): pg_dump's custom format (-Fc), a consistent snapshot taken
//   while the app keeps running.
//   Embedded database (DATA_DIR): the data folder as a .tar.gz (PGlite's dumpDataDir); the app
//   must be stopped, since only one process may open that folder.

const file = process.argv[2];
if (!file || file.startsWith('-')) {
  console.error('usage: npm run db:backup -- FILE');
  process.exit(2);
}
const target = path.resolve(file);
const partial = `${target}.partial`;
fs.mkdirSync(path.dirname(target), { recursive: true });

try {
  const began = Date.now();
  if (env.DATABASE_URL) {
    await pgTool('pg_dump', ['--format=custom', '--compress=6', `--file=${partial}`], env.DATABASE_URL);
  } else {
    const dataDir = path.resolve(env.DATA_DIR);
    if (!fs.existsSync(path.join(dataDir, 'pg'))) throw new Error(`no embedded database in ${dataDir}/pg`);
    const release = claimDataDir(dataDir);
    const k = createEmbeddedDatabase(path.join(dataDir, 'pg'));
    try {
      await k.raw('checkpoint');
      const client = k.client as unknown as { pglite: { dumpDataDir(c: 'gzip'): Promise<Blob> } };
      const blob = await client.pglite.dumpDataDir('gzip');
      fs.writeFileSync(partial, Buffer.from(await blob.arrayBuffer()));
    } finally {
      await k.destroy();
      release();
    }
  }
  // Only a complete backup gets the name asked for.
  fs.renameSync(partial, target);
  const size = fs.statSync(target).size;
  console.log(`backup of ${describeTarget()} written to ${target} (${(size / 1e6).toFixed(1)} MB, ${((Date.now() - began) / 1000).toFixed(1)} s)`);
} catch (err) {
  fs.rmSync(partial, { force: true });
  console.error(`backup failed: ${err instanceof DataDirBusyError ? err.message : (err as Error).message}`);
  process.exit(1);
}
