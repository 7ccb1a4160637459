import os from 'node:os';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { env } from '../src/env.ts';
import { log } from '../src/log.ts';
import { db, closeDb } from '../src/db.ts';
import { createApp } from '../src/app.ts';
import { publishRelease } from '../src/stats/releases/publish.ts';
import type { FirstPattern } from '../src/stats/releases/protect-job.ts';
import { parseReferencePeriod } from '../src/stats/releases/period.ts';
import { verifyStoredReleases } from '../src/stats/releases/proof-verify.ts';
import { loadSettings } from '../src/settings.ts';
import { currentFilingPeriod } from '../src/calendar.ts';
import { pickUnits, createSessions, removeFixtures } from './lib/fixtures.ts';

// `npm run bench:routine -- --year 1404` (after `npm run db:synth`): the statistics office's year in
// its order (issue 20) — each month preliminary then final, each quarter after its months, the year,
// then a revision of its first month — built as the worker builds them (inputs, protection in a
// worker thread, one short store), while this same process serves the portal: /healthz is asked
// every 50 ms throughout, and a unit user's dashboard (2 queries on the same database) every 200 ms,
// 200 signed-in unit users in turn. Prints each release's wall time and the process's peak memory,
// /healthz's and the dashboard's p50/p99, and appends the table to bench/RESULTS.md (--out - for none). --limit N stops after N
// releases; --order takes a list of releases instead; --first-pattern primary starts the LP repair from the primary cells alone, gauss from gauss.ts (the default, inherited: a quarter or year from what its stored parts hide); --no-foresight measures the same without foresight; --heap-mb N starts each release's thread with N MB of heap (default THREAD_HEAP_MB).

const { values } = parseArgs({ options: { year: { type: 'string', default: '1404' }, out: { type: 'string', default: path.join(import.meta.dirname, 'RESULTS.md') }, limit: { type: 'string' }, order: { type: 'string' }, 'first-pattern': { type: 'string', default: 'inherited' }, 'no-foresight': { type: 'boolean', default: false }, 'heap-mb': { type: 'string' } } });
const FIRST_PATTERNS: readonly FirstPattern[] = ['primary', 'gauss', 'inherited'];
function firstPatternOf(name: string | undefined): FirstPattern {
  const found = FIRST_PATTERNS.find((p) => p === name);
  if (!found) throw new Error(`--first-pattern takes ${FIRST_PATTERNS.join(', ')}, not ${name}`);
  return found;
}
if (!env.DATABASE_URL) {
  console.error('npm run bench:routine needs DATABASE_URL (a PostgreSQL server filled by npm run db:synth).');
  process.exit(2);
}

const y = values.year;
const order: { code: string; preliminary: boolean }[] = [];
for (let m = 1; m <= 12; m++) {
  const code = `${y}-${String(m).padStart(2, '0')}`;
  order.push({ code, preliminary: true }, { code, preliminary: false });
  if (m % 3 === 0) order.push({ code: `${y}-Q${m / 3}`, preliminary: false });
}
order.push({ code: y, preliminary: false }, { code: `${y}-01`, preliminary: false });
// --order 1405-08,1405-Q3,1405,1405-05p: these releases in this order instead (p: preliminary).
const chosen = values.order ? values.order.split(',').map((c) => ({ code: c.trim().replace(/p$/, ''), preliminary: c.trim().endsWith('p') })) : order;
for (const c of chosen) if (!parseReferencePeriod(c.code)) throw new Error(`--order: ${c.code} is not a reference period`);
const steps = values.limit ? chosen.slice(0, Number(values.limit)) : chosen;

