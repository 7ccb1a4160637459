import { describe, it, expect } from 'vitest';
import { isValidNationalCode, isValidLegalEntityId, isValidPostalCode } from '../src/identifiers.ts';
import { latinDigits, normalizeLetters, normalizeNumberInput, normalizeText, persianDigits } from '../src/text.ts';
import { legalEntityId } from './support/factories.ts';

describe('کد ملی', () => {
  it.each(['0499370899', '0790419904'])('accepts %s', (c) => expect(isValidNationalCode(c)).toBe(true));
  it.each(['1234567890', '0000000000', '1111111111', '049937089', '04993708990', '049937089a'])('rejects %s', (c) => expect(isValidNationalCode(c)).toBe(false));
});

describe('شناسه ملی', () => {
  it('accepts 10380284790 and rejects a wrong check digit', () => {
    expect(isValidLegalEntityId('10380284790')).toBe(true);
    expect(isValidLegalEntityId('10380284792')).toBe(false);
  });
  it('rejects identifiers whose digits 4–9 are all zero, and wrong lengths', () => {
    expect(isValidLegalEntityId('10300000000')).toBe(false);
    expect(isValidLegalEntityId('1038028479')).toBe(false);
  });
  it('the test factory makes valid ones', () => {
    for (let i = 0; i < 50; i++) expect(isValidLegalEntityId(legalEntityId(i * 7919))).toBe(true);
  });
});

describe('digits and letters', () => {
  it('maps Persian and Arabic-Indic digits to Latin', () => {
    expect(latinDigits('۰۴۹۹۳۷۰۸۹۹')).toBe('0499370899');
    expect(latinDigits('٠٤٩٩')).toBe('0499');
    expect(persianDigits('1404/08/08')).toBe('۱۴۰۴/۰۸/۰۸');
  });
  it('reads amounts with Persian separators', () => {
    expect(normalizeNumberInput('۱٬۲۰۰٬۰۰۰')).toBe('1200000');
    expect(normalizeNumberInput('1,200,000')).toBe('1200000');
    expect(normalizeNumberInput('۱۲٫۵')).toBe('12.5');
  });
  it('stores Arabic ي and ك as Persian ی and ک, keeps ZWNJ, drops bidi overrides', () => {
    expect(normalizeLetters('شركت كيان')).toBe('شرکت کیان');
    expect(normalizeText('فرآورده\u200cهای \u202eلبنی')).toBe('فرآورده\u200cهای لبنی');
  });
  it('accepts postal codes of exactly ten digits', () => {
    expect(isValidPostalCode('1234567890')).toBe(true);
    expect(isValidPostalCode('123456789')).toBe(false);
  });
});
