import { createHmac } from 'node:crypto';

// Counts of units beside published values (DESIGN §7 "counts"), perturbed by the cell-key method
// of the Australian Bureau of Statistics (TableBuilder) and the ONS: every unit has a record key in
// [0, 1) drawn from a secret (migration 170); a cell's key is the sum of its units' record keys,
// modulo 1; the perturbation is read from a fixed table at that key. The same set of units gives
// the same key, hence the same published count, in every release, revision, period and table: a
// count cannot be averaged out by asking again, and differences of counts (a division minus its
// groups, a quarter minus its months, a revision minus the original) carry the noise of several
// cells instead of an exact number. Why not the values' pattern with an LP audit of counts: a
// quarter counts a unit once however many months it filed, and an owner once however many plants
// it has, so counts are not sums of the value problem's base cells; the engine would need a second
// problem with other unknowns for each release. The cell-key method costs nothing at national
// scale and its noise is documented (docs/disclosure-control.md).
//
// Counts are published only beside published values (a suppressed value's count is `×` as well),
// and never below the minimum number of contributors: no count says "one" or "two".

/** The perturbation at a cell key: −2 … +2, symmetric, mean 0 (before the floor below). */
const P_TABLE: readonly { upTo: number; d: number }[] = [
  { upTo: 0.1, d: -2 },
  { upTo: 0.3, d: -1 },
  { upTo: 0.7, d: 0 },
  { upTo: 0.9, d: 1 },
  { upTo: 1, d: 2 },
];

/** One unit's record key in [0, 1): the first 48 bits of HMAC-SHA256(secret, unit id). */
export function recordKey(secret: string, unit: number): number {
  const digest = createHmac('sha256', secret).update(String(unit)).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The perturbed count of a cell's units: its true count plus the table's perturbation at its cell key, never below `floor`. */
export function perturbedCount(units: Iterable<number>, keyOf: (unit: number) => number, floor: number): number {
  let n = 0;
  let key = 0;
  for (const u of units) { n++; key += keyOf(u); }
  if (n === 0) return 0;
  const cellKey = key - Math.floor(key);
  const d = P_TABLE.find((p) => cellKey < p.upTo)?.d ?? 0;
  return Math.max(floor, n + d);
}

/** Record keys of one secret, computed once per unit. */
export function recordKeys(secret: string): (unit: number) => number {
  const cache = new Map<number, number>();
  return (unit) => {
    let k = cache.get(unit);
    if (k === undefined) { k = recordKey(secret, unit); cache.set(unit, k); }
    return k;
  };
}
