import type { Knex } from 'knex';
import { periodOfParts, splitPeriod, type Period } from '../calendar.ts';
import { isicNodesOf } from '../stats/releases/cube.ts';
import type { IndexNode } from './node.ts';

// Issue 25 §2, wired into the monthly computation: the chain-linked Laspeyres index of chain.ts
// with class weights updated every year and linked at the annual overlap. For a month t of year y:
//
//   ref(y) = B for y ≤ B + 1 (the base year's own months and the next year use B's value added;
//            the base year is 100 by the definition of its base quantities), y − 1 after;
//   link    L_N(t) = Σ_{k∈N} W_k(ref) · I_k(t) ÷ Ī_k(ref) ÷ Σ_{k∈N} W_k(ref),
//   chained C_N(t) = L_N(t) · C̄_N(ref),
//
// with I_k the class's own index (its products' weights are fixed at the product base year B,
// docs/index.md), Ī_k(ref) and C̄_N(ref) the annual means of the stored class and node values of
// ref's twelve months (Ī = C̄ = 100 for ref = B). Within one ref year the link is additive in
// weighted volumes — W_k × a unit's term ÷ Ī_k(ref) — and that is what the protection is given
// (protection.ts): a published chained value is its link × a constant of its node.
//
// The product base B moves too (at least every five years): the series of the new base is linked
// to the old one at the same annual overlap, the year B itself. For ref = B, when months of B were
// computed on an earlier product base, C̄_N(B) is the old series' annual mean over B, and each
// class's own index on the new base (100 on average over B by definition of its base quantities)
// is carried at the old series' level: I_k × f_k with f_k = C̄_k^old(B) ÷ 100 (1 for a class the
// old series did not have: it starts from 100, like a node new since ref). f_k multiplies every
// term of the new base, so later years link exactly as before.

/** The year whose value added weights (and whose annual means link) the months of `year`. */
export const referenceYear = (year: number, baseYear: number): number => (year <= baseYear + 1 ? baseYear : year - 1);

export interface ChainBasis {
  year: number; // ref
  weights: Map<string, number>; // W_k(ref)
  classMeans: Map<string, number> | null; // Ī_k(ref) ÷ 100 per class; null: every class 1 (ref = B)
  nodeMeans: Map<string, number> | null; // C̄_N(ref); null: every node 100
  /** f_k: each class's level in the previous product base's series over B ÷ 100; null: B is the first product base. */
  productLink?: Map<string, number> | null;
}

export type BasisOutcome = { ok: true; basis: ChainBasis } | { ok: false; reason: string };

/**
 * The computation each month's figures are taken from: the latest published, else the latest made;
 * of one product base, or (`baseYear` null) of any, as the published figures are.
 */
export async function chosenComputations(from: Period, to: Period, baseYear: number | null, k: Knex): Promise<Map<Period, number>> {
  const { rows } = await k.raw(
    `select distinct on (c.period) c.period, c.id from index_computations c
       left join index_publications p on p.computation_id = c.id
      where c.period between ? and ? and (c.base_year = ? or ?::integer is null)
      order by c.period, (p.id is not null) desc, c.id desc`,
    [from, to, baseYear, baseYear],
  ) as { rows: { period: Period; id: number }[] };
  return new Map(rows.map((r) => [r.period, Number(r.id)]));
}

/** Stored cell values of the given computations: computation → node → value. */
export async function storedValues(ids: readonly number[], k: Knex): Promise<Map<number, Map<string, number>>> {
  const out = new Map<number, Map<string, number>>();
  if (ids.length === 0) return out;
  const rows: { computation_id: number; node: string; value: string | number | null }[] = await k('index_cells').whereIn('computation_id', [...ids]).select('computation_id', 'node', 'value');
  for (const r of rows) {
    if (r.value === null) continue;
    const m = out.get(Number(r.computation_id)) ?? new Map<string, number>();
    m.set(r.node, Number(r.value));
    out.set(Number(r.computation_id), m);
  }
  return out;
}

/**
 * The weights and annual means that link the months of a year to `ref`. For ref > B every month of
 * ref must have been computed (its latest published computation, else its latest): otherwise the
 * computation is refused, naming the months.
 */
