import { z } from 'zod';
import { amount, isSystemYear } from '../forms.ts';
import { latinDigits } from '../text.ts';

// The planning deputy's indicator weights (DESIGN §8): three shares that add up to 1.
const share = (label: string) => amount(label).refine((n) => n <= 1, `${label} باید عددی بین ۰ و ۱ باشد.`);

export const weightsForm = z.object({
  completeness: share('وزن کامل بودن'),
  timeliness: share('وزن به‌موقع بودن'),
  quality: share('وزن کیفیت'),
}).refine((w) => Math.abs(w.completeness + w.timeliness + w.quality - 1) < 0.0005, {
  message: 'جمع سه وزن باید دقیقاً ۱ باشد (مثلاً ۰٫۴ + ۰٫۴ + ۰٫۲).',
  path: ['_form'],
});

const positiveInt = (label: string) => z.preprocess((v) => latinDigits(typeof v === 'string' ? v : String(v ?? '')).trim(), z.string().regex(/^\d{1,9}$/, `${label} معتبر نیست.`).transform(Number));

export const nominationForm = z.object({
  unit_id: positiveInt('واحد'),
  year: positiveInt('سال').refine((y) => y >= 1380 && y <= 1500, 'سال معتبر نیست.'),
});

export const yearParam = z.preprocess((v) => latinDigits(typeof v === 'string' ? v : '').trim(), z.string().regex(/^(\d{4})?$/, 'سال را چهار رقمی وارد کنید.')
  .refine((s) => s === '' || isSystemYear(Number(s)), 'این سال بیرون از بازهٔ سال‌های سامانه است.'));
