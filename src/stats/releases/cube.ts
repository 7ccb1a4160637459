// The joint disclosure problem of DESIGN §7, as pure data: every release of one group of
// overlapping reference periods, the cells each of them publishes, and the "base cells" an
// attacker's unknowns are made of.
//
// A base cell is the set of unit-months of one province and category (an ISIC class for the
// values; a product and unit of measure for the quantities, see products.ts) that exactly the same
// releases counted with exactly the same figures (its signature). Every cell of every release is a
// sum of base cells, so "everything published so far" is a system of linear equations over them,
// and month differencing, preliminary-vs-final and revision differencing are all the same thing:
// a linear combination of published cells that isolates some base cells.
//
// Sensitive expressions (the ones that must keep their protection interval):
// - every cell of every release that fails the primary rule;
// - every part of a release cell that one signature makes up (the unverified part of a
//   preliminary cell, the late filings of a revision, one month of a quarter), when that part
//   fails the primary rule: these are the differences an attacker can take between releases.

export const NATIONAL = 'IR'; // not a province code: those run from 00 to 30
export const ALL_ACTIVITIES = 'T';

/**
 * The measures the attacker model covers; value added is production value − intermediate consumption.
 * `index_volume` is the index of production's weighted volume (src/production-index/protection.ts).
 */
export const LP_MEASURES = ['production_value', 'intermediate_consumption', 'employees', 'quantity', 'index_volume'] as const;
export type LpMeasure = (typeof LP_MEASURES)[number];

/**
 * What a problem classifies and measures: the value cube (ISIC classes, money and employees), a
 * quantity cube (products in their unit of measure) or the index of production (ISIC classes'
 * weighted volumes, national only). They are separate problems: no published cell of one is a sum
 * of another's unknowns.
 */
export interface Space {
  measures: readonly LpMeasure[];
  nodesOf: (category: string) => string[]; // the published nodes a category's figures count in, itself included
  nodeCost?: (node: string) => number; // what suppressing a node costs relative to its value (1 when absent)
}

export const VALUE_SPACE: Space = { measures: ['production_value', 'intermediate_consumption', 'employees'], nodesOf: isicNodesOf };

export type Amounts = Record<LpMeasure, bigint>;

export interface DisclosureRules {
  minUnits: number; // a cell needs at least this many contributing units (n ≥ 3)
  dominance: number; // and no single unit above this share of it (0.85 = rule (1, 85))
  interval: number; // protection interval: ± this share of a sensitive value (0.10)
}

/** One unit's summed figures in one base cell, as read from the releases' contributions. */
export interface BaseRow {
  unit: number;
  province: string;
  category: string; // an ISIC class, or a product and unit of measure
  sig: readonly number[]; // ids of the releases that counted these unit-months with these figures
  amounts: Partial<Amounts>;
}

export interface ReleaseInProblem {
  id: number;
  months: number; // employees are published as a monthly average over this many months
  /** Cells this release publishes (key `geo|node`); null = not decided yet (the release being built). */
  published: ReadonlySet<string> | null;
  /**
   * A release the office will publish later (DESIGN §7 foresight: the quarter and year of a month,
   * the final of a preliminary), from the data known now. It publishes nothing yet; its sensitive
   * cells are protected as far as the earlier releases allow, so that no release pins them first.
   */
  foresight?: boolean;
}

export interface BaseCell {
  index: number;
  province: string;
  category: string;
  sig: readonly number[];
  units: Map<number, Amounts>;
  total: Amounts;
}

export interface ReleaseCell {
  release: number;
  key: string; // geo|node
  geo: string;
  node: string; // an ISIC node (values) or a product node (quantities)
  bases: number[];
}

export interface Target {
  key: string; // its base cells, sorted: two expressions over the same base cells are one target
  bases: number[];
  truth: Amounts;
  release: number; // the release whose cell (or part of a cell) this is
  cell: string;
  part: boolean; // a part of a cell made up by one signature
  foresight: boolean; // a cell of a release not published yet (best effort, not in the audit's verdict)
}

