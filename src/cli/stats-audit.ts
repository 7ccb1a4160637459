import { db } from '../db.ts';
import { auditStoredReleases } from '../stats/releases/audit.ts';

// npm run stats:audit — the attacker over every stored release (DESIGN §7). Exits 1 when any
// sensitive cell is recovered exactly or narrowed to within its protection interval.
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
