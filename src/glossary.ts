// The portal's vocabulary (issue 14, item 8): one Persian word for each thing, in one place.
// Templates get these through app.locals (src/views.ts); no code or English word reaches the UI.

/** ISIC Rev.4 levels: بخش ⊃ قسمت ⊃ گروه ⊃ طبقه (section ⊃ division ⊃ group ⊃ class). */
export const ISIC_LEVEL_LABELS = { section: 'بخش', division: 'قسمت', group: 'گروه', class: 'طبقه' } as const;

/** Words that are easy to write two ways: these are the ways (with their half-spaces). */
export const TERMS = {
  submitted: 'ارسال‌شده',
  onTime: 'به‌موقع',
  late: 'با تأخیر',
  missing: 'ثبت‌نشده',
  returned: 'عودت‌شده',
  verified: 'تأییدشده',
  awaitingApproval: 'در انتظار تأیید',
} as const;

/** A filing's state (DESIGN §6) in words, on every page, list, filter and file; a period never filed is «ثبت‌نشده». */
export const FILING_STATE_LABELS: Record<'draft' | 'submitted' | 'returned' | 'verified' | 'missing', string> = {
  draft: 'پیش‌نویس',
  submitted: `${TERMS.submitted}، در انتظار بررسی`,
  returned: `${TERMS.returned} برای اصلاح`,
  verified: TERMS.verified,
  missing: TERMS.missing,
};

/** A due period's timeliness (DESIGN §4) in words. */
export const TIMELINESS_LABELS: Record<'on_time' | 'late' | 'missing' | 'not_due', string> = {
  on_time: TERMS.onTime,
  late: TERMS.late,
  missing: TERMS.missing,
  not_due: 'مهلت باقی است',
};

export const ROLE_LABELS: Record<string, string> = {
  unit_user: 'کاربر واحد',
  province_officer: 'کارشناس استان',
  stats_office: 'دفتر آمار و فرآوری داده‌ها',
  planning_deputy: 'معاونت برنامه‌ریزی',
  admin: 'مدیر سامانه',
};

export const KIND_LABELS: Record<string, string> = { industrial: 'صنعتی', mining: 'معدنی' };

export const UNIT_STATUS_LABELS: Record<string, string> = { active: 'فعال', inactive: 'غیرفعال' };

/** A unit's status (DESIGN §4) in words, everywhere it is shown. */
export const unitStatusLabel = (status: string): string => UNIT_STATUS_LABELS[status] ?? status;

export const REGISTRATION_LABELS: Record<string, string> = { pending: TERMS.awaitingApproval, approved: 'تأییدشده', rejected: 'ردشده' };

