import type { Knex } from 'knex';
import { db, num } from '../db.ts';
import { sumRials } from '../money.ts';
import { audit } from '../audit.ts';
import { addMonths, periodRange, jalaliDateOf, startOfJalaliDay, latestDuePeriod, type Period } from '../calendar.ts';
import type { QueueFilter } from './forms.ts';
import type { FilingRow } from '../filings/model.ts';
import { unitMatches } from '../province/model.ts';
import { loadSettings, type Settings } from '../settings.ts';
import { scoresSql, scoreReason, type ScoreFields } from './score.ts';

// DESIGN §6: the province queue. Every query here is scoped to the officer's province IN SQL,
// and every state change is guarded by the state it starts from, so a double click or two
// officers acting at once apply a decision once.

export const QUEUE_PAGE_SIZE = 50;

export interface QueueRow {
  id: number;
  unit_id: number;
  unit_name: string;
  isic_class: string;
  period: Period;
  state: string;
  revision: number;
  first_submitted_at: Date;
  submitted_at: Date;
  production_value: number | null;
  value_added: number | null;
  warning_count: number;
  warnings: { message?: string }[];
  return_reason: string | null;
  score: number | null;
  reason: string;
  below_threshold: boolean;
}

function applyFilter(q: Knex.QueryBuilder, province: string, f: Omit<QueueFilter, 'page' | 'order'>): Knex.QueryBuilder {
  q.where('u.province_code', province).where('f.state', f.state);
  if (f.period) q.where('f.period', f.period);
  if (f.division) q.whereRaw('substr(u.isic_class, 1, 2) = ?', [f.division]);
  if (f.warnings === 'with') q.whereRaw('jsonb_array_length(f.warnings) > 0');
  if (f.warnings === 'without') q.whereRaw('jsonb_array_length(f.warnings) = 0');
  if (f.q) q.where(unitMatches(f.q));
  return q;
}

const queueFrom = (k: Knex) => k('filings as f').join('units as u', 'u.id', 'f.unit_id').join('legal_entities as le', 'le.id', 'u.legal_entity_id');

/** The queue with each waiting filing's score (issue 24): the scores CTE joined by filing id. */
function scoredQueueFrom(k: Knex, province: string, medianFactor: number): Knex.QueryBuilder {
  return queueFrom(k).with('scores', scoresSql(k, province, medianFactor)).leftJoin('scores as s', 's.id', 'f.id');
}

/**
 * Runs `fn` in a transaction planned without nested loops: the scores' CTEs carry no statistics,
 * the planner then guesses one row for each and joins them in nested loops, quadratic in the
 * province's filings (minutes at 100,000 units instead of seconds).
 */
function scoring<T>(k: Knex, fn: (trx: Knex) => Promise<T>): Promise<T> {
  return k.transaction(async (trx) => {
    await trx.raw('set local enable_nestloop = off');
    return fn(trx);
  });
}

export function provinceQueue(province: string, f: QueueFilter, k: Knex = db()): Promise<{ rows: QueueRow[]; total: number; pages: number; threshold: number }> {
  return f.state === 'submitted' ? scoring(k, (trx) => readQueue(province, f, trx)) : readQueue(province, f, k);
}

