import { z } from 'zod';
import { isPeriod } from '../calendar.ts';
import { isSystemYear } from '../forms.ts';
import { normalizePeriodInput } from '../text.ts';

// The index's forms and queries: a month (any digits), a computation to publish, a level for the API.

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export const indexMonth = z.preprocess((v) => normalizePeriodInput(str(v)), z.string()
  .refine((s) => isPeriod(s), 'ماه را به شکل ۱۴۰۴-۰۷ انتخاب کنید.')
  .refine((s) => !isPeriod(s) || isSystemYear(Number(s.slice(0, 4))), 'این ماه بیرون از بازهٔ سال‌های سامانه است.'));

export const optionalIndexMonth = z.preprocess((v) => (v === undefined || v === '' ? undefined : v), indexMonth.optional());

export const computeForm = z.object({ period: indexMonth });

export const publicationForm = z.object({ computation_id: z.coerce.number({ error: 'محاسبه را انتخاب کنید.' }).int().positive('محاسبه را انتخاب کنید.') });

export const pageQuery = z.object({
  month: optionalIndexMonth,
  format: z.enum(['html', 'csv', 'xlsx'], { error: 'قالب خروجی html، csv یا xlsx است.' }).default('html'),
});

export const apiQuery = z.object({
  period: indexMonth,
  level: z.enum(['total', 'section', 'division', 'group', 'class'], { error: 'سطح یکی از total، section، division، group یا class است.' }).default('division'),
});
