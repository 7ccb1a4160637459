import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { failsPrimary, failsPrimaryInFloats, isSensitive, VALUE_SPACE, type Amounts, type BaseCell } from '../src/stats/releases/cube.ts';
import { RULES } from './support/cubes.ts';

// The primary rule decided in float64 (cube.ts failsPrimaryInFloats, session 15) must say what the
// BigInt rule says whenever it answers, and must not answer when a float64 could not hold the sums.

const amounts = (pv: bigint, ic: bigint, emp: bigint): Amounts => ({ production_value: pv, intermediate_consumption: ic, employees: emp, quantity: 0n, index_volume: 0n });

function cell(index: number, owners: [number, Amounts][]): BaseCell {
  const total = amounts(0n, 0n, 0n);
  for (const [, a] of owners) { total.production_value += a.production_value; total.intermediate_consumption += a.intermediate_consumption; total.employees += a.employees; }
  return { index, province: '23', category: '1071', sig: [1], units: new Set(owners.map(([o]) => o)), owners: new Map(owners), total };
}

/** The rule in BigInt, contributor by contributor, as sensitivityOf applies it. */
function failsInBigInt(bases: readonly BaseCell[]): boolean {
  const per = new Map<number, Amounts>();
  for (const b of bases) {
    for (const [o, a] of b.owners) {
      const acc = per.get(o) ?? amounts(0n, 0n, 0n);
      acc.production_value += a.production_value; acc.intermediate_consumption += a.intermediate_consumption; acc.employees += a.employees;
      per.set(o, acc);
    }
  }
  const list = [...per.values()];
  if (list.length === 0) return false;
  return list.length < RULES.minUnits || VALUE_SPACE.measures.some((m) => failsPrimary(list.map((a) => a[m]), RULES)) || failsPrimary(list.map((a) => a.production_value - a.intermediate_consumption), RULES);
}

const big = fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 2n ** 50n, max: 2n ** 54n }));

describe('the primary rule in float64 (cube.ts)', () => {
  it('answers as the BigInt rule does, or not at all when the sums could leave what a float64 holds exactly', () => {
    fc.assert(fc.property(
      // Intermediate consumption either drawn on its own or a little below production value, so that value added alone can fail.
      fc.array(fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), big, big, fc.boolean(), fc.bigInt({ min: 0n, max: 500n })), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }),
      (spec) => {
        const ic = (pv: bigint, other: bigint, near: boolean) => (near ? (pv > other % 1000n ? pv - (other % 1000n) : 0n) : other);
        const bases = spec.map((owners, i) => cell(i, owners.map(([o, pv, other, near, emp]) => [o, amounts(pv, ic(pv, other, near), emp)] as [number, Amounts])));
        const fast = failsPrimaryInFloats(bases, RULES, VALUE_SPACE.measures);
        if (fast !== null) expect(fast).toBe(failsInBigInt(bases));
        // Sums past 2^52 are left to BigInt.
        const pvSum = bases.reduce((s, b) => s + [...b.owners.values()].reduce((t, a) => t + a.production_value, 0n), 0n);
        if (pvSum >= 2n ** 52n) expect(fast).toBeNull();
        expect(isSensitive(bases, RULES)).toBe(failsInBigInt(bases));
      },
    ), { numRuns: 2000 });
  });

  it('a national-sized cell of many equal owners passes in floats; one dominant owner fails; sums of 2^53 are not decided', () => {
    const many = cell(0, Array.from({ length: 50 }, (_, i) => [i + 1, amounts(1_000_000n, 400_000n, 10n)] as [number, Amounts]));
    expect(failsPrimaryInFloats([many], RULES, VALUE_SPACE.measures)).toBe(false);
    const dominated = cell(1, [[1, amounts(10n ** 9n, 1n, 1n)], [2, amounts(1n, 1n, 1n)], [3, amounts(1n, 1n, 1n)]]);
    expect(failsPrimaryInFloats([dominated], RULES, VALUE_SPACE.measures)).toBe(true);
    // Production value, consumption and employees even; value added (1, 1, 900) dominated by one owner.
    const valueAdded = cell(3, [[1, amounts(1000n, 999n, 5n)], [2, amounts(1000n, 999n, 5n)], [3, amounts(1000n, 100n, 5n)]]);
    expect(failsPrimaryInFloats([valueAdded], RULES, VALUE_SPACE.measures)).toBe(true);
    expect(failsInBigInt([valueAdded])).toBe(true);
    const huge = cell(2, [[1, amounts(2n ** 53n, 0n, 1n)], [2, amounts(2n ** 53n, 0n, 1n)], [3, amounts(2n ** 53n + 1n, 0n, 1n)]]);
    expect(failsPrimaryInFloats([huge], RULES, VALUE_SPACE.measures)).toBeNull();
    expect(isSensitive([huge], RULES)).toBe(failsInBigInt([huge]));
  });
});
