import type { Knex } from 'knex';
import type { z } from 'zod';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { settingSchemas, saveSetting, loadSettings, PERIODIC_SETTINGS, type SettingKey, type SettingValue } from '../settings.ts';
import { periodOf, isPeriod, type Period, periodLabel } from '../calendar.ts';
import { latinDigits, normalizeNumberInput, normalizePeriodInput } from '../text.ts';
import { fa } from '../numbers.ts';
import { str, type FieldErrors } from '../forms.ts';

// The admin's settings page: every setting of src/settings.ts, validated by its own schema there,
// answered in Persian. Periodic settings get a new step from a period on; earlier steps stay.

type Shape = 'int' | 'number' | 'period' | 'keys' | { [sub: string]: string };

export interface SettingMeta { label: string; help: string; shape: Shape }

export const SETTING_META: { [K in SettingKey]: SettingMeta } = {
  deadline_day: { label: 'روز مهلت ثبت آمار در ماه بعد', help: 'آمار هر ماه تا پایان این روز از ماه بعد پذیرفته می‌شود (بخشنامه: ۸؛ دستور بعدی: ۱۰).', shape: 'int' },
  inactivity_months: { label: 'شمار ماه‌های پیاپی بی‌آمار برای غیرفعال شدن', help: 'واحدی که این شمار از آخرین دوره‌های سررسیده را ثبت نکند غیرفعال می‌شود.', shape: 'int' },
  system_start_period: { label: 'دوره آغاز سامانه', help: 'تکلیف هیچ واحدی پیش از این دوره آغاز نمی‌شود؛ به شکل ۱۳۸۷-۰۸.', shape: 'period' },
  legacy_start_period: { label: 'دوره آغاز تکلیف واحدهای اعلام‌شده پیشین', help: 'برای واحدهای واردشده با «اعلام‌شده پیشین»؛ به شکل ۱۳۸۷-۰۸.', shape: 'period' },
  suppression_min_units: { label: 'کمینه شمار واحدها در هر خانه جدول آماری', help: 'خانه‌ای با واحدهای کمتر محرمانه و پنهان می‌شود؛ دست‌کم ۳.', shape: 'int' },
  suppression_dominance: { label: 'آستانه غلبه بزرگ‌ترین واحد', help: 'سهم بزرگ‌ترین واحد از جمع خانه (۰٫۸۵ یعنی ۸۵ درصد)؛ حداکثر ۰٫۹۰.', shape: 'number' },
  suppression_p_percent: { label: 'قاعده p درصد', help: 'دومین مالک بزرگ یک خانه نباید بتواند رقم بزرگ‌ترین مالک را دقیق‌تر از این سهم آن تخمین بزند (۰٫۱۰ یعنی ۱۰ درصد)؛ دست‌کم ۰٫۰۵.', shape: 'number' },
  suppression_interval: { label: 'بازه حفاظت خانه‌های محرمانه', help: 'مهاجم نباید بتواند خانه محرمانه را دقیق‌تر از این سهم از مقدارش تخمین بزند (۰٫۱۰ یعنی ±۱۰ درصد)؛ دست‌کم ۰٫۰۵.', shape: 'number' },
  exemplary_weights: { label: 'وزن شاخص‌های واحد برگزیده', help: 'کامل بودن، به‌هنگام بودن و کیفیت.', shape: { completeness: 'کامل بودن', timeliness: 'به‌هنگام بودن', quality: 'کیفیت' } },
  nominations_per_province: { label: 'شمار واحدهای برگزیده هر استان', help: '', shape: 'int' },
  facility_coefficients: { label: 'ضریب سقف تسهیلات از ارزش افزوده', help: '', shape: { renovation: 'نوسازی', working_capital: 'سرمایه در گردش' } },
  capacity_warning_factor: { label: 'ضریب هشدار تولید بیش از ظرفیت', help: 'تولید ماهانه بیش از ظرفیت اسمی ماهانه × این ضریب هشدار می‌دهد.', shape: 'number' },
  median_warning_factor: { label: 'ضریب هشدار دوری از میانه ۱۲ ماه', help: '', shape: 'number' },
  reminder_days_before: { label: 'یادآوری چند روز پیش از مهلت', help: '', shape: 'int' },
  certificate_valid_days: { label: 'اعتبار گواهی وضعیت (روز)', help: '', shape: 'int' },
  index_base_year: { label: 'سال پایه شاخص تولید', help: 'وزن‌ها ارزش افزوده طبقه‌های آیسیک در این سال و مقدار پایه هر محصول میانگین ماهانه تولید آن در این سال است؛ مانند ۱۴۰۴.', shape: 'int' },
  jobs_per_period_per_day: { label: 'سقف درخواست انتشار یا محاسبه شاخص یک دوره در ۲۴ ساعت', help: 'درخواست‌های بیشتر برای همان دوره تا ۲۴ ساعت پس از نخستین آن‌ها پذیرفته نمی‌شوند (بازنگری‌ها زمان‌بندی‌شده و دسته‌ای‌اند).', shape: 'int' },
  employees_warning_tolerance: { label: 'دامنه پذیرفته شاغلان گرد میانه ۱۲ ماه واحد', help: 'سهمی از میانه (۰٫۲ یعنی ±۲۰ درصد؛ یا ۴ انحراف استوار اگر پهن‌تر باشد)؛ بیرون از آن هشدار می‌دهد.', shape: 'number' },
  price_warning_factor: { label: 'ضریب هشدار قیمت فروش نسبت به ماه‌های خود واحد', help: 'قیمت (ارزش فروش ÷ مقدار فروش) بیش از این ضریب یا کمتر از یک‌بخش آن از میانه واحد هشدار می‌دهد.', shape: 'number' },
  class_price_warning_factor: { label: 'ضریب هشدار قیمت فروش نسبت به واحدهای دیگر همان کد محصول', help: '', shape: 'number' },
  selective_editing_threshold: { label: 'آستانه امتیاز تأیید گروهی در صف بررسی', help: 'اظهارنامه بی‌هشداری که امتیازش از این کمتر باشد بی‌باز کردن، گروهی تأییدپذیر است (روش آن در راهنمای بررسی اظهارنامه‌ها آمده است).', shape: 'number' },
  headline_cells: { label: 'خانه‌های سرخط افزون بر کل کشور، بخش‌ها و قسمت‌ها', help: 'این خانه‌ها در هر انتشار منتشر می‌شوند (پنهان کردن آن‌ها تنها در ناچاری و با گزارش). هر خانه به شکل «کد استان|کد آیسیک»، مانند 23|C یا IR|1050؛ با فاصله یا ویرگول جدا کنید.', shape: 'keys' },
  index_first_computation_days: { label: 'نخستین محاسبه شاخص، چند روز پس از مهلت', help: 'شاخص هر ماه نخستین بار این شمار روز پس از مهلت ثبت آن ماه محاسبه می‌شود؛ واحدهای بی‌پاسخ در آن زمان جانهی می‌شوند.', shape: 'int' },
  index_thursday_weight: { label: 'وزن کاری پنجشنبه در تعدیل تقویمی شاخص', help: 'پنجشنبه‌ای که تعطیل رسمی نیست چند روز کاری شمرده شود: ۱ یک روز کامل، ۰٫۵ نیم‌روز (بیشتر کارخانه‌ها)، ۰ تعطیل.', shape: 'number' },
};

