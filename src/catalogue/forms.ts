import { z } from 'zod';
import { text, optionalText, str } from '../forms.ts';
import { latinDigits } from '../text.ts';
import { isPeriod } from '../calendar.ts';

// The catalogue's forms (issue 15): an entry, a retirement, a mapping decision.

const digitsOnly = (v: unknown) => latinDigits(str(v)).replace(/[\s\u200c-]/g, '');

/** A Jalali period typed as ۱۴۰۴-۰۷ or 1404/7 → `1404-07`. */
const periodText = (v: unknown) => {
  const s = latinDigits(str(v)).trim().replace('/', '-');
  const m = /^(\d{4})-(\d{1,2})$/.exec(s);
  return m ? `${m[1]}-${m[2].padStart(2, '0')}` : s;
};
const period = (label: string) => z.preprocess(periodText, z.string().min(1, `${label} را وارد کنید.`).refine(isPeriod, `${label} را به شکل ۱۴۰۴-۰۷ (سال و ماه شمسی) بنویسید.`));
const optionalPeriod = (label: string) => z.preprocess(periodText, z.string().refine((s) => s === '' || isPeriod(s), `${label} را به شکل ۱۴۰۴-۰۷ (سال و ماه شمسی) بنویسید.`));

export const catalogueCode = z.preprocess(digitsOnly, z.string().min(1, 'کد محصول را وارد کنید.').regex(/^\d{4,10}$/, 'کد محصول ۴ تا ۱۰ رقم است و با کد چهاررقمی آیسیک آغاز می‌شود.'));

export const entryForm = z.object({
  code: catalogueCode,
  name_fa: text('نام فارسی محصول', 300),
  name_en: optionalText('نام انگلیسی', 300),
  unit_of_measure_code: z.string({ error: 'واحد سنجش را انتخاب کنید.' }).regex(/^[a-z0-9_]{1,12}$/, 'واحد سنجش را انتخاب کنید.'),
  active_from: period('دوره آغاز اعتبار'),
  retired_from: optionalPeriod('دوره بازنشستگی'),
}).refine((e) => !e.retired_from || e.retired_from > e.active_from, { path: ['retired_from'], message: 'دوره بازنشستگی باید پس از دوره آغاز اعتبار باشد.' });

export type EntryInput = z.infer<typeof entryForm>;

export const retireForm = z.object({ retired_from: period('دوره بازنشستگی') });

export const linkForm = z.object({
  code: catalogueCode,
  all: z.preprocess((v) => v === '1' || v === 'on' || v === 'true', z.boolean()),
  unit_of_measure_code: z.preprocess((v) => str(v), z.string().regex(/^[a-z0-9_]{0,12}$/, 'واحد سنجش را از فهرست انتخاب کنید.')),
});

/** What a refused entry form shows again: everything typed. */
export function typedEntry(body: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['code', 'name_fa', 'name_en', 'unit_of_measure_code', 'active_from', 'retired_from']) out[k] = str(body[k]).slice(0, 500);
  return out;
}