async function readQueue(province: string, f: QueueFilter, k: Knex): Promise<{ rows: QueueRow[]; total: number; pages: number; threshold: number }> {
  const settings = await loadSettings(k);
  const threshold = settings.get('selective_editing_threshold');
  const scored = f.state === 'submitted';
  const [{ n }] = await applyFilter(queueFrom(k), province, f).count<{ n: number }[]>('* as n');
  const q = applyFilter(scored ? scoredQueueFrom(k, province, settings.get('median_warning_factor')) : queueFrom(k), province, f)
    .select('f.id', 'f.unit_id', 'le.name as unit_name', 'u.isic_class', 'f.period', 'f.state', 'f.revision', 'f.first_submitted_at', 'f.submitted_at',
      'f.production_value', 'f.value_added', 'f.return_reason', 'f.warnings', k.raw('jsonb_array_length(f.warnings) as warning_count'))
    .limit(QUEUE_PAGE_SIZE)
    .offset((f.page - 1) * QUEUE_PAGE_SIZE);
  if (scored) q.select(k.raw('coalesce(s.score, 0) as score'), 's.measure', 's.ratio', 's.share', 's.hb');
  if (scored && f.order === 'score') q.orderByRaw('coalesce(s.score, 0) desc');
  q.orderBy([{ column: 'f.submitted_at', order: 'asc' }, { column: 'f.id', order: 'asc' }]);
  const raw = await q;
  const rows = raw.map((r: Record<string, unknown>) => ({
    ...r,
    score: scored ? Number(r.score) : null,
    reason: scored ? scoreReason(r as unknown as ScoreFields) : '',
    below_threshold: scored && Number(r.score) < threshold && Number(r.warning_count) === 0,
  })) as QueueRow[];
  const total = num(n);
  return { rows, total, pages: Math.max(1, Math.ceil(total / QUEUE_PAGE_SIZE)), threshold };
}

/** The figures on the officer's home page, in one round trip. */
export async function provinceCounts(province: string, k: Knex = db()): Promise<{ pending_registrations: number; queue: number; with_warnings: number; inactive_units: number; approved_units: number }> {
  const r = await k.raw(
    `select
       (select count(*) from units where province_code = :p and registration = 'pending') as pending_registrations,
       (select count(*) from filings f join units u on u.id = f.unit_id where u.province_code = :p and f.state = 'submitted') as queue,
       (select count(*) from filings f join units u on u.id = f.unit_id where u.province_code = :p and f.state = 'submitted' and jsonb_array_length(f.warnings) > 0) as with_warnings,
       (select count(*) from units where province_code = :p and registration = 'approved' and status = 'inactive') as inactive_units,
       (select count(*) from units where province_code = :p and registration = 'approved') as approved_units`,
    { p: province },
  );
  const row = r.rows[0] as Record<string, unknown>;
  return {
    pending_registrations: num(row.pending_registrations),
    queue: num(row.queue),
    with_warnings: num(row.with_warnings),
    inactive_units: num(row.inactive_units),
    approved_units: num(row.approved_units),
  };
}

export interface FilingForReview extends Omit<FilingRow, 'updated_at'> {
  unit_name: string;
  national_id: string;
  licence_no: string;
  isic_class: string;
  province_code: string;
  unit_status: string;
  obligation_start: Period;
}

/** A filing of the officer's province, or undefined (→ 404) for anything else. */
export async function findProvinceFiling(province: string, id: number, k: Knex = db()): Promise<FilingForReview | undefined> {
  // Ids are PostgreSQL integers: a larger number is no filing (not a database error).
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return undefined;
  return k('filings as f')
    .join('units as u', 'u.id', 'f.unit_id')
    .join('legal_entities as le', 'le.id', 'u.legal_entity_id')
    .where('f.id', id)
    .where('u.province_code', province)
    .whereNot('f.state', 'draft')
    .first('f.id', 'f.unit_id', 'le.name as unit_name', 'le.national_id', 'u.licence_no', 'u.isic_class', 'u.province_code', 'u.status as unit_status', 'u.obligation_start',
      'f.period', 'f.state', 'f.employees', 'f.production_value', 'f.intermediate_consumption', 'f.value_added', 'f.warnings',
      'f.first_submitted_at', 'f.submitted_at', 'f.tracking_code', 'f.revision', 'f.return_reason', 'f.verified_at');
}

