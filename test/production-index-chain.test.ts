import { describe, expect, it } from 'vitest';
import { chainLink, contributions, fixedBaseContribution } from '../src/production-index/chain.ts';
import { periodRange } from '../src/calendar.ts';

// Issue 25 §2: the chain-linked index and its contributions against a two-year example worked by
// hand. Classes a and b; base year 1403 (both 100 every month, value added 60 and 40); in 1404 a is
// 108 for six months and 112 for six (mean 110), b 90 (value added 50 and 50); Farvardin 1405:
// a 121, b 99.
//   1404 uses the 1403 shares 0.6/0.4:  L(Esfand 1404) = 0.6·1.12 + 0.4·0.90 = 1.032 → C = 103.2;
//     the annual mean L̄(1404) = 0.6·1.10 + 0.36 = 1.02 → C̄(1404) = 102.
//   Farvardin 1405 uses the 1404 shares 0.5/0.5: L = 0.5·121/110 + 0.5·99/90 = 1.1 → C = 1.1·102 = 112.2
//     (here the fixed 1403 weights happen to give 112.2 too; the second case shows them apart).
//   Growth Esfand → Farvardin = 112.2 ÷ 103.2 − 1 = 0.087209…, contributions
//     a: [1.02·0.5·(1.1 − 1) + 0.6·(110 − 112)/100] ÷ 1.032 = 0.039 ÷ 1.032 = 0.0377907
//     b: [1.02·0.5·(1.1 − 1) + 0.4·(90 − 90)/100] ÷ 1.032 = 0.051 ÷ 1.032 = 0.0494186

const y1403 = periodRange('1403-01', '1403-12');
const y1404 = periodRange('1404-01', '1404-12');
const series = (entries: [string, number][]) => new Map(entries);
const a = series([...y1403.map((p) => [p, 100] as [string, number]), ...y1404.map((p, i) => [p, i < 6 ? 108 : 112] as [string, number]), ['1405-01', 121]]);
const b = series([...y1403.map((p) => [p, 100] as [string, number]), ...y1404.map((p) => [p, 90] as [string, number]), ['1405-01', 99]]);
const weights = new Map([[1403, new Map([['a', 60], ['b', 40]])], [1404, new Map([['a', 50], ['b', 50]])]]);
const periods = [...y1403, ...y1404, '1405-01'];

describe('chain-linked index with annually updated weights', () => {
  it('matches the hand-computed values across the annual link', () => {
    const { index } = chainLink(new Map([['a', a], ['b', b]]), weights, 1403, periods);
    expect(index.get('1403-06')).toBeCloseTo(100, 10);
    expect(index.get('1404-01')).toBeCloseTo(100 * (0.6 * 1.08 + 0.4 * 0.9), 10); // 100.8
    expect(index.get('1404-12')).toBeCloseTo(103.2, 10);
    expect(index.get('1405-01')).toBeCloseTo(112.2, 10);
  });

  it('differs from the fixed-base index once the weights move', () => {
    const b2 = new Map(b);
    b2.set('1405-01', 90);
    const { index } = chainLink(new Map([['a', a], ['b', b2]]), weights, 1403, periods);
    // Chained: (0.5·1.1 + 0.5·1.0)·102 = 107.1; fixed 1403 weights: 0.6·121 + 0.4·90 = 108.6.
    expect(index.get('1405-01')).toBeCloseTo(107.1, 10);
    expect(Math.abs(index.get('1405-01')! - 108.6)).toBeGreaterThan(1);
  });

  it('contributions to growth add up exactly and match the hand computation, across the link and within a year', () => {
    const comps = new Map([['a', a], ['b', b]]);
    const c = contributions(comps, weights, 1403, '1405-01', '1404-12');
    expect(c.get('a')).toBeCloseTo(0.039 / 1.032, 12);
    expect(c.get('b')).toBeCloseTo(0.051 / 1.032, 12);
    const { index } = chainLink(comps, weights, 1403, periods);
    const growth = index.get('1405-01')! / index.get('1404-12')! - 1;
    expect(c.get('a')! + c.get('b')!).toBeCloseTo(growth, 12);
    // Within 1404 (Shahrivar → Mehr): only a moves, 0.6·(112 − 108)/100 ÷ L(Shahrivar) = 0.024 ÷ 1.008.
    const w = contributions(comps, weights, 1403, '1404-07', '1404-06');
    expect(w.get('a')).toBeCloseTo(0.024 / 1.008, 12);
    expect(w.get('b')).toBeCloseTo(0, 12);
    expect(w.get('a')! + w.get('b')!).toBeCloseTo(index.get('1404-07')! / index.get('1404-06')! - 1, 12);
  });

  it('within the base year the contributions are the fixed-base ones the page shows', () => {
    const comps = new Map([['a', a], ['b', b]]);
    const c = contributions(comps, weights, 1403, '1404-07', '1404-06');
    const { index } = chainLink(comps, weights, 1403, periods);
    // In 1404 the aggregate is the fixed 1403-weighted one: share 0.6 of a, aggregate 100.8 in Shahrivar.
    expect(fixedBaseContribution(0.6, 112, 108, index.get('1404-06')!)).toBeCloseTo(c.get('a')!, 12);
  });

  it('refuses to link without the whole previous year', () => {
    const short = new Map(a);
    short.delete('1404-05');
    expect(() => chainLink(new Map([['a', short], ['b', b]]), weights, 1403, periods)).toThrow(/1404/);
  });
});
