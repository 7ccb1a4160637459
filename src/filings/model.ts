import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { db } from '../db.ts';
import { persianDigits } from '../text.ts';
import { auditStatement } from '../audit.ts';
import { loadSettings, type Settings } from '../settings.ts';
import { statusOnSubmission } from '../eligibility/record.ts';
import { classify, deadlineOf, periodOf, periodRange, isPeriod, type Period, type Rules, type Timeliness } from '../calendar.ts';
import { rulesInForce, brokenRules, type RuleRow } from '../validation-rules/model.ts';
import type { Figures } from '../validation-rules/expression.ts';
import { computeWarnings, expectationsOf, productsSellingFromStock, warningHistory, warningContextOf, employeePeersSql, keptEmployeeFitsSql, classPricesSql, type HistoryRow, type PeerRow, type KeptFitRow, type ClassPriceRow, type Warning, type Expectations } from './warnings.ts';
import type { FilingInput } from './forms.ts';
import type { FieldErrors } from '../forms.ts';
import type { UnitRow } from '../units/row.ts';

// DESIGN §4–§5: the filing's life. One save function for the form and the API:
//   draft ─submit→ submitted ─(unit corrects)→ submitted (revision + 1)
//   submitted ─officer return→ returned ─(unit corrects)→ submitted, return_reason cleared
//   submitted ─officer verify→ verified: locked for the unit (only an officer reopens it)
// Timeliness is judged by first_submitted_at, which is written once.
//
// Concurrency: the row is created with `on conflict do nothing` and then locked `for update`, so
// two saves of one period run one after the other. A save that names the revision it was based on
// (`baseRevision`: the form always does, the API may) and finds a newer one is refused as stale
// (409), so a second tab never silently overwrites the first; without a base, the API's save is
// applied on top as the next revision.

export type FilingState = 'draft' | 'submitted' | 'returned' | 'verified';
/** A period as the unit's pages show it: judged (DESIGN §4), or not yet due and not yet submitted. */
export type PeriodTimeliness = Timeliness | 'not_due';

export interface ProductRow {
  id: number; name: string; unit_of_measure: string; annual_capacity: number; product_code: string | null;
  /** The national catalogue's code and name, and the declared unit of measure from its table (issue 15); productsOf only. */
  catalogue_code?: string | null; catalogue_name?: string | null; unit_of_measure_code?: string | null;
}

export interface FilingLine { product_id: number; produced: number | null; sold: number | null; sales_value: number | null }

export interface FilingRow {
  id: number;
  unit_id: number;
  period: Period;
  state: FilingState;
  employees: number | null;
  production_value: number | null;
  intermediate_consumption: number | null;
  value_added: number | null;
  warnings: Warning[];
  first_submitted_at: Date | null;
  submitted_at: Date | null;
  tracking_code: string | null;
  revision: number;
  return_reason: string | null;
  verified_at: Date | null;
  updated_at: Date;
}

export interface Filing extends FilingRow { lines: FilingLine[] }

export interface Snapshot {
  employees: number | null;
  production_value: number | null;
  intermediate_consumption: number | null;
  value_added: number | null;
  lines: (FilingLine & { name: string; unit_of_measure: string })[];
  warnings: Warning[];
}

export interface Change { field: string; old: number | null; new: number | null }

export interface RevisionRow {
  id: number;
  revision: number;
  user_id: number | null;
  user_name: string | null;
  at: Date;
  via: 'form' | 'api';
  changes: Change[];
  snapshot: Snapshot;
}

// Their words: FILING_STATE_LABELS and TIMELINESS_LABELS of src/glossary.ts.

export async function productsOf(unitId: number, k: Knex = db()): Promise<ProductRow[]> {
  const rows = await k('products as p').leftJoin('catalogue as c', 'c.code', 'p.catalogue_code').where('p.unit_id', unitId).orderBy(['p.position', 'p.id'])
    .select('p.id', 'p.name', 'p.unit_of_measure', 'p.annual_capacity', 'p.product_code', 'p.catalogue_code', 'c.name_fa as catalogue_name', 'p.unit_of_measure_code');
  return rows.map((p) => ({ ...p, annual_capacity: Number(p.annual_capacity) }));
}

