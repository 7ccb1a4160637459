import { describe, it, expect } from 'vitest';
import { packRows, unitsCountedBy, unpackedRows, unpackRow } from '../src/stats/releases/packed-rows.ts';
import { buildProblem } from '../src/stats/releases/cube.ts';
import { QUANTITY_SPACE } from '../src/stats/releases/products.ts';
import { RULES } from './support/cubes.ts';
import type { BaseRow } from '../src/stats/releases/cube.ts';

// The product rows wait packed while the values are protected (packed-rows.ts): each row must come
// back exactly as it went in, amounts past 64 bits and missing amounts included.
describe('packed base rows', () => {
  const sigA = [1, 2];
  const sigB = [2];
  const rows: BaseRow[] = [
    { unit: 7, owner: 70, province: '23', category: '1071001~kg', sig: sigA, amounts: { quantity: 1_500_000n } },
    { unit: 8, province: '23', category: '1072001~l', sig: sigB, amounts: {} },
    { unit: 9, owner: 70, province: '01', category: '1071001~kg', sig: sigA, amounts: { quantity: 2n ** 70n } },
    { unit: 10, owner: 3, province: '01', category: '1071001~kg', sig: sigB, amounts: { quantity: -(2n ** 63n) - 5n } },
    { unit: 11, owner: 4, province: '01', category: '1072001~l', sig: sigA, amounts: { quantity: 2n ** 63n - 1n } },
  ];

  it('gives every row back as it was: its unit, owner, province, category, signature and amounts', () => {
    const packed = packRows(rows, ['quantity']);
    expect(packed.length).toBe(rows.length);
    expect(rows.map((_, i) => unpackRow(packed, i))).toEqual(rows);
    expect(unpackRow(packed, 1)).not.toHaveProperty('owner');
    expect(unpackRow(packed, 1).amounts).not.toHaveProperty('quantity');
  });

  it('keeps one copy of each string and signature, and amounts past 64 bits apart', () => {
    const packed = packRows(rows, ['quantity']);
    expect(packed.names.sort()).toEqual(['01', '1071001~kg', '1072001~l', '23']);
    expect(packed.sigs).toHaveLength(2);
    expect(unpackRow(packed, 0).sig).toBe(unpackRow(packed, 2).sig);
    expect(packed.wide.size).toBe(2);
  });

  it('gives the rows one at a time in order, and a problem built from them is the one built from the rows', () => {
    const packed = packRows(rows, ['quantity']);
    expect([...unpackedRows(packed)]).toEqual(rows);
    const releases = [{ id: 1, months: 1, published: null }, { id: 2, months: 1, published: new Set<string>() }];
    const plain = buildProblem(rows, releases, RULES, QUANTITY_SPACE);
    const fromPacked = buildProblem(unpackedRows(packed), releases, RULES, QUANTITY_SPACE);
    expect(fromPacked.bases).toEqual(plain.bases);
    expect(fromPacked.targets).toEqual(plain.targets);
  });

  it('counts the units of the rows a release counts (its contributors)', () => {
    const packed = packRows(rows, ['quantity']);
    expect([...unitsCountedBy(packed, 1)].sort((a, b) => a - b)).toEqual([7, 9, 11]);
    expect([...unitsCountedBy(packed, 2)].sort((a, b) => a - b)).toEqual([7, 8, 9, 10, 11]);
    expect(unitsCountedBy(packed, 3).size).toBe(0);
  });

  it('refuses a row with an amount it was not asked to keep, rather than lose it', () => {
    expect(() => packRows(rows, ['production_value'])).toThrow(/quantity/);
  });

  it('survives the copy a worker thread is given (structured clone)', () => {
    const packed = structuredClone(packRows(rows, ['quantity']));
    expect(rows.map((_, i) => unpackRow(packed, i))).toEqual(rows);
  });
});
