import { ols } from './linalg.ts';
import { chi2TwoUpperTail, fUpperTail } from './distributions.ts';

// The residual-seasonality tests run on a seasonally adjusted series (as JDemetra+ and X-13 do), on
// its month-on-month log changes: the QS test (Ljung–Box on lags 12 and 24, negative
// autocorrelations counted as 0; χ²(2) p-value) and the F-test of 11 seasonal dummies. Residual
// seasonality is reported at the 1 % level.

export const RESIDUAL_SEASONALITY_LEVEL = 0.01;

export interface SeasonalityTest { statistic: number; pValue: number; df?: [number, number] }

export function autocorrelation(x: readonly number[], lag: number): number {
  const n = x.length;
  const mean = x.reduce((s, v) => s + v, 0) / n;
  let num = 0;
  let den = 0;
  for (let t = 0; t < n; t++) den += (x[t] - mean) ** 2;
  for (let t = 0; t + lag < n; t++) num += (x[t] - mean) * (x[t + lag] - mean);
  return den > 0 ? num / den : 0;
}

export function qsTest(x: readonly number[]): SeasonalityTest {
  const n = x.length;
  let qs = 0;
  for (const k of [12, 24]) {
    if (k >= n) continue;
    const r = Math.max(0, autocorrelation(x, k));
    qs += (r * r) / (n - k);
  }
  qs *= n * (n + 2);
  return { statistic: qs, pValue: chi2TwoUpperTail(qs) };
}

/** F-test of seasonal dummies on x, whose first value falls in calendar month `firstMonth` (1–12). */
export function seasonalFTest(x: readonly number[], firstMonth: number): SeasonalityTest {
  const n = x.length;
  const constant = new Array(n).fill(1);
  const dummies = Array.from({ length: 11 }, (_, m) => x.map((_, t) => (((firstMonth - 1 + t) % 12) === m + 1 ? 1 : 0)));
  const full = ols(x, [constant, ...dummies]);
  const restricted = ols(x, [constant]);
  if (!full || !restricted || n <= 12) return { statistic: 0, pValue: 1, df: [11, Math.max(0, n - 12)] };
  const f = ((restricted.ssr - full.ssr) / 11) / (full.ssr / (n - 12));
  return { statistic: f, pValue: fUpperTail(f, 11, n - 12), df: [11, n - 12] };
}

export const logChanges = (x: readonly number[]): number[] => x.slice(1).map((v, i) => Math.log(v) - Math.log(x[i]));