export interface Problem {
  rules: DisclosureRules;
  measures: readonly LpMeasure[];
  nodeCost?: (node: string) => number;
  releases: ReleaseInProblem[];
  bases: BaseCell[];
  cells: Map<number, Map<string, ReleaseCell>>; // release id → its non-empty cells
  targets: Target[];
  publishedEarlier: number; // sensitive expressions an earlier release already publishes (older rules)
}

export const cellKey = (geo: string, node: string): string => `${geo}|${node}`;

export function sectionOf(isicClass: string): 'B' | 'C' {
  return Number(isicClass.slice(0, 2)) < 10 ? 'B' : 'C';
}

/** The ISIC nodes a class belongs to, from all activities down to the class itself. */
export function isicNodesOf(isicClass: string): string[] {
  return [ALL_ACTIVITIES, sectionOf(isicClass), isicClass.slice(0, 2), isicClass.slice(0, 3), isicClass];
}

const zero = (): Amounts => ({ production_value: 0n, intermediate_consumption: 0n, employees: 0n, quantity: 0n, index_volume: 0n });

function addInto(target: Amounts, a: Partial<Amounts>): void {
  for (const m of LP_MEASURES) target[m] += a[m] ?? 0n;
}

/** Primary rule on one measure: fewer than n contributors, or the largest |contribution| above the dominance share. */
export function failsPrimary(contributions: readonly bigint[], rules: Pick<DisclosureRules, 'minUnits' | 'dominance'>): boolean {
  const n = contributions.length;
  if (n === 0) return false;
  if (n < rules.minUnits) return true;
  let total = 0n;
  let largest = 0n;
  for (const c of contributions) {
    const a = c < 0n ? -c : c;
    total += a;
    if (a > largest) largest = a;
  }
  // largest > dominance × total, in integers (dominance to 1e-6)
  return total > 0n && largest * 1_000_000n > BigInt(Math.round(rules.dominance * 1_000_000)) * total;
}

/** Per-unit amounts of a set of base cells (a unit can sit in several: different signatures). */
function unitAmounts(bases: readonly BaseCell[]): Map<number, Amounts> {
  const out = new Map<number, Amounts>();
  for (const b of bases) {
    for (const [unit, a] of b.units) {
      const acc = out.get(unit);
      if (acc) addInto(acc, a); else { const own = zero(); addInto(own, a); out.set(unit, own); }
    }
  }
  return out;
}

/** A set of base cells is sensitive when it fails the primary rule in any measure of its space, value added included. */
export function isSensitive(bases: readonly BaseCell[], rules: DisclosureRules, measures: readonly LpMeasure[] = VALUE_SPACE.measures): boolean {
  const units = [...unitAmounts(bases).values()];
  if (units.length === 0) return false;
  if (units.length < rules.minUnits) return true;
  for (const m of measures) if (failsPrimary(units.map((a) => a[m]), rules)) return true;
  if (!measures.includes('production_value') || !measures.includes('intermediate_consumption')) return false;
  return failsPrimary(units.map((a) => a.production_value - a.intermediate_consumption), rules);
}

export function totalOf(bases: readonly BaseCell[]): Amounts {
  const t = zero();
  for (const b of bases) addInto(t, b.total);
  return t;
}

export function unitCount(bases: readonly BaseCell[]): number {
  const set = new Set<number>();
  for (const b of bases) for (const u of b.units.keys()) set.add(u);
  return set.size;
}

