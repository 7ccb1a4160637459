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
//   fails the primary rule: these are the differences an attacker can take between releases;
// - every *change* of a cell between two releases of the same period (a revision's corrections,
//   a final's verified figures against the preliminary's), and the sum of a cell's changes over
//   the months of a quarter and of the year, when the changes fail the primary rule: a correction
//   is a figure of the unit that made it (DESIGN §7 "insiders and changes").
//
// Contributors are owners (DESIGN §7): the plants of one legal entity are one contributor for n,
// dominance and p %.

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
  minUnits: number; // a cell needs at least this many contributors (owners; n ≥ 3)
  dominance: number; // and no single contributor above this share of it (0.85 = rule (1, 85))
  /**
   * The p % rule: the second-largest contributor must not estimate the largest to within this
   * share (0.10). Absent in rules stored before issue 22 (no p % rule then).
   */
  pPercent?: number;
  interval: number; // protection interval: ± this share of a sensitive value (0.10), a floor under the rules' levels
}

/** One unit's summed figures in one base cell, as read from the releases' contributions. */
export interface BaseRow {
  unit: number;
  owner?: number; // the legal entity that owns the unit (the contributor); the unit itself when absent
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
  /** Its reference period (`1404-07`, `1404-Q3`, `1404`): releases of one period are compared for changes. */
  period?: string;
}

export interface BaseCell {
  index: number;
  province: string;
  category: string;
  sig: readonly number[];
  units: Set<number>; // the units it counts (their figures are summed per owner: a national quarter's problem held both, 2 × 0.35 million amounts)
  owners: Map<number, Amounts>; // the figures summed per owner (the contributors)
  total: Amounts;
}

export interface ReleaseCell {
  release: number;
  key: string; // geo|node
  geo: string;
  node: string; // an ISIC node (values) or a product node (quantities)
  bases: number[];
}

export type TargetKind = 'cell' | 'part' | 'change';

export interface Target {
  key: string; // its base cells, sorted (and those it subtracts): two expressions over the same base cells are one target
  bases: number[];
  /** Base cells subtracted (a change between two releases: the later one's cell minus the earlier one's); empty for a sum. */
  minus: number[];
  truth: Amounts;
  release: number; // the release whose cell (or part, or change of a cell) this is
  cell: string;
  part: boolean; // a part of a cell made up by one signature
  kind: TargetKind;
  foresight: boolean; // a cell of a release not published yet (best effort, not in the audit's verdict)
  /** Its protection level per measure, in the measure's units: the rule's level, with the interval as a floor. */
  level: Amounts;
  /** Its contributors (owners) when there are exactly two: each knows its own figure (the insider audit). */
  pair: [number, number] | null;
  /**
   * What the earlier releases of the group allow (protect.ts): on a side where they already pin the
   * expression closer than its level, the shift they leave, keyed by `allowanceKey`. The release
   * being built is then asked to narrow it no further than they did, never to undo what is
   * published (DESIGN §7: no dead ends).
   */
  allowed?: Map<string, bigint>;
}

export type Side = 'up' | 'down';

/** The key of an allowance: a side of a measure, for the outside attacker or for one insider (an owner). */
export const allowanceKey = (m: LpMeasure, side: Side, insider?: number): string => (insider === undefined ? `${m}|${side}` : `${m}|${side}|${insider}`);