function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** The unit's filing of a period with its lines; scoped to the unit in the query itself. */
export async function findFiling(unitId: number, period: Period, k: Knex = db()): Promise<Filing | undefined> {
  const f = await k('filings').where({ unit_id: unitId, period }).first();
  if (!f) return undefined;
  const lines = await k('filing_lines as l').join('products as p', 'p.id', 'l.product_id').where('l.filing_id', f.id).orderBy(['p.position', 'p.id']).select('l.product_id', 'l.produced', 'l.sold', 'l.sales_value');
  return {
    ...f,
    employees: numOrNull(f.employees),
    production_value: numOrNull(f.production_value),
    intermediate_consumption: numOrNull(f.intermediate_consumption),
    value_added: numOrNull(f.value_added),
    lines: lines.map((l) => ({ product_id: l.product_id, produced: numOrNull(l.produced), sold: numOrNull(l.sold), sales_value: numOrNull(l.sales_value) })),
  };
}

export function timelinessOf(period: Period, firstSubmittedAt: Date | null, at: Date, rules: Rules): PeriodTimeliness {
  if (!firstSubmittedAt && deadlineOf(period, rules) >= at) return 'not_due';
  return classify(period, firstSubmittedAt, at, rules);
}

export type Refusal = 'period_not_begun' | 'before_obligation' | 'unit_not_approved' | 'bad_period';

export const REFUSAL_MESSAGES: Record<Refusal, string> = {
  bad_period: 'دوره باید به شکل سال-ماه شمسی باشد، مانند 1404-07.',
  period_not_begun: 'این ماه هنوز آغاز نشده است؛ آمار هر ماه را از آغاز همان ماه می‌توان ثبت کرد.',
  before_obligation: 'این ماه پیش از آغاز تکلیف ثبت آمار این واحد است و ثبت آن لازم نیست.',
  unit_not_approved: 'ثبت‌نام این واحد هنوز تأیید نشده است؛ پس از تأیید سازمان صمت استان می‌توانید آمار ثبت کنید.',
};

/** DESIGN §5: a unit can file any period from its obligation start to the current month. */
export function refusalFor(unit: Pick<UnitRow, 'registration' | 'obligation_start'>, period: string, at: Date): Refusal | null {
  if (!isPeriod(period)) return 'bad_period';
  if (unit.registration !== 'approved') return 'unit_not_approved';
  if (period > periodOf(at)) return 'period_not_begun';
  if (period < unit.obligation_start) return 'before_obligation';
  return null;
}

export type SaveFailure =
  | { code: Refusal; message: string }
  | { code: 'validation'; message: string; errors: FieldErrors }
  | { code: 'unknown_product'; message: string }
  | { code: 'locked' | 'already_submitted'; message: string }
  | { code: 'stale_revision'; message: string; current_revision: number }
  | { code: 'warnings_unconfirmed'; message: string; warnings: Warning[] };

export type SaveOutcome =
  | { ok: true; filing: Filing; warnings: Warning[]; submitted: boolean; unchanged: boolean; statusChanged: boolean }
  | ({ ok: false } & SaveFailure);

class Refused extends Error {
  constructor(public readonly failure: SaveFailure) {
    super(failure.code);
  }
}

export interface SaveRequest {
  unitId: number;
  period: string;
  userId: number;
  via: 'form' | 'api';
  input: FilingInput;
  submit: boolean;
  /** True when the user confirmed the warnings. With `seenWarnings`, only those the user was shown count as confirmed. */
  confirmWarnings: boolean;
  seenWarnings?: string[];
  baseRevision?: number;
  at?: Date;
  settings?: Settings;
}

export const warningKey = (w: Pick<Warning, 'code' | 'field'>): string => `${w.code}:${w.field}`;

const TRACKING_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** Ten characters without 0/O/1/I, easy to read over the phone. */
export function newTrackingCode(): string {
  let s = '';
  for (let i = 0; i < 10; i++) s += TRACKING_ALPHABET[crypto.randomInt(TRACKING_ALPHABET.length)];
  return s;
}

