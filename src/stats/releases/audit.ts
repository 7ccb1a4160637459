import type { Knex } from 'knex';
import { db } from '../../db.ts';
import { parseReferencePeriod } from './period.ts';
import { attack } from './attack.ts';
import { rulesNow } from './publish.ts';
import { linkedGroup } from './inputs.ts';
import { addByAttacker, byAttackerPerRelease, emptyByAttacker, QUANTITY_STORE } from './products.ts';
import { storedProblems, VALUE_STORE, type StoredRelease, type StoredSpace } from './store.ts';
import type { DisclosureRules } from './cube.ts';
import type { AuditSummary } from './types.ts';

// `npm run stats:audit`: the attacker re-run over every stored release, each group of linked
// releases as one problem per space (values; product quantities family by family), with today's
// rules. Expected: nothing exact, nothing inside — for every attacker (outsider, insider, revision).

export interface StoredAudit extends AuditSummary { release: number; period: string; preliminary: boolean; revision: number; products: AuditSummary }

/** The attacker over the stored cells of one space of a group: per release, its sensitive expressions and what is exposed (LPs: the whole group's). */
export async function auditStoredSpace(space: StoredSpace, group: readonly StoredRelease[], rules: DisclosureRules, k: Knex): Promise<Map<number, AuditSummary>> {
  const out = new Map<number, AuditSummary>(group.map((g) => [g.id, { sensitive: 0, exact: 0, inside: 0, lps: 0, byAttacker: emptyByAttacker() }]));
  let lps = 0;
  for (const problem of await storedProblems(space, group, rules, k)) {
    const pattern = new Map(problem.releases.map((rel) => [rel.id, rel.published ?? new Set<string>()]));
    const result = await attack(problem, pattern);
    problem.targets.forEach((t, i) => {
      const s = out.get(t.release)!;
      s.sensitive++;
      if (result.exactTargets.has(i)) s.exact++;
      if (result.insideTargets.has(i)) s.inside++;
    });
    for (const g of group) addByAttacker(out.get(g.id)!.byAttacker!, byAttackerPerRelease(problem, result, g.id));
    lps += result.lps;
  }
  for (const s of out.values()) s.lps = lps;
  return out;
}

export async function auditStoredReleases(k: Knex = db()): Promise<StoredAudit[]> {
  const rules = await rulesNow(k);
  const stored = (await k('releases').orderBy('id').select('id', 'period', 'preliminary', 'revision')) as { id: number; period: string; preliminary: boolean; revision: number }[];
  const out: StoredAudit[] = [];
  const seen = new Set<number>();
  for (const r of stored) {
    if (seen.has(r.id)) continue;
    const group = linkedGroup(parseReferencePeriod(r.period)!, stored);
    for (const g of group) seen.add(g.id);
    const values = await auditStoredSpace(VALUE_STORE, group, rules, k);
    const products = await auditStoredSpace(QUANTITY_STORE, group, rules, k);
    for (const g of group) {
      const row = stored.find((s) => s.id === g.id)!;
      out.push({ release: g.id, period: row.period, preliminary: row.preliminary, revision: row.revision, ...values.get(g.id)!, products: products.get(g.id)! });
    }
  }
  return out.sort((a, b) => a.release - b.release);
}
