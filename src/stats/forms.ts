import { z } from 'zod';
import { latinDigits } from '../text.ts';
import { isPeriod, deadlineOf, type Period, type Rules } from '../calendar.ts';
import { isSystemYear, type FieldErrors } from '../forms.ts';
import { parseReferencePeriod, referencePeriodOfRange, type ReferencePeriod } from './releases/period.ts';
import { RELEASE_MEASURES, type ReleaseMeasure } from './releases/types.ts';

// What the statistics office asks of a release (DESIGN §7): a view of a stored release of one
// period of the publication grid, and the publication of a new release. Typed in the page's
// forms or in a URL / API call.

export const VIEW_DIMENSIONS = ['province', 'isic_section', 'isic_division', 'isic_group', 'isic_class'] as const;
export type ViewDimension = (typeof VIEW_DIMENSIONS)[number];
export const VIEW_MEASURES = RELEASE_MEASURES;
// csv: the table as on the page (wide); csv-long: one line per cell, for machines.
export const FORMATS = ['html', 'csv', 'csv-long', 'xlsx', 'json'] as const;
export type Format = (typeof FORMATS)[number];
/** Money shown in Rials or in millions of Rials (src/stats/money-unit.ts). */
export const MONEY_UNITS = ['rial', 'million'] as const;
export type MoneyUnit = (typeof MONEY_UNITS)[number];

export const VIEW_DIMENSION_LABELS: Record<ViewDimension, string> = {
  province: 'استان',
  isic_section: 'بخش آیسیک',
  isic_division: 'قسمت آیسیک (دو رقمی)',
  isic_group: 'گروه آیسیک (سه رقمی)',
  isic_class: 'طبقه آیسیک (چهار رقمی)',
};

export const VIEW_MEASURE_LABELS: Record<ReleaseMeasure, string> = {
  production_value: 'ارزش تولید (ریال)',
  value_added: 'ارزش افزوده (ریال)',
  intermediate_consumption: 'مصرف واسطه (ریال)',
  employees: 'شاغلان (میانگین ماهانه)',
  units: 'تعداد واحدهای گزارش‌دهنده',
};

export interface ViewQuery {
  period: ReferencePeriod;
  preliminary: boolean;
  rows: ViewDimension;
  cols: ViewDimension | null;
  measure: ReleaseMeasure;
  format: Format;
  /** Money in Rials or millions of Rials (issue 14 §12); counts ignore it. */
  unit: MoneyUnit;
}

/** Raw values as typed, to re-render the form. */
export type QueryValues = Record<string, string>;

export type ViewQueryResult =
  | { ok: true; data: ViewQuery; values: QueryValues }
  | { ok: false; errors: FieldErrors; values: QueryValues; offGrid: boolean };

const str = (v: unknown): string => (typeof v === 'string' ? latinDigits(v).trim() : '');
const oneOf = <T extends readonly string[]>(list: T, v: string): v is T[number] => (list as readonly string[]).includes(v);
const isGeo = (d: string) => d === 'province';

const TRUE = ['true', '1', 'on', 'yes'];
const FALSE = ['', 'false', '0', 'off', 'no'];

export const GRID_MESSAGE = 'آمار تنها برای دوره‌های انتشار منتشر می‌شود: یک ماه (مانند ۱۴۰۴-۰۱)، یک فصل (مانند ۱۴۰۴-Q1 یعنی فروردین تا خرداد) یا یک سال (مانند ۱۴۰۴). بازه دلخواهی از ماه‌ها منتشر نمی‌شود، چون از تفاضل دو جدولِ هم‌پوشان رقم یک واحد به دست می‌آید.';

