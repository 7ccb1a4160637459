import type { BaseRow, LpMeasure } from './cube.ts';

// Base rows packed in typed arrays. As objects a row weighs about 250 bytes (its amounts are
// BigInts, each on the heap); a national quarter's 0.7 million product rows took 0.2–0.3 GB of the
// protection thread's heap while the values were protected, though the product families need them
// only afterwards. Packed they take about 30 bytes a row, outside the heap, and a worker thread is
// given them as they are (plain data). The rows come back family by family (products.ts), sharing
// their strings and signature arrays as baseRowsOf made them.

export interface PackedRows {
  length: number;
  measures: LpMeasure[];
  unit: Int32Array;
  owner: Int32Array; // −1: the row names no owner
  province: Uint32Array; // index in names
  category: Uint32Array; // index in names
  sig: Uint32Array; // index in sigs
  names: string[];
  sigs: (readonly number[])[];
  amounts: BigInt64Array; // measures.length a row, in the order of measures
  present: Uint8Array; // 1 where the row has that amount
  wide: Map<number, bigint>; // amounts past 64 bits, by their index in amounts (none in real data; kept exact all the same)
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function packRows(rows: readonly BaseRow[], measures: readonly LpMeasure[]): PackedRows {
  const n = rows.length;
  const m = measures.length;
  const packed: PackedRows = {
    length: n, measures: [...measures],
    unit: new Int32Array(n), owner: new Int32Array(n), province: new Uint32Array(n), category: new Uint32Array(n), sig: new Uint32Array(n),
    names: [], sigs: [], amounts: new BigInt64Array(n * m), present: new Uint8Array(n * m), wide: new Map(),
  };
  const nameIndex = new Map<string, number>();
  const sigIndex = new Map<readonly number[], number>();
  const name = (s: string) => {
    let i = nameIndex.get(s);
    if (i === undefined) { i = packed.names.push(s) - 1; nameIndex.set(s, i); }
    return i;
  };
  rows.forEach((r, i) => {
    packed.unit[i] = r.unit;
    packed.owner[i] = r.owner ?? -1;
    packed.province[i] = name(r.province);
    packed.category[i] = name(r.category);
    let s = sigIndex.get(r.sig);
    if (s === undefined) { s = packed.sigs.push(r.sig) - 1; sigIndex.set(r.sig, s); }
    packed.sig[i] = s;
    for (const measure of Object.keys(r.amounts)) if (!measures.includes(measure as LpMeasure)) throw new Error(`packRows: a row has ${measure}, not one of ${measures.join(', ')}`);
    measures.forEach((measure, j) => {
      const v = r.amounts[measure];
      if (v === undefined) return;
      const at = i * m + j;
      packed.present[at] = 1;
      if (v < INT64_MIN || v > INT64_MAX) packed.wide.set(at, v);
      else packed.amounts[at] = v;
    });
  });
  return packed;
}

/** The rows one at a time, as baseRowsOf made them (buildProblem takes them so: no array of them all at once). */
export function* unpackedRows(p: PackedRows): Generator<BaseRow> {
  for (let i = 0; i < p.length; i++) yield unpackRow(p, i);
}

/** The units of the rows that `release` counts. */
export function unitsCountedBy(p: PackedRows, release: number): Set<number> {
  const units = new Set<number>();
  const counts = p.sigs.map((sig) => sig.includes(release));
  for (let i = 0; i < p.length; i++) if (counts[p.sig[i]]) units.add(p.unit[i]);
  return units;
}

/** Row i as baseRowsOf made it. */
export function unpackRow(p: PackedRows, i: number): BaseRow {
  const amounts: BaseRow['amounts'] = {};
  const m = p.measures.length;
  for (let j = 0; j < m; j++) {
    const at = i * m + j;
    if (p.present[at]) amounts[p.measures[j]] = p.wide.get(at) ?? p.amounts[at];
  }
  const owner = p.owner[i];
  return { unit: p.unit[i], ...(owner === -1 ? {} : { owner }), province: p.names[p.province[i]], category: p.names[p.category[i]], sig: p.sigs[p.sig[i]], amounts };
}
