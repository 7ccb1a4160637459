import crypto from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import { num } from '../../src/db.ts';
import { loadSettings } from '../../src/settings.ts';
import { currentFilingPeriod } from '../../src/calendar.ts';
import { describeMachine, type Machine } from './machine.ts';
import { measureNightly, measureStats, measureIndex, type NightlyNumbers, type StatsNumbers, type IndexNumbers } from './database.ts';
import { pickUnits, createSessions, createTokens, filingBodies, removeFixtures } from './fixtures.ts';
import { startChild, startInline, type BenchServer, type MemoryNumbers } from './server.ts';
import { load, paced, type HttpNumbers } from './http.ts';
import type { Counters } from './server.ts';
import { measurePages, type PageNumbers } from './pages.ts';
import { measureDemoSeed, type SeedNumbers } from './seed.ts';

export interface BenchOptions {
  /** Seconds of load per HTTP endpoint; 0 skips the HTTP part. */
  duration: number;
  warmup: number;
  connections: number;
  /** Repetitions of each database measurement. */
  runs: number;
  /** Distinct unit users (sessions, tokens) to rotate through. */
  users: number;
  /** `child` (default on a server database) or `inline` (required for the embedded one). */
  server: 'child' | 'inline';
  /** App processes sharing the port (child server only): stateless instances behind a balancer. */
  instances?: number;
  databaseUrl?: string | null;
  cpuProfDir?: string;
  at?: Date;
  /** Which measurements to make (default all). */
  parts?: readonly Part[];
  /** Dashboards per second offered in the rush-rate run (default RUSH_RATE). */
  rushRate?: number;
  log?: (line: string) => void;
}

export type Part = 'nightly' | 'stats' | 'http' | 'index' | 'pages' | 'seed';

/**
 * The dashboard's arrival rate at the worst deadline rush: every one of 100,000 units filing in the
 * last eight office hours (3.5 submissions a second), ten page views each, ten times over.
 */
export const RUSH_RATE = 350;
export const PARTS: readonly Part[] = ['nightly', 'stats', 'http', 'index', 'pages', 'seed'];

export interface HttpSection {
  period: string;
  users: number;
  bare: HttpNumbers;
  dashboard: HttpNumbers;
  dashboardSingle: HttpNumbers;
  /** The dashboard at the rush's arrival rate (rushRate requests per second offered), not flat out. */
  dashboardAtRush: HttpNumbers;
  put: HttpNumbers;
  /** Submissions the database holds from the PUT run (revisions written via the API). */
  stored: number;
  memory: MemoryNumbers;
  server: 'child' | 'inline';
}

export interface BenchResult {
  startedAt: Date;
  machine: Machine;
  nightly: NightlyNumbers | null;
  stats: StatsNumbers | null;
  index?: IndexNumbers | null;
  http: HttpSection | null;
  /** The officer's long lists at national size (issue 23). */
  pages?: PageNumbers[] | null;
  /** A fresh installation's migrations and demo data, into an empty database of the same server. */
  seed?: SeedNumbers | null;
  /** 1-minute load average at the end. */
  loadAfter?: number;
  options: Omit<BenchOptions, 'log' | 'at'>;
}

export async function runBench(k: Knex, opts: BenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const startedAt = new Date();
  const at = opts.at ?? startedAt;
  const machine = await describeMachine(k);
  log(`data: ${machine.units} units, ${machine.filings} filings (${machine.periods.from}…${machine.periods.to})`);
  const parts = opts.parts ?? PARTS;
  if (parts.includes('nightly')) log('nightly job…');
  const nightly = parts.includes('nightly') ? await measureNightly(k, at, opts.runs) : null;
  if (parts.includes('stats')) log('releases (build, protection, audit), a view, the performance report…');
  const stats = parts.includes('stats') ? await measureStats(k, at, opts.runs) : null;
  if (parts.includes('index')) log('production index, one month…');
  const index = parts.includes('index') ? await measureIndex(k, at, opts.runs) : null;
  const http = parts.includes('http') && opts.duration > 0 ? await measureHttp(k, at, opts, log) : null;
  const pages = parts.includes('pages') ? await measurePages(k, opts.runs, log) : null;
  if (parts.includes('seed') && opts.databaseUrl) log('a fresh installation: migrations and the demo data into an empty database…');
  const seed = parts.includes('seed') && opts.databaseUrl ? await measureDemoSeed(k, opts.databaseUrl, log) : null;
  const { log: _l, at: _a, parts: _p, ...options } = opts;
  return { startedAt, machine, nightly, stats, index, http, pages, seed, loadAfter: Math.round(os.loadavg()[0] * 100) / 100, options };
}