export const SETTING_KEYS = Object.keys(SETTING_META) as SettingKey[];
export const isSettingKey = (k: unknown): k is SettingKey => typeof k === 'string' && (SETTING_KEYS as string[]).includes(k);
export const isPeriodic = (k: SettingKey) => PERIODIC_SETTINGS.includes(k);

const toNumber = (v: unknown) => {
  const s = normalizeNumberInput(str(v));
  return s === '' ? Number.NaN : /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : Number.NaN;
};

function persianIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small': return `باید دست‌کم ${fa(Number(issue.minimum))} باشد.`;
    case 'too_big': return `حداکثر ${fa(Number(issue.maximum))} است.`;
    case 'invalid_type': return issue.expected === 'int' ? 'باید عدد صحیح باشد.' : 'عدد وارد کنید.';
    case 'custom': return 'دوره را به شکل سال-ماه بنویسید، مانند ۱۴۰۴-۰۸.';
    case 'invalid_format': return 'هر خانه را به شکل «کد استان|کد آیسیک» بنویسید، مانند 23|C یا IR|1050.';
    default: return 'مقدار نادرست است.';
  }
}

/**
 * A new step of a periodic rule may start at the current month at the earliest: every deadline
 * it sets falls in the next month, so no period already judged (or being judged) changes.
 */
