import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { closeDb } from '../db.ts';
import { statsOfficeUser } from './stats-user.ts';
import { parseHolidayYear, saveHolidayYear, holidayYears } from '../production-index/holidays.ts';

// Issue 25: the official holidays the index's calendar adjustment counts, one Jalali year at a
// time. `--list` shows the years held; `--year Y --file F --source S` adds a year's lunar holidays
// (one `MM-DD code` a line, as the Calendar Center's calendar announces them; the solar ones are
// added by rule), validated before anything is stored. `--provisional` marks predicted dates;
// `--replace` replaces a year held (a provisional year once the official calendar is out).
const usage = 'usage: npm run index:holidays -- --list | --year 1407 --file lunar-1407.txt --source "..." [--provisional] [--replace] [--email USER_EMAIL]';
const options = { list: { type: 'boolean', default: false }, year: { type: 'string' }, file: { type: 'string' }, source: { type: 'string' }, provisional: { type: 'boolean', default: false }, replace: { type: 'boolean', default: false }, email: { type: 'string' } } as const;
type Args = ReturnType<typeof parseArgs<{ options: typeof options; strict: true }>>['values'];
let args: Args;
try {
  args = parseArgs({ options, strict: true }).values;
} catch (e) {
  console.error(`${(e as Error).message}\n${usage}`);
  process.exit(2);
}

async function main(v: Args): Promise<number> {
  if (v.list) {
    for (const y of await holidayYears()) console.log(`${y.year}  ${y.status === 'announced' ? 'announced  ' : 'provisional'}  ${y.source}`);
    return 0;
  }
  if (!v.year || !v.file || !v.source) { console.error(usage); return 2; }
  const acting = await statsOfficeUser(v.email);
  if (!acting) return 2;
  const year = Number(v.year);
  const parsed = parseHolidayYear(year, fs.readFileSync(v.file, 'utf8'));
  if (!parsed.ok) { for (const e of parsed.errors) console.error(e); return 1; }
  const saved = await saveHolidayYear({ year, source: v.source, status: v.provisional ? 'provisional' : 'announced' }, parsed.holidays, { replace: Boolean(v.replace), userId: acting.userId });
  if (!saved.ok) { console.error(saved.reason); return 1; }
  console.log(`holidays of ${year} stored: ${parsed.holidays.length} days (${parsed.holidays.filter((h) => h.kind === 'lunar').length} lunar)`);
  return 0;
}

main(args).then(async (code) => { await closeDb(); process.exit(code); }, async (err: unknown) => { console.error(err); await closeDb(); process.exit(1); });
