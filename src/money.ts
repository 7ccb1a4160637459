import { exactJson } from './numbers.ts';

// Rial amounts exactly (issue 13): one filing's amount is below 9e15 (the forms' limit), so a
// JS number holds it, but sums of them can pass 2^53. Sums are BigInt in TypeScript, `bigint` or
// `numeric` in SQL, and in JSON an integer when it is safe, a decimal string otherwise
// (the OpenAPI's `Money`). Never a float.

/** A Rial amount read from the database (number, decimal text or BigInt) as a BigInt; null → 0. */
export function exactRial(v: unknown): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`not an exact Rial amount: ${v}`);
    return BigInt(v);
  }
  const s = String(v).trim();
  // numeric text of a whole amount may carry a zero fraction ("12.000").
  const m = /^(-?\d+)(?:\.0*)?$/.exec(s);
  if (!m) throw new RangeError(`not an exact Rial amount: ${s}`);
  return BigInt(m[1]);
}

/** The exact sum of amounts; nulls count as nothing. */
export function sumRials(values: Iterable<unknown>): bigint {
  let s = 0n;
  for (const v of values) s += exactRial(v);
  return s;
}

/** `amount × coefficient`, rounded half up to a whole Rial; the coefficient is a setting with at most 6 decimals. */
export function scaleRial(amount: bigint, coefficient: number): bigint {
  return divideHalfUp(amount * BigInt(Math.round(coefficient * 1_000_000)), 1_000_000n);
}

/** n ÷ d (d > 0) to the nearest integer, a half rounded away from zero (2.5 → 3, −2.5 → −3). */
function divideHalfUp(n: bigint, d: bigint): bigint {
  const half = d / 2n;
  return n >= 0n ? (n + half) / d : -((-n + half) / d);
}

/**
 * A Rial amount in whole millions of Rials, as official tables print money: rounded half up
 * (1,500,000 → 2; 1,499,999 → 1) from the exact stored amount, never from a rounded one.
 */
export function rialsToMillions(amount: bigint): bigint {
  return divideHalfUp(amount, 1_000_000n);
}

/** A Rial amount in JSON: the one contract of numbers.ts (an integer when a double holds it, a decimal string otherwise). */
export function rialJson(v: bigint | number | null): number | string | null {
  return v === null ? null : exactJson(exactRial(v));
}
