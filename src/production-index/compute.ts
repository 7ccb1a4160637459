import type { Knex } from 'knex';
import { db } from '../db.ts';
import { loadSettings } from '../settings.ts';
import { auditInsert } from '../audit.ts';
import { addMonths, deadlineOf, periodOfParts, periodRange, type Period } from '../calendar.ts';
import { refreshIndexCache, baseProducts } from './cache.ts';
import { chainBasis, chainCells, chosenComputations, contributionsBetween, linkable, linkedMonths, linkTerms, referenceOf } from './linking.ts';
import { isicNodesOf, type DisclosureRules } from '../stats/releases/cube.ts';
import { rulesNow } from '../stats/releases/publish.ts';
import { indexBaseRows, protectIndexCells, protectIndexInThread, type IndexProtection } from './protection.ts';

import { LOCKS } from '../locks.ts';
import { levelOfNode, type IndexNode } from './node.ts';

export { levelOfNode, type IndexLevel, type IndexNode } from './node.ts';
import { prepareAdjustments, storeAdjustments, type AdjustmentReport } from './adjustment.ts';

/** Up to this many classes with volume, the index's protection runs in the job's own thread. */
const IN_PROCESS_CLASSES = 60;

// Issue 16: one computation of the index of industrial and mining production for one month
// (method and its simplifications: docs/index.md). The filings' lines are read through kept
// aggregates (cache.ts: the base year's products, each filing's term), made again only where
// filings changed; one set-based statement makes the month's panel with its imputations from
// them, and the ISIC aggregation, the disclosure rule and the storage follow in this process.

export const DAY_MS = 86_400_000;

export interface ComputeRequest { period: Period; at?: Date; userId: number | null }

export type ComputeOutcome =
  | { ok: true; computationId: number; first: boolean; cells: IndexNode[]; report: IndexReport }
  | { ok: false; reason: string };

export interface IndexReport {
  respondents: number; // units whose filing of the month counts
  imputedUnits: number; // panel units without one, imputed
  unweighted: string[]; // classes with coded base-year quantities but no value added in the base year
  uncovered: string[]; // classes with value added but no coded quantities: not covered
  uncoveredShare: number; // their share of the base year's value added
  seconds: { base: number; panel: number; protect?: number; store: number };
  /** What the computation had to make again of the kept aggregates (issue 25 §5; absent before). */
  cache?: { base: boolean; months: Period[] };
  /** The protection's audit (absent in computations made before issue 20 put the index under it). */
  audit?: IndexProtection['audit'] & { interval: number };
  headlineHidden?: string[];
  adjustment?: AdjustmentReport; // issue 25: absent in computations made before it
  /** Issue 25 §2: the year whose value added weights this month (chain-linked); absent before: the base year. */
  weightYear?: number;
  /** Classes with base-year products and value added in the weight year but no annual mean to link to (not in the index this year). */
  unlinked?: string[];
}

/**
 * Each node's contribution to the nation's growth from the previous month (linking.ts), against
 * the previous month's stored figures as they are now (its latest published computation, else its
 * latest; of any product base, as published); none when that month was never computed. Stored
 * with the computation as it found them; the published contributions are made again from stored
 * levels when read (model.ts), so they follow a later revision of the previous month.
 */
async function monthContributions(period: Period, baseYear: number, weightYear: number, cells: readonly IndexNode[], k: Knex): Promise<Map<string, number>> {
  const previous = addMonths(period, -1);
  const id = (await chosenComputations(previous, previous, null, k)).get(previous);
  if (id === undefined) return new Map();
  const before = (await linkedMonths([id], k)).get(id);
  if (before === undefined) return new Map();
  const now = new Map(cells.filter((c) => c.node === 'T' || c.level === 'class').map((c) => [c.node, { value: c.value, refMean: c.refMean ?? 100, weightShare: c.weightShare }]));
  return contributionsBetween({ baseYear, weightYear, cells: now }, before);
}

/** The first computation of a month is made this long after its deadline, with the filings in by then. */
export async function firstComputationAt(period: Period, k: Knex = db()): Promise<Date> {
  const s = await loadSettings(k);
  return new Date(deadlineOf(period, s.rules).getTime() + s.get('index_first_computation_days') * DAY_MS);
}