/** Lines, revisions, reviews and the unit's last 12 periods for the officer's page. */
export async function filingDetails(f: FilingForReview, k: Knex = db()) {
  const lines = await k('filing_lines as l')
    .join('products as p', 'p.id', 'l.product_id')
    .where('l.filing_id', f.id)
    .orderBy(['p.position', 'p.id'])
    .select('p.id as product_id', 'p.name', 'p.unit_of_measure', 'p.annual_capacity', 'l.produced', 'l.sold', 'l.sales_value');
  const revisions = await k('filing_revisions as r')
    .leftJoin('users as us', 'us.id', 'r.user_id')
    .where('r.filing_id', f.id)
    .orderBy('r.revision', 'desc')
    .select('r.revision', 'r.at', 'r.via', 'r.changes', 'us.full_name', 'us.email');
  const reviews = await k('filing_reviews as v')
    .join('users as us', 'us.id', 'v.user_id')
    .where('v.filing_id', f.id)
    .orderBy([{ column: 'v.at', order: 'desc' }, { column: 'v.id', order: 'desc' }])
    .select('v.action', 'v.reason', 'v.at', 'us.full_name', 'us.email');
  const from = addMonths(f.period, -11);
  // A draft is the unit's own until it is submitted (issue 12 §8): not in the officer's panel.
  const past = await k('filings')
    .where('unit_id', f.unit_id)
    .whereNot('state', 'draft')
    .whereBetween('period', [from, f.period])
    .select('period', 'state', 'employees', 'production_value', 'value_added', 'first_submitted_at');
  const byPeriod = new Map(past.map((p) => [p.period as string, p]));
  const history = periodRange(from, f.period).reverse().map((period) => ({ period, filing: byPeriod.get(period) ?? null }));
  // Up to 500 lines of up to 9e15 Rial each: the sales value is summed exactly.
  const totals = {
    produced: lines.reduce((s, l) => s + num(l.produced), 0),
    sold: lines.reduce((s, l) => s + num(l.sold), 0),
    sales_value: sumRials(lines.map((l) => l.sales_value)),
  };
  return { lines, revisions, reviews, history, totals };
}

export type Decision = 'verify' | 'return' | 'reopen';

const TRANSITIONS: Record<Decision, { from: string; to: string }> = {
  verify: { from: 'submitted', to: 'verified' },
  return: { from: 'submitted', to: 'returned' },
  reopen: { from: 'verified', to: 'submitted' },
};

/**
 * Applies an officer's decision if the filing is (still) in the state it starts from; records
 * the review and an audit row in the same transaction. Returns false when nothing changed.
 */
export async function decide(
  d: Decision,
  args: { province: string; filingId: number; userId: number; reason?: string | null; ip?: string | null },
  k: Knex = db(),
): Promise<boolean> {
  const t = TRANSITIONS[d];
  return k.transaction(async (trx) => {
    const patch: Record<string, unknown> = { state: t.to, reviewed_by: args.userId, reviewed_at: trx.fn.now(), updated_at: trx.fn.now() };
    if (d === 'verify') patch.verified_at = trx.fn.now();
    if (d === 'return') patch.return_reason = args.reason;
    if (d === 'reopen') patch.verified_at = null;
    const changed: { id: number; unit_id: number; period: string }[] = await trx('filings')
      .where({ id: args.filingId, state: t.from })
      .whereIn('unit_id', trx('units').select('id').where('province_code', args.province))
      .update(patch)
      .returning(['id', 'unit_id', 'period']);
    if (changed.length === 0) return false;
    const f = changed[0];
    await trx('filing_reviews').insert({ filing_id: f.id, action: d, reason: args.reason ?? null, user_id: args.userId });
    await audit({
      action: `filing.${d}`, userId: args.userId, unitId: f.unit_id, provinceCode: args.province, target: `filing:${f.id}`,
      details: { period: f.period, ...(args.reason ? { reason: args.reason } : {}) }, ip: args.ip ?? null,
    }, trx);
    return true;
  });
}

/**
 * DESIGN §6: verifies, in one statement, every chosen (or every filtered) submitted filing of
 * the province that raised no warning; those with warnings are skipped and counted.
 */
export async function bulkVerify(
  args: { province: string; userId: number; ids: number[] | 'filtered' | 'below_threshold'; filter: Omit<QueueFilter, 'page' | 'state' | 'order'>; ip?: string | null },
  k: Knex = db(),
): Promise<{ verified: number; skipped: number }> {
  // The same filter as the queue the officer sees (search included), or the ticked ids of the province.
  // Below the threshold (issue 24): a filing scoring at or above it is skipped like one with warnings.
  const settings = await loadSettings(k);
  if (args.ids === 'below_threshold') return scoring(k, (trx) => verifyCandidates(args, settings, trx));
  return verifyCandidates(args, settings, k);
}

