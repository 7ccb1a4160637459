import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { runBench } from '../bench/lib/bench.ts';
import { removeBenchCodes } from '../bench/lib/pages.ts';
import { writeResults, resultsMarkdown } from '../bench/lib/report.ts';

// The benchmark is not part of `npm test`; this small run of `db:synth` and of the bench is, so
// neither rots: 500 units × 3 months, 2 s of load per endpoint (after 1 s of warm-up, 20 connections,
// so that it holds on a busy test machine). db:synth fills a PostgreSQL
// server only, so this runs under DATABASE_URL (the real server) and is skipped on the embedded one.

const onServer = !!process.env.DATABASE_URL;
const root = path.resolve(import.meta.dirname, '..');

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await freshDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
});
afterAll(async () => {
  await t.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!onServer)('db:synth and bench, small', () => {
  it('fill 500 units × 3 months, then the bench runs every measurement with 2 s of load, no HTTP error, and writes its table', async () => {
    const synth = await run(process.execPath, ['--import', 'tsx', 'bench/synth.ts', '--units', '500', '--months', '3'], { DATABASE_URL: t.url!, LOG_LEVEL: 'warn' });
    expect(synth.code, synth.output).toBe(0);
    const units = Number((await t.knex('units').where({ registration: 'approved' }).count('* as n'))[0].n);
    expect(units).toBeGreaterThan(300);

    const result = await runBench(t.knex, { duration: 2, warmup: 1, connections: 20, runs: 1, users: 500, server: 'child', databaseUrl: t.url, rushRate: 40 });

    expect(result.machine.units).toBeGreaterThanOrEqual(500);
    expect(result.nightly!.scanned).toBe(units);
    expect(result.nightly!.idempotentMs).toHaveLength(1); // the bench itself refuses a second run that changes anything
    // A month and its quarter are released (built, protected jointly, audited) and a view is served from the month.
    expect(result.stats!.releases.map((r) => [r.ok, r.reason])).toEqual([[true, null], [true, null]]);
    expect(result.stats!.releases[1].linked).toBe(1);
    expect(result.stats!.viewTimes.length).toBeGreaterThan(0);
    expect(result.stats!.reportObligated).toBeGreaterThan(0);
    const h = result.http!;
    for (const load of [h.bare, h.dashboard, h.dashboardSingle, h.dashboardAtRush, h.put]) {
      expect(load.requests, load.name).toBeGreaterThan(0);
      expect({ name: load.name, non2xx: load.non2xx, errors: load.errors, timeouts: load.timeouts, samples: load.samples })
        .toEqual({ name: load.name, non2xx: 0, errors: 0, timeouts: 0, samples: [] });
    }
    expect(h.dashboard.distinct).toBeGreaterThan(1);
    // The rush-rate run offers its rate (40 a second for 2 s), not as many requests as the server answers.
    expect(h.dashboardAtRush.requests).toBe(80);
    // Its last request leaves at 2 s, so it can never answer faster than it offers (whatever the machine's load).
    expect(h.dashboardAtRush.durationS).toBeGreaterThanOrEqual(2);
    expect(h.dashboardAtRush.rps).toBeLessThanOrEqual(40);
    expect(h.stored).toBeGreaterThanOrEqual(h.put.ok);
    expect(h.memory.peakRssMb).toBeGreaterThan(0);
    // The officer's long lists (issue 23) answer, and the codes added for them are gone again.
    expect(result.pages!.map((p) => [p.path, p.status])).toEqual(result.pages!.map((p) => [p.path, 200]));
    expect(await removeBenchCodes(t.knex)).toBe(0);
    // The statistics pages' timings moved here from npm test (issue 26): views of the stored month, the report, the national nominations.
    expect(result.pages!.map((p) => p.path)).toEqual(expect.arrayContaining(['/stats', '/nominations/national', expect.stringMatching(/^\/stats\/aggregates\?.*format=xlsx/)]));
    // …and a fresh installation's demo seed, into a database of its own that is gone again.
    expect(result.seed!.units).toBeGreaterThan(300);
    expect(result.seed!.filings).toBeGreaterThan(1000);
    expect((await t.knex.raw(`select 1 from pg_database where datname like 'psp_bench_seed_%'`)).rows).toEqual([]);
    // The bench leaves no sessions or tokens of its own behind.
    expect(Number((await t.knex('sessions').where('sid', 'like', 'bench-%').count('* as n'))[0].n)).toBe(0);
    expect(Number((await t.knex('api_tokens').where({ name: 'bench' }).count('* as n'))[0].n)).toBe(0);

    const file = path.join(dir, 'RESULTS.md');
    writeResults(file, result);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('| measure | result | target | |');
    for (const row of ['a fresh installation', 'nightly job, first run', 'lower bound', 'release ', 'view of the stored month', 'performance report', 'bare Express route', 'GET /dashboard', 'GET /dashboard, 40 requests/s arriving (open loop)', 'PUT /api/v1/filings/', 'server peak memory']) {
      expect(text).toContain(row);
    }
    expect(text).toContain(`${os.cpus().length} × `);
    // A second write replaces the table and keeps the notes around it.
    fs.appendFileSync(file, '\n## Notes\n\nkept\n');
    writeResults(file, result);
    const again = fs.readFileSync(file, 'utf8');
    expect(again.match(/\| measure \| result/g)).toHaveLength(1);
    expect(again).toContain('kept');
    expect(resultsMarkdown(result)).toContain('GET /dashboard');
  }, 300_000);
});
