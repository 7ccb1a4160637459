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

/** The year whose value added weights (and whose annual means link) the months of `year`. */
export const referenceYear = (year: number, baseYear: number): number => (year <= baseYear + 1 ? baseYear : year - 1);

export interface ChainBasis {
  year: number; // ref
  weights: Map<string, number>; // W_k(ref)
  classMeans: Map<string, number> | null; // Ī_k(ref) ÷ 100 per class; null: every class 1 (ref = B)
  nodeMeans: Map<string, number> | null; // C̄_N(ref); null: every node 100
}

export type BasisOutcome = { ok: true; basis: ChainBasis } | { ok: false; reason: string };

/** The computation each month's figures are taken from: the latest published, else the latest made. */
export async function chosenComputations(from: Period, to: Period, baseYear: number, k: Knex): Promise<Map<Period, number>> {
  const { rows } = await k.raw(
    `select distinct on (c.period) c.period, c.id from index_computations c
       left join index_publications p on p.computation_id = c.id
      where c.period between ? and ? and c.base_year = ?
      order by c.period, (p.id is not null) desc, c.id desc`,
    [from, to, baseYear],
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
  if (ref === baseYear) return { ok: true, basis: { year: ref, weights, classMeans: null, nodeMeans: null } };
  const months = Array.from({ length: 12 }, (_, i) => periodOfParts(ref, i + 1));
  const chosen = await chosenComputations(months[0], months[11], baseYear, k);
  const missing = months.filter((m) => !chosen.has(m));
  if (missing.length) {
    return { ok: false, reason: `شاخص زنجیره‌ای هر ماه به میانگین سال ${ref} پیوند می‌خورد؛ نخست شاخص این ماه‌های آن سال را محاسبه کنید: ${missing.join('، ')}.` };
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
  const nodeMeans = new Map<string, number>();
  const classMeans = new Map<string, number>();
  for (const [node, s] of sums) {
    if (s.n !== 12) continue; // a node missing from a month of ref is not linked
    nodeMeans.set(node, s.sum / 12);
    if (node.length === 4 && /^\d+$/.test(node) && s.sum > 0) classMeans.set(node, s.sum / 12 / 100);
  }
  return { ok: true, basis: { year: ref, weights, classMeans, nodeMeans } };
}

/** Whether class `k` can be linked to `basis` (it has a positive annual mean in ref, or ref = B). */
export const linkable = (basis: ChainBasis, k: string): boolean => basis.classMeans === null || (basis.classMeans.get(k) ?? 0) > 0;

/** Units' terms relative to their class's ref annual mean: the link-year additive volumes. */
export function linkTerms<T extends { isic_class: string; term: number }>(rows: readonly T[], basis: ChainBasis): T[] {
  if (basis.classMeans === null) return [...rows];
  const means = basis.classMeans;
  return rows.map((r) => ({ ...r, term: r.term / (means.get(r.isic_class) ?? 1) }));
}

/** The chained values: each node's link (aggregate's value, ×100) times its ref annual mean ÷ 100. */
export function chainCells(cells: IndexNode[], basis: ChainBasis): void {
  if (basis.nodeMeans === null) return;
  for (const c of cells) {
    const mean = basis.nodeMeans.get(c.node) ?? 100; // a node new since ref starts from 100
    c.value = Math.round(c.value * mean * 100) / 10_000;
  }
}

const yearOf = (p: Period) => splitPeriod(p).jy;

export interface ContributionInput {
  /** This computation's class values C_k(t) (= 100 × the class's volume) and the nation's C_T(t). */
  now: ReadonlyMap<string, number>;
  /** The previous month's stored values (its latest published computation, else its latest). */
  before: ReadonlyMap<string, number>;
  basis: ChainBasis; // ref(y)
  previousBasis: ChainBasis; // ref(year of t − 1): the same unless t is the first month of a linked year
}

/**
 * Each node's contribution to the nation's growth C_T(t) ÷ C_T(t−1) − 1, in the form that adds up
 * (Ribarsky's, as chain.ts): per class k, within one ref year
 *   s_k (C_k(t) − C_k(t−1)) ÷ C̄_k(ref) × C̄_T(ref) ÷ C_T(t−1);
 * across the link (t the first month of y, t − 1 in y − 1 linked to ref′)
 *   [C̄_T(ref) s_k(ref) (C_k(t) ÷ C̄_k(ref) − 1) + C̄_T(ref′) s_k(ref′) (C̄_k(ref) − C_k(t−1)) ÷ C̄_k(ref′)] ÷ C_T(t−1);
 * a node's contribution is the sum of its classes'. Only classes in both months' computations count.
 */
export function contributionsOf(input: ContributionInput): Map<string, number> {
  const out = new Map<string, number>();
  const totalBefore = input.before.get('T');
  if (!totalBefore) return out;
  const mean = (b: ChainBasis, node: string) => (node === 'T' || !/^\d{4}$/.test(node) ? (b.nodeMeans?.get(node) ?? 100) : 100 * (b.classMeans?.get(node) ?? 1));
  const shares = (b: ChainBasis) => {
    const total = [...b.weights].filter(([k]) => linkable(b, k) && input.now.has(k)).reduce((s, [, w]) => s + w, 0);
    return (k: string) => (total > 0 && linkable(b, k) ? (b.weights.get(k) ?? 0) / total : 0);
  };
  const s = shares(input.basis);
  const crossing = input.basis.year !== input.previousBasis.year;
  const sPrev = shares(input.previousBasis);
  for (const [k, now] of input.now) {
    if (!/^\d{4}$/.test(k)) continue;
    const before = input.before.get(k);
    if (before === undefined) continue;
    const c = crossing
      ? (mean(input.basis, 'T') * s(k) * (now / mean(input.basis, k) - 1) + mean(input.previousBasis, 'T') * sPrev(k) * (mean(input.basis, k) - before) / mean(input.previousBasis, k)) / totalBefore
      : (s(k) * (now - before) / mean(input.basis, k) * mean(input.basis, 'T')) / totalBefore;
    for (const node of isicNodesOf(k)) out.set(node, (out.get(node) ?? 0) + c);
  }
  return out;
}

/** The reference year of month `p`'s weights. */
export const referenceOf = (p: Period, baseYear: number): number => referenceYear(yearOf(p), baseYear);