export async function chainBasis(ref: number, baseYear: number, weightsOf: (year: number) => Promise<Map<string, number>>, k: Knex): Promise<BasisOutcome> {
  const weights = await weightsOf(ref);
  const link = await productBaseLink(baseYear, k);
  if (!link.ok) return link;
  if (ref === baseYear) {
    if (link.means === null) return { ok: true, basis: { year: ref, weights, classMeans: null, nodeMeans: null, productLink: null } };
    // Linked at B to the previous product base's series: its annual means over B.
    const productLink = classLinks(link.means, weights.keys());
    return { ok: true, basis: { year: ref, weights, classMeans: productLink, nodeMeans: link.means, productLink } };
  }
  const means = await annualMeans(ref, baseYear, k);
  if (!means.ok) return means;
  const nodeMeans = means.means;
  const classMeans = new Map<string, number>();
  for (const [node, mean] of nodeMeans) if (node.length === 4 && /^\d+$/.test(node) && mean > 0) classMeans.set(node, mean / 100);
  return { ok: true, basis: { year: ref, weights, classMeans, nodeMeans, productLink: link.means === null ? null : classLinks(link.means, weights.keys()) } };
}

/** f_k = C̄_k^old(B) ÷ 100 for each class (1 for a class the old series did not have). */
function classLinks(oldMeans: ReadonlyMap<string, number>, classes: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const k of classes) {
    const mean = oldMeans.get(k);
    out.set(k, mean !== undefined && mean > 0 ? mean / 100 : 1);
  }
  return out;
}

/**
 * The annual means over the product base year B of the series of the product base before it (the
 * latest base of B's months' computations before B), or null when no month of B was computed on an
 * earlier base: B is then the first product base and the series starts at 100.
 */
export async function productBaseLink(baseYear: number, k: Knex): Promise<{ ok: true; means: Map<string, number> | null } | { ok: false; reason: string }> {
  const row = await k('index_computations').whereBetween('period', [periodOfParts(baseYear, 1), periodOfParts(baseYear, 12)]).where('base_year', '<', baseYear).max('base_year as base').first();
  if (row?.base === null || row?.base === undefined) return { ok: true, means: null };
  const means = await annualMeans(baseYear, Number(row.base), k);
  return means.ok ? { ok: true, means: means.means } : means;
}

/** Each node's mean over the twelve months of `year` of the series of product base `baseYear` (nodes present in every month only). */
async function annualMeans(year: number, baseYear: number, k: Knex): Promise<{ ok: true; means: Map<string, number> } | { ok: false; reason: string }> {
  const months = Array.from({ length: 12 }, (_, i) => periodOfParts(year, i + 1));
  const chosen = await chosenComputations(months[0], months[11], baseYear, k);
  const missing = months.filter((m) => !chosen.has(m));
  if (missing.length) {
    return { ok: false, reason: `شاخص زنجیره‌ای هر ماه به میانگین سال ${year} پیوند می‌خورد؛ نخست شاخص این ماه‌های آن سال را محاسبه کنید: ${missing.join('، ')}.` };
  }
  const values = await storedValues([...chosen.values()], k);
  const sums = new Map<string, { sum: number; n: number }>();
  for (const m of months) {
    for (const [node, v] of values.get(chosen.get(m)!) ?? []) {
      const s = sums.get(node) ?? { sum: 0, n: 0 };
      s.sum += v;
      s.n++;
      sums.set(node, s);
    }
  }
  const means = new Map<string, number>();
  for (const [node, s] of sums) if (s.n === 12) means.set(node, s.sum / 12); // a node missing from a month is not linked
  return { ok: true, means };
}

/** Whether class `k` can be linked to `basis` (it has a positive annual mean in ref, or ref = B). */
export const linkable = (basis: ChainBasis, k: string): boolean => basis.classMeans === null || (basis.classMeans.get(k) ?? 0) > 0;

/** Units' terms relative to their class's ref annual mean: the link-year additive volumes. */
export function linkTerms<T extends { isic_class: string; term: number }>(rows: readonly T[], basis: ChainBasis): T[] {
  if (basis.classMeans === null) return [...rows];
  const means = basis.classMeans;
  const link = basis.productLink ?? null;
  return rows.map((r) => ({ ...r, term: (r.term * (link?.get(r.isic_class) ?? 1)) / (means.get(r.isic_class) ?? 1) }));
}

/**
 * The chained values: each node's link (aggregate's value, ×100) times its ref annual mean ÷ 100.
 * Each cell keeps that mean (`refMean`, stored as index_cells.ref_mean): with the weight shares it
 * is what its contributions to growth are made of (contributionsBetween).
 */
