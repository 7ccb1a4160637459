import { NATIONAL, buildProblem, isicNodesOf, type BaseRow, type DisclosureRules, type Space } from '../stats/releases/cube.ts';
import { protectRelease } from '../stats/releases/protect.ts';
import { isHeadline } from '../stats/releases/routine.ts';
import { runInThread, type ProtectionHooks } from '../stats/releases/thread.ts';
import type { AuditSummary } from '../stats/releases/types.ts';

// Which index cells are published (DESIGN §7; issue 20 §4): the same engine, rule and audit as
// every release. A node's index is its classes' volumes weighted by base-year value added:
//
//     I(node) × W(node) / 100 = Σ over its classes c of  w(c) × V(c)
//
// where W(node) = Σ w(c) is published with the node (its weight share), and V(c), a class's
// volume relative to the base year, is the sum of its units' terms. So the published indices are
// sums of base cells — one per class, the weighted volumes w(c) × V(c) — exactly like the value
// cube's cells, and the LP attacker of attack.ts applies as it is: a suppressed node must keep its
// protection interval against every published node of the computation. Assuming the attacker
// knows every weight is the cautious side (a suppressed node's weight is in fact not published).
//
// Chain-linked (issue 25 §2, linking.ts): within one reference year the link is the same sum with
// each unit's term divided by its class's annual mean in that year (compute.ts passes those
// terms), and a published chained value is its link × a constant of its node; so the audit of the
// links is the audit of the chained values.
//
// Contributors are the owners (legal entities, issue 22) of the units that filed the month: an
// imputed unit's term is made from its class's respondents (ratio imputation), so its part is
// spread over them — counting it as a contributor would let two respondents pass for three. A
// class with no respondent at all is imputed from its units' own earlier months: there those
// units are the contributors.

/** The index's nodes (the total, sections, divisions, groups and classes), national only. */
export const INDEX_SPACE: Space = { measures: ['index_volume'], nodesOf: isicNodesOf };

/** The computation being protected, in its own problem. */
const COMPUTATION = 1;

/** Weighted volumes as integers: a share of the covered weight, to 1e-12. */
const SCALE = 1e12;

/** A unit's term of the month; `owner_id` its legal entity (the contributor), the unit itself when absent. */
export interface UnitTerm { unit_id: number; owner_id?: number; isic_class: string; term: number; imputed: boolean }

/** One base row per contributing unit and class: its weighted volume, its class's imputed part spread over the respondents. */
export function indexBaseRows(rows: readonly UnitTerm[], weights: ReadonlyMap<string, number>, covered: ReadonlySet<string>): BaseRow[] {
  const total = [...covered].reduce((s, c) => s + (weights.get(c) ?? 0), 0);
  const classes = new Map<string, { respondents: Map<number, number>; imputed: Map<number, number> }>();
  const ownerOf = new Map<number, number>();
  for (const r of rows) {
    if (r.owner_id !== undefined) ownerOf.set(r.unit_id, r.owner_id);
    if (!covered.has(r.isic_class) || r.term <= 0) continue;
    let c = classes.get(r.isic_class);
    if (!c) { c = { respondents: new Map(), imputed: new Map() }; classes.set(r.isic_class, c); }
    const into = r.imputed ? c.imputed : c.respondents;
    into.set(r.unit_id, (into.get(r.unit_id) ?? 0) + r.term);
  }
  const out: BaseRow[] = [];
  for (const [cls, c] of classes) {
    const w = total > 0 ? (weights.get(cls) ?? 0) / total : 0;
    if (w <= 0) continue;
    const sum = (m: Map<number, number>) => [...m.values()].reduce((s, v) => s + v, 0);
    const own = sum(c.respondents);
    const contributors = own > 0 ? c.respondents : c.imputed;
    const spread = own > 0 ? (own + sum(c.imputed)) / own : 1;
    for (const [unit, term] of contributors) {
      out.push({ unit, owner: ownerOf.get(unit) ?? unit, province: NATIONAL, category: cls, sig: [COMPUTATION], amounts: { index_volume: BigInt(Math.round(w * term * spread * SCALE)) } });
    }
  }
  return out;
}

export interface IndexProtectionInput { rows: BaseRow[]; rules: DisclosureRules; headlineExtra: string[] }

export interface IndexProtection {
  published: string[]; // nodes
  suppressed: string[]; // nodes: the primary ones and those hidden to protect them
  primary: string[]; // nodes that fail the primary rule
  headlineHidden: string[];
  audit: AuditSummary;
  seconds: number;
}

/** Primary suppression, the protection LP and the audit of one computation's cells. */
export async function protectIndexCells(input: IndexProtectionInput, hooks: ProtectionHooks = {}): Promise<IndexProtection> {
  const started = performance.now();
  const problem = buildProblem(input.rows, [{ id: COMPUTATION, months: 1, published: null }], input.rules, INDEX_SPACE);
  if (!problem.cells.get(COMPUTATION)?.size) return { published: [], suppressed: [], primary: [], headlineHidden: [], audit: { sensitive: 0, exact: 0, inside: 0, lps: 0 }, seconds: 0 };
  const extra = new Set(input.headlineExtra);
  const protection = await protectRelease(problem, COMPUTATION, {
    headline: (key) => isHeadline(key, extra),
    log: hooks.log,
    progress: (share) => hooks.progress?.('computing', share),
  });
  const node = (key: string) => key.slice(NATIONAL.length + 1);
  return {
    published: [...protection.published].map(node),
    suppressed: [...problem.cells.get(COMPUTATION)!.keys()].filter((key) => !protection.published.has(key)).map(node),
    primary: [...protection.primary].map(node),
    headlineHidden: protection.headlineHidden.map(node),
    audit: { sensitive: problem.targets.length, exact: protection.audit.exact, inside: protection.audit.inside, lps: protection.audit.lps },
    seconds: Math.round(performance.now() - started) / 1000,
  };
}

/** protectIndexCells in a worker thread, off the event loop of the instance that runs the job. */
export function protectIndexInThread(input: IndexProtectionInput, hooks: ProtectionHooks & { cancelled?: () => boolean } = {}): Promise<IndexProtection> {
  return runInThread<IndexProtection>(new URL('./protection-thread.ts', import.meta.url), input, hooks);
}