/** Each class's value added in `year` (verified filings): its weight for the months that year's weights serve. */
async function classWeights(year: number, k: Knex): Promise<Map<string, number>> {
  const weights = await k.raw(
    `select u.isic_class, sum(f.value_added)::float8 as va
       from filings f join units u on u.id = f.unit_id
      where f.period between :from and :to and f.state = 'verified'
      group by u.isic_class having sum(f.value_added) > 0`,
    { from: periodOfParts(year, 1), to: periodOfParts(year, 12) },
  );
  return new Map((weights.rows as { isic_class: string; va: number }[]).map((r) => [r.isic_class, Number(r.va)]));
}

/** A unit's term of the month; `owner_id` its legal entity, the contributor (DESIGN §7, issue 22). */
interface PanelRow { unit_id: number; owner_id?: number; isic_class: string; term: number; imputed: boolean }

/**
 * The month's panel, one row per unit with its term Σ share × quantity ÷ base quantity over its
 * coded products. A respondent's term is its own; a panel unit that has not filed the month is
 * imputed from its last filed month s (within a year) as its term then × the change of its class's
 * respondents from s to the month (units that filed both). A unit inactive for a year by the
 * cut-off has left the panel.
 */
async function panel(period: Period, cutOff: Date, baseYear: number, covered: ReadonlySet<string>, k: Knex): Promise<{ rows: PanelRow[]; respondents: number }> {
  // Each filing's term is kept (cache.ts, made once per month): 13 months of filings are read,
  // not their lines. A filing of a class not covered counts as a respondent, with no volume.
  const res = await k.raw(
    `with resp as materialized (
       select f.id, f.unit_id, f.period, u.isic_class,
              coalesce(t.term, 0) as term
         from filings f join units u on u.id = f.unit_id
         left join index_filing_terms t on t.base_year = :base and t.filing_id = f.id
        where f.period between :from and :p and f.state in ('submitted', 'verified') and f.first_submitted_at <= :cut
     ), tu as (
       select unit_id, period, isic_class, term from resp
     ), cur as (
       select * from tu where period = :p
     ), gone as (
       select unit_id from (
         select distinct on (unit_id) unit_id, new_status, changed_at from unit_status_changes
          where changed_at <= :cut order by unit_id, changed_at desc, id desc) s
        where new_status = 'inactive' and changed_at <= :cut::timestamptz - interval '1 year'
     ), last as (
       select distinct on (tu.unit_id) tu.unit_id, tu.isic_class, tu.period as s, tu.term
         from tu
        where tu.period < :p
          and not exists (select 1 from cur where cur.unit_id = tu.unit_id)
          and not exists (select 1 from gone where gone.unit_id = tu.unit_id)
        order by tu.unit_id, tu.period desc
     ), matched as (
       select a.isic_class, a.period as s, sum(a.term) as ts, sum(c.term) as tp
         from tu a join cur c on c.unit_id = a.unit_id
        where a.period < :p and a.period in (select distinct s from last)
        group by a.isic_class, a.period
     )
     select c.unit_id, u.legal_entity_id as owner_id, c.isic_class, c.term, false as imputed, (select count(*) from cur)::int as respondents
       from cur c join units u on u.id = c.unit_id where c.term > 0
     union all
     select l.unit_id, u.legal_entity_id, l.isic_class, l.term * coalesce(case when m.ts > 0 then m.tp / m.ts end, 1), true, 0
       from last l join units u on u.id = l.unit_id left join matched m on m.isic_class = l.isic_class and m.s = l.s
      where l.term > 0`,
    { from: addMonths(period, -12), p: period, cut: cutOff, base: baseYear },
  );
  const all = (res.rows as (PanelRow & { respondents: number })[]).map((r) => ({ unit_id: Number(r.unit_id), owner_id: Number(r.owner_id), isic_class: r.isic_class, term: Number(r.term), imputed: r.imputed, respondents: Number(r.respondents) }));
  let respondents = all.find((r) => !r.imputed)?.respondents ?? 0;
  if (respondents === 0) {
    const n = await k('filings').where({ period }).whereIn('state', ['submitted', 'verified']).andWhere('first_submitted_at', '<=', cutOff).count('* as n').first();
    respondents = Number(n?.n ?? 0);
  }
  return { rows: all.filter((r) => covered.has(r.isic_class)), respondents };
}

/**
 * The ISIC aggregation of class indices by base-year value-added weights. Which cells are
 * published is decided after, by protectIndex.
 */