/** Groups the rows into base cells and every release's cells, and lists the sensitive expressions. */
export function buildProblem(rows: readonly BaseRow[], releases: readonly ReleaseInProblem[], rules: DisclosureRules, space: Space = VALUE_SPACE): Problem {
  const byKey = new Map<string, BaseCell>();
  const bases: BaseCell[] = [];
  for (const r of rows) {
    const key = `${r.province}|${r.category}|${r.sig.join(',')}`;
    let b = byKey.get(key);
    if (!b) {
      b = { index: bases.length, province: r.province, category: r.category, sig: r.sig, units: new Map(), total: zero() };
      byKey.set(key, b);
      bases.push(b);
    }
    const prev = b.units.get(r.unit);
    if (prev) addInto(prev, r.amounts); else { const own = zero(); addInto(own, r.amounts); b.units.set(r.unit, own); }
    addInto(b.total, r.amounts);
  }

  const cells = new Map<number, Map<string, ReleaseCell>>(releases.map((rel) => [rel.id, new Map()]));
  const nodes = new Map<string, string[]>();
  for (const b of bases) {
    let own = nodes.get(b.category);
    if (!own) { own = space.nodesOf(b.category); nodes.set(b.category, own); }
    for (const id of b.sig) {
      const map = cells.get(id);
      if (!map) continue;
      for (const geo of b.province === NATIONAL ? [NATIONAL] : [NATIONAL, b.province]) {
        for (const node of own) {
          const key = cellKey(geo, node);
          let c = map.get(key);
          if (!c) { c = { release: id, key, geo, node, bases: [] }; map.set(key, c); }
          c.bases.push(b.index);
        }
      }
    }
  }

  // Base-cell sets already published by an earlier release: a sensitive one cannot be protected now.
  const publishedSets = new Set<string>();
  for (const rel of releases) {
    if (!rel.published) continue;
    for (const key of rel.published) {
      const c = cells.get(rel.id)?.get(key);
      if (c) publishedSets.add(setKey(c.bases));
    }
  }

  const targets = new Map<string, Target>();
  let publishedEarlier = 0;
  const foresight = new Set(releases.filter((r) => r.foresight).map((r) => r.id));
  const consider = (ids: number[], release: number, cell: string, part: boolean) => {
    const key = setKey(ids);
    if (targets.has(key)) return;
    const members = ids.map((i) => bases[i]);
    if (!isSensitive(members, rules, space.measures)) return;
    if (publishedSets.has(key)) { publishedEarlier++; return; }
    targets.set(key, { key, bases: [...ids].sort((a, b) => a - b), truth: totalOf(members), release, cell, part, foresight: foresight.has(release) });
  };
  // Published releases first: a set of base cells that one of them and a foresight release share is theirs.
  const order = [...cells.keys()].sort((a, b) => Number(foresight.has(a)) - Number(foresight.has(b)));
  for (const release of order) {
    const map = cells.get(release)!;
    for (const c of map.values()) {
      consider(c.bases, release, c.key, false);
      // A later release's own parts are differences between releases not published yet: they are
      // protected when those are; foresight looks after its whole cells only.
      if (foresight.has(release)) continue;
      const bySig = new Map<string, number[]>();
      for (const i of c.bases) {
        const s = bases[i].sig.join(',');
        const list = bySig.get(s);
        if (list) list.push(i); else bySig.set(s, [i]);
      }
      if (bySig.size > 1) for (const ids of bySig.values()) consider(ids, release, c.key, true);
    }
  }
  return { rules, measures: space.measures, nodeCost: space.nodeCost, releases: [...releases], bases, cells, targets: [...targets.values()], publishedEarlier };
}

function setKey(ids: readonly number[]): string {
  return [...ids].sort((a, b) => a - b).join(',');
}

/** What one release publishes of one cell, for the attacker: a sum (money, quantity), or the rounded monthly average of employees. */
export function publishedValue(total: Amounts, m: LpMeasure, months: number): bigint {
  if (m !== 'employees') return total[m];
  return roundedAverage(total.employees, months);
}

export function roundedAverage(sum: bigint, months: number): bigint {
  const n = BigInt(months);
  return (2n * sum + n) / (2n * n); // half up, sum ≥ 0
}
