import { parseArgs } from 'node:util';
import { db, closeDb } from '../db.ts';
import { statsOfficeUser } from './stats-user.ts';
import { requestRelease } from '../stats/jobs/requests.ts';
import { waitForJob } from './stats-jobs.ts';
import type { ReleaseRow } from '../stats/releases/types.ts';

// `npm run stats:release -- --period 1404-Q1 [--preliminary] [--email OFFICE_USER]`: queues a release
// of the period as the web page's «انتشار جدید» does (DESIGN §7: a release is a job), works the queue
// until it ends, printing its progress, then prints the release. Exits 1, storing nothing, when it
// cannot be published; 2 on a period off the grid or not yet due.
const usage = 'usage: npm run stats:release -- --period 1404-01|1404-Q1|1404 [--preliminary] [--email USER_EMAIL]';
let args;
try {
  args = parseArgs({ options: { period: { type: 'string' }, preliminary: { type: 'boolean', default: false }, email: { type: 'string' } }, strict: true }).values;
} catch (e) {
  console.error(`${(e as Error).message}\n${usage}`);
  process.exit(2);
}
async function main(values: { period?: string; preliminary?: boolean; email?: string }): Promise<number> {
  const acting = await statsOfficeUser(values.email);
  if (!acting) return 2;
  const queued = await requestRelease({ period: values.period ?? '', preliminary: values.preliminary ? 'true' : '' }, acting.userId);
  if (!queued.ok) {
    if (queued.reason) {
      console.error(`not stored: ${queued.reason}`);
      return 1;
    }
    for (const message of Object.values(queued.errors)) console.error(message);
    console.error(usage);
    return 2;
  }
  console.log(`queued job ${queued.job.id}: ${queued.job.period}${queued.job.preliminary ? ' preliminary' : ''}`);
  const job = await waitForJob(queued.job.id, (line) => console.log(line));
  if (job.state !== 'done' || !job.release_id) {
    console.error(`not stored: ${job.reason ?? job.state}`);
    return 1;
  }
  const r = (await db()('releases').where({ id: job.release_id }).first()) as ReleaseRow;
  const a = r.report.audit;
  console.log(`release ${r.id}: ${r.period} (${r.kind}), ${r.preliminary ? 'preliminary' : 'final'}, revision ${r.revision}, cut-off ${new Date(r.cut_off).toISOString()}`);
  console.log(`cells: ${r.report.cells}`);
  console.log(`suppressed cells: ${r.report.suppressed}`);
  console.log(`information loss: ${(r.report.informationLoss * 100).toFixed(2)} %`);
  console.log(`audit: ${a.sensitive} sensitive, ${a.exact} exact, ${a.inside} inside the protection interval (${a.lps} LPs)`);
  for (const [kind, s] of Object.entries(a.byAttacker ?? {})) console.log(`  ${kind}: ${s.sensitive} sensitive, ${s.exact} exact, ${s.inside} inside`);
  if (r.report.headline) console.log(`headline cells hidden: ${r.report.headline.hidden.length ? r.report.headline.hidden.join(' ') : 'none'}`);
  if (r.report.held) {
    console.log(`held at what earlier releases allow: ${r.report.held.sides} sides of ${r.report.held.expressions} sensitive expressions`);
    for (const h of r.report.held.cells.slice(0, 10)) console.log(`  ${h.space} ${h.cell} (release ${h.release || 'this'}, ${h.kind}${h.insider ? ', insider' : ''}) ${h.measure} ${h.side}: level ${h.levelShare ?? '?'} of the figure, earlier releases leave ${h.allowedShare ?? '?'}${h.blockers.length ? `, pinned by ${h.blockers.join(', ')}` : ''}`);
  }
  if (r.report.foresight) console.log(`foresight: ${r.report.foresight.releases} later releases, ${r.report.foresight.expressions} of their sensitive expressions, ${r.report.foresight.left} already pinned by earlier releases`);
  const pr = r.report.products;
  if (pr) {
    console.log(`product cells: ${pr.cells} in ${pr.families} families (class × unit of measure), ${pr.suppressed} suppressed; ${pr.lines} unit-product contributions, ${pr.uncounted} product lines without a usable unit of measure`);
    console.log(`product audit: ${pr.audit.sensitive} sensitive, ${pr.audit.exact} exact, ${pr.audit.inside} inside the protection interval (${pr.audit.lps} LPs), ${pr.seconds} s`);
    for (const [kind, s] of Object.entries(pr.audit.byAttacker ?? {})) console.log(`  ${kind}: ${s.sensitive} sensitive, ${s.exact} exact, ${s.inside} inside`);
  }
  if (r.report.linked.length) console.log(`protected together with releases ${r.report.linked.join(', ')}`);
  const s = r.report.seconds;
  console.log(`seconds: read ${s.load}, protect ${s.protect}, audit ${s.audit}, store ${s.store}${s.wall ? `, in all ${s.wall}` : ''}`);
  return 0;
}

try {
  process.exitCode = await main(args);
} finally {
  await closeDb();
}