// The probes' requests would fill the output with request log lines: warnings and errors only, unless LOG_LEVEL says otherwise.
if (!env.LOG_LEVEL) log.level = 'warn';
const secret = crypto.randomBytes(32).toString('hex');
const logins = await pickUnits(db(), currentFilingPeriod(new Date(), (await loadSettings(db())).rules), 200);
const cookies = await createSessions(db(), logins.map((l) => l.userId), secret);
const server = createApp({ sessionSecret: secret }).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const port = (server.address() as AddressInfo).port;
let polling = true;
/** Asks `url` every `every` ms while the releases build; the latencies of the answers (a failed or non-2xx answer counts in `failed`). */
function probe(url: string, every: number, headers: (i: number) => Record<string, string> = () => ({})) {
  const out = { latencies: [] as number[], failed: 0 };
  const done = (async () => {
    for (let i = 0; polling; i++) {
      const t = performance.now();
      const ok = await fetch(url, { headers: headers(i), redirect: 'manual' }).then(async (r) => { await r.arrayBuffer(); return r.ok; }).catch(() => false);
      if (ok) out.latencies.push(performance.now() - t); else out.failed++;
      await new Promise((r) => setTimeout(r, every));
    }
  })();
  return { out, done };
}
const health = probe(`http://127.0.0.1:${port}/healthz`, 50);
const dashboard = probe(`http://127.0.0.1:${port}/dashboard`, 200, (i) => ({ cookie: cookies[i % cookies.length] }));
let peak = 0;
let releasePeak = 0; // of the release being built
let phase = 'reading';
let tenth = 0; // of the phase's progress, last printed
const phasePeaks = new Map<string, number>(); // of the release being built, by the phase it was in
const memory = setInterval(() => {
  const rss = process.memoryUsage().rss;
  peak = Math.max(peak, rss);
  releasePeak = Math.max(releasePeak, rss);
  phasePeaks.set(phase, Math.max(phasePeaks.get(phase) ?? 0, rss));
}, 200);

const rows: string[] = [];
let stored = 0;
/** Issue 21's targets: wall and CPU seconds of each release, by role. */
interface Measured { name: string; wall: number; cpu: number }
const measured: Measured[] = [];
for (const s of steps) {
  const began = performance.now();
  const cpu = process.cpuUsage();
  releasePeak = 0;
  phasePeaks.clear();
  // A release that fails (the solver aborted, an internal error) is a row of the table, as the job
  // worker makes it a failed job: the routine goes on to the next release.
  const out = await publishRelease({ period: parseReferencePeriod(s.code)!, preliminary: s.preliminary, userId: null, foresight: !values['no-foresight'], firstPattern: firstPatternOf(values['first-pattern']), ...(values['heap-mb'] ? { heapMb: Number(values['heap-mb']) } : {}), log: (l) => console.log(`    ${((performance.now() - began) / 1000).toFixed(1)} s  ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GB (instance heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB)  ${l}`), progress: (p, share) => { if (p !== phase) tenth = 0; phase = p; if (Math.floor(share * 10) > tenth) { tenth = Math.floor(share * 10); console.log(`    ${((performance.now() - began) / 1000).toFixed(1)} s  ${p} ${tenth * 10} %`); } } }).catch((e: unknown) => ({ ok: false as const, reason: `error: ${(e as Error).message}` }));
  console.log(`    peak RSS by phase: ${[...phasePeaks].map(([p, b]) => `${p} ${(b / 2 ** 30).toFixed(2)} GB`).join(', ')}`);
  const wall = (performance.now() - began) / 1000;
  const used = process.cpuUsage(cpu);
  const name = `${s.code}${s.preliminary ? ' prelim' : ''}`;
  if (out.ok) stored++;
  const r = out.ok ? out.release.report : null;
  measured.push({ name, wall, cpu: (used.user + used.system) / 1e6 });
  const proof = r?.proof ? `${r.proof.seconds.toFixed(1)} (${r.proof.witnesses} w., ${r.proof.uncovered} left)` : '—';
  const line = `| ${name} | ${out.ok ? `stored (${out.release.id}, rev ${out.release.revision})` : `${'failed' in out && out.failed ? 'failed' : 'refused'}: ${out.reason.slice(0, 80)}`} | ${wall.toFixed(1)} | ${((used.user + used.system) / 1e6).toFixed(1)} | ${(releasePeak / 2 ** 30).toFixed(2)} | ${r ? `${r.suppressed}/${r.cells}` : '—'} | ${r ? (100 * r.informationLoss).toFixed(2) : '—'} | ${r?.headline?.hidden.length ?? '—'} | ${r?.foresight ? `${r.foresight.releases} (${r.foresight.left} pinned)` : '—'} | ${proof} | ${os.loadavg()[0].toFixed(2)} |`;
  console.log(line);
  rows.push(line);
}
polling = false;
await Promise.all([health.done, dashboard.done]);
clearInterval(memory);
server.close();
await removeFixtures(db());
const answered = (name: string, p: { latencies: number[]; failed: number }) => {
  const sorted = [...p.latencies].sort((a, b) => a - b);
  const q = (x: number) => sorted[Math.min(sorted.length - 1, Math.floor(x * sorted.length))] ?? 0;
  return `${name} during the builds: ${sorted.length} answers, p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${q(1).toFixed(1)} ms${p.failed ? `, ${p.failed} failed` : ''}`;
};
// The year's proofs re-checked without a solver (issue 21).
const verifyStarted = performance.now();
const verifyCpu = process.cpuUsage();
const verified = await verifyStoredReleases(db());
const verifyUsed = process.cpuUsage(verifyCpu);
const verifyLine = `stats:audit --verify over the ${verified.length} stored releases: ${verified.filter((v) => v.proved).length} verified, ${((performance.now() - verifyStarted) / 1000).toFixed(1)} s wall, ${((verifyUsed.user + verifyUsed.system) / 1e6).toFixed(1)} s CPU (target: a year in seconds)`;
console.log(verifyLine);
for (const v of verified.filter((x) => !x.proved)) console.log(`  ${v.release} ${v.period}: ${v.failures.slice(0, 3).join('; ')}`);