function snapshotOf(input: FilingInput, products: ProductRow[], warnings: Warning[]): Snapshot {
  const byId = new Map(input.lines.map((l) => [l.product_id, l]));
  return {
    employees: input.employees,
    production_value: input.production_value,
    intermediate_consumption: input.intermediate_consumption,
    value_added: input.production_value !== null && input.intermediate_consumption !== null ? input.production_value - input.intermediate_consumption : null,
    lines: products.filter((p) => byId.has(p.id)).map((p) => {
      const l = byId.get(p.id) as FilingLine;
      return { product_id: p.id, name: p.name, unit_of_measure: p.unit_of_measure, produced: l.produced, sold: l.sold, sales_value: l.sales_value };
    }),
    warnings,
  };
}

const TOP_FIELDS = ['employees', 'production_value', 'intermediate_consumption'] as const;
const LINE_FIELDS = ['produced', 'sold', 'sales_value'] as const;

/** Fields that differ between two contents: `employees`, `lines.<product_id>.produced`, … */
export function diffSnapshots(before: Pick<Snapshot, 'lines' | typeof TOP_FIELDS[number]> | null, after: Pick<Snapshot, 'lines' | typeof TOP_FIELDS[number]>): Change[] {
  const out: Change[] = [];
  for (const f of TOP_FIELDS) {
    const o = before ? before[f] : null;
    if (o !== after[f]) out.push({ field: f, old: o, new: after[f] });
  }
  const old = new Map((before?.lines ?? []).map((l) => [l.product_id, l]));
  const ids = [...new Set([...old.keys(), ...after.lines.map((l) => l.product_id)])];
  const now = new Map(after.lines.map((l) => [l.product_id, l]));
  for (const id of ids) {
    for (const f of LINE_FIELDS) {
      const o = old.get(id)?.[f] ?? null;
      const n = now.get(id)?.[f] ?? null;
      if (o !== n) out.push({ field: `lines.${id}.${f}`, old: o, new: n });
    }
  }
  return out;
}

/** The product lines' own checks: products of this unit, each once, all of them for a submission. */
function lineFailure(input: FilingInput, products: ProductRow[], submit: boolean): SaveFailure | null {
  const own = new Set(products.map((p) => p.id));
  if (input.lines.some((l) => !own.has(l.product_id))) {
    return { code: 'unknown_product', message: 'محصولی که فرستاده شد از محصولات این واحد نیست.' };
  }
  const errors: FieldErrors = {};
  const seen = new Set<number>();
  input.lines.forEach((l, i) => {
    if (seen.has(l.product_id)) errors[`lines.${i}.product_id`] = 'این محصول دو بار آمده است.';
    seen.add(l.product_id);
  });
  if (submit && products.some((p) => !seen.has(p.id))) errors.lines = 'برای ارسال، آمار همه محصولات واحد لازم است.';
  return Object.keys(errors).length ? { code: 'validation', message: 'برخی مقادیر نادرست است.', errors } : null;
}

/** The filing row as saveFiling finds it, locked; `inserted` when this save created it (no lines yet). */
export interface LockedFiling { id: number; state: FilingState; revision: number; tracking_code: string | null; inserted: boolean }

/** What a save reads before it decides: the unit, its products, its history and the locked filing with its latest content. */
export interface Loaded {
  unit: { registration: string; obligation_start: Period };
  products: ProductRow[];
  history: HistoryRow[];
  /** The class peers' employees and prices the issue-24 checks compare with. */
  peers?: { employees: PeerRow[]; employeeFits: KeptFitRow[]; classPrices: ClassPriceRow[] };
  /** The statistics office's validation rules in force for the period (issue 24 §3). */
  rules?: RuleRow[];
  filing: LockedFiling;
  previous: Snapshot | null;
}

/**
 * Step 1, one statement: the filing row created if missing and locked (`do update` takes the row
 * lock as `for update` would), the unit, its products, its history for the warnings and the
 * latest revision's content. Undefined when there is no such unit.
 */
