import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type { TestProject } from 'vitest/node';
import knexFactory from 'knex';
import { createEmbeddedDatabase } from '../../src/db.ts';
import { migrationSource } from '../../migrations/index.ts';
import { seedReference } from '../../seeds/reference.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    snapshotPath: string;
    templateDb: string;
    serverUrl: string;
  }
}

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * What the migrated, reference-seeded database is made of: the migrations, the seeds, the modules
 * they read, and the PGlite release. Same key, same database: a run reuses the previous run's.
 */
export function schemaKey(): string {
  const h = crypto.createHash('sha256');
  const files = (dir: string): string[] => fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile()).map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)));
  for (const f of [...files('migrations'), ...files('seeds'), 'src/settings.ts', 'src/calendar.ts', 'src/db.ts', 'node_modules/@electric-sql/pglite/package.json'].sort()) {
    h.update(f).update('\0').update(fs.readFileSync(path.join(ROOT, f))).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * Migrates and seeds reference data once, and keeps the result for the next run while the
 * migrations and seeds are unchanged (schemaKey). Embedded: a PGlite data dir dumped to a file
 * (uncompressed: every test file loads it, and inflating it cost each file about half a second
 * of CPU) that every test file clones. Real server (DATABASE_URL): a template database every test
 * file copies into a fresh database of its own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  const key = schemaKey();
  if (!url) {
    const file = path.join(ROOT, '.tmp', `test-snapshot-${key}.tar`);
    if (!fs.existsSync(file)) {
      const k = createEmbeddedDatabase(undefined);
      await k.migrate.latest();
      await seedReference(k);
      const client = (k.client as unknown as { pglite: { dumpDataDir(c: 'none'): Promise<Blob> } });
      const blob = await client.pglite.dumpDataDir('none');
      await k.destroy();
      fs.mkdirSync(path.dirname(file), { recursive: true });
      // Written aside and renamed: a run started at the same moment reads a whole file or none.
      const partial = `${file}.${process.pid}`;
      fs.writeFileSync(partial, Buffer.from(await blob.arrayBuffer()));
      fs.renameSync(partial, file);
      // Snapshots of earlier schemas go after a day (a run still using one has long finished).
      for (const old of fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith('test-snapshot-')).map((f) => path.join(path.dirname(file), f))) {
        if (old !== file && Date.now() - fs.statSync(old).mtimeMs > 86_400_000) fs.rmSync(old, { force: true });
      }
    }
    project.provide('snapshotPath', file);
    project.provide('templateDb', '');
    project.provide('serverUrl', '');
    return async () => undefined;
  }
  const template = `psp_test_tpl_${key}`;
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  const ready = await admin.raw('select 1 from pg_database where datname = ?', [template]);
  if (ready.rows.length === 0) {
    // Built under a name of its own and renamed when complete, so no run copies half a template.
    const building = `psp_test_tpl_build_${process.pid}`;
    await admin.raw(`drop database if exists ${building}`);
    await admin.raw(`create database ${building}`);
    const k = knexFactory({ client: 'pg', connection: withDatabase(url, building), pool: { min: 0, max: 2 }, migrations: { migrationSource } });
    await k.migrate.latest();
    await seedReference(k);
    await k.destroy();
    try {
      await admin.raw(`alter database ${building} rename to ${template}`);
    } catch {
      await admin.raw(`drop database if exists ${building}`); // another run made the same template first
    }
  }
  project.provide('snapshotPath', '');
  project.provide('templateDb', template);
  project.provide('serverUrl', url);
  return async () => {
    const rows = await admin.raw(`select datname from pg_database where datname like 'psp_t_${process.pid}_%'`);
    for (const r of rows.rows as { datname: string }[]) await admin.raw(`drop database if exists ${r.datname} with (force)`);
    await admin.destroy();
  };
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