export function aggregate(rows: readonly PanelRow[], weights: ReadonlyMap<string, number>, covered: ReadonlySet<string>): IndexNode[] {
  const classes = new Map<string, { volume: number; imputed: number; respondents: Set<number>; imputedUnits: Set<number> }>();
  for (const c of covered) classes.set(c, { volume: 0, imputed: 0, respondents: new Set(), imputedUnits: new Set() });
  for (const r of rows) {
    const c = classes.get(r.isic_class);
    if (!c) continue;
    c.volume += r.term;
    const contributor = r.owner_id ?? r.unit_id; // owners, as the protection counts them
    if (r.imputed) { c.imputed += r.term; if (r.term > 0) c.imputedUnits.add(contributor); } else if (r.term > 0) c.respondents.add(contributor);
  }
  const total = [...covered].reduce((s, c) => s + (weights.get(c) ?? 0), 0);
  const nodes = new Map<string, { weight: number; weighted: number; imputed: number; units: Set<number> }>();
  for (const [code, c] of classes) {
    const w = weights.get(code) ?? 0;
    // The contributors as protection counts them (protection.ts): the respondents, or where there
    // are none, the imputed units (their own earlier months).
    const contributors = c.respondents.size > 0 ? c.respondents : c.imputedUnits;
    for (const node of isicNodesOf(code)) {
      let n = nodes.get(node);
      if (!n) { n = { weight: 0, weighted: 0, imputed: 0, units: new Set() }; nodes.set(node, n); }
      n.weight += w;
      n.weighted += w * c.volume;
      n.imputed += w * c.imputed;
      for (const u of contributors) n.units.add(u);
    }
  }
  return [...nodes].map(([node, n]) => ({
    node,
    level: levelOfNode(node),
    value: n.weight > 0 ? Math.round((100 * n.weighted * 10_000) / n.weight) / 10_000 : 0,
    imputedShare: n.weighted > 0 ? n.imputed / n.weighted : 0,
    weightShare: total > 0 ? n.weight / total : 0,
    contributors: n.units.size,
    weight: n.weight,
    primary: false,
    suppressed: false,
  }));
}

/**
 * Marks the cells to suppress (protection.ts: the release engine's primary rule, protection LP
 * and audit, in a worker thread). A node with no unit of positive volume is not in the problem:
 * its index is 0 and names no unit's figure.
 */
export async function protectIndex(cells: IndexNode[], rows: readonly PanelRow[], weights: ReadonlyMap<string, number>, covered: ReadonlySet<string>, rules: DisclosureRules, headlineExtra: string[]): Promise<IndexProtection> {
  const input = { rows: indexBaseRows(rows, weights, covered), rules, headlineExtra };
  // A thread takes about a second to start (tsx, HiGHS); a problem of a few dozen classes solves in
  // milliseconds, so it is solved here. A national one (hundreds of classes) goes to a thread.
  const classes = new Set(input.rows.map((r) => r.category)).size;
  const protection = classes > IN_PROCESS_CLASSES ? await protectIndexInThread(input) : await protectIndexCells(input);
  if (protection.audit.inside > 0) throw new Error(`the index audit still finds ${protection.audit.inside} sensitive cells inside their interval`);
  const suppressed = new Set(protection.suppressed);
  const primary = new Set(protection.primary);
  for (const c of cells) {
    c.primary = primary.has(c.node);
    c.suppressed = suppressed.has(c.node);
  }
  return protection;
}

/** Why the index of `period` cannot be computed at `at`, or null (checked again when the job runs). */
export async function computeRefusal(period: Period, at: Date, k: Knex = db()): Promise<string | null> {
  const settings = await loadSettings(k);
  if (at < (await firstComputationAt(period, k))) return 'نخستین محاسبه شاخص هر ماه در زمان مقرر پس از پایان مهلت ثبت آن ماه انجام می‌شود؛ هنوز آن زمان نرسیده است.';
  if (deadlineOf(periodOfParts(settings.get('index_base_year'), 12), settings.rules) > at) return 'سال پایه شاخص هنوز کامل نشده است؛ سال پایه را در تنظیمات سالی گذشته قرار دهید.';
  return null;
}

