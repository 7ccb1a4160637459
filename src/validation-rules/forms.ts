import { fa } from '../numbers.ts';
import { z } from 'zod';
import { text, str } from '../forms.ts';
import { isPeriod } from '../calendar.ts';
import { normalizePeriodInput } from '../text.ts';
import { parseExpression, ExpressionError, OPERATORS, MAX_EXPRESSION_LENGTH } from './expression.ts';

// The rule form: each side checked by the parser, its Persian refusal next to its field.
const expression = (label: string) => z.preprocess(
  (v) => str(v).trim(),
  z.string().max(MAX_EXPRESSION_LENGTH, `${label} حداکثر ${fa(MAX_EXPRESSION_LENGTH)} نویسه است.`).superRefine((s, ctx) => {
    try {
      parseExpression(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof ExpressionError ? `${label}: ${e.message}` : `${label} نادرست است.` });
    }
  }),
);

const periodText = (v: unknown) => normalizePeriodInput(str(v));
const periodMessage = (label: string) => `${label} را به شکل سال-ماه بنویسید، مانند ۱۴۰۵-۰۱.`;
const period = (label: string) => z.preprocess(periodText, z.string().refine(isPeriod, periodMessage(label)));
const optionalPeriod = (label: string) => z.preprocess(periodText,
  z.string().refine((s) => s === '' || isPeriod(s), periodMessage(label)).transform((s) => (s === '' ? null : s)));

export const ruleForm = z.object({
  name: text('نام قاعده', 200),
  left_expr: expression('سمت چپ'),
  operator: z.enum(Object.keys(OPERATORS) as [keyof typeof OPERATORS, ...(keyof typeof OPERATORS)[]], { error: 'عملگر را انتخاب کنید.' }),
  right_expr: expression('سمت راست'),
  severity: z.enum(['warning', 'error'], { error: 'شدت را انتخاب کنید.' }),
  message: text('پیام به واحد', 500),
  effective_from: period('دوره آغاز'),
  effective_to: optionalPeriod('دوره پایان'),
}).refine((r) => r.effective_to === null || r.effective_to >= r.effective_from, { path: ['effective_to'], message: 'دوره پایان نمی‌تواند پیش از دوره آغاز باشد.' });

export type RuleForm = z.infer<typeof ruleForm>;

/** What was typed, as the form shows it back. */
export function typedRule(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['name', 'left_expr', 'operator', 'right_expr', 'severity', 'message', 'effective_from', 'effective_to']) {
    out[key] = str(body[key], 600);
  }
  return out;
}