async function loadAndLock(trx: Knex, req: SaveRequest): Promise<Loaded | undefined> {
  const history = warningHistory(req.unitId, req.period as Period, productsSellingFromStock(req.input));
  const peers = employeePeersSql(req.period);
  const fits = keptEmployeeFitsSql(req.period);
  const prices = classPricesSql(req.period);
  const rules = rulesInForce(trx, req.period).toSQL();
  const first = await trx.raw(
    `with locked as (
       insert into filings (unit_id, period) select ?, ? where exists (select 1 from units where id = ?)
       on conflict (unit_id, period) do update set unit_id = excluded.unit_id
       returning id, state, revision, tracking_code, (xmax = 0) as inserted
     )
     select u.registration, u.obligation_start,
            (select coalesce(json_agg(json_build_object('id', p.id, 'name', p.name, 'unit_of_measure', p.unit_of_measure,
                      'annual_capacity', p.annual_capacity, 'product_code', p.product_code) order by p.position, p.id), '[]')
               from products p where p.unit_id = u.id) as products,
            (select coalesce(json_agg(h), '[]') from (${history.sql}) h) as history,
            (select coalesce(json_agg(pe), '[]') from (${peers.sql}) pe) as employee_peers,
            (select coalesce(json_agg(kf), '[]') from (${fits.sql}) kf) as employee_fits,
            (select coalesce(json_agg(cp), '[]') from (${prices.sql}) cp) as class_prices,
            (select coalesce(json_agg(vr), '[]') from (${rules.sql}) vr) as rules,
            (select row_to_json(locked) from locked) as filing,
            (select r.snapshot from filing_revisions r join locked on r.filing_id = locked.id and r.revision = locked.revision) as previous,
            -- The write computes the expectations itself (expectationsOf): migration 280's triggers leave them to it until the commit.
            set_config('psp.expectations', 'given', true) as expectations_given,
            -- And its index log and yearly record (writeFiling; migration 281).
            set_config('psp.logs', 'given', true) as logs_given
       from units u where u.id = ?`,
    [req.unitId, req.period, req.unitId, ...history.bindings, ...peers.bindings, ...fits.bindings, ...prices.bindings, ...rules.bindings, req.unitId],
  );
  const row = first.rows[0] as {
    registration: string; obligation_start: Period; products: ProductRow[]; history: HistoryRow[];
    employee_peers: PeerRow[]; employee_fits: KeptFitRow[]; class_prices: ClassPriceRow[]; rules: RuleRow[]; filing: unknown; previous: Snapshot | null;
  } | undefined;
  if (!row) return undefined;
  const filing = (typeof row.filing === 'string' ? JSON.parse(row.filing) : row.filing) as LockedFiling;
  let previous = row.previous;
  if (!previous && filing.revision > 0) {
    // A submitted filing without its revision's snapshot (imported data): its stored row is its content.
    const f = await findFiling(req.unitId, req.period as Period, trx);
    previous = { ...(f as Filing), lines: (f?.lines ?? []).map((l) => ({ ...l, name: '', unit_of_measure: '' })), warnings: [] };
  }
  return {
    unit: { registration: row.registration, obligation_start: row.obligation_start },
    products: row.products.map((p) => ({ ...p, annual_capacity: Number(p.annual_capacity) })),
    history: row.history,
    peers: { employees: row.employee_peers, employeeFits: row.employee_fits, classPrices: row.class_prices },
    rules: row.rules,
    filing,
    previous,
  };
}

/** Step 2, pure: what the save does with what it found. */
export type SaveDecision =
  | { kind: 'refused'; failure: SaveFailure }
  | { kind: 'unchanged'; warnings: Warning[] }
  | { kind: 'write'; warnings: Warning[]; snapshot: Snapshot; changes: Change[]; expected: Expectations };

