import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { runNextJob } from '../src/stats/jobs/worker.ts';
import { faDigits } from '../src/numbers.ts';
import type { Knex } from 'knex';
import { createApp } from '../src/app.ts';
import { createEmbeddedDatabase } from '../src/db.ts';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { createUser, createUnit, signIn } from './support/factories.ts';
import { createFiling } from './support/filings.ts';

// «انتشار جدید» and `npm run stats:release` with the real engine, end to end: what the office
// publishes is stored, audited, listed and viewed; what cannot be protected is not stored.

let t: TestDatabase;
let app: ReturnType<typeof createApp>;

/** Cells of n units of one province and class filing the given months (the lone unit is sensitive). */
async function world(k: Knex, months: string[]): Promise<void> {
  const cells: [number, string, string, number][] = [[3, '23', '1050', 9_000_000_000], [4, '23', '1071', 2_000_000_000], [1, '23', '1072', 7_000_000_000], [3, '10', '1050', 8_000_000_000], [3, '10', '1071', 1_500_000_000]];
  for (const [n, province, isic, pv] of cells) {
    for (let i = 0; i < n; i++) {
      const u = await createUnit({ province_code: province, isic_class: isic }, k);
      for (const m of months) await createFiling({ unitId: u.id, period: m, state: 'verified', productionValue: pv + i * 7, intermediateConsumption: Math.floor(pv / 3), employees: 10 + i }, k);
    }
  }
}

beforeAll(async () => {
  t = await freshDatabase();
  app = createApp({ loginLimit: 1000 });
  await world(t.knex, ['1404-01']);
}, 120_000);
afterAll(async () => t.close());

describe('«انتشار جدید» on the stats page', () => {
  it('stores a protected release, records it with its publisher, lists it, and serves its view', async () => {
    const office = await createUser({ role: 'stats_office' });
    const { agent, csrf } = await signIn(app, office.email);
    const res = await agent.post('/stats/releases').type('form').send({ _csrf: csrf, period: '1404-01' });
    expect(res.status, res.text.slice(0, 500)).toBe(303);
    expect(await t.knex('releases').where({ period: '1404-01' }).first()).toBeUndefined(); // queued, not built in the request
    const ran = await runNextJob();
    expect(ran?.end.state, JSON.stringify(ran?.end)).toBe('done');
    const release = await t.knex('releases').where({ period: '1404-01', preliminary: false }).first();
    expect(release).toMatchObject({ kind: 'month', revision: 1, created_by: office.id });
    expect(await t.knex('audit_log').where({ action: 'stats.release', target: `release:${release.id}`, user_id: office.id }).first()).toBeDefined();

    const page = await agent.get('/stats');
    expect(page.text).toContain(`انتشار شماره ${faDigits(release.id)}`);
    expect(page.text).toContain(`data-release="${release.id}"`);
    // Issue 22: the report per attacker, explained in Persian, and the revision policy on the calendar.
    expect(release.report.audit.byAttacker).toBeDefined();
    for (const kind of ['outsider', 'insider', 'revision']) expect(page.text).toContain(`data-attacker="${kind}"`);
    expect(page.text).toContain('مهاجم درونی');
    expect(page.text).toContain('سیاست بازنگری');

    const view = await agent.get('/stats/aggregates?period=1404-01&rows=province&cols=isic_class&measure=production_value&format=json');
    expect(view.status).toBe(200);
    expect(view.body.release.id).toBe(release.id);
    // The lone unit of Tehran's class 1072: its cell is suppressed, its figure nowhere.
    expect(view.body.cells.find((c: { row: string; col: string }) => c.row === '23' && c.col === '1072')).toMatchObject({ value: null, suppressed: true });
    expect(JSON.stringify(view.body)).not.toContain('7000000000');
    expect(await t.knex('audit_log').where({ action: 'stats.view', target: `release:${release.id}` }).first()).toBeDefined();
  }, 120_000);

  it('a period with nothing to publish: the job ends refused with the engine\'s Persian reason on the page, nothing stored', async () => {
    const office = await createUser({ role: 'stats_office' });
    const { agent, csrf } = await signIn(app, office.email);
    const res = await agent.post('/stats/releases').type('form').send({ _csrf: csrf, period: '1403-07', preliminary: 'true' });
    expect(res.status).toBe(303);
    const ran = await runNextJob();
    expect(ran?.end.state).toBe('refused');
    const page = await agent.get('/stats');
    expect(page.text).toContain('هیچ اظهارنامه ارسال‌شده یا تأییدشده‌ای نیست');
    expect(await t.knex('releases').where({ period: '1403-07' }).first()).toBeUndefined();
  });

  it('a preliminary after its final is refused at once, in Persian beside the form, nothing queued', async () => {
    const office = await createUser({ role: 'stats_office' });
    const { agent, csrf } = await signIn(app, office.email);
    const res = await agent.post('/stats/releases').type('form').send({ _csrf: csrf, period: '1404-01', preliminary: 'true' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="publish-refused">[^<]*مقدماتی پس از انتشار نهایی/);
    expect(res.text).toContain('<option value="1404-01" selected>');
    expect(await t.knex('stats_jobs').where({ period: '1404-01', preliminary: true }).first()).toBeUndefined();
  });
});

interface Run { code: number | null; out: string; err: string }
function cli(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    const merged: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', SCHEDULER: 'off', ...env };
    for (const [key, v] of Object.entries(env)) if (v === '') delete merged[key]; // '' = unset
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/stats-release.ts', ...args], { env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { code: null, out: '', err: '' };
    p.stdout.on('data', (b) => { run.out += String(b); });
    p.stderr.on('data', (b) => { run.err += String(b); });
    p.on('close', (code) => { run.code = code; resolve(run); });
  });
}