/** `period=1404-Q1`, or `from`/`to` that are exactly one month, quarter or year of the grid. */
function parsePeriodOf(values: QueryValues, errors: FieldErrors): { period: ReferencePeriod | null; offGrid: boolean } {
  if (values.period) {
    const p = parseReferencePeriod(values.period.toUpperCase());
    if (!p) errors.period = `دوره «${values.period.slice(0, 20)}» شناخته نشد. ${GRID_MESSAGE}`;
    return { period: p, offGrid: false };
  }
  if (!values.from && !values.to) {
    errors.period = 'دوره را انتخاب کنید.';
    return { period: null, offGrid: false };
  }
  if (!isPeriod(values.from)) errors.from = 'ماه آغاز را به شکل ۱۴۰۴-۰۱ وارد کنید.';
  if (!isPeriod(values.to)) errors.to = 'ماه پایان را به شکل ۱۴۰۴-۰۱ وارد کنید.';
  if (errors.from || errors.to) return { period: null, offGrid: false };
  if (values.from > values.to) {
    errors.to = 'ماه پایان نمی‌تواند پیش از ماه آغاز باشد.';
    return { period: null, offGrid: false };
  }
  const p = referencePeriodOfRange(values.from as Period, values.to as Period);
  if (!p) {
    errors.period = `بازه ${values.from} تا ${values.to} یک ماه، یک فصل یا یک سال نیست. ${GRID_MESSAGE}`;
    return { period: null, offGrid: true };
  }
  return { period: p, offGrid: false };
}

/**
 * The view's query. `offGrid` tells a range that is well formed but not one period of the grid
 * (answered 400 with the grid explained) from a malformed query (422).
 */
export function parseViewQuery(input: Record<string, unknown>): ViewQueryResult {
  const values: QueryValues = {};
  for (const key of ['period', 'from', 'to', 'rows', 'cols', 'measure', 'preliminary', 'format', 'unit']) values[key] = str(input[key]);
  const errors: FieldErrors = {};
  const { period, offGrid } = parsePeriodOf(values, errors);
  if (period) values.period = period.code;

  if (!oneOf(VIEW_DIMENSIONS, values.rows)) errors.rows = 'بُعد سطرها را انتخاب کنید: استان یا یکی از سطح‌های آیسیک (بخش، قسمت، گروه، طبقه).';
  const cols = values.cols === '' || values.cols === 'none' ? null : values.cols;
  if (cols !== null && !oneOf(VIEW_DIMENSIONS, cols)) errors.cols = 'بُعد ستون‌ها معتبر نیست.';
  else if (cols !== null && !errors.rows && isGeo(cols) === isGeo(values.rows)) {
    errors.cols = 'سطرها و ستون‌ها باید از دو بُعد جدا باشند: یکی استان و دیگری یکی از سطح‌های آیسیک (بخش، قسمت، گروه یا طبقه).';
  }
  const measure = values.measure || 'production_value';
  if (!oneOf(VIEW_MEASURES, measure)) errors.measure = 'شاخص را انتخاب کنید.';
  const format = values.format || 'html';
  if (!oneOf(FORMATS, format)) errors.format = 'قالب خروجی معتبر نیست.';
  const prelim = values.preliminary.toLowerCase();
  if (!TRUE.includes(prelim) && !FALSE.includes(prelim)) errors.preliminary = '«مقدماتی» تنها true یا false است.';
  const unit = values.unit || 'rial';
  if (!oneOf(MONEY_UNITS, unit)) errors.unit = 'واحد ارقام ریال یا میلیون ریال است.';

  if (Object.keys(errors).length || !period) return { ok: false, errors, values, offGrid: offGrid && Object.keys(errors).length === 1 };
  return {
    ok: true,
    values,
    data: { period, preliminary: TRUE.includes(prelim), rows: values.rows as ViewDimension, cols: cols as ViewDimension | null, measure: measure as ReleaseMeasure, format: format as Format, unit: unit as MoneyUnit },
  };
}

export interface PublishInput { period: ReferencePeriod; preliminary: boolean }