export function decideSave(req: SaveRequest, loaded: Loaded | undefined, at: Date, settings: Settings): SaveDecision {
  const refuse = (failure: SaveFailure): SaveDecision => ({ kind: 'refused', failure });
  if (!loaded) return refuse({ code: 'unit_not_approved', message: REFUSAL_MESSAGES.unit_not_approved });
  const refusal = refusalFor(loaded.unit, req.period, at);
  if (refusal) return refuse({ code: refusal, message: REFUSAL_MESSAGES[refusal] });
  const lines = lineFailure(req.input, loaded.products, req.submit);
  if (lines) return refuse(lines);
  const f = loaded.filing;
  if (f.state === 'verified') {
    return refuse({ code: 'locked', message: 'این اظهارنامه تأیید شده و قفل است. برای هر تغییر باید کارشناس سازمان صمت استان آن را بازگشایی کند.' });
  }
  if (req.baseRevision !== undefined && req.baseRevision !== f.revision) {
    return refuse({
      code: 'stale_revision',
      current_revision: f.revision,
      message: `این اظهارنامه در این فاصله (در برگه یا سامانه دیگری) ثبت شده و اکنون نسخه ${persianDigits(f.revision)} است. مقادیر شما حفظ شد؛ آن‌ها را بررسی و دوباره ارسال کنید.`,
    });
  }
  if (!req.submit && f.state !== 'draft') {
    return refuse({ code: 'already_submitted', message: 'این اظهارنامه پیش‌تر ارسال شده است؛ تغییرات را به‌صورت اصلاحیه ارسال کنید.' });
  }
  const ctx = warningContextOf(loaded.history, req.period, {
    capacityFactor: settings.get('capacity_warning_factor'),
    medianFactor: settings.get('median_warning_factor'),
    employeeTolerance: settings.get('employees_warning_tolerance'),
    priceFactor: settings.get('price_warning_factor'),
    classPriceFactor: settings.get('class_price_warning_factor'),
  }, loaded.products, loaded.peers);
  const broken = brokenRules(loaded.rules ?? [], figuresOf(req.input));
  const ruleErrors = broken.filter((b) => b.severity === 'error');
  if (req.submit && ruleErrors.length > 0) {
    return refuse({ code: 'validation', message: ruleErrors.map((b) => b.message).join(' '), errors: { _form: ruleErrors.map((b) => b.message).join(' ') } });
  }
  const warnings: Warning[] = [...computeWarnings(req.input, ctx), ...broken.filter((b) => b.severity === 'warning').map(({ code, field, message }) => ({ code, field, message }) as Warning)];
  const seen = req.seenWarnings ? new Set(req.seenWarnings) : null;
  const confirmed = req.confirmWarnings && (!seen || warnings.every((w) => seen.has(warningKey(w))));
  if (req.submit && warnings.length > 0 && !confirmed) {
    return refuse({ code: 'warnings_unconfirmed', message: 'پیش از ارسال، هشدارهای زیر را بررسی و تأیید کنید.', warnings });
  }
  const snapshot = snapshotOf(req.input, loaded.products, warnings);
  const changes = loaded.previous ? diffSnapshots(loaded.previous, snapshot) : [];
  if (req.submit && f.state === 'submitted' && loaded.previous && changes.length === 0) return { kind: 'unchanged', warnings };
  return { kind: 'write', warnings, snapshot, changes, expected: expectationsOf(ctx, req.input.lines.map((l) => l.product_id)) };
}

/** Numbers as a PostgreSQL array literal (`{1,2.5,NULL}`), the same on both databases' drivers. */
function numberArray(values: readonly (number | null)[]): string {
  return `{${values.map((v) => {
    if (v === null) return 'NULL';
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }).join(',')}}`;
}

/**
 * Step 3, one statement: the lines and the filing (with, on submission, its revision row, audit
 * entry and the unit's status). Lines no longer in the input are deleted and the others inserted or overwritten,
 * so the statement's parts touch different rows. The lines travel as arrays, so the statement's
 * text is one of two (draft, submission) whatever the number of lines: PostgreSQL prepares it once
 * per connection. Returns the stored filing as findFiling() reads it.
 */
