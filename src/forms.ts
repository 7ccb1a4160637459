import type { Request, Response, RequestHandler } from 'express';
import { z } from 'zod';
import { normalizeText, normalizeNumberInput, latinDigits, persianDigits, misplacedComma, decimalCommaMessage } from './text.ts';
import { weakPasswordReason } from './auth/password-policy.ts';
import { NotFoundError } from './errors.ts';

// Building blocks for zod schemas of forms: every field is normalised (Persian letters and
// digits) before it is checked, and every message is Persian.

export type FieldErrors = Record<string, string>;
export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

/**
 * One input field as text: a string as sent, a JSON number or boolean as its text, anything else
 * (missing, null, an object, a field sent twice as `?x=1&x=2`) as ''. Cut to `max` characters
 * when given. The one reading of a raw field in the portal: every form, query and API body.
 */
export function str(v: unknown, max?: number): string {
  const s = typeof v === 'string' ? v : (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : '';
  return max === undefined ? s : s.slice(0, max);
}

export const text = (label: string, max = 200) =>
  z.preprocess((v) => normalizeText(str(v)), z.string().min(1, `${label} را وارد کنید.`).max(max, `${label} حداکثر ${max} نویسه است.`));

export const optionalText = (label: string, max = 500) =>
  z.preprocess((v) => normalizeText(str(v)), z.string().max(max, `${label} حداکثر ${max} نویسه است.`));

/**
 * A non-negative amount typed with any digits and separators; empty → error. `max` is the column's
 * range, `scale` its decimals (numeric(18,3): below 1e15, three decimals); more decimals than the
 * column keeps are refused, never rounded away (issue 12 §7).
 */
export const amount = (label: string, opts: { integer?: boolean; max?: number; scale?: number } = {}) => {
  const scale = opts.integer ? 0 : opts.scale ?? 3;
  const max = opts.max ?? 999_999_999_999_999;
  return z.preprocess(
    (v) => {
      const s = normalizeNumberInput(str(v));
      return s === '' ? undefined : s;
    },
    z.string({ error: `${label} را وارد کنید.` })
      .superRefine((s, ctx) => {
        const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
        if (misplacedComma(s)) return fail(decimalCommaMessage(label));
        if (!/^-?\d+(\.\d+)?$/.test(s)) return fail(`${label} باید عدد باشد.`);
        const n = Number(s);
        if (n < 0) return fail(`${label} نمی‌تواند منفی باشد.`);
        const decimals = (s.split('.')[1] ?? '').replace(/0+$/, '').length;
        if (opts.integer && decimals > 0) return fail(`${label} باید عدد صحیح باشد.`);
        if (decimals > scale) return fail(`${label} حداکثر ${persianDigits(scale)} رقم اعشار می‌پذیرد.`);
        if (!(n <= max)) return fail(`${label} بیش از حد بزرگ است؛ بیشترین مقدار ${persianDigits(new Intl.NumberFormat('en-US', { maximumFractionDigits: 0, useGrouping: false }).format(max))} است.`);
      })
      .transform(Number),
  );
};

/** Years the system knows (the circular is of 1387; nothing is filed before, nor centuries ahead). */
export const SYSTEM_YEARS = { first: 1380, last: 1499 } as const;
export const isSystemYear = (y: number): boolean => Number.isInteger(y) && y >= SYSTEM_YEARS.first && y <= SYSTEM_YEARS.last;

/** An email as stored and compared: Latin digits, trimmed, lower case. */
export const normalizeEmail = (typed: string): string => latinDigits(typed).trim().toLowerCase();

export const email = (label = 'پست الکترونیکی') =>
  z.preprocess((v) => normalizeEmail(str(v)), z.string().min(1, `${label} را وارد کنید.`).max(200, `${label} بیش از حد بلند است.`).email(`${label} معتبر نیست.`));

export const password = (label = 'گذرواژه') =>
  z.string({ error: `${label} را وارد کنید.` }).min(10, `${label} باید دست‌کم ۱۰ نویسه باشد.`).max(200, `${label} بیش از حد بلند است.`)
    .superRefine((p, ctx) => {
      const reason = weakPasswordReason(p);
      if (reason) ctx.addIssue({ code: 'custom', message: reason });
    });

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

/**
 * The way back to a list (its filter, search and page) after an action: `back` comes from a link
 * or a form, so it is read as an address of `path` and rebuilt from its parsed query by `rebuild`;
 * anything else (another path, another host) is the plain list.
 */
export function backToList(back: unknown, path: string, rebuild: (query: Record<string, string>) => string): string {
  if (typeof back !== 'string' || !back.startsWith(path) || back.length > 1000) return path;
  let url: URL;
  try { url = new URL(back, 'http://portal.invalid'); } catch { return path; }
  if (url.origin !== 'http://portal.invalid' || url.pathname !== path) return path;
  return rebuild(Object.fromEntries(url.searchParams));
}

/** A route's numeric id parameter: digits only, within PostgreSQL's integer; anything else is no such row (404). */
export function idParam(req: Request, name = 'id'): number {
  const raw = String(req.params[name] ?? '');
  if (!/^\d{1,9}$/.test(raw)) throw new NotFoundError();
  return Number(raw);
}

export interface FormErrorOptions {
  /** 422 unless told (409 for a conflict, 404 for a code that matches nothing). */
  status?: number;
  /** What the user typed, as the view shows it back; the request's body (or query) by default. */
  values?: Record<string, unknown>;
  /** A message above the form. */
  message?: string;
  /** Anything else the view needs to show this failure (e.g. the warnings to confirm). */
  locals?: Record<string, unknown>;
}

/**
 * An expected, user-facing refusal tied to fields. Thrown by a handler or a model function; the
 * one error handler (app.ts) re-renders the view the route named with formView(), with the values
 * and the Persian errors.
 */
export class FormError extends Error {
  constructor(public readonly errors: FieldErrors, public readonly options: FormErrorOptions = {}) {
    super(options.message ?? Object.values(errors).join(' '));
  }
}

/**
 * The model's refusal with the route's options: the model knows the rule and the field, the route
 * what was typed and how the form answers (its status, the values shown back).
 */
export async function refusedWith<T>(work: Promise<T>, options: FormErrorOptions): Promise<T> {
  try {
    return await work;
  } catch (e) {
    throw e instanceof FormError ? new FormError(e.errors, { ...e.options, ...options }) : e;
  }
}

/** The locals a form view needs besides values and errors (the page's data), for the error handler. */
export type ViewLocals = (req: Request, res: Response, err: FormError) => Promise<Record<string, unknown>> | Record<string, unknown>;

export interface NamedView { view: string; locals: ViewLocals; params: Request['params'] }

/** Names the view that the route's FormErrors re-render (Kutt's style): `router.post(path, guard, formView(...), handler)`. */
export function formView(view: string, locals: ViewLocals = () => ({})): RequestHandler {
  return (req, res, next) => {
    res.locals.formView = { view, locals, params: { ...req.params } } satisfies NamedView;
    next();
  };
}

/** The page a FormError re-renders: the named view with its locals, the values and the errors. */
export async function formErrorPage(err: FormError, req: Request, res: Response): Promise<{ status: number; view: string; locals: Record<string, unknown> } | null> {
  const named = res.locals.formView as NamedView | undefined;
  if (!named) return null;
  // Express has left the route by the time its error reaches the handler, and with it req.params.
  req.params = named.params;
  const values = err.options.values ?? (req.method === 'GET' ? req.query : req.body) ?? {};
  return {
    status: err.options.status ?? 422,
    view: named.view,
    locals: { ...(await named.locals(req, res, err)), values, errors: err.errors, message: err.options.message, ...err.options.locals },
  };
}
