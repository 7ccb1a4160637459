import type { Knex } from 'knex';
import { db, num } from '../db.ts';
import { type Period, type Rules, deadlineOf, inactivityWindow, latestDuePeriod, periodRange, isPeriod, periodLabel } from '../calendar.ts';
import { persianDigits } from '../text.ts';
import { loadSettings } from '../settings.ts';

// DESIGN §4 in SQL, set-based: a unit's status, and its filing record (due, filed, on time).
// One place for these rules; the nightly job, submissions, certificates, priority lists,
// facilities and exemplary units all call them.

export interface StatusChange { unit_id: number; old_status: string; new_status: string }

// ── The rules of DESIGN §4 as SQL fragments: every statement that judges periods uses these. ──

/** SQL: unit `u` is approved and obligated for the period `period` (an SQL expression). */
export const obligatedFor = (period: string, u = 'u'): string => `${u}.registration = 'approved' and ${u}.obligation_start <= ${period}`;

/** SQL: the filing `f` counts as submitted at the instant `at` (default: bound as `:at`; a later submission does not count yet). */
export const submittedBy = (f = 'f', at = ':at'): string => `${f}.first_submitted_at <= ${at}`;

/** SQL: the class of a period with filing `f` and deadline `deadline` at `:at`: on_time, late or missing. */
export const timelinessClass = (f: string, deadline: string): string =>
  `case when not coalesce(${submittedBy(f)}, false) then 'missing' when ${f}.first_submitted_at <= ${deadline} then 'on_time' else 'late' end`;

/**
 * The calendar table for SQL (periods and deadlines from calendar.ts): the bindings that CALENDAR
 * turns into `cal (period, deadline)`, with its first and last period for a statement that reads
 * only those months' filings. (A JSON recordset: as arrays, the national trend planned 15× slower.)
 */
export function calendarBindings(periods: Period[], rules: Rules): { cal: string; cal_first: Period | null; cal_first_deadline: Date | null; cal_last: Period | null } {
  return {
    cal: JSON.stringify(periods.map((p) => ({ p, d: deadlineOf(p, rules).toISOString() }))),
    cal_first_deadline: periods.length ? deadlineOf(periods[0], rules) : null,
    cal_first: periods[0] ?? null,
    cal_last: periods.at(-1) ?? null,
  };
}

/** The CTE `cal (period, deadline)` over calendarBindings(). */
export const CALENDAR = 'cal as (select c.p as period, c.d::timestamptz as deadline from jsonb_to_recordset(:cal::jsonb) as c(p text, d text))';

/**
 * The CTE `judged`: one row per approved unit (matching `where`, an SQL condition on `u`) and
 * period of `cal` it is obligated for, with its deadline, its filing and its class at `:at`.
 * `onePeriod`: the calendar is the one period `:cal_first` (due `:cal_first_deadline`), given to
 * the planner as constants instead of a table it cannot see into (it guessed 100 rows and the
 * national performance report planned 3× slower); no `cal` CTE is needed then.
 * `filings`: a CTE of the units' filings to judge instead of the table (unitFilings() below).
 */
export function judgedPeriods(where = 'true', opts: { onePeriod?: boolean; filings?: string } = {}): string {
  const [period, deadline, units] = opts.onePeriod
    ? [':cal_first::text', ':cal_first_deadline::timestamptz', `units u`]
    : ['cal.period', 'cal.deadline', `units u join cal on ${obligatedFor('cal.period')}`];
  return `judged as (
       select u.id as unit_id, u.province_code, u.isic_class, ${period} as period, ${deadline} as deadline,
              f.id as filing_id, f.state, f.first_submitted_at, f.verified_at,
              ${timelinessClass('f', deadline)} as class
         from ${units}
         left join ${opts.filings ?? 'filings'} f on f.unit_id = u.id and f.period = ${period}
        where ${opts.onePeriod ? `${obligatedFor(period)} and ` : ''}${where}
     )`;
}

