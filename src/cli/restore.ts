import fs from 'node:fs';
import path from 'node:path';
import { env } from '../env.ts';
import { createEmbeddedDatabase } from '../db.ts';
import { claimDataDir, DataDirBusyError } from '../ops/data-dir-lock.ts';
import { pgTool, describeTarget, backupKind } from '../ops/backup.ts';

// `npm run db:restore -- FILE`: replaces the database's contents with a backup from db:backup.
//   PostgreSQL server: pg_restore --clean --if-exists in one transaction (all or nothing), into
//   the database of DATABASE_URL (it must exist; an empty one is fine).
//   Embedded: the current data folder is kept beside the restored one as pg.before-restore-…

const file = process.argv[2];
if (!file || file.startsWith('-')) {
  console.error('usage: npm run db:restore -- FILE');
  process.exit(2);
}
const source = path.resolve(file);

try {
  if (!fs.existsSync(source)) throw new Error(`no such file: ${source}`);
  const kind = backupKind(source);
  const began = Date.now();
  if (env.DATABASE_URL) {
    if (kind !== 'pg_dump') throw new Error('this is not a pg_dump backup (an embedded-database backup can only be restored into DATA_DIR)');
    await pgTool('pg_restore', ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', source], env.DATABASE_URL);
  } else {
    if (kind !== 'data-dir') throw new Error('this is not a backup of the embedded database (a pg_dump backup is restored with DATABASE_URL set)');
    const dataDir = path.resolve(env.DATA_DIR);
    const release = claimDataDir(dataDir);
    try {
      const pgDir = path.join(dataDir, 'pg');
      const incoming = `${pgDir}.restoring`;
      fs.rmSync(incoming, { recursive: true, force: true });
      const k = createEmbeddedDatabase(incoming, new Blob([fs.readFileSync(source)]));
      try {
        await k.raw('select count(*) from knex_migrations'); // opens it, and proves it is ours
      } finally {
        await k.destroy();
      }
      if (fs.existsSync(pgDir)) {
        const aside = `${pgDir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
        fs.renameSync(pgDir, aside);
        console.log(`the previous data folder is kept in ${aside}`);
      }
      fs.renameSync(incoming, pgDir);
    } finally {
      release();
    }
  }
  console.log(`restored ${describeTarget()} from ${source} (${((Date.now() - began) / 1000).toFixed(1)} s)`);
} catch (err) {
  console.error(`restore failed: ${err instanceof DataDirBusyError ? err.message : (err as Error).message}`);
  process.exit(1);
}
