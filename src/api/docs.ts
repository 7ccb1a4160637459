import { Router } from 'express';

// The API's contract (OpenAPI 3.1), served as JSON for tools and as a readable page for people.
// No CDN, no script: the page is rendered on the server from this same document.

type Json = Record<string, unknown>;

const error = (description: string, codes: string[]): Json => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example: { error: { code: codes[0], message: '…' } } } },
  'x-codes': codes,
});

const period = (name: string, where: 'path' | 'query', description: string, required = where === 'path'): Json => ({
  name, in: where, required, description, schema: { $ref: '#/components/schemas/Period' },
});

const unitIdParam: Json = {
  name: 'unit_id', in: 'query', required: false, schema: { type: 'integer' },
  description: 'برای کاربری که چند واحد دارد: شناسه واحد. پیش‌فرض: نخستین واحد تأییدشده کاربر. واحدی که از آنِ کاربر نیست ← 404.',
};

const unauthorized = error('کلید دسترسی ارسال نشده، نامعتبر، باطل‌شده یا منقضی‌شده است (هر کلید یک سال اعتبار دارد و با تغییر یا بازنشانی گذرواژه باطل می‌شود).', ['unauthorized']);
const sdmxStructure = { description: 'پیام ساختار SDMX-JSON 2.0', content: { 'application/vnd.sdmx.structure+json; version=2.0.0': { schema: { type: 'object' } } } };
const notFound = error('یافت نشد؛ از جمله وقتی نقش کاربرِ کلید اجازه این مسیر را ندارد (همه نقش‌ها جز نقش مجاز).', ['not_found']);
const rateLimited = error('بیش از حد مجاز درخواست در دقیقه.', ['rate_limited']);

/** The status and cancellation paths of one kind of job (releases, index computations). */
function jobPaths(kind: 'releases' | 'index', what: string): Json {
  const id = [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }];
  const job = (description: string): Json => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Job' } } } });
  return {
    [`/stats/${kind}/jobs/{id}`]: {
      get: {
        summary: `وضعیت یک درخواست ${what}: مرحله، پیشرفت، و نتیجه یا دلیل انجام نشدن`, tags: ['دفتر آمار'], parameters: id,
        responses: { 200: job('وضعیت کار'), 401: unauthorized, 404: notFound, 429: rateLimited },
      },
    },
    [`/stats/${kind}/jobs/{id}/cancellation`]: {
      post: {
        summary: `لغو یک درخواست ${what}: در صف، بی‌درنگ؛ در حال اجرا، در نخستین فرصت (چیزی ثبت نمی‌شود)`, tags: ['دفتر آمار'], parameters: id,
        responses: { 200: job('وضعیت کار پس از لغو'), 401: unauthorized, 404: notFound, 409: error('کار پیش‌تر پایان یافته است.', ['job_finished']), 429: rateLimited },
      },
    },
  };
}