/**
 * The CTE `uf`: the filings of the units matching `where` (on `u`) from `:uf_from` to `:uf_to`,
 * read unit by unit through the (unit_id, period) index (`offset 0` keeps the planner from turning
 * it back into a join). For one province's ranking, a join of its units' periods with the filings
 * table planned as a hash join read every filing of the country, or of its months (issue 23, at
 * 100,000 units: 2 million rows, or 730,000 for eight months).
 */
export function unitFilings(where: string): string {
  return `uf as (
       select f.id, f.unit_id, f.period, f.state, f.first_submitted_at, f.verified_at
         from units u
        cross join lateral (select f.id, f.unit_id, f.period, f.state, f.first_submitted_at, f.verified_at from filings f
                             where f.unit_id = u.id and f.period between :uf_from and :uf_to offset 0) f
        where ${where}
     )`;
}

/**
 * The CTE `rec (unit_id, due, filed, on_time, missing_periods)` over `judged`: each unit's filing
 * record, for a statement that ranks or pages units by it in SQL; filingRecordOf() reads its rows.
 * A unit with nothing due has no row.
 */
export const RECORDS = `rec as (
       select j.unit_id, count(*)::int as due,
              count(*) filter (where j.class <> 'missing')::int as filed,
              count(*) filter (where j.class = 'on_time')::int as on_time,
              coalesce(array_agg(j.period order by j.period) filter (where j.class = 'missing'), '{}') as missing_periods
         from judged j group by j.unit_id
     )`;

/**
 * The SQL condition for "these units": one unit as `u.id = :id`, so the prepared statement's
 * generic plan is as good as a fresh one (with an array of unknown length PostgreSQL planned it
 * on every submission).
 */
function unitScope(unitIds: number[]): { sql: string; bindings: Record<string, Knex.Value> } {
  return unitIds.length === 1 ? { sql: 'u.id = :id', bindings: { id: unitIds[0] } } : { sql: 'u.id = any(:ids)', bindings: { ids: unitIds } };
}

/** The inactivity window at `at` and the reasons a change records, in Persian. */
function statusWindow(at: Date, rules: Rules) {
  const w = inactivityWindow(at, rules);
  return {
    from: w.from,
    to: w.to,
    inactive: `آمار ${persianDigits(w.months)} ماه اخیر (${periodLabel(w.from)} تا ${periodLabel(w.to)}) ثبت نشده است`,
    active: 'ثبت آمار دست‌کم یکی از ماه‌های اخیر',
  };
}

/**
 * DESIGN §4's status as SQL over unit `u`: inactive when it filed none of the window's periods.
 * `p` names SQL expressions for the window's bounds and the instant; `filed`, a period the
 * statement itself submits (a submission's own filing, which its statement does not see yet).
 */
function judgedStatus(p: { from: string; to: string; at: string; filed?: string }): string {
  // The statement's own submission sets first_submitted_at to the instant where it was null.
  const counted = p.filed ? `(${submittedBy('f', p.at)} or (f.period = ${p.filed} and f.first_submitted_at is null))` : submittedBy('f', p.at);
  return `case when ${obligatedFor(p.from)} and not exists (
                 select 1 from filings f
                  where f.unit_id = u.id and f.period between ${p.from} and ${p.to} and ${counted})
               then 'inactive' else 'active' end`;
}

/** The update of the judged units' status and its change record, over CTE `judged (id, old_status, new_status)`; `v` names SQL expressions for the instant, the two reasons and the job run. */
function statusWrites(v: { at: string; inactive: string; active: string; job: string }): string {
  return `changed as (
       update units set status = judged.new_status, status_changed_at = ${v.at}
         from judged
        where units.id = judged.id and units.status <> judged.new_status
       returning units.id as unit_id, judged.old_status, judged.new_status
     ), logged as (
       insert into unit_status_changes (unit_id, old_status, new_status, changed_at, reason, job_run_id)
       select unit_id, old_status, new_status, ${v.at}, case when new_status = 'inactive' then ${v.inactive} else ${v.active} end, ${v.job}
         from changed
       returning unit_id
     )`;
}

