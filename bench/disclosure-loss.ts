import { parseArgs } from 'node:util';
import os from 'node:os';
import { buildProblem, totalOf, type BaseRow, type DisclosureRules } from '../src/stats/releases/cube.ts';
import { protectRelease } from '../src/stats/releases/protect.ts';
import { isHeadline } from '../src/stats/releases/routine.ts';

// `npx tsx bench/disclosure-loss.ts --units 2000`: what issue 22's rules cost in information, on a
// synthetic national month held in memory (no database): the same cube protected with the rules
// before (contributors = licences, (n, k) only, ±10 % levels, no insider) and after (owners, p %,
// rule-derived levels, insiders), then a revision correcting 2 % of the units protected jointly
// with the month (changes as sensitive expressions). Prints loss (share of production value in
// suppressed cells), suppressed cells, wall and CPU seconds, and the load average.
//
// `DATABASE_URL=… npx tsx bench/disclosure-loss.ts --period 1405-08`: the same before/after on a
// real month of the database (a final release of it, alone: its verified filings as the release
// would read them), e.g. the national month of `db:synth`.

const { values } = parseArgs({ options: { period: { type: 'string' }, units: { type: 'string', default: '2000' }, seed: { type: 'string', default: '7' }, 'revision-before': { type: 'boolean', default: false }, log: { type: 'boolean', default: false }, 'month-only': { type: 'boolean', default: false } } });
const N = Number(values.units);
let state = Number(values.seed);
const rand = () => { state = (state * 1103515245 + 12345) % 2 ** 31; return state / 2 ** 31; };
const provinces = Array.from({ length: 31 }, (_, i) => String(i).padStart(2, '0'));
const classes = ['0510', '0610', '0710', '0810', '0899', '1010', '1020', '1030', '1040', '1050', '1061', '1071', '1072', '1073', '1079', '1104', '1311', '1410', '1610', '1701', '1709', '1811', '2011', '2012', '2023', '2100', '2211', '2220', '2310', '2394', '2395', '2410', '2420', '2511', '2599', '2610', '2710', '2750', '2811', '2819', '2910', '2930', '3100', '3290'];
// Classes of very different sizes (a few common, many rare); provinces likewise.
const weightOf = (i: number, n: number) => 1 / (1 + i) ** 0.9 + 0.02 * n;
const pick = <T>(list: readonly T[]): T => {
  const w = list.map((_, i) => weightOf(i, list.length));
  let r = rand() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < list.length; i++) { r -= w[i]; if (r <= 0) return list[i]; }
  return list[list.length - 1];
};
const lognormal = (mu: number, sigma: number) => Math.exp(mu + sigma * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()));

interface Unit { id: number; owner: number; province: string; cls: string; pv: bigint; ic: bigint; emp: bigint }
const units: Unit[] = [];
let owner = 1;
while (units.length < N) {
  // 85 % of owners have one plant; the others 2–4, in one class, often in several provinces.
  const plants = rand() < 0.85 ? 1 : 2 + Math.floor(rand() * 3);
  const cls = pick(classes);
  for (let p = 0; p < plants && units.length < N; p++) {
    const pv = BigInt(Math.round(lognormal(23, 1.6)));
    units.push({ id: units.length + 1, owner, province: pick(provinces), cls, pv, ic: (pv * BigInt(50 + Math.floor(rand() * 30))) / 100n, emp: BigInt(5 + Math.round(lognormal(3, 1))) });
  }
  owner++;
}

const rowsOf = (list: readonly Unit[], sig: number[], withOwners: boolean): BaseRow[] => list.map((u) => ({
  unit: u.id, owner: withOwners ? u.owner : undefined, province: u.province, category: u.cls, sig,
  amounts: { production_value: u.pv, intermediate_consumption: u.ic, employees: u.emp },
}));

const BEFORE: DisclosureRules = { minUnits: 3, dominance: 0.85, interval: 0.1 };
const AFTER: DisclosureRules = { ...BEFORE, pPercent: 0.1 };
const headline = (key: string) => isHeadline(key);

async function measure(label: string, rows: BaseRow[], releases: Parameters<typeof buildProblem>[1], rules: DisclosureRules, release: number, insiders: boolean) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const problem = buildProblem(rows, releases, rules);
  // Before issue 22 every level was the flat interval share of the value.
  if (!insiders) for (const t of problem.targets) for (const m of problem.measures) t.level[m] = BigInt(Math.ceil(rules.interval * Math.abs(Number(t.truth[m]))));
  const p = await protectRelease(problem, release, { headline, insiders, cleanupSeconds: 10, log: (line) => { if (values.log || line.startsWith('unprotectable')) console.log(`  ${line}`); } });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  let all = 0n;
  let hidden = 0n;
  for (const c of problem.cells.get(release)!.values()) {
    const pv = totalOf(c.bases.map((i) => problem.bases[i])).production_value;
    all += pv;
    if (!p.published.has(c.key)) hidden += pv;
  }
  const kinds = { cell: 0, part: 0, change: 0, pairs: 0 };
  for (const t of problem.targets) { kinds[t.kind]++; if (t.pair) kinds.pairs++; }
  console.log(`| ${label} | ${problem.cells.get(release)!.size} | ${p.primary.size} | ${p.secondary.size} | ${(Number((hidden * 100000n) / (all || 1n)) / 1000).toFixed(2)} % | ${kinds.cell}/${kinds.part}/${kinds.change}/${kinds.pairs} | ${p.audit.exposures.length} | ${wall.toFixed(1)} s | ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s | ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} |`);
  return p;
}