export const openApiDocument: Json = {
  openapi: '3.1.0',
  info: {
    title: 'API سامانه آمار تولید صنعت و معدن',
    version: '1.0.0',
    description: [
      'برای سامانه‌های خود واحدها (ERP) و ابزارهای دفتر آمار. هر درخواست سرآیند `Authorization: Bearer TOKEN` دارد؛ کلید را در صفحه «کلیدهای دسترسی» حساب کاربری بسازید (یا مدیر سامانه با `npm run api:token -- --email ...`).',
      'بدون نشست و CSRF؛ شمار درخواست‌ها برای هر کاربر محدود است (۴۲۹). هر خطا بدنه‌ای به شکل `{error: {code, message, fields?}}` با پیام فارسی دارد.',
      'دوره‌ها ماه شمسی به شکل `YYYY-MM` (مثلاً `1404-07` = مهر ۱۴۰۴) و زمان‌ها ISO 8601 با منطقه زمانی‌اند؛ مهلت هر دوره پایان روز هشتم ماه بعد به وقت تهران است (یا قاعده در حال اجرای آن دوره).',
      'هشدارها: ارسال (`submit: true`) با هشدار نیازمند `confirm_warnings: true` است؛ وگرنه چیزی ذخیره نمی‌شود و پاسخ 422 با کد `warnings_unconfirmed` و فهرست هشدارهاست. پیش‌نویس با هشدارهایش ذخیره می‌شود.',
      'هم‌زمانی: با فرستادن `base_revision` (نسخه‌ای که داده‌ها بر پایه آن است) اگر در این فاصله نسخه تازه‌تری ثبت شده باشد پاسخ 409 `stale_revision` است؛ بدون آن، ارسال به‌عنوان نسخه بعدی روی آخرین نسخه ثبت می‌شود.',
    ].join('\n\n'),
  },
  servers: [{ url: '/api/v1' }],
  security: [{ bearer: [] }],
  paths: {
    '/unit': {
      get: {
        summary: 'واحد، محصولات آن، آغاز تکلیف، وضعیت و دوره جاری با مهلتش',
        tags: ['واحد'],
        parameters: [unitIdParam],
        responses: {
          200: { description: 'واحد', content: { 'application/json': { schema: { $ref: '#/components/schemas/Unit' } } } },
          401: unauthorized, 404: notFound, 429: rateLimited,
        },
      },
    },
    '/filings': {
      get: {
        summary: 'وضعیت هر دوره در بازه (پیش‌فرض: از آغاز تکلیف تا ماه جاری)',
        tags: ['واحد'],
        parameters: [period('from', 'query', 'نخستین دوره'), period('to', 'query', 'آخرین دوره'), unitIdParam],
        responses: {
          200: {
            description: 'دوره‌ها به ترتیب زمان',
            content: { 'application/json': { schema: { type: 'object', required: ['unit_id', 'filings'], properties: { unit_id: { type: 'integer' }, filings: { type: 'array', items: { $ref: '#/components/schemas/PeriodSummary' } } } } } },
          },
          400: error('دوره نادرست یا واحد تأییدنشده.', ['bad_period', 'unit_not_approved']),
          401: unauthorized, 404: notFound, 429: rateLimited,
        },
      },
    },
    '/filings/{period}': {
      get: {
        summary: 'اظهارنامه یک دوره با ردیف‌ها و هشدارها',
        tags: ['واحد'],
        parameters: [period('period', 'path', 'دوره'), unitIdParam],
        responses: {
          200: { description: 'اظهارنامه', content: { 'application/json': { schema: { $ref: '#/components/schemas/Filing' } } } },
          400: error('دوره نادرست.', ['bad_period']),
          401: unauthorized, 404: notFound, 429: rateLimited,
        },
      },
      put: {
        summary: 'ذخیره پیش‌نویس یا ارسال/اصلاح اظهارنامه یک دوره',
        description: 'همان قواعد، هشدارها و نسخه‌های فرم وب. هر ارسال یا اصلاح نسخه تازه‌ای (با via = api) می‌سازد؛ ملاک به‌موقع بودن نخستین ارسال است. وضعیت واحد بی‌درنگ بازمحاسبه می‌شود.',
        tags: ['واحد'],
        parameters: [period('period', 'path', 'دوره'), unitIdParam],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/FilingInput' } } } },
        responses: {
          200: { description: 'اظهارنامه ذخیره‌شده (با هشدارها)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Filing' } } } },
          400: error('دوره هنوز آغاز نشده، پیش از آغاز تکلیف واحد است، قالب دوره نادرست است یا ثبت‌نام واحد تأیید نشده است.', ['period_not_begun', 'before_obligation', 'bad_period', 'unit_not_approved']),
          401: unauthorized,
          404: error('محصولی از واحد دیگر (یا ناموجود) در ردیف‌ها، یا مسیر برای این نقش.', ['product_not_found', 'not_found']),
          409: error('اظهارنامه تأییدشده قفل است (تنها کارشناس استان بازگشایی می‌کند)؛ یا base_revision کهنه است؛ یا پیش‌نویس برای اظهارنامه ارسال‌شده.', ['locked', 'stale_revision', 'already_submitted']),
          422: {
            description: 'مقادیر نادرست (کد و پیام برای هر خانه، مانند `lines.0.produced`) یا هشدارهای تأییدنشده.',
            'x-codes': ['validation', 'warnings_unconfirmed'],
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Error' },
                examples: {
                  validation: { value: { error: { code: 'validation', message: 'برخی مقادیر نادرست یا ناقص است.', fields: { 'lines.0.produced': { code: 'negative', message: 'مقدار تولید نمی‌تواند منفی باشد.' } } } } },
                  warnings_unconfirmed: { value: { error: { code: 'warnings_unconfirmed', message: 'پیش از ارسال، هشدارهای زیر را بررسی و تأیید کنید.', warnings: [{ code: 'over_capacity', field: 'lines.0.produced', message: '…' }] } } },
                },
              },
            },
          },
          429: rateLimited,
        },
      },
    },
    '/status': {
      get: {
        summary: 'وضعیت واحد و صلاحیت دریافت خدمات (DESIGN §4)',
        tags: ['واحد'],
        parameters: [unitIdParam],
        responses: {
          200: {
            description: 'نسبت‌ها بین ۰ و ۱',
            content: { 'application/json': { schema: {
              type: 'object', required: ['status', 'missing_periods', 'eligible', 'completeness', 'timeliness'],
              properties: {
                unit_id: { type: 'integer' },
                status: { enum: ['active', 'inactive'] },
                missing_periods: { type: 'array', items: { $ref: '#/components/schemas/Period' } },
                eligible: { type: 'boolean' },
                completeness: { type: 'number', minimum: 0, maximum: 1, description: 'ثبت‌شده ÷ سررسیدشده' },
                timeliness: { type: 'number', minimum: 0, maximum: 1, description: 'به‌موقع ÷ سررسیدشده' },
              },
            } } },
          },
          401: unauthorized, 404: notFound, 429: rateLimited,
        },
      },
    },
    '/stats/aggregates': {
      get: {
        summary: 'نمای یک انتشار ثبت‌شده (DESIGN §7) — کلید دفتر آمار یا معاونت برنامه‌ریزی؛ نشری که پیش از زمان اعلام‌شده‌اش ثبت شده تا آن لحظه تنها برای دفتر آمار است و برای دیگران گویی وجود ندارد',
        description: [
          'آمار تنها به شکل نمایی از یک انتشار ثبت‌شده بیرون می‌رود: کل مکعب یک ماه، فصل یا سال که پیش از ثبت همراه با همه انتشارهای پیشین در برابر افشا محافظت و بازرسی شده و دیگر تغییر نمی‌کند. هیچ جدولی هنگام درخواست از اظهارنامه‌ها ساخته نمی‌شود.',
          'پاسخ، نمای آخرین ویرایش انتشار دوره است: با preliminary=true آخرین انتشار مقدماتی (شامل اظهارنامه‌های ارسال‌شده و تأییدنشده)، وگرنه آخرین انتشار نهایی.',
          'جدول دو بُعد دارد: یکی استان (و کل کشور با کلید IR؛ کد استان‌ها از 00 تا 30 است) و دیگری یکی از سطح‌های آیسیک (بخش، قسمت، گروه، طبقه؛ کل صنعت و معدن با کلید T)؛ یا تنها یکی از آن دو. ردیف/ستون جمع آخرین است.',
          'ارقام پولی عدد صحیح دقیق‌اند: تا 2^53 − 1 به شکل عدد JSON و بزرگ‌تر از آن به شکل رشته‌ای از رقم‌ها (هرگز گرد نمی‌شوند). شاغلان، میانگین ماهانه به نفر (عدد صحیح).',
          'هر نمای ارائه‌شده با کاربر، زمان و شناسه انتشار در گزارش رویدادها ثبت می‌شود.',
        ].join('\n\n'),
        tags: ['دفتر آمار'],
        parameters: [
          { name: 'period', in: 'query', schema: { $ref: '#/components/schemas/ReferencePeriod' }, description: 'دوره انتشار: ماه `1404-01`، فصل `1404-Q1` (فروردین تا خرداد) یا سال `1404`. یا به‌جای آن from و to.' },
          period('from', 'query', 'به‌جای period: ماه آغاز. from/to باید دقیقاً یک ماه، یک فصل یا یک سال باشد؛ وگرنه 400.', false),
          period('to', 'query', 'به‌جای period: ماه پایان', false),
          { name: 'rows', in: 'query', required: true, schema: { $ref: '#/components/schemas/Dimension' } },
          { name: 'cols', in: 'query', schema: { $ref: '#/components/schemas/Dimension' }, description: 'بُعد دیگرِ rows (اگر rows استان است یکی از سطح‌های آیسیک، و برعکس)؛ بدون آن، یک ستون `value`' },
          { name: 'measure', in: 'query', schema: { enum: ['production_value', 'value_added', 'intermediate_consumption', 'employees', 'units'], default: 'production_value' } },
          { name: 'preliminary', in: 'query', schema: { type: 'boolean', default: false }, description: 'نمای آخرین انتشار مقدماتی به‌جای نهایی' },
          { name: 'format', in: 'query', schema: { enum: ['json', 'csv'], default: 'json' } },
        ],
        responses: {
          200: {
            description: 'هر خانه (جمع‌ها هم) با کلید سطر و ستون؛ value برای خانه محرمانه null و suppressed برابر true است (بی‌آنکه گفته شود به کدام قاعده). خانه‌ای که در انتشار نیست (بدون واحد): value null و suppressed false.',
            content: {
              'application/json': { schema: {
                type: 'object',
                required: ['release', 'query', 'rows', 'cols', 'cells'],
                properties: {
                  release: { type: 'object', required: ['id', 'period', 'kind', 'revision', 'preliminary', 'cut_off'], properties: {
                    id: { type: 'integer' }, period: { $ref: '#/components/schemas/ReferencePeriod' }, kind: { enum: ['month', 'quarter', 'year'] },
                    revision: { type: 'integer', minimum: 1 }, preliminary: { type: 'boolean' }, cut_off: { type: 'string', format: 'date-time', description: 'لحظه‌ای که اظهارنامه‌ها در آن خوانده شدند' },
                  } },
                  query: { type: 'object' },
                  measure_label: { type: 'string' },
                  total_keys: { type: 'object', properties: { geo: { const: 'IR' }, isic: { const: 'T' } } },
                  rows: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, label: { type: 'string' } } } },
                  cols: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, label: { type: 'string' } } } },
                  cells: { type: 'array', items: { type: 'object', required: ['row', 'col', 'value', 'suppressed'], properties: {
                    row: { type: 'string' }, col: { type: 'string' },
                    value: { oneOf: [{ type: 'integer' }, { type: 'string', pattern: '^-?[0-9]+$', description: 'عدد صحیح بزرگ‌تر از 2^53 − 1، دقیق' }, { type: 'null' }] },
                    suppressed: { type: 'boolean' },
                  } } },
                },
              } },
              'text/csv': { schema: { type: 'string', description: 'UTF-8 با BOM؛ یک سطر برای هر خانه: کد سطر، نام، کد ستون، نام، مقدار (رقم‌های دقیق)، نشانه × برای خانه محرمانه (مقدار خالی)' } },
            },
          },
          400: error('from/to یک ماه، یک فصل یا یک سال نیست؛ پیام، شبکه انتشار را توضیح می‌دهد.', ['period_off_grid']),
          401: unauthorized,
          404: error('این دوره (نهایی یا مقدماتی، هر کدام خواسته شده) هنوز انتشاری ندارد؛ یا نقش کلید اجازه این مسیر را ندارد.', ['no_release', 'not_found']),
          422: error('پارامترهای نادرست (کد و پیام برای هر پارامتر).', ['invalid_query']),
          429: rateLimited,
        },
      },
    },
    '/stats/products': {
      get: {
        summary: 'مقدار تولید به تفکیک کد محصول از یک انتشار ثبت‌شده (DESIGN §7) — کلید دفتر آمار یا معاونت برنامه‌ریزی؛ نشری که پیش از زمان اعلام‌شده‌اش ثبت شده تا آن لحظه تنها برای دفتر آمار است و برای دیگران گویی وجود ندارد',
        description: [
          'بُعد محصول هر انتشار: مقدار تولید هر کد فهرست ملی محصولات به واحد استاندارد آن کد (مقدار اظهارشده به هر واحد هم‌جنس، دقیق تبدیل شده)، گروه‌های کد به پیشوند (`G1050` همه کدهای طبقه، `G105010`، `G10501000`؛ هر گروه تنها کدهای هم‌واحد را جمع می‌زند) و «سایر محصولات» هر طبقه (`1050*`: محصولات پیوندنخورده به کد، به واحد پایه جنس خود).',
          'خانه‌های محصول همچون ارزش‌ها محافظت می‌شوند: قاعده اولیه روی مقدار واحدها، سرکوب ثانویه بهینه و بازرسی مهاجم، همراه با همه انتشارهای پیوسته. مقدار محصول‌های مختلف هرگز با هم جمع نمی‌شود.',
          'با geo=national هر سطر دو ستون دارد: quantity (مقدار) و units (شمار واحدهای تولیدکننده)؛ با geo=province یک ستون برای هر استان و ستون IR برای کل کشور.',
          'مقدارها رشته یا عدد دهدهی دقیق‌اند (تا شش رقم اعشار): عدد JSON وقتی همان رقم‌ها را پس می‌دهد، وگرنه رشته.',
        ].join('\n\n'),
        tags: ['دفتر آمار'],
        parameters: [
          { name: 'period', in: 'query', schema: { $ref: '#/components/schemas/ReferencePeriod' }, description: 'دوره انتشار: ماه، فصل یا سال؛ یا به‌جای آن from و to' },
          period('from', 'query', 'به‌جای period: ماه آغاز', false),
          period('to', 'query', 'به‌جای period: ماه پایان', false),
          { name: 'geo', in: 'query', schema: { enum: ['national', 'province'], default: 'national' } },
          { name: 'isic', in: 'query', schema: { type: 'string', pattern: '^[0-9]{2,4}$' }, description: 'تنها محصولات یک قسمت، گروه یا طبقه آیسیک' },
          { name: 'preliminary', in: 'query', schema: { type: 'boolean', default: false } },
          { name: 'format', in: 'query', schema: { enum: ['json', 'csv'], default: 'json' } },
        ],
        responses: {
          200: {
            description: 'سطرها با کد، نوع (code، group، other)، نام فارسی و واحد اندازه‌گیری؛ خانه محرمانه value null و suppressed true.',
            content: {
              'application/json': { schema: {
                type: 'object',
                required: ['release', 'query', 'rows', 'cols', 'cells'],
                properties: {
                  release: { type: 'object' },
                  query: { type: 'object' },
                  rows: { type: 'array', items: { type: 'object', required: ['key', 'product', 'kind', 'code', 'name', 'unit_of_measure'], properties: {
                    key: { type: 'string', description: 'product~واحد، کلید سطر در cells' },
                    product: { type: 'string', pattern: '^([0-9]{4,10}|[0-9]{4}[*]|G[0-9]{4}([0-9]{2}){0,2})$' },
                    kind: { enum: ['code', 'group', 'other'] },
                    code: { type: 'string', pattern: '^[0-9]{4,10}$', description: 'کد فهرست ملی، پیشوند گروه، یا طبقه «سایر محصولات»' },
                    name: { type: 'string' },
                    unit_of_measure: { type: 'object', properties: { code: { type: 'string' }, name: { type: 'string' } } },
                  } } },
                  cols: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, label: { type: 'string' } } } },
                  cells: { type: 'array', items: { type: 'object', required: ['row', 'col', 'value', 'suppressed'], properties: {
                    row: { type: 'string' }, col: { type: 'string' },
                    value: { oneOf: [{ type: 'number' }, { type: 'string', pattern: '^[0-9]+(\\.[0-9]{1,6})?$' }, { type: 'null' }] },
                    suppressed: { type: 'boolean' },
                  } } },
                },
              } },
              'text/csv': { schema: { type: 'string', description: 'UTF-8 با BOM؛ یک سطر برای هر خانه: کد، نوع، محصول، کد واحد، نام واحد، کد ستون، نام ستون، مقدار (رقم‌های دقیق)، نشانه × برای خانه محرمانه (مقدار خالی)' } },
            },
          },
          400: error('from/to یک ماه، یک فصل یا یک سال نیست.', ['period_off_grid']),
          401: unauthorized,
          404: error('این دوره هنوز انتشاری ندارد؛ یا نقش کلید اجازه این مسیر را ندارد.', ['no_release', 'not_found']),
          422: error('پارامترهای نادرست.', ['invalid_query']),
          429: rateLimited,
        },
      },
    },
    '/stats/performance': {
      get: {
        summary: 'گزارش ماهانه عملکرد استان‌ها (DESIGN §10) — تنها کلید دفتر آمار',
        tags: ['دفتر آمار'],
        parameters: [period('period', 'query', 'دوره‌ای که مهلتش گذشته است؛ پیش‌فرض آخرین دوره سررسیدشده', false)],
        responses: {
          200: {
            description: 'یک شیء برای هر استان با کلید کد دورقمی استان، و national برای کل کشور',
            content: { 'application/json': { schema: {
              type: 'object',
              properties: { national: { $ref: '#/components/schemas/PerformanceCounts' } },
              additionalProperties: { allOf: [{ $ref: '#/components/schemas/PerformanceCounts' }, { type: 'object', properties: { name: { type: 'string' }, rank: { type: 'integer' } } }] },
            } } },
          },
          401: unauthorized, 404: notFound,
          422: error('دوره نادرست یا هنوز سررسید نشده.', ['invalid_query', 'period_not_due']),
          429: rateLimited,
        },
      },
    },
    '/stats/releases': {
      post: {
        summary: 'درخواست یک انتشار تازه (ماه، فصل یا سال؛ نهایی یا مقدماتی) — تنها کلید دفتر آمار. ساخت، حفاظت و بازرسی در پس‌زمینه انجام می‌شود',
        tags: ['دفتر آمار'],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/ReleaseRequest' } } } },
        responses: {
          202: { description: 'در صف گذاشته شد؛ وضعیت را در status_url دنبال کنید', content: { 'application/json': { schema: { $ref: '#/components/schemas/JobQueued' } } } },
          400: error('دوره بیرون از جدول انتشار (ماه، فصل یا سال).', ['period_off_grid']),
          401: unauthorized, 404: notFound,
          409: error('همین درخواست هنوز در صف یا در حال اجراست.', ['duplicate_job']),
          422: error('دوره هنوز سررسید نشده، یا انتشار مقدماتی پس از انتشار نهایی همان دوره.', ['invalid_request', 'refused']),
          429: error('سقف درخواست‌های یک دوره در ۲۴ ساعت، یا سقف درخواست در دقیقه.', ['too_many_jobs', 'rate_limited']),
        },
      },
    },
    ...jobPaths('releases', 'انتشار'),
    '/stats/index/computations': {
      post: {
        summary: 'درخواست محاسبه شاخص تولید یک ماه — تنها کلید دفتر آمار؛ در پس‌زمینه انجام می‌شود',
        tags: ['دفتر آمار'],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/IndexComputationRequest' } } } },
        responses: {
          202: { description: 'در صف گذاشته شد', content: { 'application/json': { schema: { $ref: '#/components/schemas/JobQueued' } } } },
          401: unauthorized, 404: notFound,
          409: error('همین محاسبه هنوز در صف یا در حال اجراست.', ['duplicate_job']),
          422: error('ماه نادرست یا هنوز زمان نخستین محاسبه آن نرسیده.', ['invalid_request']),
          429: error('سقف درخواست‌های یک ماه در ۲۴ ساعت، یا سقف درخواست در دقیقه.', ['too_many_jobs', 'rate_limited']),
        },
      },
    },
    ...jobPaths('index', 'محاسبه شاخص'),
    '/stats/calendar': {
      get: {
        summary: 'تقویم انتشار: زمان اعلام‌شده هر انتشار (یک سال گذشته تا یک سال آینده)، جابه‌جایی‌ها با دلیل، و گزارش به‌موقع بودن — عمومی، بدون کلید',
        tags: ['انتشار'],
        security: [],
        responses: {
          200: {
            description: 'زمان‌ها ISO 8601 به UTC؛ published_at برای انتشاری که هنوز عمومی نشده null است',
            content: { 'application/json': { schema: { type: 'object', properties: {
              time_zone: { type: 'string', const: 'Asia/Tehran' },
              announcements: { type: 'array', items: { type: 'object', properties: {
                id: { type: 'integer' }, period: { type: 'string', description: 'ماه (1405-07)، فصل (1405-Q2) یا سال (1405)' },
                kind: { enum: ['preliminary', 'final', 'revision', 'index'] }, title: { type: 'string' },
                release_at: { type: 'string', format: 'date-time' }, first_release_at: { type: 'string', format: 'date-time' },
                moves: { type: 'array', items: { type: 'object', properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, reason: { type: 'string' }, moved_at: { type: 'string', format: 'date-time' } } } },
                published_at: { type: ['string', 'null'], format: 'date-time' },
              } } },
              punctuality: { type: 'array', items: { type: 'object', properties: {
                announcement: { type: ['integer', 'null'] }, source: { enum: ['release', 'index'] }, period: { type: 'string' }, kind: { type: 'string' }, revision: { type: 'integer' },
                announced_at: { type: ['string', 'null'], format: 'date-time' }, first_announced_at: { type: ['string', 'null'], format: 'date-time' },
                published_at: { type: 'string', format: 'date-time' }, delay_seconds: { type: ['integer', 'null'] }, on_time: { type: ['boolean', 'null'] },
              } } },
            } } } },
          },
        },
      },
    },
    '/sdmx/structure/dataflow': {
      get: {
        summary: 'SDMX: فهرست جریان‌های داده (PSP_RELEASE انتشارها، PSP_INDEX شاخص تولید) — کلید دفتر آمار یا معاونت برنامه‌ریزی',
        tags: ['SDMX'],
        responses: { 200: sdmxStructure, 401: unauthorized, 404: notFound, 429: rateLimited },
      },
    },
    '/sdmx/structure/datastructure/{agency}/{id}/{version}': {
      get: {
        summary: 'SDMX: تعریف ساختار داده (DSD_PSP_RELEASE یا DSD_PSP_INDEX) با فهرست کدها',
        description: 'بُعدها: FREQ، REF_AREA (IR یا کد استان ۰۰ تا ۳۰)، ACTIVITY (آیسیک ویرایش ۴؛ _T کل)، PRODUCT (کد محصول؛ _Z برای ارقام ارزشی)، MEASURE، UNIT_MEASURE، UNIT_MULT و TIME_PERIOD؛ ویژگی‌ها: OBS_STATUS و CONF_STATUS. TIME_PERIOD دوره گزارش SDMX با آغاز سال در ۲۱ مارس است (REPORTING_YEAR_START_DAY = --03-21): مهر ۱۴۰۴ = 2025-M07.',
        tags: ['SDMX'],
        parameters: [
          { name: 'agency', in: 'path', required: true, schema: { type: 'string', const: 'IR_MIMT' } },
          { name: 'id', in: 'path', required: true, schema: { enum: ['DSD_PSP_RELEASE', 'DSD_PSP_INDEX', 'PSP_RELEASE', 'PSP_INDEX'] } },
          { name: 'version', in: 'path', required: true, schema: { type: 'string', examples: ['1.0.0', 'latest'] } },
        ],
        responses: { 200: sdmxStructure, 401: unauthorized, 404: { $ref: '#/components/responses/SdmxError' }, 429: rateLimited },
      },
    },
    '/sdmx/data/{flow}/{key}': {
      get: {
        summary: 'SDMX: داده یک جریان (شکل REST: /sdmx/data/dataflow/IR_MIMT/PSP_RELEASE/1.0.0/{key} هم پذیرفته است) — کلید دفتر آمار یا معاونت برنامه‌ریزی',
        description: [
          'برای هر دوره، آخرین انتشار نهایی (و اگر نیست، آخرین انتشار مقدماتی با OBS_STATUS = P). مشاهده محرمانه بی‌مقدار است با OBS_STATUS = Q و CONF_STATUS = C (محرمانگی اولیه) یا D (ثانویه)؛ مشاهده منتشرشده CONF_STATUS = F.',
          'قالب با پارامتر format (csv یا json) یا سرآیند Accept (application/vnd.sdmx.data+csv;version=2.0.0 یا application/vnd.sdmx.data+json;version=2.0.0)؛ پیش‌فرض SDMX-JSON 2.0. هر درخواست حداکثر ۱۲ دوره انتشار (شاخص ۳۶ ماه).',
          'نشری که پیش از زمان اعلام‌شده‌اش ثبت شده تا آن لحظه تنها برای دفتر آمار است؛ برای دیگران گویی وجود ندارد (۴۰۴).',
        ].join('\n\n'),
        tags: ['SDMX'],
        parameters: [
          { name: 'flow', in: 'path', required: true, schema: { type: 'string', examples: ['PSP_RELEASE', 'PSP_INDEX', 'IR_MIMT,PSP_RELEASE,1.0.0'] } },
          { name: 'key', in: 'path', required: true, description: 'کد بُعدها به ترتیب DSD، جداشده با نقطه؛ بخش خالی یا * یعنی همه؛ + برای چند کد؛ all برای همه. نمونه: M.IR+23._T._Z.PRODUCTION_VALUE.IRR.0', schema: { type: 'string' } },
          { name: 'startPeriod', in: 'query', required: false, description: 'نخستین دوره: 2025-M07، 2025-Q2، 2025-A1 یا به شمسی 1404-07، 1404-Q2، 1404', schema: { type: 'string' } },
          { name: 'endPeriod', in: 'query', required: false, description: 'آخرین دوره، به همان شکل', schema: { type: 'string' } },
          { name: 'format', in: 'query', required: false, schema: { enum: ['csv', 'json', 'sdmx-csv', 'sdmx-json'] } },
        ],
        responses: {
          200: { description: 'SDMX-JSON 2.0 (همه بُعدها در سطح مشاهده) یا SDMX-CSV 2.0 (RFC 4180، UTF-8)', content: { 'application/vnd.sdmx.data+json; version=2.0.0': { schema: { type: 'object' } }, 'application/vnd.sdmx.data+csv; version=2.0.0': { schema: { type: 'string' } } } },
          400: { $ref: '#/components/responses/SdmxError' }, 401: unauthorized, 404: { $ref: '#/components/responses/SdmxError' }, 406: { $ref: '#/components/responses/SdmxError' }, 413: { $ref: '#/components/responses/SdmxError' }, 429: rateLimited,
        },
      },
    },
    '/stats/index': {
      get: {
        summary: 'شاخص تولید صنعت و معدن یک ماه (سال پایه = ۱۰۰)، از آخرین نشر آن ماه — کلید دفتر آمار یا معاونت برنامه‌ریزی؛ نشری که پیش از زمان اعلام‌شده‌اش ثبت شده تا آن لحظه تنها برای دفتر آمار است و برای دیگران گویی وجود ندارد',
        tags: ['دفتر آمار'],
        parameters: [
          period('period', 'query', 'ماهی که شاخص آن منتشر شده است', true),
          { name: 'level', in: 'query', required: false, description: 'ژرف‌ترین سطح آیسیک در پاسخ؛ سطح‌های بالاتر هم می‌آیند (division: کل، دو بخش و قسمت‌ها)', schema: { enum: ['total', 'section', 'division', 'group', 'class'], default: 'division' } },
        ],
        responses: {
          200: {
            description: 'خانه‌های منتشرشده؛ خانه محرمانه بی‌مقدار و بی‌وزن با suppressed = true. ماهی که شاخص آن هنوز نشر نیافته: publication = null و cells خالی',
            content: { 'application/json': { schema: {
              type: 'object',
              properties: {
                period: { $ref: '#/components/schemas/Period' },
                publication: { type: ['object', 'null'], description: 'نشر شاخص: محاسبه‌ای که ارقام این ماه از آن است', properties: { id: { type: 'integer' }, published_at: { type: 'string', format: 'date-time' }, cut_off: { type: 'string', format: 'date-time' } } },
                base: { type: 'integer', const: 100 },
                cells: { type: 'array', items: { type: 'object', properties: {
                  node: { type: 'string', description: 'T (کل)، B یا C (بخش)، یا کد قسمت، گروه یا طبقه آیسیک' },
                  level: { enum: ['total', 'section', 'division', 'group', 'class'] },
                  title: { type: 'string' },
                  value: { type: ['number', 'null'] },
                  suppressed: { type: 'boolean' },
                  imputed_share: { type: ['number', 'null'], description: 'سهم جانهی از شاخص (۰ تا ۱)' },
                  weight_share: { type: ['number', 'null'], description: 'سهم وزن (ارزش افزوده سال پایه) از طبقه‌های پوشش‌داده؛ null برای خانه محرمانه و برای گره‌ای که ارزش افزوده‌اش در انتشار نهایی سال پایه منتشر نشده است' },
                  change_month: { type: ['number', 'null'], description: 'تغییر نسبت به ماه قبل (۰٫۱ = ۱۰٪)' },
                  change_year: { type: ['number', 'null'], description: 'تغییر نسبت به ماه مشابه سال قبل' },
                  calendar_adjusted: { type: ['number', 'null'], description: 'شاخص تعدیل تقویمی (روزهای کاری، تعطیلات رسمی و رمضان)؛ null برای خانه محرمانه یا سری کوتاه‌تر از ۳۶ ماه' },
                  seasonally_adjusted: { type: ['number', 'null'], description: 'شاخص فصلی‌زدایی‌شده و تعدیل تقویمی' },
                  change_month_sa: { type: ['number', 'null'], description: 'تغییر شاخص فصلی‌زدایی‌شده نسبت به ماه قبل' },
                  contribution: { type: ['number', 'null'], description: 'سهم این گره در رشد ماهانه کل صنعت و معدن (۰٫۰۱ = یک واحد درصد)؛ جمع سهم‌های گره‌های یک سطح برابر رشد کل است. null برای خانه محرمانه، گره‌ای که وزنش منتشر نمی‌شود، یا وقتی ماه قبل (یا ماه‌های سال پیوند) منتشر نشده است' },
                } } },
                not_covered: { type: 'object', properties: { classes: { type: 'array', items: { type: 'string' } }, weight_share: { type: ['number', 'null'], description: 'null وقتی ارزش افزوده همه این طبقه‌ها در انتشار نهایی سال پایه منتشر نشده است' } } },
              },
            } } },
          },
          401: unauthorized, 404: notFound,
          422: error('ماه یا سطح نادرست.', ['invalid_query']),
          429: rateLimited,
        },
      },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'کلیدی که با psp_ آغاز می‌شود' } },
    responses: {
      SdmxError: {
        description: 'خطای SDMX REST: کد وضعیت HTTP و پیام SDMX-JSON با errors (code: 100 نتیجه‌ای نیست، 140 خطای نحوی، 406 قالب پشتیبانی نمی‌شود، 413 نتیجه بیش از حد بزرگ) و متن فارسی',
        content: { 'application/json': { schema: { type: 'object', properties: { meta: { type: 'object' }, errors: { type: 'array', items: { type: 'object', required: ['code'], properties: { code: { type: 'integer' }, title: { type: 'string' }, titles: { type: 'object' }, detail: { type: 'string' }, details: { type: 'object' } } } } } } } },
      },
    },
    schemas: {
      ReleaseRequest: { type: 'object', required: ['period'], properties: {
        period: { type: 'string', description: 'دوره جدول انتشار: `1404-07`، `1404-Q2` یا `1404`', examples: ['1405-Q2'] },
        preliminary: { type: 'boolean', default: false, description: 'مقدماتی: اظهارنامه‌های ارسال‌شده و تأییدنشده هم شمرده می‌شوند' },
      } },
      IndexComputationRequest: { type: 'object', required: ['period'], properties: { period: { $ref: '#/components/schemas/Period' } } },
      JobQueued: { type: 'object', properties: { job: { type: 'integer' }, status_url: { type: 'string' }, state: { const: 'queued' } } },
      Job: { type: 'object', properties: {
        id: { type: 'integer' }, kind: { enum: ['release', 'index'] }, period: { type: 'string' }, preliminary: { type: 'boolean' },
        state: { enum: ['queued', 'running', 'done', 'refused', 'failed', 'cancelled'] }, state_label: { type: 'string' },
        phase: { enum: ['reading', 'values', 'products', 'storing', 'computing', null] }, phase_label: { type: ['string', 'null'] },
        progress: { type: 'number', minimum: 0, maximum: 1, description: 'سهم انجام‌شده مرحله جاری' },
        created_at: { type: 'string', format: 'date-time' }, started_at: { type: ['string', 'null'], format: 'date-time' }, finished_at: { type: ['string', 'null'], format: 'date-time' },
        reason: { type: ['string', 'null'], description: 'چرا انجام نشد (فارسی): خانه‌ها و انتشارهای پیشینِ مانع و آنچه دفتر می‌تواند بکند' },
        release: { type: ['object', 'null'], properties: { id: { type: 'integer' }, period: { type: 'string' }, preliminary: { type: 'boolean' }, revision: { type: 'integer' }, cells: { type: 'integer' }, suppressed: { type: 'integer' }, information_loss: { type: 'number' }, url: { type: 'string' } } },
        computation: { type: ['object', 'null'], properties: { id: { type: 'integer' }, period: { type: 'string' }, url: { type: 'string' } } },
      } },
      Period: { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', examples: ['1404-07'] },
      ReferencePeriod: { type: 'string', pattern: '^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$', examples: ['1404-07', '1404-Q2', '1404'] },
      Dimension: { enum: ['province', 'isic_section', 'isic_division', 'isic_group', 'isic_class'] },
      Error: {
        type: 'object', required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: {
          code: { type: 'string' },
          message: { type: 'string', description: 'پیام فارسی' },
          fields: { type: 'object', additionalProperties: { type: 'object', properties: { code: { enum: ['required', 'decimal_comma', 'not_a_number', 'negative', 'not_integer', 'too_large', 'invalid', 'missing_products', 'duplicate'] }, message: { type: 'string' } } } },
          warnings: { type: 'array', items: { $ref: '#/components/schemas/Warning' } },
          current_revision: { type: 'integer', description: 'در stale_revision' },
        } } },
      },
      Unit: {
        type: 'object',
        properties: {
          id: { type: 'integer' }, name: { type: 'string' }, national_id: { type: 'string' }, licence_no: { type: 'string' },
          kind: { enum: ['industrial', 'mining'] }, isic_class: { type: 'string' }, province_code: { type: 'string' },
          registration: { enum: ['pending', 'approved', 'rejected'] }, obligation_start: { $ref: '#/components/schemas/Period' },
          status: { enum: ['active', 'inactive'] }, current_period: { $ref: '#/components/schemas/Period' }, current_deadline: { type: 'string', format: 'date-time' },
          products: { type: 'array', items: { type: 'object', properties: {
            id: { type: 'integer' }, name: { type: 'string', description: 'نام محصول به نوشته خود واحد' },
            unit_of_measure: { type: 'string', description: 'واحد سنجش به نوشته خود واحد' },
            annual_capacity: { type: 'number', description: 'ظرفیت اسمی سالانه، به واحد سنجش خود محصول' },
            product_code: { type: ['string', 'null'], description: 'کدی که واحد هنگام ثبت‌نام نوشت' },
            catalogue_code: { type: ['string', 'null'], pattern: '^[0-9]{4,10}$', description: 'کد فهرست ملی محصولات (۴ رقم نخست: طبقه آیسیک)؛ null تا وقتی پیوند نخورده است' },
            catalogue_name: { type: ['string', 'null'], description: 'نام محصول در فهرست ملی' },
            unit_of_measure_code: { type: ['string', 'null'], description: 'کد واحد سنجش اعلام‌شده (جدول واحدهای سنجش، مانند t یا kg)؛ مقدارها به واحد استاندارد کد تبدیل می‌شوند' },
          } } },
        },
      },
      PeriodSummary: {
        type: 'object',
        properties: {
          period: { $ref: '#/components/schemas/Period' },
          state: { enum: ['draft', 'submitted', 'returned', 'verified', 'missing'], description: 'missing: اظهارنامه‌ای نیست' },
          deadline: { type: 'string', format: 'date-time' },
          first_submitted_at: { type: ['string', 'null'], format: 'date-time' },
          submitted_at: { type: ['string', 'null'], format: 'date-time' },
          timeliness: { enum: ['on_time', 'late', 'missing', 'not_due'], description: 'بر پایه نخستین ارسال؛ not_due: هنوز ارسال نشده و مهلت باقی است' },
          revision: { type: 'integer' },
          tracking_code: { type: ['string', 'null'] },
          return_reason: { type: ['string', 'null'], description: 'دلیل عودت کارشناس استان (در state = returned)' },
        },
      },
      Line: {
        type: 'object', required: ['product_id'],
        properties: {
          product_id: { type: 'integer', description: 'از GET /unit' },
          produced: { type: ['number', 'null'], minimum: 0, description: 'مقدار تولید به واحد اندازه‌گیری محصول' },
          sold: { type: ['number', 'null'], minimum: 0 },
          sales_value: { type: ['integer', 'null'], minimum: 0, description: 'ریال' },
        },
      },
      FilingInput: {
        type: 'object', required: ['submit', 'lines'],
        properties: {
          employees: { type: ['integer', 'null'], minimum: 0, description: 'شمار کارکنان در پایان ماه' },
          production_value: { type: ['integer', 'null'], minimum: 0, description: 'ریال' },
          intermediate_consumption: { type: ['integer', 'null'], minimum: 0, description: 'ریال' },
          lines: { type: 'array', items: { $ref: '#/components/schemas/Line' }, description: 'برای ارسال، یک ردیف برای هر محصول واحد' },
          submit: { type: 'boolean', description: 'false: پیش‌نویس (خانه‌ها می‌توانند null باشند)؛ true: ارسال یا اصلاح (همه خانه‌ها لازم)' },
          confirm_warnings: { type: 'boolean', default: false },
          base_revision: { type: 'integer', minimum: 0, description: 'اختیاری: نسخه‌ای که این داده‌ها بر پایه آن است' },
        },
        example: { employees: 42, production_value: 12500000000, intermediate_consumption: 8300000000, lines: [{ product_id: 17, produced: 310.5, sold: 295, sales_value: 11800000000 }], submit: true },
      },
      Warning: {
        type: 'object',
        properties: {
          code: { enum: ['over_capacity', 'above_median', 'below_median', 'sold_over_stock'] },
          field: { type: 'string', examples: ['lines.0.produced', 'production_value'], description: 'شماره ردیف به ترتیب آرایه lines ارسالی است' },
          message: { type: 'string' },
        },
      },
      Filing: {
        type: 'object',
        properties: {
          period: { $ref: '#/components/schemas/Period' },
          state: { enum: ['draft', 'submitted', 'returned', 'verified'] },
          revision: { type: 'integer' }, tracking_code: { type: ['string', 'null'] },
          first_submitted_at: { type: ['string', 'null'], format: 'date-time' }, submitted_at: { type: ['string', 'null'], format: 'date-time' },
          deadline: { type: 'string', format: 'date-time' },
          timeliness: { enum: ['on_time', 'late', 'missing', 'not_due'] },
          return_reason: { type: ['string', 'null'] }, verified_at: { type: ['string', 'null'], format: 'date-time' },
          employees: { type: ['integer', 'null'] },
          production_value: { anyOf: [{ $ref: '#/components/schemas/Money' }, { type: 'null' }] },
          intermediate_consumption: { anyOf: [{ $ref: '#/components/schemas/Money' }, { type: 'null' }] },
          value_added: { anyOf: [{ $ref: '#/components/schemas/Money' }, { type: 'null' }], description: 'ارزش تولید − مصرف واسطه' },
          lines: { type: 'array', items: { $ref: '#/components/schemas/Line' } },
          warnings: { type: 'array', items: { $ref: '#/components/schemas/Warning' } },
        },
      },
      Money: {
        description: 'مبلغ به ریال، همیشه عدد صحیح و دقیق (هرگز اعشاری): تا 9007199254740991 (2^53−1) به‌صورت عدد JSON، بزرگ‌تر از آن به‌صورت رشته‌ای از ارقام، تا خواننده‌ای که عدد JSON را double می‌خواند آن را گرد نکند.',
        oneOf: [{ type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 }, { type: 'string', pattern: '^-?[0-9]+$' }],
        examples: [12500000000, '108000000000000000'],
      },
      PerformanceCounts: {
        type: 'object',
        properties: {
          obligated: { type: 'integer' }, on_time: { type: 'integer' }, late: { type: 'integer' }, missing: { type: 'integer' },
          response_rate: { type: 'number' }, timeliness: { type: 'number' }, verified: { type: 'integer' }, returned: { type: 'integer' },
          awaiting_verification: { type: 'integer' }, median_days_to_verification: { type: ['number', 'null'] },
        },
      },
    },
  },
};

interface Operation { method: string; path: string; op: Json }

function operations(): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(openApiDocument.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(item)) out.push({ method: method.toUpperCase(), path: `/api/v1${path}`, op });
  }
  return out;
}

export function apiDocsRouter(): Router {
  const router = Router();
  router.get('/docs/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  router.get('/docs', (_req, res) => {
    res.render('api/docs', { title: 'راهنمای API', doc: openApiDocument, operations: operations(), json: (v: unknown) => JSON.stringify(v, null, 2) });
  });
  return router;
}