/** The shift a side of an expression must be able to move: `level`, or less where the earlier releases allow only less. */
export function levelOn(t: Target, m: LpMeasure, side: Side, level: bigint = t.level[m], insider?: number): bigint {
  const allowed = t.allowed?.get(allowanceKey(m, side, insider));
  return allowed !== undefined && allowed < level ? allowed : level;
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

export type PrimaryRules = Pick<DisclosureRules, 'minUnits' | 'dominance' | 'pPercent'>;

const PPM = 1_000_000n;
const ppm = (share: number): bigint => BigInt(Math.round(share * 1_000_000));

/** The two largest |contributions| and the total of all of them. */
function largestTwo(contributions: readonly bigint[]): { x1: bigint; x2: bigint; total: bigint } {
  let total = 0n;
  let x1 = 0n;
  let x2 = 0n;
  for (const c of contributions) {
    const a = c < 0n ? -c : c;
    total += a;
    if (a > x1) { x2 = x1; x1 = a; } else if (a > x2) x2 = a;
  }
  return { x1, x2, total };
}

/**
 * Primary rule on one measure's contributions (one per contributor): fewer than n of them, the
 * largest |contribution| above the dominance share, or the second largest able to estimate the
 * largest to within p % (total − largest − second < p × largest).
 */
export function failsPrimary(contributions: readonly bigint[], rules: PrimaryRules): boolean {
  const n = contributions.length;
  if (n === 0) return false;
  if (n < rules.minUnits) return true;
  return failsOnLargest(largestTwo(contributions), rules);
}

/** Dominance and p % on the two largest |contributions| and their total (the count is checked before). */
function failsOnLargest({ x1, x2, total }: { x1: bigint; x2: bigint; total: bigint }, rules: PrimaryRules): boolean {
  if (total === 0n) return false;
  // largest > dominance × total, in integers (shares to 1e-6)
  if (x1 * PPM > ppm(rules.dominance) * total) return true;
  return rules.pPercent !== undefined && (total - x1 - x2) * PPM < ppm(rules.pPercent) * x1;
}

/** Below it, every sum of integers in a float64 is exact (2^53, with a bit to spare). */
const EXACT_FLOAT = 2 ** 52;

/**
 * Whether a set of base cells fails the primary rule, added up in float64 instead of BigInt: exact
 * as long as the absolute amounts of each measure add up below 2^52 (every partial sum is then an
 * integer a float64 holds exactly), and null when they do not, for the caller to decide in BigInt.
 * The same decision as sensitivityOf's, made for every cell of every release when a problem is
 * built: in BigInt, the national quarter's seven releases spent 29 s of `--verify`'s 91 s of CPU
 * there, and as long again collecting the BigInts (session 15).
 */
export function failsPrimaryInFloats(bases: readonly BaseCell[], rules: PrimaryRules, measures: readonly LpMeasure[]): boolean | null {
  const k = measures.length;
  const slot = new Map<number, number>(); // owner → its first entry in `sums`
  const sums: number[] = [];
  const abs = new Float64Array(k);
  for (const b of bases) {
    for (const [owner, a] of b.owners) {
      let s = slot.get(owner);
      if (s === undefined) { s = sums.length; slot.set(owner, s); for (let j = 0; j < k; j++) sums.push(0); }
      for (let j = 0; j < k; j++) {
        const v = Number(a[measures[j]]);
        abs[j] += Math.abs(v);
        sums[s + j] += v;
      }
    }
  }
  for (let j = 0; j < k; j++) if (!(abs[j] < EXACT_FLOAT)) return null;
  const n = slot.size;
  if (n === 0) return false;
  if (n < rules.minUnits) return true;
  const largest = (value: (s: number) => number) => {
    let x1 = 0;
    let x2 = 0;
    let total = 0;
    for (const s of slot.values()) {
      const x = Math.abs(value(s));
      total += x;
      if (x > x1) { x2 = x1; x1 = x; } else if (x > x2) x2 = x;
    }
    return { x1: BigInt(x1), x2: BigInt(x2), total: BigInt(total) };
  };
  for (let j = 0; j < k; j++) if (failsOnLargest(largest((s) => sums[s + j]), rules)) return true;
  const pv = measures.indexOf('production_value');
  const ic = measures.indexOf('intermediate_consumption');
  // Value added per owner: |pv − ic| ≤ |pv| + |ic|, whose sums are below 2^52 each, so below 2^53.
  return pv >= 0 && ic >= 0 && failsOnLargest(largest((s) => sums[s + pv] - sums[s + ic]), rules);
}

/**
 * The protection level a rule implies for a cell (Hundepool et al. 2012, §4.2.3), in the
 * measure's units: for dominance (1, k), 100/k × x1 − T (how far above T the largest contributor
 * could be); for p %, p × x1 − (T − x1 − x2) (how far the second largest must be kept from the
 * largest). The larger of the two, never below 0; the interval share of the value is the floor
 * the caller adds.
 */
export function ruleLevel(contributions: readonly bigint[], rules: PrimaryRules): number {
  const { x1, x2, total } = largestTwo(contributions);
  if (total === 0n) return 0;
  const dominance = Number(x1) / rules.dominance - Number(total);
  const p = rules.pPercent === undefined ? 0 : rules.pPercent * Number(x1) - Number(total - x1 - x2);
  return Math.max(0, dominance, p);
}

/**
 * Owner-level contributions from unit-level ones: for callers (the production index) whose
 * figures are per unit. Contributors are owners (DESIGN §7).
 */
export function contributionsByOwner<T extends { owner: number; value: bigint }>(rows: readonly T[]): bigint[] {
  const out = new Map<number, bigint>();
  for (const r of rows) out.set(r.owner, (out.get(r.owner) ?? 0n) + r.value);
  return [...out.values()];
}

/**
 * Per-owner amounts of a set of base cells (an owner can sit in several: plants, signatures),
 * minus those of the `minus` cells (a change between releases: an owner's new figures less its old).
 */
function ownerAmounts(bases: readonly BaseCell[], minus: readonly BaseCell[] = []): Map<number, Amounts> {
  const out = new Map<number, Amounts>();
  const add = (list: readonly BaseCell[], sign: bigint) => {
    for (const b of list) {
      for (const [owner, a] of b.owners) {
        let acc = out.get(owner);
        if (!acc) { acc = zero(); out.set(owner, acc); }
        for (const m of LP_MEASURES) acc[m] += sign * a[m];
      }
    }
  };
  add(bases, 1n);
  add(minus, -1n);
  if (minus.length) for (const [owner, a] of out) if (LP_MEASURES.every((m) => a[m] === 0n)) out.delete(owner); // unchanged owners are no contributors of a change
  return out;
}

const valueAdded = (a: Amounts): bigint => a.production_value - a.intermediate_consumption;

/** A set of base cells (less `minus`, for a change) is sensitive when it fails the primary rule in any measure of its space, value added included. */
export function isSensitive(bases: readonly BaseCell[], rules: DisclosureRules, measures: readonly LpMeasure[] = VALUE_SPACE.measures, minus: readonly BaseCell[] = []): boolean {
  return sensitivityOf(bases, rules, measures, minus) !== null;
}

/**
 * The primary rule on a set of base cells, with what protecting it takes: null when it passes;
 * otherwise each measure's protection level (the rule's, with the interval as a floor) and its two
 * contributors when there are two. Value added makes a set sensitive; its parts' levels protect it.
 */
export function sensitivityOf(bases: readonly BaseCell[], rules: DisclosureRules, measures: readonly LpMeasure[], minus: readonly BaseCell[] = []): { level: Amounts; pair: [number, number] | null } | null {
  // Most cells pass: decided in float64 where that is exact; the failing ones (and changes) in BigInt below.
  if (minus.length === 0 && failsPrimaryInFloats(bases, rules, measures) === false) return null;
  const owners = ownerAmounts(bases, minus);
  if (owners.size === 0) return null;
  const list = [...owners.values()];
  const withVa = measures.includes('production_value') && measures.includes('intermediate_consumption');
  const fails = list.length < rules.minUnits || measures.some((m) => failsPrimary(list.map((a) => a[m]), rules)) || (withVa && failsPrimary(list.map(valueAdded), rules));
  if (!fails) return null;
  const total = zero();
  for (const a of list) addInto(total, a);
  const level = zero();
  for (const m of measures) {
    const floor = rules.interval * Math.abs(Number(total[m]));
    level[m] = BigInt(Math.ceil(Math.max(floor, ruleLevel(list.map((a) => a[m]), rules))));
  }
  const ids = [...owners.keys()];
  return { level, pair: ids.length === 2 ? [ids[0], ids[1]] : null };
}

export function totalOf(bases: readonly BaseCell[]): Amounts {
  const t = zero();
  for (const b of bases) addInto(t, b.total);
  return t;
}

/** The units (plants, licences) a set of base cells counts. */
export function unitsOf(bases: readonly BaseCell[]): Set<number> {
  const set = new Set<number>();
  for (const b of bases) for (const u of b.units) set.add(u);
  return set;
}

export function unitCount(bases: readonly BaseCell[]): number {
  const set = new Set<number>();
  for (const b of bases) for (const u of b.units) set.add(u);
  return set.size;
}

export interface ProblemOptions {
  /** false: the cells alone, no sensitive expressions (what a release will publish, not what it must protect). */
  targets?: boolean;
  /** Releases left out of every row's signature (rows counted by none of the others are left out): the problem as the store will keep it, without copying the rows. */
  without?: ReadonlySet<number>;
}

/** Groups the rows into base cells and every release's cells, and lists the sensitive expressions. */
export function buildProblem(rows: Iterable<BaseRow>, releases: readonly ReleaseInProblem[], rules: DisclosureRules, space: Space = VALUE_SPACE, opts: ProblemOptions = {}): Problem {
  const byKey = new Map<string, BaseCell>();
  const bases: BaseCell[] = [];
  const without = opts.without?.size ? opts.without : null;
  for (const r of rows) {
    const sig = without ? r.sig.filter((id) => !without.has(id)) : r.sig;
    if (sig.length === 0) continue;
    const key = `${r.province}|${r.category}|${sig.join(',')}`;
    let b = byKey.get(key);
    if (!b) {
      b = { index: bases.length, province: r.province, category: r.category, sig, units: new Set(), owners: new Map(), total: zero() };
      byKey.set(key, b);
      bases.push(b);
    }
    b.units.add(r.unit);
    const owner = r.owner ?? r.unit;
    const prev = b.owners.get(owner);
    if (prev) addInto(prev, r.amounts); else { const own = zero(); addInto(own, r.amounts); b.owners.set(owner, own); }
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

  if (opts.targets === false) return { rules, measures: space.measures, nodeCost: space.nodeCost, releases: [...releases], bases, cells, targets: [], publishedEarlier: 0 };

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
  const consider = (ids: number[], release: number, cell: string, kind: TargetKind, minus: number[] = [], alreadyPublished = false) => {
    const plus = [...ids].sort((a, b) => a - b);
    const less = [...minus].sort((a, b) => a - b);
    const key = less.length ? `${setKey(plus)}-${setKey(less)}` : setKey(plus);
    if (targets.has(key)) return;
    const members = plus.map((i) => bases[i]);
    const subtracted = less.map((i) => bases[i]);
    const sensitivity = sensitivityOf(members, rules, space.measures, subtracted);
    if (!sensitivity) return;
    if (alreadyPublished || (!less.length && publishedSets.has(key))) { publishedEarlier++; return; }
    const truth = totalOf(members);
    const out = totalOf(subtracted);
    for (const m of LP_MEASURES) truth[m] -= out[m];
    targets.set(key, { key, bases: plus, minus: less, truth, release, cell, part: kind === 'part', kind, foresight: foresight.has(release), level: sensitivity.level, pair: sensitivity.pair });
  };
  // Published releases first: a set of base cells that one of them and a foresight release share is theirs.
  const order = [...cells.keys()].sort((a, b) => Number(foresight.has(a)) - Number(foresight.has(b)));
  for (const release of order) {
    const map = cells.get(release)!;
    for (const c of map.values()) {
      consider(c.bases, release, c.key, 'cell');
      // A later release's own parts are differences between releases not published yet: they are
      // protected when those are; foresight looks after its whole cells only.
      if (foresight.has(release)) continue;
      const bySig = new Map<string, number[]>();
      for (const i of c.bases) {
        const s = bases[i].sig.join(',');
        const list = bySig.get(s);
        if (list) list.push(i); else bySig.set(s, [i]);
      }
      if (bySig.size > 1) for (const ids of bySig.values()) consider(ids, release, c.key, 'part');
    }
  }
  for (const change of changesOf(releases, cells)) consider(change.plus, change.release, change.cell, 'change', change.minus, change.published);
  return { rules, measures: space.measures, nodeCost: space.nodeCost, releases: [...releases], bases, cells, targets: [...targets.values()], publishedEarlier };
}

/** The order releases were (or will be) published in: stored ones by id, then the one being built (id 0). */
const publicationOrder = (a: number, b: number): number => (a === 0 ? 1 : b === 0 ? -1 : a - b);

interface Change { plus: number[]; minus: number[]; release: number; cell: string; published: boolean }

/** The change of a cell from one release to a later one: the later one's base cells not in the earlier one's, and the earlier one's not in the later one's. */
export function cellChange(before: readonly number[], after: readonly number[]): { plus: number[]; minus: number[] } {
  const was = new Set(before);
  const is = new Set(after);
  return { plus: after.filter((i) => !was.has(i)), minus: before.filter((i) => !is.has(i)) };
}

/**
 * The changes of each cell between two releases of the same period (every pair: an attacker can
 * difference any two), and, per cell, the sum of its changes from a month's first release to its
 * last over the months of each quarter and of the year (DESIGN §7: "sums of such parts across
 * months"). A change is the later release's base cells not in the earlier one's, less the earlier
 * one's not in the later one's. `published`: both cells are published already (nothing to protect now).
 */
function changesOf(releases: readonly ReleaseInProblem[], cells: ReadonlyMap<number, ReadonlyMap<string, ReleaseCell>>): Change[] {
  const byPeriod = new Map<string, ReleaseInProblem[]>();
  for (const rel of releases) {
    if (rel.foresight || !rel.period) continue;
    const list = byPeriod.get(rel.period);
    if (list) list.push(rel); else byPeriod.set(rel.period, [rel]);
  }
  const out: Change[] = [];
  const diff = (a: ReleaseInProblem, b: ReleaseInProblem, key: string) => cellChange(cells.get(a.id)?.get(key)?.bases ?? [], cells.get(b.id)?.get(key)?.bases ?? []);
  const keysOf = (a: ReleaseInProblem, b: ReleaseInProblem) => new Set([...(cells.get(a.id)?.keys() ?? []), ...(cells.get(b.id)?.keys() ?? [])]);
  // Per month, its first and last release (for the sums across months), and all of them in order.
  const monthSpan = new Map<string, [ReleaseInProblem, ReleaseInProblem]>();
  const monthReleases = new Map<string, ReleaseInProblem[]>();
  for (const [period, list] of byPeriod) {
    const sorted = [...list].sort((x, y) => publicationOrder(x.id, y.id));
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const [a, b] = [sorted[i], sorted[j]];
        for (const key of keysOf(a, b)) {
          const { plus, minus } = diff(a, b, key);
          if (plus.length === 0 && minus.length === 0) continue;
          // Only added or only withdrawn filings: the change is a sum (its sign does not matter to protection).
          out.push({ plus: plus.length ? plus : minus, minus: plus.length ? minus : [], release: b.id, cell: key, published: !!a.published?.has(key) && !!b.published?.has(key) });
        }
      }
    }
    if (/^\d{4}-\d{2}$/.test(period) && sorted.length > 1) {
      monthSpan.set(period, [sorted[0], sorted[sorted.length - 1]]);
      monthReleases.set(period, sorted);
    }
  }
  // The release that brought a month's cell to what its last release publishes: a revision that
  // changes nothing in the cell carries no change of it (the final before it did). Labelled with the
  // revision, such a sum was a change "this revision carries" (protect.ts), which waits for the next
  // revision, so the revision was refused (the national 1404-01 after its quarter, session 15).
  const carrierOf = (month: string, key: string): ReleaseInProblem => {
    const list = monthReleases.get(month)!;
    let i = list.length - 1;
    while (i > 1) {
      const d = diff(list[i - 1], list[i], key);
      if (d.plus.length || d.minus.length) break;
      i--;
    }
    return list[i];
  };
  const spans = (prefixOf: (month: string) => string) => {
    const groups = new Map<string, [string, [ReleaseInProblem, ReleaseInProblem]][]>();
    for (const [month, span] of monthSpan) {
      const g = prefixOf(month);
      const list = groups.get(g);
      if (list) list.push([month, span]); else groups.set(g, [[month, span]]);
    }
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      const keys = new Set(members.flatMap(([, [a, b]]) => [...keysOf(a, b)]));
      for (const key of keys) {
        const plus: number[] = [];
        const minus: number[] = [];
        let months = 0;
        let last: number | null = null; // the latest release that carried one of the months' changes
        for (const [month, [a, b]] of members) {
          const d = diff(a, b, key);
          if (d.plus.length === 0 && d.minus.length === 0) continue;
          months++;
          plus.push(...d.plus);
          minus.push(...d.minus);
          const carrier = carrierOf(month, key);
          if (last === null || publicationOrder(carrier.id, last) > 0) last = carrier.id;
        }
        if (months < 2 || last === null) continue;
        out.push({ plus: plus.length ? plus : minus, minus: plus.length ? minus : [], release: last, cell: key, published: false });
      }
    }
  };
  spans((month) => `${month.slice(0, 4)}-Q${Math.ceil(Number(month.slice(5, 7)) / 3)}`);
  spans((month) => month.slice(0, 4));
  return out;
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
