import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { env } from '../env.ts';

// Shared by `db:backup` and `db:restore` (src/cli/backup.ts, src/cli/restore.ts).

/**
 * Runs pg_dump or pg_restore against `url`. The password goes through PGPASSWORD, not the
 * command line, where any user of the machine could read it in the process list.
 */
export function pgTool(tool: 'pg_dump' | 'pg_restore', args: string[], url: string): Promise<void> {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...(password ? { PGPASSWORD: password } : {}) };
  return new Promise((resolve, reject) => {
    const child = spawn(tool, [...args, `--dbname=${u.toString()}`], { env: childEnv, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    child.on('error', (e) => reject(new Error(`${tool} could not be started (${e.message}); install the PostgreSQL client tools, version ≥ the server's`)));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${tool} exited with ${code}: ${stderr.trim()}`))));
  });
}

/** What a backup file holds, from its first bytes. */
export function backupKind(file: string): 'pg_dump' | 'data-dir' | 'unknown' {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(5);
  fs.readSync(fd, head, 0, 5, 0);
  fs.closeSync(fd);
  if (head.toString('latin1') === 'PGDMP') return 'pg_dump';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'data-dir';
  return 'unknown';
}

/** The database in words, without its password. */
export function describeTarget(): string {
  if (!env.DATABASE_URL) return `the embedded database in ${path.resolve(env.DATA_DIR)}/pg`;
  const u = new URL(env.DATABASE_URL);
  return `database ${u.pathname.slice(1)} on ${u.hostname}:${u.port || 5432}`;
}
