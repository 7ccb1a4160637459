// STL, the seasonal-trend decomposition by loess of Cleveland, Cleveland, McRae & Terpenning
// (J. Official Statistics 6, 1990), ported from its netlib Fortran (stl.f) as statsmodels' STL
// is, for the non-robust fit with every jump 1: test/production-index-seasonal.test.ts checks it
// against statsmodels 0.14 on the same series to 1e-9.

export interface StlOptions {
  period: number;
  seasonal: number; // odd, ≥ 3: the seasonal smoother's span in cycles (years)
  trend?: number; // odd; default as statsmodels: the next odd ≥ 1.5·period ÷ (1 − 1.5 ÷ seasonal)
  lowPass?: number; // odd; default the next odd ≥ period + 1
  inner?: number; // default 5, as statsmodels for a non-robust fit
}

export interface StlResult { seasonal: number[]; trend: number[]; resid: number[] }

const nextOdd = (x: number) => (x % 2 === 0 ? x + 1 : x);

export const defaultTrendSpan = (period: number, seasonal: number) => nextOdd(Math.ceil((1.5 * period) / (1 - 1.5 / seasonal)));

/** One loess estimate at xs (1-based positions) from y[nleft..nright]; null when no weight. */
function est(y: ArrayLike<number>, n: number, len: number, deg: number, xs: number, nleft: number, nright: number, w: Float64Array): number | null {
  const range = n - 1;
  let h = Math.max(xs - nleft, nright - xs);
  if (len > n) h += Math.floor((len - n) / 2);
  const h9 = 0.999 * h;
  const h1 = 0.001 * h;
  let a = 0;
  for (let j = nleft; j <= nright; j++) {
    w[j] = 0;
    const r = Math.abs(j - xs);
    if (r <= h9) {
      w[j] = r <= h1 ? 1 : (1 - (r / h) ** 3) ** 3;
      a += w[j];
    }
  }
  if (a <= 0) return null;
  for (let j = nleft; j <= nright; j++) w[j] /= a;
  if (h > 0 && deg > 0) {
    let m = 0;
    for (let j = nleft; j <= nright; j++) m += w[j] * j;
    let b = xs - m;
    let c = 0;
    for (let j = nleft; j <= nright; j++) c += w[j] * (j - m) * (j - m);
    if (Math.sqrt(c) > 0.001 * range) {
      b /= c;
      for (let j = nleft; j <= nright; j++) w[j] *= b * (j - m) + 1;
    }
  }
  let ys = 0;
  for (let j = nleft; j <= nright; j++) ys += w[j] * y[j];
  return ys;
}

/** Loess smoothing of y[1..n] into ys[1..n] (1-based arrays, jump 1). */
function ess(y: ArrayLike<number>, n: number, len: number, deg: number, ys: Float64Array, off = 0): void {
  const w = new Float64Array(n + 2);
  if (n < 2) { ys[off + 1] = y[1]; return; }
  if (len >= n) {
    for (let i = 1; i <= n; i++) ys[off + i] = est(y, n, len, deg, i, 1, n, w) ?? y[i];
    return;
  }
  const nsh = Math.floor((len + 1) / 2);
  let nleft = 1;
  let nright = len;
  for (let i = 1; i <= n; i++) {
    if (i > nsh && nright !== n) { nleft++; nright++; }
    ys[off + i] = est(y, n, len, deg, i, nleft, nright, w) ?? y[i];
  }
}

/** Seasonal smoothing of each cycle-subseries, extended one cycle at each end (length n + 2·np). */
function ss(y: Float64Array, n: number, np: number, ns: number, deg: number, season: Float64Array): void {
  for (let j = 1; j <= np; j++) {
    const k = Math.floor((n - j) / np) + 1;
    const sub = new Float64Array(k + 1);
    for (let i = 1; i <= k; i++) sub[i] = y[(i - 1) * np + j];
    const out = new Float64Array(k + 3);
    ess(sub, k, ns, deg, out, 1); // out[2..k+1]
    const w = new Float64Array(k + 2);
    out[1] = est(sub, k, ns, deg, 0, 1, Math.min(ns, k), w) ?? out[2];
    out[k + 2] = est(sub, k, ns, deg, k + 1, Math.max(1, k - ns + 1), k, w) ?? out[k + 1];
    for (let m = 1; m <= k + 2; m++) season[(m - 1) * np + j] = out[m];
  }
}

function ma(x: Float64Array, n: number, len: number, ave: Float64Array): void {
  const newn = n - len + 1;
  let v = 0;
  for (let i = 1; i <= len; i++) v += x[i];
  ave[1] = v / len;
  for (let j = 2; j <= newn; j++) {
    v = v - x[j - 1] + x[len + j - 1];
    ave[j] = v / len;
  }
}

export function stl(series: readonly number[], opts: StlOptions): StlResult {
  const n = series.length;
  const np = opts.period;
  const ns = opts.seasonal;
  if (ns < 3 || ns % 2 === 0) throw new Error('STL: seasonal must be odd and at least 3');
  if (n < 2 * np) throw new Error('STL: needs at least two full cycles');
  const nt = opts.trend ?? defaultTrendSpan(np, ns);
  const nl = opts.lowPass ?? nextOdd(np + 1);
  const inner = opts.inner ?? 5;
  const y = new Float64Array(n + 1);
  series.forEach((v, i) => { y[i + 1] = v; });
  const trend = new Float64Array(n + 1);
  const season = new Float64Array(n + 1);
  const w1 = new Float64Array(n + 2 * np + 1);
  const w2 = new Float64Array(n + 2 * np + 1);
  const w3 = new Float64Array(n + 2 * np + 1);
  const low = new Float64Array(n + 1);
  for (let it = 0; it < inner; it++) {
    for (let i = 1; i <= n; i++) w1[i] = y[i] - trend[i];
    ss(w1, n, np, ns, 1, w2);
    // Low-pass filter of the extended seasonal: three moving averages (np, np, 3), then loess.
    const m1 = new Float64Array(n + 2 * np + 1);
    ma(w2, n + 2 * np, np, m1);
    ma(m1, n + np + 1, np, w3);
    const m3 = new Float64Array(n + 1);
    ma(w3, n + 2, 3, m3);
    ess(m3, n, nl, 1, low);
    for (let i = 1; i <= n; i++) season[i] = w2[np + i] - low[i];
    for (let i = 1; i <= n; i++) w1[i] = y[i] - season[i];
    ess(w1, n, nt, 1, trend);
  }
  const s = Array.from(season.subarray(1));
  const t = Array.from(trend.subarray(1));
  return { seasonal: s, trend: t, resid: series.map((v, i) => v - s[i] - t[i]) };
}