export const earliestEffectivePeriod = (now: Date): Period => periodOf(now);

export type SettingChange = { key: SettingKey; value: unknown; effectiveFrom: Period };

/** The posted form of one setting → its value (checked by the setting's own schema) and effective period. */
export function parseSettingForm(key: SettingKey, body: Record<string, unknown>, now: Date): { ok: true; change: SettingChange } | { ok: false; errors: FieldErrors } {
  const shape = SETTING_META[key].shape;
  const raw = shape === 'int' || shape === 'number' ? toNumber(body.value)
    : shape === 'keys' ? [...new Set(str(body.value).split(/[\s,،]+/).filter(Boolean).map((key) => latinDigits(key).toUpperCase()))]
    : shape === 'period' ? normalizePeriodInput(str(body.value))
      : Object.fromEntries(Object.keys(shape).map((sub) => [sub, toNumber((body.value as Record<string, unknown> | undefined)?.[sub])]));
  const errors: FieldErrors = {};
  const parsed = settingSchemas[key].safeParse(raw);
  if (!parsed.success) for (const issue of parsed.error.issues) errors[['value', ...issue.path.map(String)].join('.')] ??= persianIssue(issue);
  let effectiveFrom: Period = '0001-01';
  if (isPeriodic(key)) {
    const from = normalizePeriodInput(str(body.effective_from));
    const earliest = earliestEffectivePeriod(now);
    if (!isPeriod(from)) errors.effective_from = 'دوره آغاز اجرا را به شکل سال-ماه بنویسید، مانند ۱۴۰۴-۰۹.';
    else if (from < earliest) errors.effective_from = `تغییر قاعده نمی‌تواند دوره‌های گذشته را عوض کند؛ دوره‌ای از ${periodLabel(earliest)} به بعد بنویسید.`;
    else effectiveFrom = from;
  }
  if (Object.keys(errors).length || !parsed.success) return { ok: false, errors };
  return { ok: true, change: { key, value: parsed.data, effectiveFrom } };
}

/** Saves one setting and records it with the value it replaces. */
export async function changeSetting(change: SettingChange, actor: { id: number; ip?: string | null }, k: Knex = db()): Promise<void> {
  await k.transaction(async (trx) => {
    const previous = await trx('settings').where({ key: change.key }).where('effective_from', '<=', isPeriodic(change.key) ? change.effectiveFrom : '9999-12')
      .orderBy('effective_from', 'desc').first('value', 'effective_from');
    await saveSetting(change.key, change.value as SettingValue<typeof change.key>, actor.id, change.effectiveFrom, trx);
    await audit({
      action: 'settings.changed', userId: actor.id, ip: actor.ip ?? null, target: `setting:${change.key}`,
      details: { key: change.key, value: change.value, effective_from: isPeriodic(change.key) ? change.effectiveFrom : null, previous: previous?.value ?? null },
    }, trx);
  });
}

export interface SettingsPage {
  current: { [K in SettingKey]: SettingValue<K> };
  history: Record<string, { effective_from: string; value: unknown; updated_at: Date; updated_by_email: string | null }[]>;
  earliestEffective: Period;
}

export async function settingsPage(now: Date, k: Knex = db()): Promise<SettingsPage> {
  const s = await loadSettings(k);
  const current = Object.fromEntries(SETTING_KEYS.map((key) => [key, s.get(key)])) as SettingsPage['current'];
  const rows = await k('settings as s').leftJoin('users as us', 'us.id', 's.updated_by')
    .whereIn('s.key', PERIODIC_SETTINGS as SettingKey[])
    .select('s.key', 's.effective_from', 's.value', 's.updated_at', 'us.email as updated_by_email')
    .orderBy([{ column: 's.key' }, { column: 's.effective_from' }]);
  const history: SettingsPage['history'] = {};
  for (const r of rows) (history[r.key] ??= []).push(r);
  return { current, history, earliestEffective: earliestEffectivePeriod(now) };
}
