import type { Knex } from 'knex';
import { db } from '../db.ts';
import { auditInsert } from '../audit.ts';
import { LOCKS } from '../locks.ts';
import { addMonths, type Period } from '../calendar.ts';
import { contributionsBetween, linkedMonths } from './linking.ts';
import type { IndexLevel, IndexReport } from './compute.ts';
import { visibleIndexPublication, indexPublicationVisibleSql, visibleRelease, PUBLIC, type Viewer } from '../dissemination/embargo.ts';
import type { StoredModel } from './adjustment.ts';

// What the statistics office sees of the index: published figures only (a computation is made
// public by its *publication*, «نشر شاخص»: issue 20 keeps «release» for the office's releases), read through the
// index_published view (suppressed cells carry no value and no weight), and the computations of
// one month (the revision triangle), whose values show only once published.

export interface PublishedCell {
  period: Period;
  node: string;
  level: IndexLevel;
  value: number | null;
  imputed_share: number | null;
  weight_share: number | null;
  suppressed: boolean;
  /** Issue 25 §2: contribution to the nation's growth from the previous month (null: hidden or not computed). */
  contribution: number | null;
  /** The year whose value added weights the month (chain-linking; null before it: the base year). */
  weight_year: number | null;
  base_year: number;
}

export interface ComputationRow {
  id: number;
  period: Period;
  base_year: number;
  cut_off: Date;
  computed_at: Date;
  first: boolean;
  report: IndexReport;
  publication_id: number | null;
  published_at: Date | null;
}

const LEVEL_ORDER: IndexLevel[] = ['total', 'section', 'division', 'group', 'class'];

/** Levels down to `deepest`: «division» is the total, the two sections and the divisions. */
export const levelsDownTo = (deepest: IndexLevel): IndexLevel[] => LEVEL_ORDER.slice(0, LEVEL_ORDER.indexOf(deepest) + 1);

export async function publishedCells(periods: readonly Period[], levels: readonly IndexLevel[], k: Knex = db()): Promise<PublishedCell[]> {
  const rows = await k('index_published')
    .whereIn('period', [...periods]).whereIn('level', [...levels])
    .select('period', 'computation_id', 'node', 'level', 'value', 'imputed_share', 'weight_share', 'suppressed', 'contribution', 'weight_year', 'base_year')
    .orderBy(['period', 'node']);
  const made = await publishedContributions(new Map((rows as { period: Period; computation_id: number }[]).map((r) => [r.period, Number(r.computation_id)])), k);
  return (rows as Record<string, unknown>[]).map((r) => ({
    period: String(r.period),
    node: String(r.node),
    level: r.level as IndexLevel,
    value: r.value === null ? null : Number(r.value),
    imputed_share: r.imputed_share === null ? null : Number(r.imputed_share),
    weight_share: r.weight_share === null ? null : Number(r.weight_share),
    suppressed: Boolean(r.suppressed),
    contribution: publishedContribution(r, made),
    weight_year: r.weight_year === null || r.weight_year === undefined ? null : Number(r.weight_year),
    base_year: Number(r.base_year),
  }));
}

/**
 * A cell's contribution as published: under the weight share's rule (index_published hides both
 * alike), made from the stored levels of its month and the previous month's published figures, or
 * — for a computation made before ref_mean (migration 271) — the one it stored.
 */
function publishedContribution(r: Record<string, unknown>, made: ReadonlyMap<Period, Map<string, number>>): number | null {
  if (r.weight_share === null) return null;
  const month = made.get(String(r.period));
  if (month) return month.get(String(r.node)) ?? null;
  return r.contribution === null || r.contribution === undefined ? null : Number(r.contribution);
}

/**
 * Each month's contributions to growth made from its published computation's stored levels and the
 * previous month's published ones (linking.ts, contributionsBetween): a revision of the previous
 * month, once published, moves them. A month is absent when either computation predates ref_mean
 * (migration 271) or the previous month is not published.
 */
async function publishedContributions(computations: ReadonlyMap<Period, number>, k: Knex): Promise<Map<Period, Map<string, number>>> {
  const out = new Map<Period, Map<string, number>>();
  if (computations.size === 0) return out;
  const previous = new Map([...computations.keys()].map((p) => [p, addMonths(p, -1)]));
  const before: { period: Period; computation_id: number }[] = await k('index_published').whereIn('period', [...new Set(previous.values())]).distinct('period', 'computation_id');
  const beforeOf = new Map(before.map((r) => [r.period, Number(r.computation_id)]));
  const months = await linkedMonths([...computations.values(), ...beforeOf.values()], k);
  for (const [period, id] of computations) {
    const now = months.get(id);
    const then = months.get(beforeOf.get(previous.get(period)!) ?? -1);
    if (now && then) out.set(period, contributionsBetween(now, then));
  }
  return out;
}

/** The publication a month's published figures come from (as index_published: out of embargo, issue 27). */
export async function latestPublication(period: Period, k: Knex = db()): Promise<{ id: number; computation_id: number; published_at: Date; cut_off: Date; base_year: number; report: IndexReport } | null> {
  const row = await k('index_publications as r').join('index_computations as c', 'c.id', 'r.computation_id')
    .where('r.period', period).where(visibleIndexPublication(PUBLIC, 'r')).orderBy('r.id', 'desc')
    .first('r.id', 'r.computation_id', 'r.published_at', 'c.cut_off', 'c.base_year', 'c.report');
  return row ?? null;
}

/**
 * Whether the latest final release of the base year publishes the national value added of every
 * one of `nodes`. Only then is their share of the base year's value added published beside the
 * index (as index_published does for each node's weight share): otherwise the share × the
 * published total would give away a suppressed value added.
 */