async function writeFiling(trx: Knex, req: SaveRequest, loaded: Loaded, d: Extract<SaveDecision, { kind: 'write' }>, at: Date, rules: Rules): Promise<{ filing: Filing; statusChanged: boolean }> {
  const f = loaded.filing;
  const lines = req.input.lines;
  const linesPart: { sql: string; bindings: readonly Knex.RawBinding[] } = {
    sql: `gone as (delete from filing_lines where filing_id = ? and product_id <> all(?::int[]) returning product_id),
          stored as (
            insert into filing_lines (filing_id, product_id, produced, sold, sales_value, price_expected)
            select ?, l.* from unnest(?::int[], ?::numeric[], ?::numeric[], ?::bigint[], ?::float8[]) as l
            on conflict (filing_id, product_id) do update
              set produced = excluded.produced, sold = excluded.sold, sales_value = excluded.sales_value, price_expected = excluded.price_expected
            returning product_id, produced, sold, sales_value
          )`,
    bindings: [
      f.id, numberArray(lines.map((l) => l.product_id)),
      f.id, numberArray(lines.map((l) => l.product_id)), numberArray(lines.map((l) => l.produced)), numberArray(lines.map((l) => l.sold)),
      numberArray(lines.map((l) => l.sales_value)), numberArray(lines.map((l) => d.expected.prices.get(l.product_id) ?? null)),
    ],
  };
  // Migration 281: the month logged for the index's kept aggregates and the unit's yearly record
  // marked, as the triggers this statement skips would have done: 'lines' when lines were written,
  // 'state' and the record when the state changes (a first submission, a returned filing corrected).
  const stateChanges = req.submit && f.state !== 'submitted';
  const logsPart = {
    sql: `index_logged as (
            insert into index_changes (period, kind)
            select l.period, l.kind from (values (?::varchar, 'lines'::varchar, exists (select 1 from stored) or exists (select 1 from gone)),
                                                 (?::varchar, 'state'::varchar, ?::boolean)) as l (period, kind, logged)
             where l.logged
          ),
          year_touched as (update unit_year_records set dirty = true, touched = touched + 1 where unit_id = ? and year = ? and ?::boolean)`,
    bindings: [req.period, req.period, stateChanges, req.unitId, Number(req.period.slice(0, 4)), stateChanges],
  };
  const figures: Knex.RawBinding[] = [req.input.employees, req.input.production_value, req.input.intermediate_consumption, JSON.stringify(d.warnings), at];
  const parts = [linesPart, logsPart];
  if (!req.submit) {
    // Migration 150's rule: a draft never submitted keeps no expectations.
    parts.push({
      sql: `updated as (
              update filings set employees = ?, production_value = ?, intermediate_consumption = ?, warnings = ?::jsonb, updated_at = ?,
                production_value_expected = case when first_submitted_at is null then production_value_expected else ?::float8 end,
                employees_expected = case when first_submitted_at is null then employees_expected else ?::float8 end
               where id = ? returning *)`,
      bindings: [...figures, d.expected.productionValue, d.expected.employees, f.id],
    });
  } else {
    const revision = f.revision + 1;
    const audit = auditStatement({ action: revision === 1 ? 'filing.submit' : 'filing.correct', userId: req.userId, unitId: req.unitId, target: `filing:${f.id}`, details: { period: req.period, revision, via: req.via } });
    parts.push(
      {
        sql: `updated as (
                update filings set employees = ?, production_value = ?, intermediate_consumption = ?, warnings = ?::jsonb, updated_at = ?,
                  production_value_expected = ?::float8, employees_expected = ?::float8,
                  state = 'submitted', first_submitted_at = coalesce(first_submitted_at, ?::timestamptz), submitted_at = ?::timestamptz,
                  tracking_code = ?, revision = ?::int, return_reason = null
                 where id = ? returning *)`,
        bindings: [...figures, d.expected.productionValue, d.expected.employees, at, at, f.tracking_code ?? newTrackingCode(), revision, f.id],
      },
      {
        sql: `revised as (insert into filing_revisions (filing_id, revision, user_id, at, via, changes, snapshot) values (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb))`,
        bindings: [f.id, revision, req.userId, at, req.via, JSON.stringify(d.changes), JSON.stringify(d.snapshot)],
      },
      { sql: `audited as (${audit.sql})`, bindings: audit.bindings },
      // "Submitting a filing also updates that unit's status at once" (issue 4), in the same statement.
      statusOnSubmission(req.unitId, req.period as Period, at, rules),
    );
  }
  const written = await trx.raw(
    `with ${parts.map((x) => x.sql).join(',\n')}
     select updated.*,
            (select coalesce(json_agg(json_build_object('product_id', product_id, 'produced', produced, 'sold', sold, 'sales_value', sales_value)), '[]') from stored) as stored_lines,
            ${req.submit ? '(select count(*) from changed)' : '0'} as status_changes
       from updated`,
    parts.flatMap((x) => x.bindings),
  );
  const { stored_lines: stored, status_changes: statusChanges, ...row } = written.rows[0] as FilingRow & { stored_lines: FilingLine[] | string; status_changes: number | string };
  const storedLines = (typeof stored === 'string' ? JSON.parse(stored) : stored) as FilingLine[];
  const position = new Map(loaded.products.map((p, i) => [p.id, i]));
  const filing: Filing = {
    ...row,
    employees: numOrNull(row.employees),
    production_value: numOrNull(row.production_value),
    intermediate_consumption: numOrNull(row.intermediate_consumption),
    value_added: numOrNull(row.value_added),
    lines: [...storedLines]
      .sort((a, b) => (position.get(a.product_id) ?? 0) - (position.get(b.product_id) ?? 0))
      .map((l) => ({ product_id: l.product_id, produced: numOrNull(l.produced), sold: numOrNull(l.sold), sales_value: numOrNull(l.sales_value) })),
  };
  return { filing, statusChanged: Number(statusChanges) > 0 };
}

