import { ols } from './linalg.ts';

// The RegARIMA step (as TRAMO and X-13's regARIMA, simplified; docs/index.md): the log series is a
// regression on calendar regressors and additive outliers whose errors follow the airline model
// (0,1,1)(0,1,1)12: ∇∇₁₂ u_t = (1 − θB)(1 − ΘB¹²) a_t. For given (θ, Θ) the differenced series and
// regressors are filtered by the inverse MA polynomial (conditional on zero pre-sample shocks), so
// β is a least-squares fit and the sum of squares is concentrated in (θ, Θ): conditional sum of
// squares, minimised on a grid and refined. Additive outliers are found by forward addition of
// the largest |t| above the critical value and backward deletion; calendar regressors whose |t|
// stays below 1.96 are dropped one at a time (least significant first).

export interface Regressor { name: string; values: readonly number[] }

export interface RegressionTerm { name: string; kind: 'calendar' | 'outlier'; at: number | null; beta: number; se: number; t: number }

export interface RegArimaFit {
  theta: number;
  seasonalTheta: number;
  terms: RegressionTerm[];
  sigma2: number;
  ssr: number;
  effective: number; // months after differencing
  /** Σ β x of the kept calendar regressors, and of the outliers, per month (log scale). */
  calendarEffect: number[];
  outlierEffect: number[];
  criticalValue: number;
}

export interface RegArimaOptions { criticalValue?: number; maxOutliers?: number; calendarT?: number }

/** The outlier critical value for a series of n months: 3.5 up to 10 years, 4 beyond (TRAMO's defaults rounded; a setting of the call). */
export const outlierCriticalValue = (n: number): number => (n <= 120 ? 3.5 : 4);

const S = 12;

function difference(x: readonly number[]): number[] {
  const out: number[] = [];
  for (let t = S + 1; t < x.length; t++) out.push(x[t] - x[t - 1] - x[t - S] + x[t - S - 1]);
  return out;
}

function maFilter(w: readonly number[], theta: number, big: number): number[] {
  const a = new Array<number>(w.length).fill(0);
  for (let t = 0; t < w.length; t++) {
    a[t] = w[t] + (t >= 1 ? theta * a[t - 1] : 0) + (t >= S ? big * a[t - S] : 0) - (t >= S + 1 ? theta * big * a[t - S - 1] : 0);
  }
  return a;
}

interface Design { name: string; kind: 'calendar' | 'outlier'; at: number | null; values: number[]; diff: number[] }

const aoColumn = (n: number, at: number): number[] => Array.from({ length: n }, (_, t) => (t === at ? 1 : 0));

function fitGiven(wy: readonly number[], design: readonly Design[], theta: number, big: number) {
  const fy = maFilter(wy, theta, big);
  const fx = design.map((d) => maFilter(d.diff, theta, big));
  return { fit: ols(fy, fx), fx, fy };
}

const MA_BOUND = 0.95;

/** (θ, Θ) minimising the conditional sum of squares: a grid of step 0.1 (or around `from`), refined to 0.005. */
function estimateMa(wy: readonly number[], design: readonly Design[], from?: { theta: number; big: number }): { theta: number; big: number } {
  let best = { theta: 0, big: 0, ssr: Infinity };
  const tryAt = (theta: number, big: number) => {
    if (Math.abs(theta) > MA_BOUND || Math.abs(big) > MA_BOUND) return;
    const { fit } = fitGiven(wy, design, theta, big);
    if (fit && fit.ssr < best.ssr) best = { theta, big, ssr: fit.ssr };
  };
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  if (from) {
    for (let i = -2; i <= 2; i++) for (let j = -2; j <= 2; j++) tryAt(round(from.theta + i / 10), round(from.big + j / 10));
  } else {
    for (let i = -9; i <= 9; i++) for (let j = -9; j <= 9; j++) tryAt(i / 10, j / 10);
  }
  for (const step of [0.02, 0.005]) {
    const c = { ...best };
    for (let i = -5; i <= 5; i++) for (let j = -5; j <= 5; j++) tryAt(round(c.theta + i * step), round(c.big + j * step));
  }
  return { theta: best.theta, big: best.big };
}

