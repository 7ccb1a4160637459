import { parseArgs } from 'node:util';
import { db, closeDb } from '../db.ts';
import { parseJalaliDate, startOfJalaliDay, formatJalaliDate, jalaliDateOf } from '../calendar.ts';
import { latinDigits } from '../text.ts';
import { runNightly } from '../jobs/nightly.ts';
import { log } from '../log.ts';
import { unitStatusLabel } from '../glossary.ts';

// `npm run job:nightly -- --at 1404-08-09`: judges the state as of the start of that Jalali day
// (Tehran); without --at, as of now. Prints every status change it made.

const { values } = parseArgs({ options: { at: { type: 'string' } }, strict: true });
let at = new Date();
if (values.at) {
  const d = parseJalaliDate(latinDigits(values.at));
  if (!d) {
    console.error(`--at must be a Jalali date like 1404-08-09, not "${values.at}"`);
    process.exit(2);
  }
  at = startOfJalaliDay(d);
}

try {
  // The summary below is the output; the JSON log line would only repeat it.
  const r = await runNightly(db(), { at, log: log.child({}, { level: 'warn' }) });
  const day = formatJalaliDate(jalaliDateOf(at));
  if (r.skipped) {
    console.log(`skipped: another instance holds the nightly lock (as of ${day})`);
  } else {
    console.log(`nightly run #${r.runId} as of ${day} (${at.toISOString()})`);
    for (const c of r.changed) console.log(`  unit ${c.unit_id} ${c.name}: ${unitStatusLabel(c.old_status)} (${c.old_status}) → ${unitStatusLabel(c.new_status)} (${c.new_status})`);
    console.log(`units scanned: ${r.scanned}; status changed: ${r.changed.length}; reminders queued: ${r.reminders}; reminders emailed: ${r.emailed}; expired sessions purged: ${r.sessionsPurged}`);
    if (r.indexQueued.length) console.log(`index computations queued: ${r.indexQueued.join(", ")}`);
  }
} catch (err) {
  console.error('nightly job failed:', (err as Error).message);
  process.exitCode = 1;
} finally {
  await closeDb();
}
