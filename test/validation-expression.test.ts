import { describe, it, expect } from 'vitest';
import { parseExpression, evaluate, holds, ExpressionError, type Figures } from '../src/validation-rules/expression.ts';

// Issue 24 §3 (started): the expressions of the statistics office's validation rules.

const figures: Figures = { employees: 165, production_value: 1000, intermediate_consumption: 700, value_added: 300, produced: 80, sold: 70, sales_value: 900 };
const value = (s: string, f: Partial<Figures> = {}) => evaluate(parseExpression(s), { ...figures, ...f });
const refusal = (s: string) => {
  try {
    parseExpression(s);
  } catch (e) {
    expect(e).toBeInstanceOf(ExpressionError);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${s}`);
};

describe('rule expressions', () => {
  it('arithmetic with precedence, parentheses, unary minus and the filing\'s figures', () => {
    expect(value('production_value * 0.95')).toBe(950);
    expect(value('1 + 2 * 3')).toBe(7);
    expect(value('(1 + 2) * 3')).toBe(9);
    expect(value('10 - 4 - 3')).toBe(3);
    expect(value('-employees + 200')).toBe(35);
    expect(value('sales_value / sold')).toBeCloseTo(900 / 70);
  });

  it('Persian digits, × and ÷ and the Persian decimal separator are read', () => {
    expect(value('production_value × ۰٫۵')).toBe(500);
    expect(value('production_value ÷ ۴')).toBe(250);
  });

  it('a missing figure or a division by zero gives no value: the rule is skipped', () => {
    expect(value('employees * 2', { employees: null })).toBeNull();
    expect(value('sales_value / sold', { sold: 0 })).toBeNull();
    expect(holds(null, '<', 3)).toBeNull();
    expect(holds(2, '<', 3)).toBe(true);
    expect(holds(3, '<', 3)).toBe(false);
    expect(holds(0.1 + 0.2, '=', 0.3)).toBe(true);
  });

  it('a bad expression is refused in Persian, saying where', () => {
    expect(refusal('')).toBe('عبارت را بنویسید.');
    expect(refusal('production_value *')).toContain('ناتمام');
    expect(refusal('(1 + 2')).toContain('پرانتز بسته نشده');
    expect(refusal('1 + 2)')).toContain('پرانتز بسته اضافی');
    expect(refusal('profit * 2')).toContain('«profit» رقمی از اظهارنامه نیست');
    expect(refusal('process.exit()')).toContain('رقمی از اظهارنامه نیست');
    expect(refusal('1; drop table filings')).toContain('«;»');
    expect(refusal('x'.repeat(301))).toContain('حداکثر');
    expect(refusal('('.repeat(40) + '1' + ')'.repeat(40))).toContain('تو در تو');
  });
});