/** Computes the index of `period` now (the first computation at its fixed time) and stores it, audited. */
export async function computeIndex(req: ComputeRequest, k: Knex = db()): Promise<ComputeOutcome> {
  const at = req.at ?? new Date();
  const settings = await loadSettings(k);
  const baseYearValue = settings.get('index_base_year');
  const firstAt = await firstComputationAt(req.period, k);
  const refusal = await computeRefusal(req.period, at, k);
  if (refusal) return { ok: false, reason: refusal };
  const rules = await rulesNow(k);
  const clock = (() => { let t = performance.now(); return () => { const now = performance.now(); const s = (now - t) / 1000; t = now; return Math.round(s * 1000) / 1000; }; })();
  return k.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?::bigint)', [LOCKS.indexStore]);
    // Two scans of a year of filing lines: sorts and hashes in memory rather than on disk.
    await trx.raw("set local work_mem = '64MB'");
    // Fresh, unanalysed tables (the demo seed's, a test's) otherwise get nested loops over CTEs:
    // every join here is a bulk join.
    await trx.raw('set local enable_nestloop = off');
    const hasFirst = await trx('index_computations').where({ period: req.period, base_year: baseYearValue, first: true }).first('id');
    const first = !hasFirst;
    const cutOff = first ? firstAt : at;
    // The base year's products and the 13 months' terms, made again only where filings changed.
    const cache = await refreshIndexCache(baseYearValue, periodRange(addMonths(req.period, -12), req.period), trx);
    const products = await baseProducts(baseYearValue, trx);
    // Chain-linking (linking.ts): the class weights of the reference year, and its annual means.
    const weightsOf = (year: number) => classWeights(year, trx);
    const ref = referenceOf(req.period, baseYearValue);
    const linked = await chainBasis(ref, baseYearValue, weightsOf, trx);
    if (!linked.ok) return { ok: false as const, reason: linked.reason };
    const basis = linked.basis;
    const weights = basis.weights;
    const tBase = clock();
    const coded = new Set(products.map((p) => p.isic_class));
    const covered = new Set([...coded].filter((c) => weights.has(c) && linkable(basis, c)));
    const panelOut = await panel(req.period, cutOff, baseYearValue, covered, trx);
    const respondents = panelOut.respondents;
    const rows = linkTerms(panelOut.rows, basis);
    const tPanel = clock();
    const cells = aggregate(rows, weights, covered);
    const protection = await protectIndex(cells, rows, weights, covered, rules, settings.get('headline_cells'));
    const tProtect = clock();
    chainCells(cells, basis);
    const contributions = await monthContributions(req.period, baseYearValue, ref, cells, trx);
    for (const c of cells) c.contribution = contributions.get(c.node) ?? null;
    const allWeight = [...weights.values()].reduce((s, w) => s + w, 0);
    const uncovered = [...weights.keys()].filter((c) => !covered.has(c)).sort();
    const adjustments = await prepareAdjustments(req.period, baseYearValue, cells, trx, Boolean(basis.productLink));
    const report: IndexReport = {
      respondents,
      imputedUnits: rows.filter((r) => r.imputed).length,
      unweighted: [...coded].filter((c) => !weights.has(c)).sort(),
      uncovered,
      uncoveredShare: allWeight > 0 ? uncovered.reduce((s, c) => s + (weights.get(c) ?? 0), 0) / allWeight : 0,
      weightYear: ref,
      unlinked: [...coded].filter((c) => weights.has(c) && !linkable(basis, c)).sort(),
      seconds: { base: tBase, panel: tPanel, protect: tProtect, store: 0 },
      cache: { base: cache.base, months: cache.months },
      audit: { ...protection.audit, interval: rules.interval },
      headlineHidden: protection.headlineHidden,
      adjustment: adjustments.report,
    };
    const [row] = await trx('index_computations').insert({
      period: req.period, base_year: baseYearValue, weight_year: ref, cut_off: cutOff, computed_at: at, first, created_by: req.userId, report: JSON.stringify(report),
    }).returning('id');
    const id = Number(row.id);
    const lines = cells.map((c) => ({ computation_id: id, node: c.node, level: c.level, value: c.value, imputed_share: Math.min(1, Math.max(0, c.imputedShare)), weight_share: Math.min(1, c.weightShare), contributors: c.contributors, suppressed: c.suppressed, contribution: c.contribution ?? null, ref_mean: c.refMean ?? null }));
    for (let i = 0; i < lines.length; i += 1000) await trx('index_cells').insert(lines.slice(i, i + 1000));
    await storeAdjustments(id, adjustments, trx);
    await auditInsert({ action: 'stats.index_compute', userId: req.userId, target: `index_computation:${id}`, details: { period: req.period, first, cut_off: cutOff.toISOString(), base_year: baseYearValue } }, trx);
    report.seconds.store = clock();
    return { ok: true as const, computationId: id, first, cells, report };
  });
}
