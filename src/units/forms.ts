import { z } from 'zod';
import { text, amount, email, password, parseForm, str, type FieldErrors, type FormResult } from '../forms.ts';
import { isValidLegalEntityId, isValidNationalCode } from '../identifiers.ts';
import { latinDigits, normalizeText, normalizeIdentifier, persianDigits } from '../text.ts';
import { parseJalaliDate, jalaliDateOf, formatJalaliDate, type JalaliDate } from '../calendar.ts';

export const MAX_PRODUCTS = 20;
export const EMPTY_PRODUCT_ROWS = 5;

/** Licence numbers are matched between the register and the site: one spelling for both. */
export function normalizeLicenceNo(s: string): string {
  return normalizeText(latinDigits(s)).replace(/\s*([/-])\s*/g, '$1');
}

/** A typed Jalali date (any digits, `-` or `/`) → a real date that is not in the future, or a Persian reason. */
export function checkLicenceDate(raw: string, now: Date = new Date()): { ok: true; date: JalaliDate } | { ok: false; reason: string } {
  const s = latinDigits(raw).trim();
  if (s === '') return { ok: false, reason: 'تاریخ صدور پروانه را وارد کنید.' };
  if (!/^\d{4}[-/]\d{1,2}[-/]\d{1,2}$/.test(s)) return { ok: false, reason: 'تاریخ صدور را به شکل ۱۴۰۴/۰۲/۱۵ بنویسید.' };
  const d = parseJalaliDate(s);
  if (!d) return { ok: false, reason: 'این تاریخ در تقویم هجری شمسی وجود ندارد.' };
  if (formatJalaliDate(d) > formatJalaliDate(jalaliDateOf(now))) return { ok: false, reason: 'تاریخ صدور پروانه نمی‌تواند در آینده باشد.' };
  return { ok: true, date: d };
}

/** An identifier of fixed length typed with any digits, spaces or dashes. */
const digits = (label: string, length: number) =>
  z.preprocess((v) => normalizeIdentifier(str(v)), z.string().min(1, `${label} را وارد کنید.`).regex(new RegExp(`^\\d{${length}}$`), `${label} باید ${persianDigits(length)} رقم باشد.`));

const licenceNo = z.preprocess((v) => normalizeLicenceNo(str(v)), z.string().min(1, 'شماره پروانه را وارد کنید.').max(60, 'شماره پروانه حداکثر ۶۰ نویسه است.'));

const registrationFields = z.object({
  entity_name: text('نام شخص حقوقی', 200),
  national_id: digits('شناسه ملی', 11).refine(isValidLegalEntityId, 'شناسه ملی معتبر نیست (رقم کنترل نادرست است).'),
  licence_no: licenceNo,
  licence_issued_on: z.string(),
  kind: z.enum(['industrial', 'mining'], { error: 'نوع واحد را انتخاب کنید.' }),
  isic_class: z.preprocess((v) => latinDigits(str(v)).trim(), z.string().regex(/^\d{4}$/, 'فعالیت اصلی (کد آیسیک) را انتخاب کنید.')),
  province_code: z.string({ error: 'استان را انتخاب کنید.' }).regex(/^\d{2}$/, 'استان را انتخاب کنید.'),
  city: text('شهر', 100),
  address: text('نشانی', 500),
  postal_code: digits('کد پستی', 10),
  phone: z.preprocess((v) => latinDigits(str(v)).replace(/[\s\-()]/g, ''), z.string().min(1, 'شماره تلفن را وارد کنید.').regex(/^0\d{10}$/, 'شماره تلفن باید ۱۱ رقم و با صفر آغاز شود (مانند ۰۲۱۱۲۳۴۵۶۷۸).')),
  contact_name: text('نام رابط', 150),
  contact_national_code: digits('کد ملی رابط', 10).refine(isValidNationalCode, 'کد ملی معتبر نیست (رقم کنترل نادرست است).'),
  email: email(),
  password: password(),
  password_confirm: z.string().optional(),
});

