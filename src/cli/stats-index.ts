import { parseArgs } from 'node:util';
import { db, closeDb } from '../db.ts';
import { statsOfficeUser } from './stats-user.ts';
import { parseForm } from '../forms.ts';
import { computeForm } from '../production-index/forms.ts';
import { requestIndexComputation } from '../stats/jobs/requests.ts';
import { waitForJob } from './stats-jobs.ts';
import type { IndexReport } from '../production-index/compute.ts';
import { publishComputation } from '../production-index/model.ts';

// `npm run stats:index -- --period 1405-07 [--publish] [--email OFFICE_USER]`: queues the
// computation of the production index of one month (issue 16; a job, DESIGN §7) as the page's
// «محاسبه» does, works the queue until it ends — the first computation at
// its fixed time after the deadline, a revision after that — stores it, and prints it. With
// --publish the computation is also published («نشر شاخص»; issue 20 keeps «release» for the
// office's releases of values and products).
const usage = 'usage: npm run stats:index -- --period 1405-07 [--publish] [--email USER_EMAIL]';
let args;
try {
  args = parseArgs({ options: { period: { type: 'string' }, publish: { type: 'boolean', default: false }, email: { type: 'string' } }, strict: true }).values;
} catch (e) {
  console.error(`${(e as Error).message}\n${usage}`);
  process.exit(2);
}

async function main(values: { period?: string; publish?: boolean; email?: string }): Promise<number> {
  const parsed = parseForm(computeForm, { period: values.period ?? '' });
  if (!parsed.ok) {
    console.error(`${parsed.errors.period}\n${usage}`);
    return 2;
  }
  const acting = await statsOfficeUser(values.email);
  if (!acting) return 2;
  const { userId } = acting;
  const began = performance.now();
  const queued = await requestIndexComputation({ period: parsed.data.period }, userId);
  if (!queued.ok) {
    console.error(`not computed: ${queued.reason ?? Object.values(queued.errors).join(' ')}`);
    return 1;
  }
  console.log(`queued job ${queued.job.id}: index ${queued.job.period}`);
  const job = await waitForJob(queued.job.id, (line) => console.log(line));
  if (job.state !== 'done' || !job.computation_id) {
    console.error(`not computed: ${job.reason ?? job.state}`);
    return 1;
  }
  const computation = await db()('index_computations').where({ id: job.computation_id }).first();
  const r = computation.report as IndexReport;
  console.log(`computation ${computation.id}: ${parsed.data.period}${computation.first ? ' (first computation)' : ' (revision)'} in ${((performance.now() - began) / 1000).toFixed(2)} s (base year ${r.seconds.base} s, panel ${r.seconds.panel} s)`);
  console.log(`respondents ${r.respondents}, imputed units ${r.imputedUnits}; classes not covered ${r.uncovered.length} (${(r.uncoveredShare * 100).toFixed(1)} % of base-year value added), without weight ${r.unweighted.length}`);
  console.log('node  level     index     imputed  weight  units  published');
  const cells = (await db()('index_cells').where({ computation_id: computation.id }).orderBy('node')) as { node: string; level: string; value: string | number; imputed_share: number; weight_share: number; contributors: number; suppressed: boolean }[];
  for (const c of cells.filter((x) => x.level === 'total' || x.level === 'section' || x.level === 'division')) {
    console.log(`${c.node.padEnd(5)} ${c.level.padEnd(9)} ${Number(c.value).toFixed(4).padStart(9)} ${(c.imputed_share * 100).toFixed(1).padStart(7)} % ${(c.weight_share * 100).toFixed(1).padStart(5)} % ${String(c.contributors).padStart(6)}  ${c.suppressed ? 'no (×)' : 'yes'}`);
  }
  console.log(`cells ${cells.length}, suppressed ${cells.filter((c) => c.suppressed).length}`);
  if (values.publish) {
    const pub = await publishComputation(computation.id, userId);
    if (!pub.ok) {
      console.error(`not published: ${pub.reason}`);
      return 1;
    }
    console.log(`published as index publication ${pub.publicationId}`);
  }
  return 0;
}

try {
  process.exitCode = await main(args);
} finally {
  await closeDb();
}