export function chainCells(cells: IndexNode[], basis: ChainBasis): void {
  for (const c of cells) {
    const mean = basis.nodeMeans?.get(c.node) ?? 100; // a node new since ref starts from 100
    c.refMean = mean;
    if (basis.nodeMeans !== null) c.value = Math.round(c.value * mean * 100) / 10_000;
  }
}

const yearOf = (p: Period) => splitPeriod(p).jy;

/** What a month's contributions are made of, per class and for 'T': its stored chained value, ref annual mean and weight share. */
export interface LinkedMonth {
  /** The product base and the reference year: two months with both the same share one basis. */
  baseYear: number;
  weightYear: number;
  cells: ReadonlyMap<string, { value: number; refMean: number; weightShare: number }>;
}

/**
 * Each node's contribution to the nation's growth C_T(t) ÷ C_T(t−1) − 1, in the form that adds up
 * (Ribarsky's, as chain.ts), from the two months' stored figures. A class's chained value is
 * C_T ≈ Σ a_k C_k with a_k = s_k C̄_T(ref) ÷ C̄_k(ref) (s its weight share, C̄ the ref means); per
 * class, within one basis (same ref year and product base)
 *   a_k (C_k(t) − C_k(t−1)) ÷ C_T(t−1),
 * across a link (a new ref year, or a new product base linked at its base year)
 *   [a_k(t) (C_k(t) − C̄_k(ref)) + a_k(t−1) (C̄_k(ref) − C_k(t−1))] ÷ C_T(t−1),
 * with a_k(t−1) the coefficient t − 1 was computed with, so the sum is C_T(t) − C̄_T(ref) +
 * C̄_T(ref) − C_T(t−1) over C_T(t−1). A node's contribution is the sum of its classes'. Only
 * classes in both months count. Made from stored levels, it follows a later revision of t − 1.
 */
export function contributionsBetween(now: LinkedMonth, before: LinkedMonth): Map<string, number> {
  const out = new Map<string, number>();
  const totalBefore = before.cells.get('T')?.value;
  const totalNow = now.cells.get('T');
  const totalThen = before.cells.get('T');
  if (!totalBefore || !totalNow || !totalThen) return out;
  const crossing = now.baseYear !== before.baseYear || now.weightYear !== before.weightYear;
  for (const [k, c] of now.cells) {
    if (!/^\d{4}$/.test(k)) continue;
    const b = before.cells.get(k);
    if (b === undefined) continue;
    const a = (c.weightShare * totalNow.refMean) / c.refMean;
    const value = crossing
      ? (a * (c.value - c.refMean) + ((b.weightShare * totalThen.refMean) / b.refMean) * (c.refMean - b.value)) / totalBefore
      : (a * (c.value - b.value)) / totalBefore;
    for (const node of isicNodesOf(k)) out.set(node, (out.get(node) ?? 0) + value);
  }
  return out;
}

/** Stored figures of the given computations as contributionsBetween reads them (computations stored before ref_mean existed are left out). */
export async function linkedMonths(ids: readonly number[], k: Knex): Promise<Map<number, LinkedMonth>> {
  const out = new Map<number, LinkedMonth>();
  if (ids.length === 0) return out;
  const rows: { id: number; base_year: number; weight_year: number | null; node: string; value: string | number; ref_mean: string | number | null; weight_share: string | number }[] = await k('index_cells as x')
    .join('index_computations as c', 'c.id', 'x.computation_id')
    .whereIn('x.computation_id', [...new Set(ids)]).where((q) => q.where('x.level', 'class').orWhere('x.node', 'T'))
    .select('c.id', 'c.base_year', 'c.weight_year', 'x.node', 'x.value', 'x.ref_mean', 'x.weight_share');
  const broken = new Set<number>();
  const cells = new Map<number, Map<string, { value: number; refMean: number; weightShare: number }>>();
  for (const r of rows) {
    const id = Number(r.id);
    if (r.ref_mean === null) { broken.add(id); continue; }
    if (!out.has(id)) out.set(id, { baseYear: Number(r.base_year), weightYear: Number(r.weight_year ?? r.base_year), cells: new Map() });
    const m = cells.get(id) ?? new Map();
    m.set(r.node, { value: Number(r.value), refMean: Number(r.ref_mean), weightShare: Number(r.weight_share) });
    cells.set(id, m);
  }
  for (const [id, month] of out) {
    if (broken.has(id)) out.delete(id);
    else out.set(id, { ...month, cells: cells.get(id)! });
  }
  return out;
}

/** The reference year of month `p`'s weights. */
export const referenceOf = (p: Period, baseYear: number): number => referenceYear(yearOf(p), baseYear);