/** The one way a unit's figures are stored (form and API): load and lock, decide, write (with the unit's status). */
export async function saveFiling(req: SaveRequest, k: Knex = db()): Promise<SaveOutcome> {
  const at = req.at ?? new Date();
  // The expectations flag set by the first statement lasts until the commit: the save owns its transaction.
  if (k.isTransaction) throw new Error('saveFiling opens its own transaction; call it outside one');
  const settings = req.settings ?? (await loadSettings(k));
  try {
    // One transaction, one commit, two statements: read and lock; write the filing, its revision, the unit's status and the audit entry.
    return await k.transaction(async (trx): Promise<SaveOutcome> => {
      // The first statement is planned once per connection, not per save. Left to choose (plan_cache_mode
      // auto), PostgreSQL planned it afresh at every save — its plans for one unit and another cost
      // about what its generic plan does — and planning cost 2.4 ms of its CPU a save against 2.8 ms
      // of execution (bench/RESULTS.md, session 15).
      await trx.raw('set local plan_cache_mode = force_generic_plan');
      const loaded = await loadAndLock(trx, req);
      const d = decideSave(req, loaded, at, settings);
      // A refusal rolls back the filing row the first step may have created.
      if (d.kind === 'refused') throw new Refused(d.failure);
      if (d.kind === 'unchanged') {
        const filing = await findFiling(req.unitId, req.period, trx);
        return { ok: true, filing: filing as Filing, warnings: d.warnings, submitted: true, unchanged: true, statusChanged: false };
      }
      const { filing, statusChanged } = await writeFiling(trx, req, loaded!, d, at, settings.rules);
      return { ok: true, filing, warnings: d.warnings, submitted: req.submit, unchanged: false, statusChanged };
    });
  } catch (e) {
    if (e instanceof Refused) return { ok: false, ...e.failure };
    throw e;
  }
}

export async function revisionsOf(filingId: number, k: Knex = db()): Promise<RevisionRow[]> {
  return k('filing_revisions as r').leftJoin('users as u', 'u.id', 'r.user_id')
    .where('r.filing_id', filingId).orderBy('r.revision', 'desc')
    .select('r.id', 'r.revision', 'r.user_id', 'u.full_name as user_name', 'r.at', 'r.via', 'r.changes', 'r.snapshot');
}

