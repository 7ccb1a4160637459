import path from 'node:path';
import { parseArgs } from 'node:util';
import { env } from '../src/env.ts';
import { db, closeDb } from '../src/db.ts';
import { runBench, PARTS, type Part } from './lib/bench.ts';
import { resultsMarkdown, writeResults, allTargetsMet } from './lib/report.ts';

// `npm run bench` (after `npm run db:synth`): measures the nightly job, the statistics and the
// HTTP endpoints under load on DATABASE_URL, prints the table and writes bench/RESULTS.md.
//
//   --duration 10     seconds of load per endpoint (0: database measurements only)
//   --warmup 2        seconds of unmeasured load per endpoint first
//   --connections 50
//   --runs 3          repetitions of each database measurement
//   --users 20000     distinct unit users (sessions, API tokens) to rotate through
//   --out FILE        where to write the results (default bench/RESULTS.md; "-" for none)
//   --inline          run the server in the bench's process (default: a child process)
//   --instances N     N app processes sharing the port (node:cluster), as N instances behind a balancer
//   --cpu-prof DIR    write a CPU profile of the server process into DIR (node --cpu-prof)
//   --only LIST       some of nightly,stats,http,index,pages,seed (default all)
//   --rush-rate N     dashboards per second offered in the rush-rate run (default 350)

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
    runs: { type: 'string', default: '3' },
    users: { type: 'string', default: '20000' },
    out: { type: 'string', default: path.join(import.meta.dirname, 'RESULTS.md') },
    inline: { type: 'boolean', default: false },
    instances: { type: 'string', default: '1' },
    'cpu-prof': { type: 'string' },
    only: { type: 'string' },
    'rush-rate': { type: 'string' },
  },
});

if (!env.DATABASE_URL) {
  console.error('npm run bench needs DATABASE_URL (a PostgreSQL server filled by npm run db:synth).');
  process.exit(2);
}

const int = (s: string | undefined, name: string) => {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number`);
  return n;
};

const parts = values.only ? values.only.split(',').map((x) => x.trim()) : [...PARTS];
for (const p of parts) if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only takes ${PARTS.join(',')}, not ${p}`);

const result = await runBench(db(), {
  parts: parts as Part[],
  duration: int(values.duration, 'duration'),
  warmup: int(values.warmup, 'warmup'),
  connections: int(values.connections, 'connections'),
  runs: Math.max(1, int(values.runs, 'runs')),
  users: Math.max(1, int(values.users, 'users')),
  server: values.inline ? 'inline' : 'child',
  instances: Math.max(1, int(values.instances, 'instances')),
  databaseUrl: env.DATABASE_URL,
  cpuProfDir: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : undefined,
  rushRate: values['rush-rate'] ? Math.max(1, int(values['rush-rate'], 'rush-rate')) : undefined,
  log: (line) => console.error(`bench: ${line}`),
});
console.log(resultsMarkdown(result));
if (values.out && values.out !== '-') {
  writeResults(values.out, result);
  console.error(`bench: written to ${values.out}`);
}
await closeDb();
process.exitCode = allTargetsMet(result) ? 0 : 1;