describe('npm run stats:release', () => {
  it('prints the release, its cells, suppressions, information loss and audit; exits 1 storing nothing when it cannot publish; 2 off the grid', async () => {
    // A database another process can open: the test's own on the server; a data folder of its own embedded.
    let env: Record<string, string>;
    let open: () => Knex;
    let tmp: string | null = null;
    if (t.url) {
      env = { DATABASE_URL: t.url };
      open = () => t.knex;
      await world(t.knex, ['1404-02']);
    } else {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'psp-release-'));
      const dir = path.join(tmp, 'pg');
      const snapshot = new Blob([fs.readFileSync(inject('snapshotPath'))]);
      const k = createEmbeddedDatabase(dir, snapshot);
      await world(k, ['1404-02']);
      await k.destroy();
      env = { DATA_DIR: tmp, DATABASE_URL: '' };
      open = () => createEmbeddedDatabase(dir);
    }
    try {
      const ok = await cli(['--period', '۱۴۰۴-۰۲'], env);
      expect(ok.code, ok.err).toBe(0);
      expect(ok.out).toMatch(/^release \d+: 1404-02 \(month\), final, revision 1/m);
      expect(ok.out).toMatch(/^cells: \d+$/m);
      expect(ok.out).toMatch(/^suppressed cells: [1-9]\d*$/m);
      expect(ok.out).toMatch(/^information loss: \d+\.\d\d %$/m);
      expect(ok.out).toMatch(/^audit: \d+ sensitive, 0 exact, 0 inside the protection interval/m);
      const none = await cli(['--period', '1403-05'], env);
      expect(none.code).toBe(1);
      expect(none.err).toMatch(/^not stored: .*[\u0600-\u06ff]{3}/m);
      const off = await cli(['--period', '1404-02..1404-04'], env);
      expect(off.code).toBe(2);
      expect(off.err).toContain('یک فصل');
      const k = open();
      try {
        const id = Number(/^release (\d+)/m.exec(ok.out)![1]);
        expect(await k('releases').where({ id }).first()).toMatchObject({ period: '1404-02', preliminary: false, created_by: null });
        expect(Number((await k('release_cells').where({ release_id: id }).count('* as n').first())!.n)).toBeGreaterThan(0);
        expect(await k('releases').where({ period: '1403-05' }).first()).toBeUndefined();
        expect(await k('audit_log').where({ action: 'stats.release', target: `release:${id}` }).first()).toBeDefined();
      } finally {
        if (k !== t.knex) await k.destroy();
      }
    } finally {
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 240_000);
});
