import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fa, faExact, rial, exactJson, canonicalDecimal } from '../src/numbers.ts';
import { rialJson } from '../src/money.ts';
import { str } from '../src/forms.ts';
import { groupDigits } from '../public/numbers.js';

// src/numbers.ts (issue 26): one Persian formatter family and one JSON contract for amounts and
// quantities, exact however large; and src/forms.ts's one reading of a raw input field.

const intl = new Intl.NumberFormat('fa-IR', { maximumFractionDigits: 3 });

describe('Persian numbers', () => {
  it('decimal text is written exactly as Intl writes the same number, sign and separators included', () => {
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 999 }), (whole, thousandths) => {
      const text = `${whole < 0 ? '-' : ''}${Math.abs(whole)}.${String(thousandths).padStart(3, '0')}`;
      expect(fa(text)).toBe(intl.format(Number(text)));
    }));
  });

  it('the browser groups what is typed into the very same characters (public/numbers.js)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.integer({ min: 0, max: 999 }), (whole, thousandths) => {
      const text = canonicalDecimal(`${whole}.${String(thousandths).padStart(3, '0')}`);
      expect(groupDigits(text)).toBe(fa(text));
    }));
  });

  it('beyond a double: every digit kept, grouped by three', () => {
    expect(fa('12345678901234567890.125')).toBe('۱۲٬۳۴۵٬۶۷۸٬۹۰۱٬۲۳۴٬۵۶۷٬۸۹۰٫۱۲۵');
    expect(fa(12345678901234567890n)).toBe('۱۲٬۳۴۵٬۶۷۸٬۹۰۱٬۲۳۴٬۵۶۷٬۸۹۰');
    expect(rial('9007199254740993')).toBe('۹٬۰۰۷٬۱۹۹٬۲۵۴٬۷۴۰٬۹۹۳ ریال');
  });

  it('trailing zeros of numeric text go, a negative zero is zero, nothing is — and non-numbers are only re-digited', () => {
    expect(fa('12.500')).toBe('۱۲٫۵');
    expect(fa('-0.000')).toBe('۰');
    expect([fa(null), fa(undefined), fa('')]).toEqual(['—', '—', '—']);
    expect(fa('12a')).toBe('۱۲a');
  });

  it('a stored quantity keeps every decimal it has (faExact), and is written as fa writes it where fa does not round', () => {
    expect(faExact('1500.500000')).toBe('۱٬۵۰۰٫۵');
    expect(faExact('0.000001')).toBe('۰٫۰۰۰۰۰۱');
    expect(faExact('123456789012345678.123456')).toBe('۱۲۳٬۴۵۶٬۷۸۹٬۰۱۲٬۳۴۵٬۶۷۸٫۱۲۳۴۵۶');
    expect(faExact(12345678901234567890n)).toBe(fa(12345678901234567890n));
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.integer({ min: 0, max: 999 }), (whole, thousandths) => {
      const text = `${whole < 0n ? '-' : ''}${whole < 0n ? -whole : whole}.${String(thousandths).padStart(3, '0')}`;
      expect(faExact(text)).toBe(fa(text));
    }));
  });
});

describe('the JSON contract', () => {
  it('a number when a double holds it exactly, the exact decimal text otherwise', () => {
    expect(exactJson('12.500')).toBe(12.5);
    expect(exactJson('0.1')).toBe(0.1);
    expect(exactJson('9007199254740991')).toBe(9007199254740991);
    expect(exactJson('9007199254740993')).toBe('9007199254740993');
    expect(exactJson(9007199254740993n)).toBe('9007199254740993');
    expect(exactJson('123456789012345.678')).toBe('123456789012345.678');
    expect(exactJson(null)).toBeNull();
    expect(() => exactJson('1e5')).toThrow(RangeError);
    expect(() => exactJson(Number.NaN)).toThrow(RangeError);
  });

  it('round-trips through JSON to the same decimal, whatever it is', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.integer({ min: 0, max: 3 }), (units, scale) => {
      const sign = units < 0n ? '-' : '';
      const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
      const text = scale ? `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}` : `${sign}${digits}`;
      const back = JSON.parse(JSON.stringify(exactJson(text))) as number | string;
      expect(typeof back === 'number' ? canonicalDecimal(String(back)) : back).toBe(canonicalDecimal(text));
    }));
  });

  it('Rials follow it: an integer, or a string past 2^53', () => {
    expect(rialJson(12_500)).toBe(12500);
    expect(rialJson(12n)).toBe(12);
    expect(rialJson(2n ** 60n)).toBe((2n ** 60n).toString());
  });
});

describe('one input field as text', () => {
  it('a string as sent, a JSON number as its text, anything else as empty: a field sent twice is no field', () => {
    expect(str('abc')).toBe('abc');
    expect(str(12.5)).toBe('12.5');
    expect(str(true)).toBe('true');
    expect(str(['1', '2'])).toBe('');
    expect(str({ a: '1' })).toBe('');
    expect(str(undefined)).toBe('');
    expect(str(null)).toBe('');
    expect(str(Number.NaN)).toBe('');
    expect(str('abcdef', 3)).toBe('abc');
  });
});
