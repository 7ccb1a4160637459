import type { Knex } from 'knex';
import { db, num } from '../db.ts';
import { addMonths, deadlineOf, latestDuePeriod, periodRange, type Period, type Rules } from '../calendar.ts';
import { CALENDAR, calendarBindings, judgedPeriods, obligatedFor, timelinessClass } from '../eligibility/record.ts';

// DESIGN §10: the monthly performance report of a period after its deadline.
//
// For period P, judged at instant `at`:
// - obligated: approved units whose obligation start is P or earlier;
// - on time / late / missing: by the filing's first submission against deadlineOf(P) (DESIGN §4);
//   a submission after `at` does not count yet;
// - verified / returned / awaiting verification: the filing's state now (verified, returned,
//   submitted) among the filings counted as filed;
// - median days to verification: percentile_cont(0.5) of verified_at − first_submitted_at, in
//   days, over verified filings of P.
// Response rate = (on time + late) ÷ obligated; timeliness = on time ÷ obligated (null when
// nothing is obligated). Provinces rank by response rate, then timeliness (ties share a rank).

/** Specialised offices of the ministry, by ISIC Rev.4 division ranges (both ends included). */
export const OFFICES: readonly { code: string; label: string; from: string; to: string }[] = [
  { code: 'mining', label: 'معدن (قسمت‌های ۰۵ تا ۰۹)', from: '05', to: '09' },
  { code: 'food', label: 'صنایع غذایی و آشامیدنی (۱۰ تا ۱۲)', from: '10', to: '12' },
  { code: 'textiles', label: 'نساجی، پوشاک و چرم (۱۳ تا ۱۵)', from: '13', to: '15' },
  { code: 'wood_paper', label: 'چوب، کاغذ و چاپ (۱۶ تا ۱۸)', from: '16', to: '18' },
  { code: 'chemicals', label: 'شیمیایی، پتروشیمی، دارویی و لاستیک (۱۹ تا ۲۲)', from: '19', to: '22' },
  { code: 'minerals', label: 'کانی‌های غیرفلزی (۲۳)', from: '23', to: '23' },
  { code: 'metals', label: 'فلزات پایه و محصولات فلزی (۲۴ و ۲۵)', from: '24', to: '25' },
  { code: 'machinery', label: 'برق، الکترونیک و ماشین‌آلات (۲۶ تا ۲۸)', from: '26', to: '28' },
  { code: 'vehicles', label: 'خودرو و تجهیزات حمل‌ونقل (۲۹ و ۳۰)', from: '29', to: '30' },
  { code: 'other', label: 'سایر صنایع، تعمیر و نصب (۳۱ تا ۳۳)', from: '31', to: '33' },
];

/** Every two-digit ISIC division with the office whose range holds it (others are 'other'). */
const DIVISION_OFFICES = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'))
  .map((d) => [d, OFFICES.find((o) => o.from <= d && d <= o.to)?.code] as const)
  .filter((x): x is readonly [string, string] => x[1] !== undefined);
const DIVISIONS_SQL = `values ${DIVISION_OFFICES.map(([d, o]) => `('${d}', '${o}')`).join(', ')}`;

export interface PerformanceCounts {
  obligated: number;
  on_time: number;
  late: number;
  missing: number;
  response_rate: number | null;
  timeliness: number | null;
  verified: number;
  returned: number;
  awaiting_verification: number;
  median_days_to_verification: number | null;
}

export interface ProvinceLine extends PerformanceCounts { code: string; name: string; rank: number }
export interface OfficeLine extends PerformanceCounts { code: string; label: string }
export interface TrendPoint { period: Period; response_rate: number | null; timeliness: number | null }

export interface PerformanceReport {
  period: Period;
  deadline: Date;
  at: Date;
  provinces: ProvinceLine[]; // ranked; one line for a province officer
  offices: OfficeLine[]; // empty for a province officer
  national: PerformanceCounts | null; // null for a province officer
  trend: TrendPoint[]; // 12 months ending at `period` (the officer's province only, for an officer)
}

/** The latest period whose deadline has passed at `at`: the report's default. */
export const defaultReportPeriod = (at: Date, rules: Rules): Period => latestDuePeriod(at, rules);

