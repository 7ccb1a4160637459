import type { Knex } from 'knex';
import { db } from '../../db.ts';
import { parseReferencePeriod } from './period.ts';
import { attack } from './attack.ts';
import { groupProblem, linkedGroup, rulesNow } from './publish.ts';
import { auditStoredProducts, byAttackerPerRelease } from './products.ts';
import type { AuditSummary } from './types.ts';

// `npm run stats:audit`: the attacker re-run over every stored release, each group of linked
// releases as one problem (and its product cells, family by family), with today's rules.
// Expected: nothing exact, nothing inside — for every attacker (outsider, insider, revision).

export interface StoredAudit extends AuditSummary { release: number; period: string; preliminary: boolean; revision: number; products: AuditSummary }

export async function auditStoredReleases(k: Knex = db()): Promise<StoredAudit[]> {
  const rules = await rulesNow(k);
  const stored = (await k('releases').orderBy('id').select('id', 'period', 'preliminary', 'revision')) as { id: number; period: string; preliminary: boolean; revision: number }[];
  const out: StoredAudit[] = [];
  const seen = new Set<number>();
  for (const r of stored) {
    if (seen.has(r.id)) continue;
    const group = linkedGroup(parseReferencePeriod(r.period)!, stored);
    for (const g of group) seen.add(g.id);
    const problem = await groupProblem(group, rules, k);
    const pattern = new Map(problem.releases.map((rel) => [rel.id, rel.published ?? new Set<string>()]));
    const result = await attack(problem, pattern);
    const products = await auditStoredProducts(group, rules, k);
    for (const g of group) {
      const mine = problem.targets.map((t, i) => ({ t, i })).filter(({ t }) => t.release === g.id).map(({ i }) => i);
      const exact = mine.filter((i) => result.exactTargets.has(i)).length;
      const inside = mine.filter((i) => result.insideTargets.has(i)).length;
      const row = stored.find((s) => s.id === g.id)!;
      out.push({ release: g.id, period: row.period, preliminary: row.preliminary, revision: row.revision, sensitive: mine.length, exact, inside, lps: result.lps, byAttacker: byAttackerPerRelease(problem, result, g.id), products: products.get(g.id)! });
    }
  }
  return out.sort((a, b) => a.release - b.release);
}
