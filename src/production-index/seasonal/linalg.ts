// Small dense least squares for the seasonal adjustment (a handful of regressors, a few hundred
// months): normal equations solved by Gauss–Jordan with partial pivoting, columns scaled first.

export interface Ols { beta: number[]; ssr: number; inverse: number[][]; resid: number[] }

/** Least squares of y on the columns of X (each an array as long as y); null when X is singular. */
export function ols(y: readonly number[], columns: readonly (readonly number[])[]): Ols | null {
  const k = columns.length;
  const m = y.length;
  if (k === 0) return { beta: [], ssr: y.reduce((s, v) => s + v * v, 0), inverse: [], resid: [...y] };
  const scale = columns.map((c) => Math.sqrt(c.reduce((s, v) => s + v * v, 0)) || 1);
  const a: number[][] = Array.from({ length: k }, () => new Array(2 * k + 1).fill(0));
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      for (let t = 0; t < m; t++) s += columns[i][t] * columns[j][t];
      a[i][j] = a[j][i] = s / (scale[i] * scale[j]);
    }
    let s = 0;
    for (let t = 0; t < m; t++) s += columns[i][t] * y[t];
    a[i][2 * k] = s / scale[i];
    a[i][k + i] = 1;
  }
  for (let c = 0; c < k; c++) {
    let p = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    if (Math.abs(a[p][c]) < 1e-10) return null;
    [a[c], a[p]] = [a[p], a[c]];
    const d = a[c][c];
    for (let j = 0; j <= 2 * k; j++) a[c][j] /= d;
    for (let r = 0; r < k; r++) {
      if (r === c || a[r][c] === 0) continue;
      const f = a[r][c];
      for (let j = 0; j <= 2 * k; j++) a[r][j] -= f * a[c][j];
    }
  }
  const beta = a.map((row, i) => row[2 * k] / scale[i]);
  const inverse = a.map((row, i) => row.slice(k, 2 * k).map((v, j) => v / (scale[i] * scale[j])));
  const resid = y.map((v, t) => v - columns.reduce((s, c, i) => s + c[t] * beta[i], 0));
  return { beta, ssr: resid.reduce((s, v) => s + v * v, 0), inverse, resid };
}