export interface ReviewRow { action: 'verify' | 'return' | 'reopen'; reason: string | null; at: Date }
export async function reviewsOf(filingId: number, k: Knex = db()): Promise<ReviewRow[]> {
  return k('filing_reviews').where({ filing_id: filingId }).orderBy('at', 'desc').select('action', 'reason', 'at');
}

export interface PeriodRow {
  period: Period;
  deadline: Date;
  state: FilingState | 'missing';
  timeliness: PeriodTimeliness;
  first_submitted_at: Date | null;
  submitted_at: Date | null;
  revision: number;
  tracking_code: string | null;
  return_reason: string | null;
}

type PeriodRange = { from?: Period; to?: Period };

/** The unit's fileable periods in `range` (default: obligation start to the current month), oldest first. */
function periodsOf(unit: Pick<UnitRow, 'obligation_start'>, at: Date, range: PeriodRange): Period[] {
  const from = range.from && range.from > unit.obligation_start ? range.from : unit.obligation_start;
  const current = periodOf(at);
  const to = range.to && range.to < current ? range.to : current;
  return periodRange(from, to);
}

/** The unit's filings behind unitPeriods(), for a caller that folds the query into its own statement. */
export function unitFilingsQuery(unit: Pick<UnitRow, 'id' | 'obligation_start'>, at: Date, range: PeriodRange = {}, k: Knex = db()): Knex.QueryBuilder {
  const periods = periodsOf(unit, at, range);
  return k('filings').where({ unit_id: unit.id }).whereBetween('period', [periods[0] ?? '9999-12', periods.at(-1) ?? '0000-01'])
    .select('period', 'state', 'first_submitted_at', 'submitted_at', 'revision', 'tracking_code', 'return_reason');
}

/** Every fileable period of the unit in `range`, newest first, from the rows of unitFilingsQuery() (read alone or as JSON). */
export function periodRowsOf(unit: Pick<UnitRow, 'obligation_start'>, at: Date, rules: Rules, rows: Record<string, unknown>[], range: PeriodRange = {}): PeriodRow[] {
  const byPeriod = new Map(rows.map((r) => [r.period as string, r]));
  const date = (v: unknown): Date | null => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
  return periodsOf(unit, at, range).reverse().map((p) => {
    const f = byPeriod.get(p);
    const firstSubmittedAt = date(f?.first_submitted_at);
    return {
      period: p,
      deadline: deadlineOf(p, rules),
      state: f ? (f.state as FilingState) : 'missing',
      timeliness: timelinessOf(p, firstSubmittedAt, at, rules),
      first_submitted_at: firstSubmittedAt,
      submitted_at: date(f?.submitted_at),
      revision: (f?.revision as number | undefined) ?? 0,
      tracking_code: (f?.tracking_code as string | null | undefined) ?? null,
      return_reason: (f?.return_reason as string | null | undefined) ?? null,
    };
  });
}

/** Every fileable period of the unit from `from` to `to` (default: obligation start to the current month), newest first. */
export async function unitPeriods(unit: Pick<UnitRow, 'id' | 'obligation_start'>, at: Date, rules: Rules, range: PeriodRange = {}, k: Knex = db()): Promise<PeriodRow[]> {
  if (periodsOf(unit, at, range).length === 0) return [];
  return periodRowsOf(unit, at, rules, await unitFilingsQuery(unit, at, range, k), range);
}

/** A filing's figures as the validation rules read them (issue 24 §3): the unit's and the lines' sums. */
function figuresOf(input: FilingInput): Figures {
  const sum = (key: 'produced' | 'sold' | 'sales_value') => input.lines.some((l) => l[key] === null) ? null : input.lines.reduce((s, l) => s + Number(l[key]), 0);
  const pv = input.production_value ?? null;
  const ic = input.intermediate_consumption ?? null;
  return {
    employees: input.employees ?? null, production_value: pv, intermediate_consumption: ic, value_added: pv === null || ic === null ? null : pv - ic,
    produced: sum('produced'), sold: sum('sold'), sales_value: sum('sales_value'),
  };
}