/**
 * Recomputes `status` of every approved unit (or of `unitIds`) as of `at`: inactive when the N
 * most recent due periods (N in force for the latest) are all missing. Records each change.
 */
export async function recomputeStatuses(
  k: Knex,
  at: Date,
  rules: Rules,
  opts: { unitIds?: number[]; jobRunId?: number | null; onlyHistoryBefore?: boolean } = {},
): Promise<{ scanned: number; changes: StatusChange[] }> {
  const w = statusWindow(at, rules);
  const units = opts.unitIds ? unitScope(opts.unitIds) : null;
  const scope = units ? `and ${units.sql}` : '';
  // A judgement of a past instant is history: it may only be appended after the unit's last change.
  const inOrder = opts.onlyHistoryBefore ? 'and (u.status_changed_at is null or u.status_changed_at <= :at)' : '';
  const bindings = { from: w.from, to: w.to, at, inactive: w.inactive, active: w.active, job: opts.jobRunId ?? null, ...units?.bindings };
  // One statement: the count of units judged rides along on every row (and on one row of nulls
  // when nothing changed), so a single unit's recompute needs nothing more.
  const result = await k.raw(
    `with judged as (
       select u.id, u.status as old_status, ${judgedStatus({ from: ':from', to: ':to', at: ':at' })} as new_status
         from units u
        where u.registration = 'approved' ${scope} ${inOrder}
     ), ${statusWrites({ at: ':at', inactive: ':inactive', active: ':active', job: ':job' })}
     select (select count(*) from units u where u.registration = 'approved' ${scope}) as scanned,
            c.unit_id, c.old_status, c.new_status
       from (values (1)) as one (x) left join changed c on true
      order by c.unit_id`,
    bindings,
  );
  const rows = result.rows as (StatusChange & { scanned: unknown })[];
  return {
    scanned: num(rows[0].scanned),
    changes: rows.filter((r) => r.unit_id !== null).map((r) => ({ unit_id: r.unit_id, old_status: r.old_status, new_status: r.new_status })),
  };
}

/**
 * The status of a unit judged as its filing of `period` is submitted, as CTEs (`status_window`,
 * `judged`, `changed`, `logged`) for the submission's own statement to fold in: one statement
 * writes the filing and the status, so a submission costs one round trip less. Its filing counts
 * as filed (first submitted at or before `at`), as the same judgement run after the write would
 * count it (its row, created earlier in the transaction, is there to read). `changed` returns the unit when its status changed.
 */
export function statusOnSubmission(unitId: number, period: Period, at: Date, rules: Rules): { sql: string; bindings: (string | number | Date)[] } {
  const w = statusWindow(at, rules);
  return {
    sql: `status_window as (
            select ?::int as unit_id, ?::varchar as from_period, ?::varchar as to_period, ?::timestamptz as at, ?::varchar as filed, ?::text as inactive, ?::text as active
          ), judged as (
            select u.id, u.status as old_status,
                   ${judgedStatus({ from: 'sw.from_period', to: 'sw.to_period', at: 'sw.at', filed: 'sw.filed' })} as new_status
              from units u join status_window sw on u.id = sw.unit_id
             where u.registration = 'approved'
          ), ${statusWrites({ at: '(select at from status_window)', inactive: '(select inactive from status_window)', active: '(select active from status_window)', job: 'null::int' })}`,
    bindings: [unitId, w.from, w.to, at, period, w.inactive, w.active],
  };
}

/**
 * DESIGN §4: the status of these units judged now, with its change record — at approval, at
 * import and on every submission, so a unit never shows a status its filings contradict.
 */
export async function recomputeStatusesNow(k: Knex, unitIds: number[], opts: { at?: Date; rules?: Rules } = {}): Promise<StatusChange[]> {
  if (unitIds.length === 0) return [];
  const rules = opts.rules ?? (await loadSettings(k)).rules;
  return (await recomputeStatuses(k, opts.at ?? new Date(), rules, { unitIds })).changes;
}