export async function valueAddedPublished(baseYear: number, nodes: readonly string[], k: Knex = db()): Promise<boolean> {
  if (nodes.length === 0) return true;
  const release = await k('releases').where({ period: String(baseYear), preliminary: false }).where(visibleRelease(PUBLIC)).orderBy('revision', 'desc').first('id');
  if (!release) return false;
  const rows = await k('release_cells').where({ release_id: release.id, geo: 'IR', measure: 'value_added', suppressed: false }).whereIn('node', [...nodes]).count('* as n').first();
  return Number(rows?.n ?? 0) === new Set(nodes).size;
}

/** A month's computations; a publication under embargo is shown as published to the statistics office only (issue 27). */
export async function computationsOf(period: Period, k: Knex = db(), viewer: Viewer = PUBLIC): Promise<ComputationRow[]> {
  return k('index_computations as c').leftJoin('index_publications as r', (j) => { j.on('r.computation_id', 'c.id').andOn(k.raw(indexPublicationVisibleSql(viewer, 'r'))); })
    .where('c.period', period).orderBy('c.id')
    .select('c.id', 'c.period', 'c.base_year', 'c.cut_off', 'c.computed_at', 'c.first', 'c.report', 'r.id as publication_id', 'r.published_at');
}

/** Published cells of the given computations (the triangle's rows), by computation and node. */
export async function publishedCellsOf(computationIds: readonly number[], nodes: readonly string[], k: Knex = db(), viewer: Viewer = PUBLIC): Promise<Map<number, Map<string, { value: number | null; imputed_share: number | null; suppressed: boolean }>>> {
  const out = new Map<number, Map<string, { value: number | null; imputed_share: number | null; suppressed: boolean }>>();
  if (computationIds.length === 0) return out;
  const rows = await k('index_cells as x').join('index_publications as r', 'r.computation_id', 'x.computation_id')
    .whereIn('x.computation_id', [...computationIds]).whereIn('x.node', [...nodes]).where(visibleIndexPublication(viewer, 'r'))
    .select('x.computation_id', 'x.node', 'x.suppressed', k.raw('case when x.suppressed then null else x.value end as value'), k.raw('case when x.suppressed then null else x.imputed_share end as imputed_share'));
  for (const r of rows as { computation_id: number; node: string; suppressed: boolean; value: string | null; imputed_share: number | null }[]) {
    const m = out.get(r.computation_id) ?? new Map();
    m.set(r.node, { value: r.value === null ? null : Number(r.value), imputed_share: r.imputed_share, suppressed: r.suppressed });
    out.set(r.computation_id, m);
  }
  return out;
}

export type PublicationOutcome = { ok: true; publicationId: number; period: Period } | { ok: false; reason: string };

/**
 * Publishes a stored computation: from now on it is its month's published figures. A computation
 * older than the one already published for its month is refused (figures never move backwards).
 */
export async function publishComputation(computationId: number, userId: number | null, k: Knex = db()): Promise<PublicationOutcome> {
  return k.transaction(async (trx) => {
    const c = await trx('index_computations').where({ id: computationId }).first('id', 'period');
    if (!c) return { ok: false as const, reason: 'این محاسبه یافت نشد.' };
    await trx.raw('select pg_advisory_xact_lock(?)', [LOCKS.indexPublish]);
    const done = await trx('index_publications').where({ computation_id: computationId }).first('id');
    if (done) return { ok: false as const, reason: 'این محاسبه پیش‌تر نشر یافته است.' };
    const newer = await trx('index_publications').where({ period: c.period }).andWhere('computation_id', '>', computationId).first('id');
    if (newer) return { ok: false as const, reason: 'محاسبه‌ای تازه‌تر از این ماه نشر یافته است؛ نشر محاسبه قدیمی‌تر ممکن نیست.' };
    const [row] = await trx('index_publications').insert({ computation_id: computationId, period: c.period, published_by: userId }).returning('id');
    await auditInsert({ action: 'stats.index_publish', userId, target: `index_publication:${row.id}`, details: { period: c.period, computation_id: computationId } }, trx);
    return { ok: true as const, publicationId: Number(row.id), period: String(c.period) };
  });
}

export interface AdjustedPoint { nsa: number; ca: number; sa: number }
export interface PublishedAdjustment { model: StoredModel; points: Map<Period, AdjustedPoint> }

/**
 * Issue 25: the adjusted series published with the latest publication of `period` (the current
 * vintage: the whole span as adjusted with that computation), for nodes that computation does not
 * suppress.
 */
export async function publishedAdjusted(period: Period, k: Knex = db()): Promise<Map<string, PublishedAdjustment>> {
  const out = new Map<string, PublishedAdjustment>();
  const publication = await latestPublication(period, k);
  if (!publication) return out;
  const models: { node: string; model: StoredModel }[] = await k('index_adjustments as a')
    .join('index_cells as x', function () { this.on('x.computation_id', 'a.computation_id').andOn('x.node', 'a.node'); })
    .where('a.computation_id', publication.computation_id).andWhere('x.suppressed', false).select('a.node', 'a.model');
  for (const m of models) out.set(m.node, { model: m.model, points: new Map() });
  const rows: { node: string; period: Period; nsa: string; ca: string; sa: string }[] = await k('index_adjusted')
    .where({ computation_id: publication.computation_id }).whereIn('node', [...out.keys()]).orderBy(['node', 'period']).select('node', 'period', 'nsa', 'ca', 'sa');
  for (const r of rows) out.get(r.node)?.points.set(r.period, { nsa: Number(r.nsa), ca: Number(r.ca), sa: Number(r.sa) });
  return out;
}
