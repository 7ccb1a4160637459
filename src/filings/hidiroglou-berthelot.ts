// The Hidiroglou–Berthelot method (Hidiroglou & Berthelot 1986, Survey Methodology 12(1)):
// a unit's ratio of a figure now to the same figure before is compared with the ratios of its
// peers, centred on their median and weighted by size so that a small unit's large swing counts
// less than a large unit's. docs/verification.md has the formulas; the queue's score computes the
// same in SQL (src/verifications/score.ts), and a test checks that the two agree.
//
//   r   = current / previous                      s = 1 − r_med / r  (r < r_med)
//                                                     r / r_med − 1  (r ≥ r_med)
//   E   = s × max(current, previous)^U
//   outside when E < E_med − C·d_low or E > E_med + C·d_high,
//   d_low = max(E_med − E_Q1, A·size_med), d_high = max(E_Q3 − E_med, A·size_med)
//
// The floor A·size_med (the textbook uses A·|E_med|, which is ≈ 0 whenever peers barely change)
// keeps a class whose units all report the same ratio from flagging every 1 % difference.

export const HB = { U: 0.5, A: 0.05, C: 4, MIN_PEERS: 5 } as const;

export interface HbFit { rMed: number; eMed: number; dLow: number; dHigh: number; n: number }

/** The quantile of sorted values by linear interpolation: PostgreSQL's percentile_cont. */
export function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

export function hbEffect(rMed: number, current: number, previous: number): number {
  const r = current / previous;
  const s = r < rMed ? 1 - rMed / r : r / rMed - 1;
  return s * Math.max(current, previous) ** HB.U;
}

/** The peers' fit from their (current, previous) pairs; null with fewer than MIN_PEERS usable pairs. */
export function hbFit(pairs: [current: number, previous: number][]): HbFit | null {
  const usable = pairs.filter(([c, p]) => c > 0 && p > 0);
  if (usable.length < HB.MIN_PEERS) return null;
  const rMed = quantile(sorted(usable.map(([c, p]) => c / p)), 0.5);
  const e = sorted(usable.map(([c, p]) => hbEffect(rMed, c, p)));
  const eMed = quantile(e, 0.5);
  const floor = HB.A * quantile(sorted(usable.map(([c, p]) => Math.max(c, p) ** HB.U)), 0.5);
  return { rMed, eMed, dLow: Math.max(eMed - quantile(e, 0.25), floor), dHigh: Math.max(quantile(e, 0.75) - eMed, floor), n: usable.length };
}

/** How far outside the peers a unit is, in units of C quartile distances: ≤ 1 is inside. */
export function hbDistance(fit: HbFit, current: number, previous: number): number {
  const e = hbEffect(fit.rMed, current, previous);
  return e >= fit.eMed ? (e - fit.eMed) / (HB.C * fit.dHigh) : (fit.eMed - e) / (HB.C * fit.dLow);
}

/**
 * The current values a unit with `previous` could report and stay inside its peers' bounds. E
 * grows with the current value (for a fixed previous one), so each bound is found by bisection.
 */
export function hbRange(fit: HbFit, previous: number): [number, number] {
  const solve = (target: number): number => {
    let lo = previous * 1e-6;
    let hi = previous * 1e6;
    for (let i = 0; i < 200; i++) {
      const mid = Math.sqrt(lo * hi);
      if (hbEffect(fit.rMed, mid, previous) < target) lo = mid;
      else hi = mid;
    }
    return Math.sqrt(lo * hi);
  };
  return [solve(fit.eMed - HB.C * fit.dLow), solve(fit.eMed + HB.C * fit.dHigh)];
}