function terms(wy: readonly number[], design: readonly Design[], theta: number, big: number) {
  const { fit, fx, fy } = fitGiven(wy, design, theta, big);
  if (!fit) return null;
  const dof = Math.max(1, fy.length - design.length - 2);
  const sigma2 = fit.ssr / dof;
  const out = design.map((d, i) => {
    const se = Math.sqrt(Math.max(0, fit.inverse[i][i]) * sigma2);
    return { name: d.name, kind: d.kind, at: d.at, beta: fit.beta[i], se, t: se > 0 ? fit.beta[i] / se : 0 };
  });
  return { terms: out, sigma2, ssr: fit.ssr, fx, fy };
}

/** Fits the model to the log series `z` (at least 3 years of months) with the given calendar regressors. */
export function regArima(z: readonly number[], regressors: readonly Regressor[], opts: RegArimaOptions = {}): RegArimaFit {
  const n = z.length;
  if (n < 3 * S) throw new Error('RegARIMA: needs at least three years of months');
  const cv = opts.criticalValue ?? outlierCriticalValue(n);
  const maxOutliers = opts.maxOutliers ?? Math.max(1, Math.floor(n / 20));
  const calendarT = opts.calendarT ?? 1.96;
  const wy = difference(z);
  let design: Design[] = regressors
    .map((r) => ({ name: r.name, kind: 'calendar' as const, at: null, values: [...r.values], diff: difference(r.values) }))
    .filter((d) => d.diff.some((v) => Math.abs(v) > 1e-12));
  let ma = estimateMa(wy, design);
  // Forward addition of additive outliers: with (θ, Θ) fixed, each month's outlier column is
  // filtered alone and fitted beside the already filtered design; the largest |t| enters.
  for (let round = 0; round < maxOutliers; round++) {
    const taken = new Set(design.filter((d) => d.kind === 'outlier').map((d) => d.at));
    const fy = maFilter(wy, ma.theta, ma.big);
    const fx = design.map((d) => maFilter(d.diff, ma.theta, ma.big));
    let best: { at: number; t: number } | null = null;
    for (let at = 0; at < n; at++) {
      if (taken.has(at)) continue;
      const column = maFilter(difference(aoColumn(n, at)), ma.theta, ma.big);
      const fit = ols(fy, [...fx, column]);
      if (!fit) continue;
      const k = fx.length;
      const se = Math.sqrt(Math.max(0, fit.inverse[k][k]) * (fit.ssr / Math.max(1, fy.length - k - 3)));
      const t = se > 0 ? Math.abs(fit.beta[k] / se) : 0;
      if (!best || t > best.t) best = { at, t };
    }
    if (!best || best.t < cv) break;
    const values = aoColumn(n, best.at);
    design = [...design, { name: 'AO', kind: 'outlier', at: best.at, values, diff: difference(values) }];
    ma = estimateMa(wy, design, ma);
  }
  // Backward deletion: outliers below the critical value, then insignificant calendar regressors.
  for (;;) {
    const r = terms(wy, design, ma.theta, ma.big);
    if (!r) { design = design.slice(0, -1); continue; }
    const weakest = r.terms
      .map((term, i) => ({ i, t: Math.abs(term.t), limit: term.kind === 'outlier' ? cv : calendarT }))
      .filter((x) => x.t < x.limit)
      .sort((a, b) => a.t / a.limit - b.t / b.limit)[0];
    if (!weakest) break;
    design = design.filter((_, i) => i !== weakest.i);
    ma = estimateMa(wy, design, ma);
  }
  const r = terms(wy, design, ma.theta, ma.big)!;
  const effect = (kind: 'calendar' | 'outlier') => Array.from({ length: n }, (_, t) => design.reduce((s, d, i) => (d.kind === kind ? s + r.terms[i].beta * d.values[t] : s), 0));
  return {
    theta: ma.theta, seasonalTheta: ma.big, terms: r.terms.map((t) => ({ ...t, name: t.kind === 'outlier' ? `AO${t.at}` : t.name })),
    sigma2: r.sigma2, ssr: r.ssr, effective: wy.length, calendarEffect: effect('calendar'), outlierEffect: effect('outlier'), criticalValue: cv,
  };
}
