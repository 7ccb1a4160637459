import { parseArgs } from 'node:util';
import { db } from '../db.ts';
import { auditStoredReleases } from '../stats/releases/audit.ts';
import { verifyStoredReleases } from '../stats/releases/proof-verify.ts';

// npm run stats:audit — the attacker over every stored release (DESIGN §7). Exits 1 when any
// sensitive cell is recovered exactly or narrowed to within its protection interval.
// npm run stats:audit -- --verify — no solver: every stored release's published cells against its
// stored contributions, and its stored proof (issue 21) re-checked in integers. Exits 1 when any
// release fails, or has no proof.
const { values } = parseArgs({ options: { verify: { type: 'boolean', default: false } } });

if (values.verify) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const rows = await verifyStoredReleases();
  console.log('release\tperiod\tproof spaces\texpressions\twitnesses\tverdict');
  for (const r of rows) {
    console.log([r.release, r.period, r.spaces, r.expressions, r.witnesses, r.proved ? 'verified' : 'FAILED'].join('\t'));
    for (const f of r.failures.slice(0, 20)) console.log(`\t${f}`);
    if (r.failures.length > 20) console.log(`\t… ${r.failures.length - 20} more`);
  }
  const used = process.cpuUsage(cpu);
  const bad = rows.filter((r) => !r.proved);
  console.log(`${rows.length} releases checked against their stored proofs in ${((performance.now() - started) / 1000).toFixed(1)} s (CPU ${((used.user + used.system) / 1e6).toFixed(1)} s), no solver: ${bad.length === 0 ? 'every one verified.' : `${bad.length} FAIL.`}`);
  await db().destroy();
  process.exitCode = bad.length === 0 ? 0 : 1;
} else {
  const rows = await auditStoredReleases();
  // One line per release, table (values, products) and attacker: sensitive expressions, exact, inside.
  console.log('release\tperiod\tpreliminary\trevision\ttable\tattacker\tsensitive\texact\tinside');
  for (const r of rows) {
    for (const [table, summary] of [['values', r], ['products', r.products]] as const) {
      const head = [r.release, r.period, r.preliminary ? 'yes' : 'no', r.revision, table];
      if (!summary.byAttacker) { console.log([...head, 'all', summary.sensitive, summary.exact, summary.inside].join('\t')); continue; }
      for (const [attacker, s] of Object.entries(summary.byAttacker)) console.log([...head, attacker, s.sensitive, s.exact, s.inside].join('\t'));
    }
  }
  const bad = rows.filter((r) => r.exact > 0 || r.inside > 0 || r.products.exact > 0 || r.products.inside > 0);
  console.log(bad.length === 0 ? `${rows.length} releases audited: nothing exact, nothing inside its interval.` : `${bad.length} of ${rows.length} releases FAIL the audit.`);
  await db().destroy();
  process.exitCode = bad.length === 0 ? 0 : 1;
}
