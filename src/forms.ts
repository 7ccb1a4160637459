import { z } from 'zod';
import { normalizeText, normalizeNumberInput, normalizeIdentifier, latinDigits } from './text.ts';

// Building blocks for zod schemas of forms: every field is normalised (Persian letters and
// digits) before it is checked, and every message is Persian.

export type FieldErrors = Record<string, string>;
export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

export const text = (label: string, max = 200) =>
  z.preprocess((v) => normalizeText(str(v)), z.string().min(1, `${label} را وارد کنید.`).max(max, `${label} حداکثر ${max} نویسه است.`));

export const optionalText = (label: string, max = 500) =>
  z.preprocess((v) => normalizeText(str(v)), z.string().max(max, `${label} حداکثر ${max} نویسه است.`));

export const digits = (label: string, length: number) =>
  z.preprocess((v) => normalizeIdentifier(str(v)), z.string().min(1, `${label} را وارد کنید.`).regex(new RegExp(`^\\d{${length}}$`), `${label} باید ${length} رقم باشد.`));

/** A non-negative amount typed with any digits and separators; empty → error. */
export const amount = (label: string, opts: { integer?: boolean; max?: number } = {}) =>
  z.preprocess(
    (v) => {
      const s = normalizeNumberInput(str(v));
      if (s === '') return undefined;
      return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : Number.NaN;
    },
    z.number({ error: (iss) => (iss.input === undefined ? `${label} را وارد کنید.` : `${label} باید عدد باشد.`) })
      .refine((n) => !Number.isNaN(n), `${label} باید عدد باشد.`)
      .refine((n) => n >= 0, `${label} نمی‌تواند منفی باشد.`)
      .refine((n) => !opts.integer || Number.isInteger(n), `${label} باید عدد صحیح باشد.`)
      .refine((n) => n <= (opts.max ?? 1e15), `${label} بیش از حد بزرگ است.`),
  );

export const email = (label = 'پست الکترونیکی') =>
  z.preprocess((v) => latinDigits(str(v)).trim().toLowerCase(), z.string().min(1, `${label} را وارد کنید.`).max(200, `${label} بیش از حد بلند است.`).email(`${label} معتبر نیست.`));

export const password = (label = 'گذرواژه') =>
  z.string({ error: `${label} را وارد کنید.` }).min(10, `${label} باید دست‌کم ۱۰ نویسه باشد.`).max(200, `${label} بیش از حد بلند است.`);

/** Runs a schema; errors become one Persian message per field (dotted path for nested fields). */
export function parseForm<T>(schema: z.ZodType<T>, input: unknown): FormResult<T> {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, data: r.data };
  const errors: FieldErrors = {};
  for (const issue of r.error.issues) {
    const key = issue.path.map(String).join('.') || '_form';
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}

/** Raised by model functions for an expected, user-facing refusal tied to a field. */
export class FormError extends Error {
  constructor(public readonly errors: FieldErrors) {
    super(Object.values(errors).join(' '));
  }
}
