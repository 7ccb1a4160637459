import { z } from 'zod';
import { amount, parseForm, type FieldErrors } from '../forms.ts';
import { normalizeNumberInput, misplacedComma } from '../text.ts';

// DESIGN §5: the content of a filing, as typed in the form or sent by the API. A draft may leave
// fields empty; a submission needs every one. Amounts accept Persian digits and separators.

export interface FilingLineInput {
  product_id: number;
  produced: number | null;
  sold: number | null;
  sales_value: number | null;
}

export interface FilingInput {
  employees: number | null;
  production_value: number | null;
  intermediate_consumption: number | null;
  lines: FilingLineInput[];
}

export type FilingMode = 'draft' | 'submit';

const LIMITS = {
  employees: { integer: true, max: 1_000_000 },
  rial: { integer: true, max: 9e15 },
  // numeric(18,3): fifteen digits before the point, three after (issue 12 §7).
  quantity: { integer: false, max: 999_999_999_999_999, scale: 3 },
} as const;

const isEmpty = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** A required amount on submission; on a draft an empty field is stored as null. */
function field(label: string, limits: { integer: boolean; max: number; scale?: number }, mode: FilingMode) {
  const base = amount(label, limits);
  return mode === 'submit' ? base : z.preprocess((v) => (isEmpty(v) ? undefined : v), base.optional()).transform((v) => v ?? null);
}

// Built once per mode: building a zod schema costs more than using it (bench/RESULTS.md).
const schemas = new Map<FilingMode, ReturnType<typeof buildFilingSchema>>();

export function filingSchema(mode: FilingMode) {
  let schema = schemas.get(mode);
  if (!schema) {
    schema = buildFilingSchema(mode);
    schemas.set(mode, schema);
  }
  return schema;
}

function buildFilingSchema(mode: FilingMode) {
  const line = z.object({
    product_id: z.coerce.number({ error: 'محصول نامعتبر است.' }).int('محصول نامعتبر است.').positive('محصول نامعتبر است.'),
    produced: field('مقدار تولید', LIMITS.quantity, mode),
    sold: field('مقدار فروش', LIMITS.quantity, mode),
    sales_value: field('ارزش فروش', LIMITS.rial, mode),
  });
  return z.object({
    employees: field('شمار کارکنان', LIMITS.employees, mode),
    production_value: field('ارزش تولید', LIMITS.rial, mode),
    intermediate_consumption: field('مصرف واسطه', LIMITS.rial, mode),
    lines: z.array(line, { error: 'ردیف‌های محصول ارسال نشده است.' }).max(500),
  });
}

/** The form's fields arrive as `lines[0][produced]`…; qs may give an object keyed by index. */
export function linesFromBody(raw: unknown): unknown[] {
  if (Array.isArray(raw)) return raw;
  if (raw && typeof raw === 'object') {
    return Object.entries(raw as Record<string, unknown>)
      .filter(([k]) => /^\d+$/.test(k))
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, v]) => v);
  }
  return [];
}

export function parseFiling(mode: FilingMode, body: Record<string, unknown>): { ok: true; data: FilingInput } | { ok: false; errors: FieldErrors } {
  const input = {
    employees: body.employees,
    production_value: body.production_value,
    intermediate_consumption: body.intermediate_consumption,
    lines: Array.isArray(body.lines) || (body.lines && typeof body.lines === 'object') ? linesFromBody(body.lines) : body.lines,
  };
  const r = parseForm(filingSchema(mode), input);
  return r.ok ? { ok: true, data: r.data as FilingInput } : r;
}

export type FieldCode = 'required' | 'decimal_comma' | 'not_a_number' | 'negative' | 'not_integer' | 'too_precise' | 'too_large' | 'invalid';

/** The machine-readable code of an amount error (the API answers a code per field beside the message). */
export function amountErrorCode(raw: unknown, integer: boolean): FieldCode {
  if (isEmpty(raw)) return 'required';
  if (typeof raw !== 'string' && typeof raw !== 'number') return 'invalid';
  const s = normalizeNumberInput(String(raw));
  if (misplacedComma(s)) return 'decimal_comma';
  if (!/^-?\d+(\.\d+)?$/.test(s)) return 'not_a_number';
  const n = Number(s);
  if (n < 0) return 'negative';
  if (integer && !Number.isInteger(n)) return 'not_integer';
  if ((s.split('.')[1] ?? '').replace(/0+$/, '').length > 3) return 'too_precise';
  return 'too_large';
}

const INTEGER_FIELDS = new Set(['employees', 'production_value', 'intermediate_consumption', 'sales_value']);
const AMOUNT_FIELDS = new Set([...INTEGER_FIELDS, 'produced', 'sold']);

/** Field errors keyed `lines.0.produced` → `{code, message}` by looking again at what was sent. */
export function errorsWithCodes(body: Record<string, unknown>, errors: FieldErrors): Record<string, { code: string; message: string }> {
  const out: Record<string, { code: string; message: string }> = {};
  const lines = linesFromBody(body.lines);
  for (const [key, message] of Object.entries(errors)) {
    const parts = key.split('.');
    const name = parts.at(-1) ?? '';
    let raw: unknown;
    if (parts[0] === 'lines' && parts.length === 3) raw = (lines[Number(parts[1])] as Record<string, unknown> | undefined)?.[name];
    else if (parts.length === 1) raw = body[name];
    const code = AMOUNT_FIELDS.has(name) ? amountErrorCode(raw, INTEGER_FIELDS.has(name)) : 'invalid';
    out[key] = { code, message };
  }
  return out;
}
