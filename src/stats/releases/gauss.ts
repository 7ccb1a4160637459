import { isSensitive, totalOf, type Problem } from './cube.ts';

// A deterministic first pattern by sparse Gaussian elimination, no LP (issue 21; the idea of
// Statistics Norway's GaussSuppression): every cell is a vector over base cells. The published
// cells of the earlier releases (and the headline cells the foresight releases will publish) are
// known first. Then the new release's candidate cells are taken one by one, headline cells first,
// then largest first (by production value, or the problem's first measure): a candidate is
// published unless publishing it would put a sensitive expression in the span of what is
// published — the expression would then be a combination of published cells, known exactly —
// and suppressed otherwise.
//
// This protects against exact disclosure only; the protection intervals are the LP repair's job
// (protect.ts), which starts from this pattern as its seed and proves or extends it, and the
// clean-up may publish again what it finds redundant. The order is fixed, so the same input
// gives the same pattern.

type Vec = Map<number, number>;

const EPS = 1e-9;

class Basis {
  private readonly rows: Vec[] = [];
  private readonly rank = new Map<number, number>(); // pivot column → position of its row

  /** v reduced against the basis (pivots in insertion order, so none comes back). */
  reduce(v: ReadonlyMap<number, number>): Vec {
    const out = new Map(v);
    const heap: number[] = [];
    for (const c of out.keys()) { const r = this.rank.get(c); if (r !== undefined) push(heap, r); }
    let last = -1;
    while (heap.length) {
      const r = pop(heap);
      if (r === last) continue;
      last = r;
      const row = this.rows[r];
      const pivot = this.pivotOf(r);
      const a = out.get(pivot);
      if (a === undefined) continue;
      const f = a / row.get(pivot)!;
      for (const [c, x] of row) {
        const y = (out.get(c) ?? 0) - f * x;
        if (Math.abs(y) < EPS) out.delete(c);
        else {
          if (!out.has(c)) { const rc = this.rank.get(c); if (rc !== undefined && rc > r) push(heap, rc); }
          out.set(c, y);
        }
      }
    }
    return out;
  }

  private readonly pivots: number[] = [];
  private pivotOf(r: number): number { return this.pivots[r]; }

  add(v: Vec, pivot: number): void {
    this.rank.set(pivot, this.rows.length);
    this.pivots.push(pivot);
    this.rows.push(v);
  }
}

function push(h: number[], x: number): void {
  h.push(x);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p] <= h[i]) break;
    [h[p], h[i]] = [h[i], h[p]];
    i = p;
  }
}

function pop(h: number[]): number {
  const top = h[0];
  const last = h.pop()!;
  if (h.length) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l] < h[m]) m = l;
      if (r < h.length && h[r] < h[m]) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
  return top;
}

const vecOf = (bases: readonly number[]): Vec => new Map(bases.map((b) => [b, 1]));

/**
 * The cells of release `releaseId` to suppress beyond its primary ones so that no sensitive
 * expression of the problem is a linear combination of published cells.
 */
export function gaussPattern(problem: Problem, releaseId: number, opts: { headline?: (key: string) => boolean } = {}): Set<string> {
  const cells = problem.cells.get(releaseId);
  if (!cells) throw new Error(`release ${releaseId} is not part of the problem`);
  const basis = new Basis();
  // What is known before this release: the published cells of every other release.
  for (const rel of problem.releases) {
    if (rel.id === releaseId || !rel.published) continue;
    const map = problem.cells.get(rel.id);
    for (const key of rel.published) {
      const c = map?.get(key);
      if (!c) continue;
      const r = basis.reduce(vecOf(c.bases));
      if (r.size) basis.add(r, pivotOf(r));
    }
  }
  // Sensitive expressions as residuals against what is published; those already pinned are past helping.
  const residual = new Map<number, Vec>();
  const holders = new Map<number, Set<number>>(); // column → targets whose residual has it
  const hold = (t: number, v: Vec) => { for (const c of v.keys()) { let s = holders.get(c); if (!s) { s = new Set(); holders.set(c, s); } s.add(t); } };
  const release = (t: number, v: Vec) => { for (const c of v.keys()) holders.get(c)?.delete(t); };
  problem.targets.forEach((t, i) => {
    const r = basis.reduce(vecOf(t.bases));
    if (r.size) { residual.set(i, r); hold(i, r); }
  });
  const first = problem.measures[0];
  const headline = opts.headline ?? (() => false);
  const size = (key: string) => Number(totalOf(cells.get(key)!.bases.map((i) => problem.bases[i]))[first]);
  const candidates = [...cells.keys()]
    .filter((key) => !isSensitive(cells.get(key)!.bases.map((i) => problem.bases[i]), problem.rules, problem.measures))
    .sort((a, b) => Number(headline(b)) - Number(headline(a)) || size(b) - size(a) || (a < b ? -1 : a > b ? 1 : 0));
  const suppressed = new Set<string>();
  for (const key of candidates) {
    const r = basis.reduce(vecOf(cells.get(key)!.bases));
    if (r.size === 0) continue; // already a combination of published cells: publishing it tells nothing new
    const pivot = pivotOf(r);
    const pr = r.get(pivot)!;
    const touched = [...(holders.get(pivot) ?? [])];
    const updated: [number, Vec][] = [];
    let reveals = false;
    for (const t of touched) {
      const v = residual.get(t)!;
      const f = v.get(pivot)! / pr;
      const next = new Map(v);
      for (const [c, x] of r) {
        const y = (next.get(c) ?? 0) - f * x;
        if (Math.abs(y) < EPS) next.delete(c); else next.set(c, y);
      }
      if (next.size === 0) { reveals = true; break; }
      updated.push([t, next]);
    }
    if (reveals) { suppressed.add(key); continue; }
    basis.add(r, pivot);
    for (const [t, next] of updated) {
      release(t, residual.get(t)!);
      residual.set(t, next);
      hold(t, next);
    }
  }
  return suppressed;
}

/** The pivot of a residual: its column held by the fewest expressions would be cheapest; the smallest index keeps it deterministic and simple. */
function pivotOf(v: ReadonlyMap<number, number>): number {
  let best = Infinity;
  for (const c of v.keys()) if (c < best) best = c;
  return best;
}