if (values.period) {
  const { db, closeDb } = await import('../src/db.ts');
  const { baseRowsOf, VALUE_STORE } = await import('../src/stats/releases/store.ts');
  const { sourceContributions } = await import('../src/stats/releases/sources.ts');
  const { rulesNow } = await import('../src/stats/releases/publish.ts');
  const period = values.period;
  const k = db();
  const rules = await rulesNow(k);
  const rows = await baseRowsOf(VALUE_STORE, [], sourceContributions([{ id: 1, code: period, months: [period], preliminary: false }], new Date()), k);
  await closeDb();
  const releases = [{ id: 1, months: 1, published: null, period }];
  const before: DisclosureRules = { minUnits: rules.minUnits, dominance: rules.dominance, interval: rules.interval };
  console.log(`${period} from the database: ${rows.length} units, ${new Set(rows.map((r) => r.owner)).size} owners; rules now ${JSON.stringify(rules)}`);
  console.log('| run | cells | primary | secondary | information loss | expressions cell/part/change/pairs | exposures left | wall | CPU | load average |');
  console.log('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |');
  if (!values['month-only']) await measure('before (licences, (n, k), ±10 %, no insiders)', rows.map((r) => ({ ...r, owner: undefined })), releases, before, 1, false);
  await measure('after (owners, (n, k) and p %, rule levels, insiders)', rows, releases, rules, 1, true);
  process.exit(0);
}

const only = process.argv.includes('--revision-before');
if (only) {
  // The revision under the rules before issue 22 (licences, (n, k), flat levels, no insiders): is a failure new?
  const first = await measure('month, before', rowsOf(units, [1], false), [{ id: 1, months: 1, published: null, period: '1404-07' }], BEFORE, 1, false);
  const fixed = new Set(units.filter(() => rand() < 0.02).map((u) => u.id));
  const rev = units.map((u) => (fixed.has(u.id) ? { ...u, pv: (u.pv * BigInt(80 + Math.floor(rand() * 60))) / 100n } : u));
  await measure('revision, before', [
    ...rowsOf(units.filter((u) => !fixed.has(u.id)), [1, 2], false),
    ...rowsOf(units.filter((u) => fixed.has(u.id)), [1], false),
    ...rowsOf(rev.filter((u) => fixed.has(u.id)), [2], false),
  ], [{ id: 1, months: 1, published: first.published, period: '1404-07' }, { id: 2, months: 1, published: null, period: '1404-07' }], BEFORE, 2, false);
  process.exit(0);
}
console.log(`${N} units, ${owner - 1} owners, ${provinces.length} provinces, ${classes.length} classes`);
console.log('| run | cells | primary | secondary | information loss | expressions cell/part/change/pairs | exposures left | wall | CPU | load average |');
console.log('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |');
if (!values['month-only']) await measure('month, before (licences, (n, k), ±10 %)', rowsOf(units, [1], false), [{ id: 1, months: 1, published: null, period: '1404-07' }], BEFORE, 1, false);
const month = await measure('month, after (owners, p %, levels, insiders)', rowsOf(units, [1], true), [{ id: 1, months: 1, published: null, period: '1404-07' }], AFTER, 1, true);
if (values['month-only']) process.exit(0);
// Revision 2: 2 % of the units correct their production value by −20 … +40 %.
const corrected = new Set(units.filter(() => rand() < 0.02).map((u) => u.id));
const revised = units.map((u) => (corrected.has(u.id) ? { ...u, pv: (u.pv * BigInt(80 + Math.floor(rand() * 60))) / 100n } : u));
const rows = [
  ...rowsOf(units.filter((u) => !corrected.has(u.id)), [1, 2], true),
  ...rowsOf(units.filter((u) => corrected.has(u.id)), [1], true),
  ...rowsOf(revised.filter((u) => corrected.has(u.id)), [2], true),
];
await measure(`revision 2 (${corrected.size} corrections), after`, rows, [{ id: 1, months: 1, published: month.published, period: '1404-07' }, { id: 2, months: 1, published: null, period: '1404-07' }], AFTER, 2, true);