export interface FilingRecord {
  unit_id: number;
  due: number;
  filed: number;
  on_time: number;
  late: number;
  missing_periods: Period[];
  completeness: number; // filed ÷ due (1 when nothing is due yet)
  timeliness: number; // on time ÷ due
}

/** The due periods from `from` to the latest due at `at` (or `to`, if earlier). */
function duePeriodsFrom(at: Date, rules: Rules, from: Period, to?: Period): Period[] {
  const last = latestDuePeriod(at, rules);
  return periodRange(from, to && to < last ? to : last);
}

/** The options of a filing record; `from` is the first period counted (default: the earliest obligation start). */
export interface RecordOptions { at: Date; rules: Rules; from?: Period; to?: Period; unitIds?: number[]; provinceCode?: string }

/**
 * The statement behind filingRecords() once `from` is known, for a caller that folds it into a
 * statement of its own (the unit dashboard); its rows become records with filingRecordOf().
 */
export function filingRecordsQuery(opts: RecordOptions & { from: Period }, k: Knex = db()): Knex.Raw {
  if (!isPeriod(opts.from)) throw new Error(`bad period ${opts.from}`);
  const filters: string[] = ["u.registration = 'approved'"];
  const bindings: Record<string, Knex.Value> = { at: opts.at, ...calendarBindings(duePeriodsFrom(opts.at, opts.rules, opts.from, opts.to), opts.rules) };
  if (opts.unitIds) { const units = unitScope(opts.unitIds); filters.push(units.sql); Object.assign(bindings, units.bindings); }
  if (opts.provinceCode) { filters.push('u.province_code = :province'); bindings.province = opts.provinceCode; }
  return k.raw(
    `with ${CALENDAR}, ${judgedPeriods(filters.join(' and '))}
     select u.id as unit_id,
            count(j.period) as due,
            count(j.period) filter (where j.class <> 'missing') as filed,
            count(j.period) filter (where j.class = 'on_time') as on_time,
            coalesce(array_agg(j.period order by j.period) filter (where j.class = 'missing'), '{}') as missing_periods
       from units u
       left join judged j on j.unit_id = u.id
      where ${filters.join(' and ')}
      group by u.id
      order by u.id`,
    bindings,
  );
}

/** A row of filingRecordsQuery() (read alone or as JSON) as a record. */
export function filingRecordOf(r: Record<string, unknown>): FilingRecord {
  const due = num(r.due);
  const filed = num(r.filed);
  const onTime = num(r.on_time);
  return {
    unit_id: Number(r.unit_id),
    due,
    filed,
    on_time: onTime,
    late: filed - onTime,
    missing_periods: r.missing_periods as Period[],
    completeness: due === 0 ? 1 : filed / due,
    timeliness: due === 0 ? 1 : onTime / due,
  };
}

/**
 * Per unit: due, filed, on time, late and the missing periods, over the due periods between
 * `from` (default: the earliest obligation start) and `to` (default: the latest due period at
 * `at`). A submission after `at` does not count. Set-based: one query for any number of units.
 */
export async function filingRecords(opts: RecordOptions, k: Knex = db()): Promise<FilingRecord[]> {
  let from = opts.from;
  if (!from) {
    const row = await k('units').min<{ m: string | null }[]>('obligation_start as m').first();
    from = (row as { m: string | null } | undefined)?.m ?? undefined;
    if (!from) return [];
  }
  const rows = await filingRecordsQuery({ ...opts, from }, k);
  return (rows.rows as Record<string, unknown>[]).map(filingRecordOf);
}

export interface Verdict { eligible: boolean; reasons: string[] }

/** DESIGN §4: eligible when active and nothing missing since the obligation start. */
export function eligibilityVerdict(status: string, record: FilingRecord): Verdict {
  const reasons: string[] = [];
  if (status !== 'active') reasons.push('واحد غیرفعال است');
  if (record.missing_periods.length > 0) reasons.push(`آمار ${persianDigits(record.missing_periods.length)} ماه ثبت نشده است`);
  return { eligible: reasons.length === 0, reasons };
}
