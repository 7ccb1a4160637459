import { fa } from '../numbers.ts';
import { latinDigits } from '../text.ts';

// Issue 24 §3: the statistics office writes a rule's sides as arithmetic over a filing's figures,
// e.g. `intermediate_consumption <= production_value * 0.95`. A small recursive-descent parser
// (numbers, the names below, + − × ÷, parentheses, unary minus) — never eval — that answers a bad
// expression in Persian with where it went wrong.
//
//   expr   := term (('+' | '-') term)*
//   term   := factor (('*' | '/') factor)*
//   factor := number | name | '(' expr ')' | '-' factor

export const FIGURES = {
  employees: 'کارکنان',
  production_value: 'ارزش تولید',
  intermediate_consumption: 'مصرف واسطه',
  value_added: 'ارزش افزوده',
  produced: 'جمع مقدار تولید',
  sold: 'جمع مقدار فروش',
  sales_value: 'جمع ارزش فروش',
} as const;
export type Figure = keyof typeof FIGURES;
export type Figures = Record<Figure, number | null>;

export type Expr =
  | { kind: 'num'; value: number }
  | { kind: 'var'; name: Figure }
  | { kind: 'neg'; of: Expr }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/'; left: Expr; right: Expr };

export const MAX_EXPRESSION_LENGTH = 300;
const MAX_DEPTH = 30;

export class ExpressionError extends Error {}

/** Persian digits, × and ÷ and Persian decimal separators read as their ASCII forms. */
function normalize(s: string): string {
  return latinDigits(s).replace(/×/g, '*').replace(/÷/g, '/').replace(/[٫]/g, '.').replace(/[\u200c\u200e\u200f]/g, '');
}

export function parseExpression(input: string): Expr {
  const src = normalize(input);
  if (!src.trim()) throw new ExpressionError('عبارت را بنویسید.');
  if (src.length > MAX_EXPRESSION_LENGTH) throw new ExpressionError(`عبارت حداکثر ${fa(MAX_EXPRESSION_LENGTH)} نویسه است.`);
  let i = 0;
  const at = () => `(نویسه ${fa(i + 1)})`;
  const skip = () => { while (src[i] === ' ' || src[i] === '\t') i++; };
  const expr = (depth: number): Expr => {
    if (depth > MAX_DEPTH) throw new ExpressionError('عبارت بیش از اندازه تو در تو است.');
    let left = term(depth);
    for (skip(); src[i] === '+' || src[i] === '-'; skip()) {
      const op = src[i++] as '+' | '-';
      left = { kind: 'bin', op, left, right: term(depth) };
    }
    return left;
  };
  const term = (depth: number): Expr => {
    let left = factor(depth);
    for (skip(); src[i] === '*' || src[i] === '/'; skip()) {
      const op = src[i++] as '*' | '/';
      left = { kind: 'bin', op, left, right: factor(depth) };
    }
    return left;
  };
  const factor = (depth: number): Expr => {
    skip();
    const c = src[i];
    if (c === undefined) throw new ExpressionError(`عبارت ناتمام است؛ پس از آخرین عملگر عدد یا نام رقمی لازم است ${at()}.`);
    if (c === '-') { i++; return { kind: 'neg', of: factor(depth + 1) }; }
    if (c === '(') {
      i++;
      const inner = expr(depth + 1);
      skip();
      if (src[i] !== ')') throw new ExpressionError(`پرانتز بسته نشده است ${at()}.`);
      i++;
      return inner;
    }
    const num = /^\d+(\.\d+)?/.exec(src.slice(i));
    if (num) { i += num[0].length; return { kind: 'num', value: Number(num[0]) }; }
    const name = /^[a-z_]+/.exec(src.slice(i));
    if (name) {
      if (!(name[0] in FIGURES)) throw new ExpressionError(`«${name[0]}» رقمی از اظهارنامه نیست؛ نام‌های مجاز: ${Object.keys(FIGURES).join('، ')} ${at()}.`);
      i += name[0].length;
      return { kind: 'var', name: name[0] as Figure };
    }
    throw new ExpressionError(`نویسه «${c}» در این‌جا پذیرفته نیست ${at()}.`);
  };
  const tree = expr(0);
  skip();
  if (i < src.length) throw new ExpressionError(src[i] === ')' ? `پرانتز بسته اضافی است ${at()}.` : `پس از پایان عبارت نویسه «${src[i]}» آمده است ${at()}.`);
  return tree;
}

/** The value of an expression, or null when a figure it reads is missing or it divides by zero. */
export function evaluate(e: Expr, figures: Figures): number | null {
  switch (e.kind) {
    case 'num': return e.value;
    case 'var': return figures[e.name];
    case 'neg': { const v = evaluate(e.of, figures); return v === null ? null : -v; }
    case 'bin': {
      const a = evaluate(e.left, figures);
      const b = evaluate(e.right, figures);
      if (a === null || b === null) return null;
      if (e.op === '/') return b === 0 ? null : a / b;
      return e.op === '+' ? a + b : e.op === '-' ? a - b : a * b;
    }
  }
}

export const OPERATORS = { '<': 'کمتر از', '<=': 'کمتر یا برابر', '>': 'بیشتر از', '>=': 'بیشتر یا برابر', '=': 'برابر', '!=': 'نابرابر' } as const;
export type Operator = keyof typeof OPERATORS;

/** Whether `left op right` holds; null (the rule is skipped) when either side has no value. */
export function holds(left: number | null, op: Operator, right: number | null): boolean | null {
  if (left === null || right === null) return null;
  switch (op) {
    case '<': return left < right;
    case '<=': return left <= right;
    case '>': return left > right;
    case '>=': return left >= right;
    case '=': return Math.abs(left - right) <= 1e-9 * Math.max(1, Math.abs(left), Math.abs(right));
    case '!=': return Math.abs(left - right) > 1e-9 * Math.max(1, Math.abs(left), Math.abs(right));
  }
}
