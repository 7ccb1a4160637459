import os from 'node:os';
import { db, closeDb } from '../src/db.ts';
import { loadSettings } from '../src/settings.ts';
import { latestDuePeriod } from '../src/calendar.ts';
import { refreshYearRecords, refreshAllYearRecords } from '../src/eligibility/year-records.ts';

// Issue 23: what keeping the yearly records costs on DATABASE_URL (a copy of a db:synth database):
// the whole country judged as the nightly job does after a deadline, a province alone (the first
// page view after a deadline when the nightly job has not run yet), and a refresh with nothing stale.
//   npx tsx bench/year-records.ts [--province 23]
const province = process.argv.includes('--province') ? process.argv[process.argv.indexOf('--province') + 1]! : '23';
const k = db();
const { rules } = await loadSettings(k);
const at = new Date();
const year = Number(latestDuePeriod(at, rules).slice(0, 4));
async function timed(what: string, fn: () => Promise<number>) {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const n = await fn();
  const used = process.cpuUsage(cpu);
  console.log(`${what}: ${n} units judged, ${(performance.now() - t0).toFixed(0)} ms wall, app CPU ${((used.user + used.system) / 1000).toFixed(0)} ms, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}
await k('unit_year_records').where({ year }).delete();
await timed(`province ${province}, year ${year}, nothing kept`, () => k.transaction((trx) => refreshYearRecords(trx, { year, at, rules, provinceCode: province })));
await timed(`province ${province} again, nothing stale`, () => refreshYearRecords(k, { year, at, rules, provinceCode: province }));
await k('unit_year_records').where({ year }).delete();
await timed('the whole country (the nightly job after a deadline)', () => k.transaction((trx) => refreshAllYearRecords(trx, at, rules)));
await timed('the whole country again, nothing stale', () => refreshAllYearRecords(k, at, rules));
await closeDb();