const productRow = z.object({
  name: text('نام محصول', 200),
  unit_of_measure: text('واحد سنجش', 40),
  annual_capacity: amount('ظرفیت اسمی سالانه', { max: 1e12 }),
  product_code: z.preprocess((v) => latinDigits(str(v)).trim(), z.string().regex(/^\d{0,10}$/, 'کد محصول حداکثر ۱۰ رقم است.')),
});

export type ProductInput = z.infer<typeof productRow>;
export type RegistrationInput = Omit<z.infer<typeof registrationFields>, 'licence_issued_on' | 'password_confirm'> & {
  licence_issued_on: JalaliDate;
  products: ProductInput[];
};

export interface ProductRowValues { name: string; unit_of_measure: string; annual_capacity: string; product_code: string }

/** The product rows as posted (qs gives an array, or an object when indices are sparse), at most MAX_PRODUCTS. */
export function productRowsOf(body: Record<string, unknown>): ProductRowValues[] {
  const raw = body.products;
  const list: unknown[] = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw) : [];
  return list.slice(0, MAX_PRODUCTS).map((r) => {
    const o = (r && typeof r === 'object' ? r : {}) as Record<string, unknown>;
    return { name: str(o.name), unit_of_measure: str(o.unit_of_measure), annual_capacity: str(o.annual_capacity), product_code: str(o.product_code) };
  });
}

const isBlankRow = (r: ProductRowValues) => !r.name.trim() && !r.unit_of_measure.trim() && !r.annual_capacity.trim() && !r.product_code.trim();

/**
 * The registration form: fields checked by zod, product rows one by one so that each message
 * lands next to the row the user typed (blank rows are ignored).
 */
export function parseRegistration(body: Record<string, unknown>, now: Date = new Date()): FormResult<RegistrationInput> {
  const errors: FieldErrors = {};
  const fields = parseForm(registrationFields, body);
  if (!fields.ok) Object.assign(errors, fields.errors);
  const date = checkLicenceDate(str(body.licence_issued_on), now);
  if (!date.ok) errors.licence_issued_on = date.reason;
  // Said even when other fields are wrong: the user retypes both passwords anyway.
  if (str(body.password) !== str(body.password_confirm)) errors.password_confirm = 'دو گذرواژه یکسان نیستند.';

  const products: ProductInput[] = [];
  const seen = new Set<string>();
  productRowsOf(body).forEach((row, i) => {
    if (isBlankRow(row)) return;
    const r = parseForm(productRow, row);
    if (!r.ok) {
      for (const [k, m] of Object.entries(r.errors)) errors[`products.${i}.${k}`] ??= m;
      return;
    }
    if (seen.has(r.data.name)) {
      errors[`products.${i}.name`] = 'این محصول پیش‌تر در فهرست آمده است.';
      return;
    }
    seen.add(r.data.name);
    products.push(r.data);
  });
  const rowErrors = Object.keys(errors).some((k) => k.startsWith('products.'));
  if (products.length === 0 && !rowErrors) errors.products = 'دست‌کم یک محصول با واحد سنجش و ظرفیت اسمی وارد کنید.';

  if (Object.keys(errors).length > 0 || !fields.ok || !date.ok) return { ok: false, errors };
  const { password_confirm: _confirm, ...rest } = fields.data;
  return { ok: true, data: { ...rest, licence_issued_on: date.date, products } };
}

/** What the form shows again after a refusal: everything typed except passwords. */
export function typedValues(body: Record<string, unknown>): Record<string, string> {
  const keep = ['entity_name', 'national_id', 'licence_no', 'licence_issued_on', 'kind', 'isic_class', 'province_code', 'city', 'address', 'postal_code', 'phone', 'contact_name', 'contact_national_code', 'email'];
  const out: Record<string, string> = {};
  for (const k of keep) out[k] = str(body[k]).slice(0, 1000);
  return out;
}

export const rejectionForm = z.object({ reason: text('دلیل رد', 1000) });
