import fs from 'node:fs';
import path from 'node:path';
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

/**
 * Migrates and seeds reference data once per run. Embedded: a PGlite data dir dumped to a file
 * that every test file clones. Real server (DATABASE_URL): a template database every test file
 * copies into a fresh database of its own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const k = createEmbeddedDatabase(undefined);
    await k.migrate.latest();
    await seedReference(k);
    const client = (k.client as unknown as { pglite: { dumpDataDir(c: 'gzip'): Promise<Blob> } });
    const blob = await client.pglite.dumpDataDir('gzip');
    const file = path.resolve('.tmp', `test-snapshot-${process.pid}.tar.gz`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(await blob.arrayBuffer()));
    await k.destroy();
    project.provide('snapshotPath', file);
    project.provide('templateDb', '');
    project.provide('serverUrl', '');
    return async () => fs.rmSync(file, { force: true });
  }
  const template = `psp_test_tpl_${process.pid}`;
  const admin = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  await admin.raw(`drop database if exists ${template}`);
  await admin.raw(`create database ${template}`);
  const k = knexFactory({ client: 'pg', connection: withDatabase(url, template), pool: { min: 0, max: 2 }, migrations: { migrationSource } });
  await k.migrate.latest();
  await seedReference(k);
  await k.destroy();
  project.provide('snapshotPath', '');
  project.provide('templateDb', template);
  project.provide('serverUrl', url);
  return async () => {
    const rows = await admin.raw(`select datname from pg_database where datname like 'psp_t_${process.pid}_%' or datname = ?`, [template]);
    for (const r of rows.rows as { datname: string }[]) await admin.raw(`drop database if exists ${r.datname} with (force)`);
    await admin.destroy();
  };
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