async function measureHttp(k: Knex, at: Date, opts: BenchOptions, log: (line: string) => void): Promise<HttpSection> {
  const settings = await loadSettings(k);
  const period = currentFilingPeriod(at, settings.rules);
  const secret = crypto.randomBytes(32).toString('hex');
  log(`HTTP fixtures: ${opts.users} unit users filing ${period}…`);
  const logins = await pickUnits(k, period, opts.users);
  if (logins.length === 0) throw new Error(`no approved unit must file ${period}: nothing to load`);
  const cookies = await createSessions(k, logins.map((l) => l.userId), secret);
  const tokens = await createTokens(k, logins.map((l) => l.userId));
  const bodyOf = await filingBodies(k, logins.map((l) => l.unitId));
  let server: BenchServer | undefined;
  try {
    server = opts.server === 'child'
      ? await startChild({ sessionSecret: secret, databaseUrl: opts.databaseUrl ?? '', cpuProfDir: opts.cpuProfDir, instances: opts.instances })
      : await startInline(secret);
    const size = logins.length;
    const dashboard = { method: 'GET' as const, size, path: () => '/dashboard', headers: (i: number) => ({ cookie: cookies[i] }) };
    const put = {
      method: 'PUT' as const,
      size,
      path: (i: number) => `/api/v1/filings/${period}?unit_id=${logins[i].unitId}`,
      headers: (i: number) => ({ authorization: tokens[i] }),
      body: bodyOf,
    };
    const c = opts.connections;
    if (opts.warmup > 0) {
      log(`warm-up ${opts.warmup} s each…`);
      await load('warm-up', server.bareUrl, { connections: c, duration: opts.warmup });
      await load('warm-up', server.appUrl, { connections: c, duration: opts.warmup, rotation: dashboard, offset: Math.floor(size / 2) });
      // The warm-up files for the last units of the list; the measured run starts at the first.
      await load('warm-up', server.appUrl, { connections: c, duration: opts.warmup, rotation: put, offset: Math.floor(size * 0.9) });
    }
    const s = server;
    // The server's CPU time and queries over one run, per answered request.
    // The whole machine's busy CPU time too (PostgreSQL, the server, autocannon, anything else).
    const machineBusyMs = () => os.cpus().reduce((t, c) => t + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
    const measured = async (run: () => Promise<HttpNumbers>): Promise<HttpNumbers> => {
      const before: Counters = await s.counters();
      const busyBefore = machineBusyMs();
      const h = await run();
      await new Promise((r) => setTimeout(r, 200)); // requests still in flight when the run ended
      const after: Counters = await s.counters();
      const n = Math.max(h.requests, 1);
      return {
        ...h,
        serverCpuMsPerRequest: (after.cpuMs - before.cpuMs) / n,
        queriesPerRequest: (after.queries - before.queries) / n,
        machineCpuMsPerRequest: (machineBusyMs() - busyBefore) / n,
      };
    };
    log(`bare Express route, ${opts.duration} s…`);
    const bare = await measured(() => load('bare Express route', s.bareUrl, { connections: c, duration: opts.duration }));
    log(`GET /dashboard, ${opts.duration} s…`);
    const dash = await measured(() => load('GET /dashboard', s.appUrl, { connections: c, duration: opts.duration, rotation: dashboard }));
    // Service time without queueing: one connection, the next units of the list.
    log(`GET /dashboard on one connection, ${Math.max(1, opts.duration / 2)} s…`);
    const single = await measured(() => load('GET /dashboard, one connection', s.appUrl, { connections: 1, duration: Math.max(1, opts.duration / 2), rotation: dashboard, offset: dash.requests }));
    const rate = opts.rushRate ?? RUSH_RATE;
    log(`GET /dashboard at ${rate} requests/s, ${opts.duration} s…`);
    const atRush = await measured(() => paced(`GET /dashboard, ${rate} requests/s arriving (open loop)`, s.appUrl, { rate, connections: c, duration: opts.duration, rotation: dashboard, offset: dash.requests + single.requests }));
    log(`PUT /api/v1/filings/${period}, ${opts.duration} s…`);
    const since = new Date();
    const filed = await measured(() => load(`PUT /api/v1/filings/${period}`, s.appUrl, { connections: c, duration: opts.duration, rotation: put }));
    const stored = num((await k.raw(`select count(*) as n from filing_revisions where via = 'api' and at >= ?`, [since])).rows[0].n);
    const memory = await server.memory();
    return { period, users: size, bare, dashboard: dash, dashboardSingle: single, dashboardAtRush: atRush, put: filed, stored, memory, server: opts.server };
  } finally {
    await server?.close();
    await removeFixtures(k);
  }
}
