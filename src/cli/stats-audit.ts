import { db } from '../db.ts';
import { auditStoredReleases } from '../stats/releases/audit.ts';

// npm run stats:audit — the attacker over every stored release (DESIGN §7). Exits 1 when any
// sensitive cell is recovered exactly or narrowed to within its protection interval.
const rows = await auditStoredReleases();
console.log('release\tperiod\tpreliminary\trevision\tsensitive\texact\tinside\tproduct sensitive\tproduct exact\tproduct inside');
for (const r of rows) console.log([r.release, r.period, r.preliminary ? 'yes' : 'no', r.revision, r.sensitive, r.exact, r.inside, r.products.sensitive, r.products.exact, r.products.inside].join('\t'));
const bad = rows.filter((r) => r.exact > 0 || r.inside > 0 || r.products.exact > 0 || r.products.inside > 0);
console.log(bad.length === 0 ? `${rows.length} releases audited: nothing exact, nothing inside its interval.` : `${bad.length} of ${rows.length} releases FAIL the audit.`);
await db().destroy();
process.exitCode = bad.length === 0 ? 0 : 1;
