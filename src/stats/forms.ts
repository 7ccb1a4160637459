import { z } from 'zod';
import { latinDigits } from '../text.ts';
import { isPeriod, periodOfParts, monthsBetween, type Period } from '../calendar.ts';
import { isSystemYear, type FieldErrors, type FormResult } from '../forms.ts';

// The aggregates query, as typed in the page's form or in a URL / API call.

export const DIMENSIONS = ['province', 'isic_section', 'isic_division', 'isic_group', 'isic_class', 'product', 'period'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const MEASURES = ['units', 'quantity', 'production_value', 'value_added', 'employees'] as const;
export type Measure = (typeof MEASURES)[number];
export const FORMATS = ['html', 'csv', 'xlsx', 'json'] as const;
export type Format = (typeof FORMATS)[number];

export const DIMENSION_LABELS: Record<Dimension, string> = {
  province: 'استان',
  isic_section: 'بخش آیسیک',
  isic_division: 'قسمت آیسیک (دو رقمی)',
  isic_group: 'گروه آیسیک (سه رقمی)',
  isic_class: 'طبقه آیسیک (چهار رقمی)',
  product: 'محصول',
  period: 'ماه',
};

export const MEASURE_LABELS: Record<Measure, string> = {
  units: 'تعداد واحدهای گزارش‌دهنده',
  quantity: 'مقدار تولید',
  production_value: 'ارزش تولید (ریال)',
  value_added: 'ارزش افزوده (ریال)',
  employees: 'شاغلان (میانگین ماهانه)',
};

/** Longest range one table may cover: ten years of months. */
export const MAX_MONTHS = 120;

export interface AggregateQuery {
  from: Period;
  to: Period;
  rows: Dimension;
  cols: Dimension | null;
  measure: Measure;
  includeUnverified: boolean;
  format: Format;
}

/** Raw values as typed, to re-render the form. */
export type QueryValues = Record<string, string>;

const str = (v: unknown): string => (typeof v === 'string' ? latinDigits(v).trim() : '');
const oneOf = <T extends readonly string[]>(list: T, v: string): v is T[number] => (list as readonly string[]).includes(v);

/**
 * Periods: a month range (from, to), or a quarter (`quarter=1404-Q2` → 1404-04…1404-06), or a
 * Jalali year (`year=1404`). `span` says which one the form chose; without it, whichever is given.
 */
export function parseAggregateQuery(input: Record<string, unknown>): FormResult<AggregateQuery> & { values: QueryValues } {
  const values: QueryValues = {};
  for (const key of ['span', 'from', 'to', 'quarter', 'year', 'rows', 'cols', 'measure', 'include_unverified', 'format']) values[key] = str(input[key]);
  const errors: FieldErrors = {};
  const span = values.span || (values.quarter ? 'quarter' : values.year && !values.from ? 'year' : 'months');
  values.span = span;
  let from = '';
  let to = '';
  if (span === 'quarter') {
    const m = /^(\d{4})-?Q([1-4])$/i.exec(values.quarter);
    if (!m) errors.quarter = 'فصل را به شکل ۱۴۰۴-Q1 وارد کنید (Q1 فروردین تا خرداد).';
    else { const q = Number(m[2]); from = periodOfParts(Number(m[1]), q * 3 - 2); to = periodOfParts(Number(m[1]), q * 3); }
  } else if (span === 'year') {
    if (!/^\d{4}$/.test(values.year)) errors.year = 'سال را چهار رقمی وارد کنید، مانند ۱۴۰۴.';
    else { from = `${values.year}-01`; to = `${values.year}-12`; }
  } else {
    if (!isPeriod(values.from)) errors.from = 'ماه آغاز را به شکل ۱۴۰۴-۰۱ وارد کنید.';
    if (!isPeriod(values.to)) errors.to = 'ماه پایان را به شکل ۱۴۰۴-۰۱ وارد کنید.';
    from = values.from;
    to = values.to;
    if (!errors.from && !errors.to && from > to) errors.to = 'ماه پایان نمی‌تواند پیش از ماه آغاز باشد.';
  }
  if (!errors.from && !errors.to && isPeriod(from) && isPeriod(to) && monthsBetween(from, to) >= MAX_MONTHS) errors.to = `بازه حداکثر ${MAX_MONTHS / 12} سال است.`;

  if (!oneOf(DIMENSIONS, values.rows)) errors.rows = 'بُعد سطرها را انتخاب کنید.';
  const cols = values.cols === '' || values.cols === 'none' ? null : values.cols;
  if (cols !== null && !oneOf(DIMENSIONS, cols)) errors.cols = 'بُعد ستون‌ها معتبر نیست.';
  else if (cols !== null && cols === values.rows) errors.cols = 'سطرها و ستون‌ها نمی‌توانند یک بُعد باشند.';
  const measure = values.measure || 'production_value';
  if (!oneOf(MEASURES, measure)) errors.measure = 'شاخص را انتخاب کنید.';
  const format = values.format || 'html';
  if (!oneOf(FORMATS, format)) errors.format = 'قالب خروجی معتبر نیست.';

  const dims = [values.rows, cols];
  const byProduct = dims.includes('product');
  if (!errors.measure && measure === 'quantity' && !byProduct) {
    errors.measure = 'مقدار تولید هر محصول واحد اندازه‌گیری خودش را دارد (تن، لیتر، عدد…) و جمع آن‌ها معنا ندارد؛ «محصول» را سطر یا ستون جدول کنید.';
  } else if (!errors.measure && byProduct && measure !== 'quantity' && measure !== 'units') {
    errors.measure = 'ارزش تولید، ارزش افزوده و شاغلان برای کل واحد ثبت می‌شوند و بر حسب محصول تفکیک‌پذیر نیستند؛ با بُعد «محصول» تنها «مقدار تولید» یا «تعداد واحدها» را برگزینید.';
  }
  if (Object.keys(errors).length) return { ok: false, errors, values };
  return {
    ok: true,
    values,
    data: {
      from, to,
      rows: values.rows as Dimension,
      cols: cols as Dimension | null,
      measure: measure as Measure,
      includeUnverified: ['true', '1', 'on', 'yes'].includes(values.include_unverified),
      format: format as Format,
    },
  };
}

/** The performance report's `period`: YYYY-MM with any digits; empty means "the default". */
export const performancePeriod = z.preprocess((v) => str(v), z.string().refine((s) => s === '' || isPeriod(s), 'ماه را به شکل ۱۴۰۴-۰۷ وارد کنید.')
  .refine((s) => s === '' || !isPeriod(s) || isSystemYear(Number(s.slice(0, 4))), 'این ماه بیرون از بازهٔ سال‌های سامانه است.'));
