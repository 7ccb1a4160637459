import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createEmbeddedDatabase, createServerDatabase } from '../src/db.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { withDatabase } from './support/global-setup.ts';
import { createUnit, createUser } from './support/factories.ts';

// `npm run db:backup -- FILE` and `npm run db:restore -- FILE`, run as the commands they are, on
// the database the test run uses (the real server under DATABASE_URL, else the embedded one).

const root = path.resolve(import.meta.dirname, '..');
let t: TestDatabase;
let tmp: string;
beforeAll(async () => {
  t = await freshDatabase();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'psp-backup-'));
});
afterAll(async () => {
  await t.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function run(script: 'backup' | 'restore', file: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, file], {
      cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** Two units of two provinces with filings in every state, their lines, a revision and a review. */
async function fill(k: Knex): Promise<void> {
  const officer = await createUser({ role: 'province_officer', province_code: '10' }, k);
  for (const province of ['10', '23']) {
    const unit = await createUnit({ province_code: province, products: [{ name: 'سیمان', unit_of_measure: 'تن', annual_capacity: 5000 }, { name: 'کلینکر', unit_of_measure: 'تن', annual_capacity: 900.5 }] }, k);
    const states = ['verified', 'returned', 'submitted', 'draft'] as const;
    for (const [i, state] of states.entries()) {
      const at = new Date(Date.UTC(2024, 5 + i, 3, 8, 30, 15, 123));
      const [f] = await k('filings').insert({
        unit_id: unit.id, period: `1403-0${i + 3}`, state, employees: 40 + i, production_value: 9_007_199_254_740_000 - i, intermediate_consumption: 1_000_000 * i,
        first_submitted_at: state === 'draft' ? null : at, submitted_at: state === 'draft' ? null : at, revision: state === 'draft' ? 0 : 1,
        return_reason: state === 'returned' ? 'رقم فروش با تولید نمی‌خواند؛ دوباره بررسی کنید' : null,
        warnings: JSON.stringify(state === 'submitted' ? [{ code: 'capacity', field: 'produced' }] : []),
        tracking_code: state === 'draft' ? null : `T${crypto.randomBytes(6).toString('hex')}`,
      }).returning('id');
      await k('filing_lines').insert(unit.productIds.map((p, j) => ({ filing_id: f.id, product_id: p, produced: 1234.567 + j, sold: 1000.5 + j, sales_value: 777_000_000 + j })));
      if (state !== 'draft') await k('filing_revisions').insert({ filing_id: f.id, revision: 1, snapshot: JSON.stringify({ employees: 40 + i }) });
      if (state === 'verified' || state === 'returned') await k('filing_reviews').insert({ filing_id: f.id, action: state === 'verified' ? 'verify' : 'return', reason: state === 'returned' ? 'دلیل' : null, user_id: officer.id });
    }
  }
  await k('audit_log').insert({ action: 'filing.view', user_id: officer.id, province_code: '10', target: 'filing:1' });
}

const TABLES = ['legal_entities', 'units', 'products', 'users', 'filings', 'filing_lines', 'filing_revisions', 'filing_reviews', 'audit_log', 'settings', 'provinces', 'isic_codes', 'knex_migrations'];

async function contents(k: Knex): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) out[table] = await k(table).select('*').orderByRaw('1, 2');
  return out;
}

describe('database backups', () => {
  it.skipIf(!process.env.DATABASE_URL)('on a PostgreSQL server: pg_dump → pg_restore into a new database holds the same filings; a restore over changed data puts it back', async () => {
    await fill(t.knex);
    const before = await contents(t.knex);
    expect(before.filings).toHaveLength(8);
    const file = path.join(tmp, 'server.dump');
    const backup = await run('backup', file, { DATABASE_URL: t.url! });
    expect(backup.code, backup.out).toBe(0);
    expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('PGDMP');
    expect(fs.existsSync(`${file}.partial`)).toBe(false);

    const name = `psp_t_${process.ppid}_restore_${crypto.randomBytes(3).toString('hex')}`;
    await t.knex.raw(`create database ${name}`);
    const url = withDatabase(t.url!, name);
    const other = createServerDatabase(url, 2);
    try {
      const restore = await run('restore', file, { DATABASE_URL: url });
      expect(restore.code, restore.out).toBe(0);
      expect(await contents(other)).toEqual(before);
      // The restored database is usable: sequences continue after the restored ids.
      const [u] = await other('legal_entities').insert({ national_id: '10380284790', name: 'پس از بازیابی' }).returning('id');
      expect(u.id).toBeGreaterThan(Math.max(...(before.legal_entities as { id: number }[]).map((r) => r.id)));
    } finally {
      await other.destroy();
      await t.knex.raw(`drop database if exists ${name} with (force)`);
    }

    // Damage the original, then restore it from the backup.
    await t.knex('filing_lines').delete();
    await t.knex('filings').where({ state: 'verified' }).update({ employees: 0 });
    const again = await run('restore', file, { DATABASE_URL: t.url! });
    expect(again.code, again.out).toBe(0);
    expect(await contents(t.knex)).toEqual(before);
  }, 120_000);

  it.skipIf(!!process.env.DATABASE_URL)('on the embedded database: the data folder as .tar.gz → restored into a new DATA_DIR holds the same filings; the old folder is kept aside', async () => {
    const source = path.join(tmp, 'source');
    // The migrated, seeded database of this test run, as a folder of its own.
    const k = createEmbeddedDatabase(path.join(source, 'pg'), new Blob([fs.readFileSync(inject('snapshotPath'))]));
    let before: Record<string, unknown[]>;
    try {
      await fill(k);
      before = await contents(k);
    } finally {
      await k.destroy();
    }
    expect(before.filings).toHaveLength(8);

    // Refused while another process holds the folder (a running server).
    const holder: ChildProcess = spawn('sleep', ['30']);
    fs.writeFileSync(path.join(source, 'psp.pid'), String(holder.pid));
    const busy = await run('backup', path.join(tmp, 'busy.tar.gz'), { DATA_DIR: source });
    holder.kill();
    expect(busy.code).toBe(1);
    expect(busy.out).toContain(`in use by process ${holder.pid}`);
    expect(fs.existsSync(path.join(tmp, 'busy.tar.gz'))).toBe(false);

    const file = path.join(tmp, 'embedded.tar.gz');
    const backup = await run('backup', file, { DATA_DIR: source });
    expect(backup.code, backup.out).toBe(0);
    expect(fs.readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(fs.existsSync(path.join(source, 'psp.pid'))).toBe(false);

    const target = path.join(tmp, 'target');
    fs.mkdirSync(path.join(target, 'pg'), { recursive: true });
    fs.writeFileSync(path.join(target, 'pg', 'marker'), 'the folder that was there');
    const restore = await run('restore', file, { DATA_DIR: target });
    expect(restore.code, restore.out).toBe(0);
    const aside = fs.readdirSync(target).filter((f) => f.startsWith('pg.before-restore-'));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(target, aside[0], 'marker'), 'utf8')).toBe('the folder that was there');

    const restored = createEmbeddedDatabase(path.join(target, 'pg'));
    try {
      expect(await contents(restored)).toEqual(before);
    } finally {
      await restored.destroy();
    }

    // A pg_dump file is not mistaken for a data folder.
    fs.writeFileSync(path.join(tmp, 'fake.dump'), 'PGDMP\u0001\u000e');
    const wrong = await run('restore', path.join(tmp, 'fake.dump'), { DATA_DIR: target });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain('not a backup of the embedded database');
  }, 180_000);
});
