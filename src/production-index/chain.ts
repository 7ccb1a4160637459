import { splitPeriod, type Period } from '../calendar.ts';

// Issue 25 §2: a chain-linked Laspeyres index with annually updated weights, linked at the annual
// overlap (IRIIP 2010 §5, IMF QNA manual ch. 6), and the additive contributions of its components
// to its month-on-month growth (Ribarsky's formula for annually chained Laspeyres indices).
//
// Inputs: each component k's own index I_k(t) (any base: only its ratios to its annual average
// are used) and each year's weights w_k(y) (value added of year y, used for the months of y + 1;
// the base year B's own months use w(B)). For a month t of year y > B:
//   L_y(t) = Σ_k s_k(y−1) · I_k(t) ÷ Ī_k(y−1),  s = w normalised, Ī = the annual average,
//   C(t) = L_y(t) · C̄(y−1),  C̄ the annual average of C; and C(t) = 100 · L_B(t) in B, with Ī over B.
// Without a change of weights this is the fixed-base Laspeyres index.

export type Series = ReadonlyMap<Period, number>;

const yearOf = (p: Period) => splitPeriod(p).jy;
const monthsOf = (y: number): Period[] => Array.from({ length: 12 }, (_, i) => `${y}-${String(i + 1).padStart(2, '0')}`);

function annualMean(s: Series, y: number): number {
  const v = monthsOf(y).map((p) => s.get(p));
  if (v.some((x) => x === undefined)) throw new Error(`chain-linking needs every month of ${y}`);
  return (v as number[]).reduce((a, b) => a + b, 0) / 12;
}

function shares(w: ReadonlyMap<string, number> | undefined, y: number): Map<string, number> {
  if (!w) throw new Error(`no weights for ${y}`);
  const total = [...w.values()].reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new Error(`weights of ${y} sum to zero`);
  return new Map([...w].map(([k, v]) => [k, v / total]));
}

export interface Chained { index: Map<Period, number>; links: Map<Period, number> }

/** The chain-linked index of `periods` (from the base year's Farvardin on). */
export function chainLink(components: ReadonlyMap<string, Series>, weights: ReadonlyMap<number, ReadonlyMap<string, number>>, baseYear: number, periods: readonly Period[]): Chained {
  const index = new Map<Period, number>();
  const links = new Map<Period, number>();
  const meanOfChain = new Map<number, number>();
  const link = (t: Period, y: number) => {
    const ref = y === baseYear ? baseYear : y - 1;
    const s = shares(weights.get(ref), ref);
    let l = 0;
    for (const [k, share] of s) {
      const c = components.get(k);
      const v = c?.get(t);
      if (!c || v === undefined) throw new Error(`no index of ${k} in ${t}`);
      l += (share * v) / annualMean(c, ref);
    }
    return l;
  };
  for (const t of [...periods].sort()) {
    const y = yearOf(t);
    if (y < baseYear) throw new Error('chain-linking starts in the base year');
    const l = link(t, y);
    links.set(t, l);
    if (y === baseYear) { index.set(t, 100 * l); continue; }
    let prev = meanOfChain.get(y - 1);
    if (prev === undefined) {
      const v = monthsOf(y - 1).map((p) => index.get(p));
      if (v.some((x) => x === undefined)) throw new Error(`chain-linking needs every month of ${y - 1}`);
      prev = (v as number[]).reduce((a, b) => a + b, 0) / 12;
      meanOfChain.set(y - 1, prev);
    }
    index.set(t, l * prev);
  }
  return { index, links };
}

/**
 * Each component's contribution to C(t) ÷ C(t−1) − 1 (they add up to it exactly). Within a year
 * s_k(y−1) (I_k(t) − I_k(t−1)) ÷ Ī_k(y−1) ÷ L_y(t−1); across the link (t in Farvardin):
 * [L̄(y−1) s_k(y−1) (I_k(t) ÷ Ī_k(y−1) − 1) + s_k(y−2) (Ī_k(y−1) − I_k(t−1)) ÷ Ī_k(y−2)] ÷ L_{y−1}(t−1).
 */
export function contributions(components: ReadonlyMap<string, Series>, weights: ReadonlyMap<number, ReadonlyMap<string, number>>, baseYear: number, t: Period, previous: Period): Map<string, number> {
  const y = yearOf(t);
  const out = new Map<string, number>();
  const ref = (year: number) => (year === baseYear ? baseYear : year - 1);
  const linkOf = (p: Period) => {
    const yr = yearOf(p);
    const s = shares(weights.get(ref(yr)), ref(yr));
    return [...s].reduce((a, [k, share]) => a + (share * components.get(k)!.get(p)!) / annualMean(components.get(k)!, ref(yr)), 0);
  };
  if (yearOf(previous) === y || y === baseYear) {
    const s = shares(weights.get(ref(y)), ref(y));
    const lPrev = linkOf(previous);
    for (const [k, share] of s) {
      const c = components.get(k)!;
      out.set(k, (share * (c.get(t)! - c.get(previous)!)) / annualMean(c, ref(y)) / lPrev);
    }
    return out;
  }
  // Across the annual link.
  const sNow = shares(weights.get(ref(y)), ref(y));
  const sBefore = shares(weights.get(ref(y - 1)), ref(y - 1));
  const lBar = monthsOf(y - 1).reduce((a, p) => a + linkOf(p), 0) / 12;
  const lPrev = linkOf(previous);
  for (const k of new Set([...sNow.keys(), ...sBefore.keys()])) {
    const c = components.get(k)!;
    const now = sNow.get(k) ?? 0;
    const before = sBefore.get(k) ?? 0;
    const a = now ? lBar * now * (c.get(t)! / annualMean(c, ref(y)) - 1) : 0;
    const b = before ? (before * (annualMean(c, y - 1) - c.get(previous)!)) / annualMean(c, ref(y - 1)) : 0;
    out.set(k, (a + b) / lPrev);
  }
  return out;
}

/**
 * One component's contribution to the month-on-month growth of a fixed-base Laspeyres aggregate
 * (the case of `contributions` without a change of weights): share × (I_k(t) − I_k(t−1)) ÷ I(t−1),
 * with the share of the aggregate's base-year value added; additive over the components.
 */
export const fixedBaseContribution = (share: number, now: number, before: number, aggregateBefore: number): number => (share * (now - before)) / aggregateBefore;