/** Persian names of the actions the features write; an unknown one as «رویداد دیگر» (its code is no UI text). */
export const ACTION_LABELS: Record<string, string> = {
  'auth.sign_in': 'ورود به سامانه',
  'auth.failed': 'ورود ناموفق',
  'auth.locked': 'قفل شدن حساب پس از چند ورود ناموفق',
  'filing.submit': 'ارسال اظهارنامه',
  'filing.correct': 'اصلاح اظهارنامه',
  'filing.view': 'مشاهده اظهارنامه واحد توسط کارشناس',
  'filing.verify': 'تأیید اظهارنامه',
  'filing.return': 'عودت اظهارنامه برای اصلاح',
  'filing.reopen': 'بازگشایی اظهارنامه تأییدشده',
  'validation_rule.create': 'افزودن قاعده کنترل اظهارنامه',
  'validation_rule.update': 'ویرایش قاعده کنترل اظهارنامه',
  'validation_rule.retire': 'بازنشسته کردن قاعده کنترل اظهارنامه',
  'unit.registered': 'ثبت‌نام واحد',
  'unit.account_linked': 'اتصال حساب به واحد واردشده',
  'unit.registration_approved': 'تأیید ثبت‌نام واحد',
  'unit.registration_rejected': 'رد ثبت‌نام واحد',
  'units.imported': 'ورود فهرست واحدها',
  'user.created': 'ساخت حساب کاربری',
  'user.password_reset': 'بازنشانی گذرواژه',
  'user.activation_link_issued': 'صدور پیوند فعال‌سازی',
  'user.deactivated': 'غیرفعال کردن حساب',
  'user.reactivated': 'فعال کردن دوباره حساب',
  'settings.changed': 'تغییر تنظیمات',
  'settings.exemplary_weights': 'تغییر وزن شاخص‌های واحد برگزیده',
  'stats.export': 'دریافت فایل جدول آماری',
  'stats.view': 'مشاهده جدول آماری',
  'stats.release': 'انتشار آمار',
  'stats.release_refused': 'انتشار آمار رد شد',
  'stats.job_queued': 'درخواست انتشار یا محاسبه شاخص (در صف)',
  'stats.job_cancel': 'درخواست لغو انتشار یا محاسبه شاخص',
  'stats.job_refused': 'انتشار یا محاسبه شاخص انجام نشد',
  'stats.job_failed': 'خطا در انتشار یا محاسبه شاخص',
  'stats.job_cancelled': 'انتشار یا محاسبه شاخص لغو شد',
  'stats.api': 'دریافت آمار از API',
  'stats.index_compute': 'محاسبه شاخص تولید',
  'stats.index_release': 'نشر شاخص تولید', // audit rows before issue 20's naming (migration 240)
  'stats.index_publish': 'نشر شاخص تولید',
  'stats.index_holidays': 'ثبت تعطیلات رسمی سال برای تعدیل تقویمی شاخص',
  'stats.index_view': 'مشاهده شاخص تولید',
  'stats.index_export': 'دریافت فایل شاخص تولید',
  'stats.index_api': 'دریافت شاخص تولید از API',
  'stats.calendar_announce': 'اعلام زمان انتشار در تقویم',
  'stats.calendar_move': 'جابه‌جایی زمان انتشار',
  'stats.sdmx': 'دریافت داده SDMX',
  'certificate.issue': 'صدور گواهی وضعیت',
  'eligibility.check': 'استعلام صلاحیت دریافت خدمات',
  'facility.view': 'مشاهده سقف پیشنهادی تسهیلات',
  'nominations.create': 'نامزد کردن واحد برگزیده',
  'nominations.delete': 'حذف نامزدی واحد برگزیده',
  'api_token.create': 'ساخت کلید دسترسی API',
  'api_token.revoke': 'ابطال کلید دسترسی API',
  'audit.export': 'دریافت فایل گزارش رویدادها',
  'user.role_changed': 'تغییر نقش حساب',
  'user.role_confirmed': 'تأیید نقش حساب (نفر دوم)',
  'user.activation_link_refused': 'رد درخواست پیوند فعال‌سازی (واحد در استان دیگر)',
  'user.password_changed': 'تغییر گذرواژه',
  'user.password_reset_requested': 'درخواست بازنشانی گذرواژه (فراموشی)',
  'user.password_reset_done': 'تعیین گذرواژه تازه با پیوند بازنشانی',
  'user.activated': 'فعال‌سازی حساب با پیوند',
  'user.email_proven': 'تأیید پست الکترونیکی',
  'auth.throttled': 'ورود ناموفق و انتظار پیش از تلاش بعدی',
  'unit.claimed': 'درخواست پیوند به واحد واردشده',
  'unit.claim_approved': 'تأیید درخواست پیوند به واحد',
  'unit.claim_rejected': 'رد درخواست پیوند به واحد',
  'catalogue.imported': 'ورود فهرست ملی محصولات',
  'catalogue.linked': 'پیوند محصول واحد به کد فهرست ملی',
  'catalogue.created': 'افزودن کد به فهرست ملی محصولات',
  'catalogue.updated': 'ویرایش کد فهرست ملی محصولات',
  'catalogue.retired': 'بازنشستگی کد فهرست ملی محصولات',
  'catalogue.deleted': 'حذف کد بازنشسته فهرست ملی محصولات',
};

export const actionLabel = (action: string): string => ACTION_LABELS[action] ?? 'رویداد دیگر';

/** What an audit row is about (the kind before the colon of its target: `filing:12`). */
export const OBJECT_LABELS: Record<string, string> = {
  filing: 'اظهارنامه',
  user: 'حساب کاربری',
  unit: 'واحد',
  release: 'انتشار آمار',
  index_computation: 'محاسبه شاخص تولید',
  index_publication: 'نشر شاخص تولید',
  period: 'دوره',
  setting: 'تنظیم',
  catalogue: 'کد فهرست ملی محصولات',
  certificate: 'گواهی وضعیت',
  nomination: 'نامزدی واحد برگزیده',
  api_token: 'کلید دسترسی API',
  unit_claim: 'درخواست پیوند به واحد',
};

/** The audit details an administrator may read (src/admin/audit-log.ts), in words. */
export const DETAIL_LABELS: Record<string, string> = {
  period: 'دوره', revision: 'ویرایش', via: 'از راه', purpose: 'منظور', type: 'نوع', key: 'کلید', effective_from: 'اجرا از',
  value: 'مقدار', previous: 'مقدار پیشین', role: 'نقش', from: 'از', to: 'به', province_code: 'کد استان', rows: 'سطرها',
  created: 'ساخته‌شده', unchanged: 'بدون تغییر', accounts: 'حساب‌ها', format: 'قالب', email: 'پست الکترونیکی', span: 'بازه',
  year: 'سال', measure: 'شاخص', cols: 'ستون‌ها', action: 'رویداد', user: 'کاربر', unit: 'واحد', province: 'استان', '…': 'موارد دیگر',
};