async function verifyCandidates(
  args: { province: string; userId: number; ids: number[] | 'filtered' | 'below_threshold'; filter: Omit<QueueFilter, 'page' | 'state' | 'order'>; ip?: string | null },
  settings: Settings,
  k: Knex,
): Promise<{ verified: number; skipped: number }> {
  const candidates = args.ids === 'below_threshold'
    ? applyFilter(scoredQueueFrom(k, args.province, settings.get('median_warning_factor')), args.province, { ...args.filter, state: 'submitted' })
    : args.ids === 'filtered'
      ? applyFilter(queueFrom(k), args.province, { ...args.filter, state: 'submitted' })
      : queueFrom(k).where('u.province_code', args.province).where('f.state', 'submitted').whereIn('f.id', args.ids);
  if (Array.isArray(args.ids) && args.ids.length === 0) return { verified: 0, skipped: 0 };
  const held = args.ids === 'below_threshold'
    ? k.raw('(jsonb_array_length(f.warnings) > 0 or coalesce(s.score, 0) >= ?) as has_warnings', [settings.get('selective_editing_threshold')])
    : k.raw('jsonb_array_length(f.warnings) > 0 as has_warnings');
  candidates.select('f.id', 'f.unit_id', 'f.period', held);
  const r = await k.raw(
    `with candidates as (:candidates), verified as (
       update filings set state = 'verified', verified_at = now(), reviewed_by = :user, reviewed_at = now(), updated_at = now()
         from candidates c
        where filings.id = c.id and not c.has_warnings and filings.state = 'submitted'
       returning filings.id, filings.unit_id, filings.period
     ), reviews as (
       insert into filing_reviews (filing_id, action, user_id) select id, 'verify', :user from verified returning filing_id
     ), audits as (
       insert into audit_log (action, user_id, unit_id, province_code, target, details, ip)
       select 'filing.verify', :user, unit_id, :province, 'filing:' || id, jsonb_build_object('period', period, 'bulk', true), :ip from verified
       returning id
     )
     select (select count(*) from verified) as verified, (select count(*) from candidates where has_warnings) as skipped`,
    { candidates, province: args.province, user: args.userId, ip: args.ip ?? null },
  );
  const row = r.rows[0] as { verified: unknown; skipped: unknown };
  return { verified: num(row.verified), skipped: num(row.skipped) };
}

export interface VerifiedDay { day: Date; share: number | null; verified: number }

/**
 * Issue 24: how much of the province's production value of the latest due period is verified, at
 * the end of each of the last `days` Tehran days (today so far included): the figure a release
 * of that month would count.
 */
export async function verifiedShareByDay(province: string, at: Date, days = 14, k: Knex = db()): Promise<{ period: Period; days: VerifiedDay[] }> {
  const settings = await loadSettings(k);
  const period = latestDuePeriod(at, settings.rules);
  const today = jalaliDateOf(at);
  const ends = Array.from({ length: days }, (_, i) => {
    const start = startOfJalaliDay(today).getTime() - (days - 1 - i) * 86400_000;
    // The day's end: the next day's start (Tehran has no daylight saving since 2022).
    return new Date(Math.min(start + 86400_000, at.getTime() + 1));
  });
  const r = await k.raw(
    `select e.at, sum(f.production_value) filter (where f.state = 'verified' and f.verified_at < e.at)::float8 as verified,
            count(*) filter (where f.state = 'verified' and f.verified_at < e.at) as n,
            sum(f.production_value)::float8 as total
       from unnest(?::timestamptz[]) as e(at)
       left join (filings f join units u on u.id = f.unit_id and u.province_code = ?) on f.period = ? and f.first_submitted_at is not null
      group by e.at order by e.at`,
    [ends.map((d) => d.toISOString()), province, period],
  );
  return {
    period,
    days: (r.rows as { at: Date; verified: number | null; n: unknown; total: number | null }[]).map((row, i) => ({
      day: new Date(ends[i].getTime() - 1),
      share: row.total ? Number(row.verified ?? 0) / Number(row.total) : null,
      verified: num(row.n),
    })),
  };
}
