import { parseArgs } from 'node:util';
import { db, closeDb } from '../db.ts';
import { loadSettings } from '../settings.ts';
import { statsOfficeUser } from './stats-user.ts';
import { parsePublishForm } from '../stats/forms.ts';
import { publishRelease } from '../stats/releases/publish.ts';

// `npm run stats:release -- --period 1404-Q1 [--preliminary] [--email OFFICE_USER]`: builds,
// protects, audits and stores a release of the period from the filings as they stand now (DESIGN
// §7), as the web page's «انتشار جدید» does. Exits 1, storing nothing, when it cannot be protected.
const usage = 'usage: npm run stats:release -- --period 1404-01|1404-Q1|1404 [--preliminary] [--email USER_EMAIL]';
let args;
try {
  args = parseArgs({ options: { period: { type: 'string' }, preliminary: { type: 'boolean', default: false }, email: { type: 'string' } }, strict: true }).values;
} catch (e) {
  console.error(`${(e as Error).message}\n${usage}`);
  process.exit(2);
}
async function main(values: { period?: string; preliminary?: boolean; email?: string }): Promise<number> {
  const at = new Date();
  const { rules } = await loadSettings(db());
  const parsed = parsePublishForm({ period: values.period ?? '', preliminary: values.preliminary ? 'true' : '' }, at, rules);
  if (!parsed.ok) {
    for (const message of Object.values(parsed.errors)) console.error(message);
    console.error(usage);
    return 2;
  }
  const acting = await statsOfficeUser(values.email);
  if (!acting) return 2;
  const { userId } = acting;
  const outcome = await publishRelease({ period: parsed.data.period, preliminary: parsed.data.preliminary, userId, at });
  if (!outcome.ok) {
    console.error(`not stored: ${outcome.reason}`);
    return 1;
  }
  const r = outcome.release;
  const a = r.report.audit;
  console.log(`release ${r.id}: ${r.period} (${r.kind}), ${r.preliminary ? 'preliminary' : 'final'}, revision ${r.revision}, cut-off ${new Date(r.cut_off).toISOString()}`);
  console.log(`cells: ${r.report.cells}`);
  console.log(`suppressed cells: ${r.report.suppressed}`);
  console.log(`information loss: ${(r.report.informationLoss * 100).toFixed(2)} %`);
  console.log(`audit: ${a.sensitive} sensitive, ${a.exact} exact, ${a.inside} inside the protection interval (${a.lps} LPs)`);
  const pr = r.report.products;
  if (pr) {
    console.log(`product cells: ${pr.cells} in ${pr.families} families (class × unit of measure), ${pr.suppressed} suppressed; ${pr.lines} unit-product contributions, ${pr.uncounted} product lines without a usable unit of measure`);
    console.log(`product audit: ${pr.audit.sensitive} sensitive, ${pr.audit.exact} exact, ${pr.audit.inside} inside the protection interval (${pr.audit.lps} LPs), ${pr.seconds} s`);
  }
  if (r.report.linked.length) console.log(`protected together with releases ${r.report.linked.join(', ')}`);
  return 0;
}

try {
  process.exitCode = await main(args);
} finally {
  await closeDb();
}