/** The publish form (and `stats:release`): a period of the grid whose every month's filing deadline has passed. */
export function parsePublishForm(input: Record<string, unknown>, at: Date, rules: Rules): { ok: true; data: PublishInput; values: QueryValues } | { ok: false; errors: FieldErrors; values: QueryValues } {
  const values: QueryValues = { period: str(input.period), preliminary: str(input.preliminary) };
  const errors: FieldErrors = {};
  const period = values.period ? parseReferencePeriod(values.period.toUpperCase()) : null;
  if (!values.period) errors.period = 'دوره انتشار را انتخاب کنید.';
  else if (!period) errors.period = `دوره «${values.period.slice(0, 20)}» شناخته نشد. ${GRID_MESSAGE}`;
  else if (deadlineOf(period.months[period.months.length - 1], rules) >= at) {
    errors.period = 'مهلت ثبت آمار این دوره هنوز به پایان نرسیده است؛ هر دوره پس از پایان مهلت آخرین ماه آن منتشر می‌شود.';
  }
  const prelim = values.preliminary.toLowerCase();
  if (!TRUE.includes(prelim) && !FALSE.includes(prelim)) errors.preliminary = '«مقدماتی» تنها روشن یا خاموش است.';
  if (Object.keys(errors).length || !period) return { ok: false, errors, values };
  return { ok: true, values, data: { period, preliminary: TRUE.includes(prelim) } };
}

/** The performance report's `period`: YYYY-MM with any digits; empty means "the default". */
export const performancePeriod = z.preprocess((v) => str(v), z.string().refine((s) => s === '' || isPeriod(s), 'ماه را به شکل ۱۴۰۴-۰۷ وارد کنید.')
  .refine((s) => s === '' || !isPeriod(s) || isSystemYear(Number(s.slice(0, 4))), 'این ماه بیرون از بازهٔ سال‌های سامانه است.'));

export const PRODUCT_FORMATS = ['html', 'csv', 'csv-long', 'xlsx', 'json'] as const;
export type ProductFormat = (typeof PRODUCT_FORMATS)[number];

export interface ProductQuery {
  period: ReferencePeriod;
  preliminary: boolean;
  geo: 'national' | 'province';
  isic: string | null;
  format: ProductFormat;
}

/** The product table's query (issue 15): a period of the grid, national or by province, optionally one ISIC division, group or class. */
export function parseProductQuery(input: Record<string, unknown>): { ok: true; data: ProductQuery; values: QueryValues } | { ok: false; errors: FieldErrors; values: QueryValues; offGrid: boolean } {
  const values: QueryValues = {};
  for (const key of ['period', 'from', 'to', 'geo', 'isic', 'preliminary', 'format']) values[key] = str(input[key]);
  const errors: FieldErrors = {};
  const { period, offGrid } = parsePeriodOf(values, errors);
  if (period) values.period = period.code;
  const geo = values.geo || 'national';
  if (geo !== 'national' && geo !== 'province') errors.geo = 'جغرافیا را انتخاب کنید: کل کشور یا به تفکیک استان.';
  if (values.isic !== '' && !/^[0-9]{2,4}$/.test(values.isic)) errors.isic = 'کد آیسیک دو، سه یا چهار رقمی است (قسمت، گروه یا طبقه)، مانند ۱۰ یا ۱۰۵۰.';
  const format = values.format || 'html';
  if (!oneOf(PRODUCT_FORMATS, format)) errors.format = 'قالب خروجی معتبر نیست.';
  const prelim = values.preliminary.toLowerCase();
  if (!TRUE.includes(prelim) && !FALSE.includes(prelim)) errors.preliminary = '«مقدماتی» تنها true یا false است.';
  if (Object.keys(errors).length || !period) return { ok: false, errors, values, offGrid: offGrid && Object.keys(errors).length === 1 };
  return { ok: true, values, data: { period, preliminary: TRUE.includes(prelim), geo: geo as ProductQuery['geo'], isic: values.isic || null, format: format as ProductFormat } };
}
