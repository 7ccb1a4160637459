import { describe, it, expect } from 'vitest';
import { groupDigits, numberWords, rialWords, normalizeNumberInput, normalizePeriodInput, sortFa, compareFa } from '../src/text.ts';
import { digitsBefore, caretAfterDigits } from '../public/numbers.js';
import { parseFiling } from '../src/filings/forms.ts';
import { faFixed } from '../src/numbers.ts';
import { faIndex, faChange } from '../src/production-index/view.ts';

describe('amounts in Persian words', () => {
  it.each([
    [0, 'صفر'],
    [7, 'هفت'],
    [15, 'پانزده'],
    [40, 'چهل'],
    [99, 'نود و نه'],
    [105, 'صد و پنج'],
    [1000, 'هزار'],
    [1200, 'هزار و دویست'],
    [21_000, 'بیست و یک هزار'],
    [1_000_000, 'یک میلیون'],
    [1_200_000_000, 'یک میلیارد و دویست میلیون'],
    [18_700_000_000, 'هجده میلیارد و هفتصد میلیون'],
    [999_999, 'نهصد و نود و نه هزار و نهصد و نود و نه'],
    [2_000_000_000_000, 'دو تریلیون'],
  ])('%d → %s', (n, words) => {
    expect(numberWords(n)).toBe(words);
  });

  it('reads what was typed with any digits and separators', () => {
    expect(rialWords('۱٬۲۰۰٬۰۰۰٬۰۰۰')).toBe('یک میلیارد و دویست میلیون ریال');
    expect(rialWords('١٢٠٠')).toBe('هزار و دویست ریال');
    expect(rialWords('1,200,000')).toBe('یک میلیون و دویست هزار ریال');
    expect(rialWords('')).toBe('');
    expect(rialWords('۱۲الف')).toBe('');
    expect(rialWords('۱٫۵')).toBe('');
  });
});

describe('digit grouping while typing', () => {
  it.each([
    ['1200000', '۱٬۲۰۰٬۰۰۰'],
    ['۱۲۰۰۰۰۰', '۱٬۲۰۰٬۰۰۰'],
    ['١٢٣٤', '۱٬۲۳۴'],
    ['۱٬۲۰', '۱۲۰'],
    ['1,234.5', '۱٬۲۳۴٫۵'],
    ['۱۲۳۴/۵', '۱٬۲۳۴٫۵'],
    ['۱۲۳.', '۱۲۳٫'],
    ['007', '۷'],
    ['', ''],
    ['۱۲x', '۱۲x'],
    ['-5', '-5'],
  ])('%s → %s', (typed, shown) => {
    expect(groupDigits(typed)).toBe(shown);
  });

  it('keeps the caret after the same digit', () => {
    const typed = '۱۲۳۴۵'; // caret after ۴
    const grouped = groupDigits(typed);
    expect(grouped).toBe('۱۲٬۳۴۵');
    expect(caretAfterDigits(grouped, digitsBefore(typed, 4))).toBe(5);
  });

  it('what the form shows, the server reads back', () => {
    for (const typed of ['۱۸٬۷۰۰٬۰۰۰٬۰۰۰', '18,700,000,000', '١٨٧٠٠٠٠٠٠٠٠', '۱۸ ۷۰۰ ۰۰۰ ۰۰۰']) {
      expect(normalizeNumberInput(groupDigits(typed))).toBe('18700000000');
      const r = parseFiling('submit', { employees: '۶۴', production_value: groupDigits(typed), intermediate_consumption: typed, lines: [] });
      expect(r).toMatchObject({ ok: true, data: { production_value: 18_700_000_000, intermediate_consumption: 18_700_000_000 } });
    }
  });
});

describe('a Jalali month as typed', () => {
  it.each([
    ['۱۴۰۵/۰۱', '1405-01'], ['۱۴۰۵-۰۱', '1405-01'], ['١٤٠٥/٠١', '1405-01'], ['1405/1', '1405-01'], ['1405-12', '1405-12'], [' ۱۴۰۵ / ۰۳ ', '1405-03'],
    ['۱۴۰۵۰۱', '140501'], ['abc', 'abc'],
  ])('%s → %s', (typed, period) => {
    expect(normalizePeriodInput(typed)).toBe(period);
  });
});

describe('Persian alphabetical order', () => {
  it('puts چ after ج, and ک, گ before ه (code-point order does not)', () => {
    const names = ['همدان', 'گیلان', 'کرمان', 'چهارمحال و بختیاری', 'یزد', 'آذربایجان شرقی', 'ایلام', 'زنجان', 'جنوب'];
    expect(sortFa(names, (n) => n)).toEqual(['آذربایجان شرقی', 'ایلام', 'جنوب', 'چهارمحال و بختیاری', 'زنجان', 'کرمان', 'گیلان', 'همدان', 'یزد']);
    expect(compareFa('کرمان', 'همدان')).toBeLessThan(0);
    expect([...names].sort()).not.toEqual(sortFa(names, (n) => n));
  });
});

describe('a fixed number of decimals (the index: src/production-index/view.ts)', () => {
  it.each([
    [110, 1, '۱۱۰٫۰'],
    [99.96, 1, '۱۰۰٫۰'],
    [1234.56, 1, '۱٬۲۳۴٫۶'],
    [0.05, 2, '۰٫۰۵'],
  ])('faFixed(%s, %s) = %s', (n, digits, text) => {
    expect(faFixed(n, digits)).toBe(text);
  });
  it('— for no number; the index and its changes through it', () => {
    expect(faFixed(null, 1)).toBe('—');
    expect(faFixed(Number.NaN, 1)).toBe('—');
    expect(faIndex(112.34)).toBe('۱۱۲٫۳');
    expect(faChange(-0.0234)).toBe('−۲٫۳٪');
    expect(faChange(0.1)).toBe('+۱۰٫۰٪');
  });
});