export const isReportable = (p: Period, at: Date, rules: Rules): boolean => deadlineOf(p, rules) < at;

const COUNT_COLUMNS = `
  count(*) as obligated,
  count(*) filter (where class = 'on_time') as on_time,
  count(*) filter (where class = 'late') as late,
  count(*) filter (where class = 'missing') as missing,
  count(*) filter (where class <> 'missing' and state = 'verified') as verified,
  count(*) filter (where class <> 'missing' and state = 'returned') as returned,
  count(*) filter (where class <> 'missing' and state = 'submitted') as awaiting_verification,
  percentile_cont(0.5) within group (order by extract(epoch from (verified_at - first_submitted_at)) / 86400.0)
    filter (where class <> 'missing' and state = 'verified' and verified_at is not null) as median_days_to_verification`;

/** Every obligated unit of P (the one period of `cal`) with its class, its filing's state and its office. */
const JUDGED = `${judgedPeriods('true', { onePeriod: true })},
  divisions (division, office) as (${DIVISIONS_SQL}),
  offices as (
    select j.*, coalesce(d.office, 'other') as office from judged j left join divisions d on d.division = left(j.isic_class, 2)
  )`;

function counts(r: Record<string, unknown>): PerformanceCounts {
  const obligated = num(r.obligated);
  const onTime = num(r.on_time);
  const late = num(r.late);
  const median = r.median_days_to_verification;
  return {
    obligated,
    on_time: onTime,
    late,
    missing: num(r.missing),
    response_rate: obligated ? (onTime + late) / obligated : null,
    timeliness: obligated ? onTime / obligated : null,
    verified: num(r.verified),
    returned: num(r.returned),
    awaiting_verification: num(r.awaiting_verification),
    median_days_to_verification: median === null || median === undefined ? null : Math.round(num(median) * 10) / 10,
  };
}

/**
 * The report of `period` at `at`. With `provinceCode` (a province officer), only that province's
 * line (ranked among all provinces) and its own trend: filtered in the SQL, after ranking.
 */