// Issue 21's targets, each against what was measured (CPU beside wall; "—" when the run did not reach it).
const find = (test: (name: string) => boolean) => measured.find((m) => test(m.name));
const monthAlone = find((n) => /^\d{4}-\d{2}$/.test(n));
const quarter = find((n) => /-Q\d$/.test(n));
const yearRow = find((n) => /^\d{4}$/.test(n));
const after = yearRow ? measured.slice(measured.indexOf(yearRow) + 1).find((m) => /^\d{4}-\d{2}$/.test(m.name)) : undefined;
const fig = (m: Measured | undefined) => (m ? `${m.wall.toFixed(1)} s wall, ${m.cpu.toFixed(1)} s CPU` : 'not measured');
const met = (ok: boolean | null) => (ok === null ? '—' : ok ? 'met' : '**missed**');
const targets = [
  '| figure | measured | target | |', '| --- | --- | --- | --- |',
  `| a final month (${monthAlone?.name ?? '—'}) | ${fig(monthAlone)} | < 10 s | ${met(monthAlone ? monthAlone.wall < 10 : null)} |`,
  `| the first quarter (${quarter?.name ?? '—'}) | ${fig(quarter)} | < 30 s | ${met(quarter ? quarter.wall < 30 : null)} |`,
  `| the year (${yearRow?.name ?? '—'}) | ${fig(yearRow)} | < 60 s | ${met(yearRow ? yearRow.wall < 60 : null)} |`,
  `| a month after the year (${after?.name ?? '—'}) ÷ the month alone | ${after && monthAlone ? `${(after.wall / monthAlone.wall).toFixed(2)}× wall, ${(after.cpu / monthAlone.cpu).toFixed(2)}× CPU` : 'not measured'} | ≤ 1.5× | ${met(after && monthAlone ? after.wall <= 1.5 * monthAlone.wall : null)} |`,
  `| peak memory (process and protection thread) | ${(peak / 2 ** 30).toFixed(2)} GB | < 1 GB | ${met(peak < 2 ** 30)} |`,
  `| every stored release verified from its proof, no solver | ${verifyLine.replace(/^stats:audit --verify over /, '')} | all | ${met(verified.every((v) => v.proved))} |`,
];
console.log(targets.join('\n'));
const summary = `${stored} of ${steps.length} releases stored; ${answered('/healthz', health.out)}; ${answered('a unit user\'s /dashboard', dashboard.out)}; peak RSS ${(peak / 2 ** 30).toFixed(2)} GB`;
console.log(summary);
const units = Number((await db()('units').count('* as n').first())?.n ?? 0);
if (values.out !== '-') {
  fs.appendFileSync(values.out, [
    '', `## The office's routine (issue 20): year ${y} at ${units.toLocaleString('en')} units, ${new Date().toISOString().slice(0, 16)}Z`, '',
    '`npm run bench:routine`: every release built as the worker builds it while the same process answers /healthz every 50 ms and a unit user\'s dashboard every 200 ms. CPU is this process\'s (the protection thread included); load = 1-minute load average after each release.', '',
    '| release | outcome | wall s | CPU s | its peak RSS GB | suppressed/cells | info loss % | headline hidden | foresight releases | proof s (witnesses, sides left) | load |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows, '', summary, '', ...targets, '',
  ].join('\n'));
}
await closeDb();
