import fs from 'node:fs';
import crypto from 'node:crypto';
import { inject } from 'vitest';
import knexFactory, { type Knex } from 'knex';
import { createEmbeddedDatabase, createServerDatabase, setDb } from '../../src/db.ts';
import { withDatabase } from './global-setup.ts';

export interface TestDatabase { knex: Knex; url: string | null; close(): Promise<void> }

/**
 * A fresh database for one test file, already migrated with reference data, installed as the
 * process's db(). Embedded by default; a database of its own on the real server under DATABASE_URL.
 */
export async function freshDatabase(): Promise<TestDatabase> {
  const snapshot = inject('snapshotPath');
  if (snapshot) {
    const knex = createEmbeddedDatabase(undefined, new Blob([fs.readFileSync(snapshot)]));
    setDb(knex);
    return { knex, url: null, close: () => knex.destroy() };
  }
  const serverUrl = inject('serverUrl');
  const template = inject('templateDb');
  const name = `psp_t_${process.ppid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${name} template ${template}`);
  await admin.destroy();
  const url = withDatabase(serverUrl, name);
  const knex = createServerDatabase(url, 10);
  setDb(knex);
  return {
    knex,
    url,
    close: async () => {
      await knex.destroy();
      const a = knexFactory({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
      await a.raw(`drop database if exists ${name} with (force)`);
      await a.destroy();
    },
  };
}