export async function performanceReport(period: Period, opts: { at: Date; rules: Rules; provinceCode?: string }, k: Knex = db()): Promise<PerformanceReport> {
  const deadline = deadlineOf(period, opts.rules);
  const b = { ...calendarBindings([period], opts.rules), at: opts.at };
  // One pass over the judged units: per province, per office and national (grouping sets);
  // a province officer's report needs only the provinces (all of them, for the rank).
  const grouping = opts.provinceCode
    ? `province_code, null as office, 0 as no_province, 1 as no_office, ${COUNT_COLUMNS} from offices group by province_code`
    : `province_code, office, grouping(province_code) as no_province, grouping(office) as no_office, ${COUNT_COLUMNS}
         from offices group by grouping sets ((province_code), (office), ())`;
  const grouped = (await k.raw(`with ${JUDGED} select ${grouping}`, b)).rows as Record<string, unknown>[];
  const byProvince = new Map<string, Record<string, unknown>>();
  const byOffice = new Map<string, PerformanceCounts>();
  let national: PerformanceCounts | null = null;
  for (const r of grouped) {
    if (num(r.no_province) === 0) byProvince.set(String(r.province_code), r);
    else if (num(r.no_office) === 0) byOffice.set(String(r.office), counts(r));
    else national = counts(r);
  }
  // Ranked by response rate, then timeliness, nulls (nothing obligated) last; ties share a rank.
  const provinceNames: { code: string; name: string }[] = await k('provinces').select('code', 'name').orderBy('code');
  const lines = provinceNames.map((p) => {
    const c = counts(byProvince.get(p.code) ?? {});
    return { code: p.code, name: p.name, rank: 0, ...c };
  });
  const ahead = (a: PerformanceCounts, z: PerformanceCounts) => {
    const cmp = (x: number | null, y: number | null) => (x === y ? 0 : x === null ? 1 : y === null ? -1 : y - x);
    return cmp(a.response_rate, z.response_rate) || cmp(a.timeliness, z.timeliness);
  };
  for (const line of lines) line.rank = 1 + lines.filter((o) => ahead(o, line) < 0).length;
  lines.sort((x, y) => x.rank - y.rank || (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
  const provinces: ProvinceLine[] = opts.provinceCode ? lines.filter((l) => l.code === opts.provinceCode) : lines;

  let offices: OfficeLine[] = [];
  if (!opts.provinceCode) {
    national ??= counts({});
    offices = OFFICES.map((o) => ({ code: o.code, label: o.label, ...(byOffice.get(o.code) ?? counts({})) }));
  }
  const trend = await performanceTrend(period, opts, k);
  return { period, deadline, at: opts.at, provinces, offices, national, trend };
}

/** Filed and on time among the filings `f` of a period with deadline `cal.deadline` (judged by record.ts's class). */
const FILED_COUNTS = `count(*) filter (where ${timelinessClass('f', 'cal.deadline')} <> 'missing') as filed,
                count(*) filter (where ${timelinessClass('f', 'cal.deadline')} = 'on_time') as on_time`;

/**
 * Response rate and timeliness of the 12 months ending at `period`, in one query. Obligated units
 * are counted from the units alone (per obligation start, summed up to each month) and filings
 * only within the 12 months, so the query reads the filings of those months once instead of
 * joining every unit to every month.
 */
export async function performanceTrend(period: Period, opts: { at: Date; rules: Rules; provinceCode?: string }, k: Knex = db()): Promise<TrendPoint[]> {
  const periods = periodRange(addMonths(period, -11), period);
  // Nationally, filings are counted without joining each one to its unit: all filings of the 12
  // months, less those of the few units that do not count (not approved, or obligated after the
  // month), found from the units side. For one province the join is needed and is much smaller.
  const filedSql = opts.provinceCode
    ? `filed as (
         select f.period, ${FILED_COUNTS}
           from filings f
           join cal on cal.period = f.period
           join units u on u.id = f.unit_id
          where f.period between :cal_first and :cal_last
            and ${obligatedFor('f.period')} and u.province_code = :province::text
          group by f.period
       )`
    : `every_filing as (
         select f.period, ${FILED_COUNTS}
           from filings f join cal on cal.period = f.period
          where f.period between :cal_first and :cal_last
          group by f.period
       ), not_counted as (
         select f.period, ${FILED_COUNTS}
           from units u
           join filings f on f.unit_id = u.id and f.period between :cal_first and :cal_last
           join cal on cal.period = f.period
          where not (${obligatedFor(':cal_first')})
            and not (${obligatedFor('f.period')})
          group by f.period
       ), filed as (
         select e.period, e.filed - coalesce(n.filed, 0) as filed, e.on_time - coalesce(n.on_time, 0) as on_time
           from every_filing e left join not_counted n on n.period = e.period
       )`;
  const rows = await k.raw(
    `with ${CALENDAR},
     starts as materialized (
       select u.obligation_start as start, count(*) as n from units u
        where u.registration = 'approved' and (:province::text is null or u.province_code = :province::text)
        group by u.obligation_start
     ), ${filedSql}
     select cal.period,
            (select coalesce(sum(s.n), 0) from starts s where s.start <= cal.period) as obligated,
            coalesce(filed.filed, 0) as filed,
            coalesce(filed.on_time, 0) as on_time
       from cal left join filed on filed.period = cal.period
      order by cal.period`,
    { ...calendarBindings(periods, opts.rules), at: opts.at, province: opts.provinceCode ?? null },
  );
  return (rows.rows as Record<string, unknown>[]).map((r) => {
    const obligated = num(r.obligated);
    return {
      period: String(r.period),
      response_rate: obligated ? num(r.filed) / obligated : null,
      timeliness: obligated ? num(r.on_time) / obligated : null,
    };
  });
}

/** The API's shape: one object per province keyed by its two-digit code, plus "national" (nothing else at the top). */
export function performanceJson(r: PerformanceReport): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const pick = (c: PerformanceCounts) => ({
    obligated: c.obligated, on_time: c.on_time, late: c.late, missing: c.missing,
    response_rate: c.response_rate, timeliness: c.timeliness, verified: c.verified, returned: c.returned,
    awaiting_verification: c.awaiting_verification, median_days_to_verification: c.median_days_to_verification,
  });
  for (const p of r.provinces) out[p.code] = { name: p.name, rank: p.rank, ...pick(p) };
  if (r.national) out.national = pick(r.national);
  return out;
}
