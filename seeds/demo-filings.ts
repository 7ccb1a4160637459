// The demo filing history: for every approved demo unit, each period from its obligation start to
// the current filing period — on time, late, missing, returned, verified, drafts — with figures
// that follow the unit's licence capacity, the season and inflation. Pure: rows only, no database.
import {
  type Period, type Rules, currentFilingPeriod, deadlineDayOf, deadlineOf, latestDuePeriod, monthsBetween,
  nextPeriod, periodOf, periodRange, splitPeriod, startOfJalaliDay, startOfPeriod,
} from '../src/calendar.ts';
import { type Rng, type PlannedUnit, type PlannedProduct, monthlyQuantity, roundQuantity } from './demo-units.ts';
import { SEASONS, RETURN_REASONS } from './data/demo-names.ts';
import { fa } from '../src/numbers.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MONTHLY_INFLATION = 0.025;

export interface SeededUnit { plan: PlannedUnit; id: number; productIds: number[]; userId: number }

export interface Line { product_id: number; produced: number | null; sold: number | null; sales_value: number | null }
export interface Figures { employees: number | null; production_value: number | null; intermediate_consumption: number | null; lines: Line[] }
export interface Warning { code: string; field: string; message: string }

export interface FilingRow {
  unit_id: number;
  period: Period;
  state: 'draft' | 'submitted' | 'returned' | 'verified';
  employees: number | null;
  production_value: number | null;
  intermediate_consumption: number | null;
  warnings: string;
  first_submitted_at: Date | null;
  submitted_at: Date | null;
  tracking_code: string | null;
  revision: number;
  return_reason: string | null;
  reviewed_by: number | null;
  reviewed_at: Date | null;
  verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface RevisionRow { revision: number; user_id: number; at: Date; via: 'form'; changes: string; snapshot: string }
export interface ReviewRow { action: 'verify' | 'return'; reason: string | null; user_id: number; at: Date }
export interface FilingPlan { row: FilingRow; lines: Line[]; revisions: RevisionRow[]; reviews: ReviewRow[] }

type When = 'on_time' | 'late' | 'missing';
type Review = 'none' | 'verify' | 'return' | 'fix';
interface Script { when: When; review?: Review; over?: boolean; draft?: boolean }

const ODDS: Record<PlannedUnit['profile'], { on: number; late: number }> = {
  steady: { on: 0.95, late: 0.04 },
  good: { on: 0.82, late: 0.12 },
  sloppy: { on: 0.55, late: 0.28 },
  lapsing: { on: 0.8, late: 0.13 },
};

/** Share of filings an officer has looked at, by months since the period (recent ones wait in the queue). */
const REVIEWED_BY_AGE = [0, 0.1, 0.35, 0.6, 0.78, 0.88, 0.93, 0.95, 0.97];

/**
 * Scripted histories of the two demo accounts' units, by position from the latest due period
 * (0 = latest). The dairy shows a bit of everything; the mine a clean record with one late month.
 */
function scripted(u: PlannedUnit, fromEnd: number | null): Script | undefined {
  if (u.demo === 'unit') {
    if (fromEnd === null) return { when: 'missing' }; // the current period: not yet filed
    return ({
      0: { when: 'on_time', review: 'none' },
      1: { when: 'on_time', review: 'return' },
      2: { when: 'on_time', review: 'verify' },
      3: { when: 'late', review: 'verify' },
      5: { when: 'on_time', review: 'verify', over: true },
      6: { when: 'missing' },
      8: { when: 'on_time', review: 'fix' },
    } as Record<number, Script>)[fromEnd] ?? { when: 'on_time', review: 'verify' };
  }
  if (u.demo === 'mine' && fromEnd !== null) {
    if (fromEnd === 0) return { when: 'on_time', review: 'none' };
    if (fromEnd === 4) return { when: 'late', review: 'verify' };
    return { when: 'on_time', review: fromEnd >= 3 ? 'verify' : undefined };
  }
  return undefined;
}

/** Deadlines and day boundaries of a period, computed once per period (Intl time-zone maths is slow). */
interface PeriodTimes { deadline: number; dayStarts: number[]; start: number; nextStart: number }
type Times = (p: Period) => PeriodTimes;

function periodTimes(rules: Rules): Times {
  const memo = new Map<Period, PeriodTimes>();
  return (p) => {
    let t = memo.get(p);
    if (!t) {
      const next = nextPeriod(p);
      const { jy, jm } = splitPeriod(next);
      const last = deadlineDayOf(p, rules).jd;
      t = {
        deadline: deadlineOf(p, rules).getTime(),
        dayStarts: Array.from({ length: last }, (_, k) => startOfJalaliDay({ jy, jm, jd: k + 1 }).getTime()),
        start: startOfPeriod(p).getTime(),
        nextStart: startOfPeriod(next).getTime(),
      };
      memo.set(p, t);
    }
    return t;
  };
}

const CODE_CHARS = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export interface FilingOptions { now: Date; rules: Rules; officerByProvince: Map<string, number> }

export function planFilings(rng: Rng, units: SeededUnit[], o: FilingOptions): FilingPlan[] {
  const now = o.now.getTime();
  const current = periodOf(o.now);
  const filingPeriod = currentFilingPeriod(o.now, o.rules);
  const lastDue = latestDuePeriod(o.now, o.rules);
  const times = periodTimes(o.rules);
  const codes = new Set<string>();
  // Ten characters without 0/O/1/I, like the filing model's own codes.
  const trackingCode = (): string => {
    for (;;) {
      const code = Array.from({ length: 10 }, () => rng.pick([...CODE_CHARS])).join('');
      if (!codes.has(code)) { codes.add(code); return code; }
    }
  };
  const out: FilingPlan[] = [];

  for (const su of units) {
    const u = su.plan;
    if (u.registration !== 'approved' || u.obligation_start > filingPeriod) continue;
    const officer = o.officerByProvince.get(u.province_code) ?? null;
    const utilisation = u.products.map(() => rng.between(0.5, 0.9));
    const trend = rng.between(-0.008, 0.01);
    const stock = u.products.map(() => 0);
    const icShare = rng.between(0.5, 0.8);
    const periods = periodRange(u.obligation_start, filingPeriod);
    const due = periods.filter((p) => p <= lastDue);

    periods.forEach((p, i) => {
      const fromEnd = p <= lastDue ? due.length - 1 - due.indexOf(p) : null;
      const figures = monthFigures(rng, u, su.productIds, p, current, utilisation.map((x) => x * (1 + trend * i)), stock, icShare);
      const script = scripted(u, fromEnd);
      const s = script ?? randomScript(rng, u, fromEnd);
      const submittedAt = s.when === 'missing' ? null : submissionTime(rng, times(p), s.when, script ? 12 : 200);
      if (!submittedAt || submittedAt.getTime() > now) {
        if (p === filingPeriod && u.demo === null && u.profile !== 'lapsing' && rng.chance(0.3)) out.push(draft(rng, su, p, figures, o.now, times(p)));
        return;
      }
      out.push(submitted(rng, su, p, figures, submittedAt, s, { now, current, officer, trackingCode: trackingCode(), times: times(p) }));
    });
  }
  return out;
}

function randomScript(rng: Rng, u: PlannedUnit, fromEnd: number | null): Script {
  if (u.profile === 'lapsing' && (fromEnd === null || fromEnd < u.lapse)) return { when: 'missing' };
  const odds = ODDS[u.profile];
  const r = rng.next();
  const when: When = r < odds.on ? 'on_time' : r < odds.on + odds.late ? 'late' : 'missing';
  return { when, over: rng.chance(0.012) };
}

/** On time: a working hour of days 1…deadline of the next month, most near the deadline. Late: days or weeks after it. */
function submissionTime(rng: Rng, t: PeriodTimes, when: When, maxLateDays: number): Date {
  if (when === 'late') {
    // Whole days after the deadline's day, at a working hour.
    const days = Math.min(maxLateDays, Math.floor(-Math.log(Math.max(rng.next(), 1e-9)) * 14));
    return new Date(t.deadline + 1 + days * DAY + rng.between(8, 22) * HOUR);
  }
  const day = rng.weighted(t.dayStarts.map((_, k) => k), (k) => 1.35 + k * 0.35);
  return new Date(t.dayStarts[day] + rng.between(8, 22) * HOUR);
}

function monthFigures(rng: Rng, u: PlannedUnit, productIds: number[], p: Period, current: Period, utilisation: number[], stock: number[], icShare: number): Figures {
  const inflation = Math.pow(1 + MONTHLY_INFLATION, monthsBetween(current, p));
  let atPrice = 0;
  const lines: Line[] = u.products.map((prod, j) => {
    const produced = monthlyQuantity(rng, prod, utilisation[j], u.season, p, SEASONS);
    const sold = soldOf(rng, prod, produced, stock, j);
    const price = prod.price * inflation * rng.between(0.98, 1.02);
    atPrice += produced * price;
    return { product_id: productIds[j], produced, sold, sales_value: Math.round(sold * price) };
  });
  const sales = lines.reduce((s, l) => s + (l.sales_value ?? 0), 0);
  const production = Math.round(Math.max(atPrice, sales) * rng.between(1.01, 1.08));
  return {
    employees: Math.min(800, Math.max(10, Math.round(u.staff * (1 + 0.02 * rng.normal())))),
    production_value: production,
    intermediate_consumption: Math.round(production * Math.min(0.85, Math.max(0.45, icShare * rng.between(0.96, 1.04)))),
    lines,
  };
}

/** Sold: mostly a little under production; now and then out of stock, never beyond production plus stock. */
function soldOf(rng: Rng, prod: PlannedProduct, produced: number, stock: number[], j: number): number {
  const wanted = produced * rng.between(0.86, 1.04);
  let sold = roundQuantity(Math.min(wanted, produced + stock[j]), prod.counted);
  if (sold > produced + stock[j]) sold = Math.floor(produced + stock[j]);
  stock[j] += produced - sold;
  return sold;
}

function overCapacity(rng: Rng, u: PlannedUnit, f: Figures): Warning[] {
  const j = rng.int(0, u.products.length - 1);
  const prod = u.products[j];
  const monthly = prod.annual_capacity / 12;
  const line = f.lines[j];
  const produced = roundQuantity(monthly * rng.between(1.55, 1.85), prod.counted);
  const ratio = produced / (line.produced || 1);
  line.produced = produced;
  line.sold = roundQuantity((line.sold ?? 0) * ratio * 0.95, prod.counted);
  line.sales_value = Math.round((line.sales_value ?? 0) * ratio * 0.95);
  const sales = f.lines.reduce((s, l) => s + (l.sales_value ?? 0), 0);
  f.production_value = Math.max(f.production_value ?? 0, Math.round(sales * 1.04));
  f.intermediate_consumption = Math.round(f.production_value * 0.65);
  return [{
    code: 'over_capacity',
    // Fields are named by the line's position on the form, as src/filings/warnings.ts names them.
    field: `lines.${j}.produced`,
    message: `تولید «${prod.name}» (${fa(produced)} ${prod.unit_of_measure}) بیش از ${fa(1.5)} برابر ظرفیت اسمی ماهانه پروانه (${fa(Math.round(monthly * 1000) / 1000)} ${prod.unit_of_measure}) است.`,
  }];
}

/** A returned filing carried a mistake the officer caught; the correction (revision 2) undoes it. */
function withMistake(rng: Rng, f: Figures): { wrong: Figures; reason: string; changes: { field: string; old: number | null; new: number | null }[] } {
  const wrong: Figures = { ...f, lines: f.lines.map((l) => ({ ...l })) };
  const kind = rng.int(0, 2);
  if (kind === 0) {
    const l = wrong.lines[0];
    l.sales_value = (l.sales_value ?? 0) * 10;
    return { wrong, reason: RETURN_REASONS[0], changes: [{ field: `lines.${l.product_id}.sales_value`, old: l.sales_value, new: f.lines[0].sales_value }] };
  }
  if (kind === 1) {
    wrong.intermediate_consumption = Math.round((f.production_value ?? 0) * 1.3);
    return { wrong, reason: RETURN_REASONS[2], changes: [{ field: 'intermediate_consumption', old: wrong.intermediate_consumption, new: f.intermediate_consumption }] };
  }
  wrong.employees = (f.employees ?? 0) * 10;
  return { wrong, reason: RETURN_REASONS[3], changes: [{ field: 'employees', old: wrong.employees, new: f.employees }] };
}

/** The same shape as src/filings/model.ts snapshotOf(): figures, value added, named lines, warnings. */
function snapshot(u: PlannedUnit, f: Figures, warnings: Warning[]): string {
  return JSON.stringify({
    employees: f.employees,
    production_value: f.production_value,
    intermediate_consumption: f.intermediate_consumption,
    value_added: f.production_value !== null && f.intermediate_consumption !== null ? f.production_value - f.intermediate_consumption : null,
    lines: f.lines.map((l, j) => ({ product_id: l.product_id, name: u.products[j].name, unit_of_measure: u.products[j].unit_of_measure, produced: l.produced, sold: l.sold, sales_value: l.sales_value })),
    warnings,
  });
}

interface Context { now: number; current: Period; officer: number | null; trackingCode: string; times: PeriodTimes }

function submitted(rng: Rng, su: SeededUnit, p: Period, base: Figures, at: Date, s: Script, c: Context): FilingPlan {
  const u = su.plan;
  const warnings = s.over ? overCapacity(rng, u, base) : [];
  const age = monthsBetween(p, c.current);
  const inFuture = (t: number) => t > c.now;
  const review: Review = s.review ?? (c.officer && rng.chance(REVIEWED_BY_AGE[age] ?? 0.985)
    ? (rng.chance(u.profile === 'sloppy' ? 0.12 : 0.05) ? (rng.chance(age >= 3 ? 0.93 : 0.4) ? 'fix' : 'return') : 'verify')
    : 'none');

  let firstReview = at.getTime() + rng.between(0.5, 18) * DAY;
  if (s.review && s.review !== 'none' && inFuture(firstReview)) firstReview = Math.max(at.getTime() + HOUR, c.now - 2 * HOUR);
  const effective: Review = !c.officer || inFuture(firstReview) ? 'none' : review;

  const row: FilingRow = {
    unit_id: su.id, period: p, state: 'submitted', ...pick(base), warnings: JSON.stringify(warnings),
    first_submitted_at: at, submitted_at: at, tracking_code: c.trackingCode, revision: 1, return_reason: null,
    reviewed_by: null, reviewed_at: null, verified_at: null,
    created_at: new Date(Math.max(c.times.nextStart - DAY, at.getTime() - rng.between(0.05, 3) * DAY)),
    updated_at: at,
  };
  const revisions: RevisionRow[] = [];
  const reviews: ReviewRow[] = [];
  const officer = c.officer!;

  if (effective === 'return' || effective === 'fix') {
    const m = withMistake(rng, base);
    revisions.push({ revision: 1, user_id: su.userId, at, via: 'form', changes: '[]', snapshot: snapshot(u, m.wrong, warnings) });
    reviews.push({ action: 'return', reason: m.reason, user_id: officer, at: new Date(firstReview) });
    Object.assign(row, { reviewed_by: officer, reviewed_at: new Date(firstReview), updated_at: new Date(firstReview) });
    let fixedAt = firstReview + rng.between(0.5, 8) * DAY;
    if (effective === 'fix' && s.review === 'fix' && inFuture(fixedAt)) fixedAt = c.now - HOUR;
    if (effective === 'return' || inFuture(fixedAt)) {
      Object.assign(row, pick(m.wrong), { state: 'returned', return_reason: m.reason });
      return { row, lines: m.wrong.lines, revisions, reviews };
    }
    revisions.push({ revision: 2, user_id: su.userId, at: new Date(fixedAt), via: 'form', changes: JSON.stringify(m.changes), snapshot: snapshot(u, base, warnings) });
    Object.assign(row, { revision: 2, submitted_at: new Date(fixedAt), updated_at: new Date(fixedAt) });
    let verifyAt = fixedAt + rng.between(0.5, 10) * DAY;
    if (s.review === 'fix' && inFuture(verifyAt)) verifyAt = c.now - 30 * 60_000;
    if (!inFuture(verifyAt) && (s.review === 'fix' || rng.chance(age >= 2 ? 0.9 : 0.4))) {
      reviews.push({ action: 'verify', reason: null, user_id: officer, at: new Date(verifyAt) });
      Object.assign(row, { state: 'verified', reviewed_by: officer, reviewed_at: new Date(verifyAt), verified_at: new Date(verifyAt), updated_at: new Date(verifyAt) });
    }
    return { row, lines: base.lines, revisions, reviews };
  }

  revisions.push({ revision: 1, user_id: su.userId, at, via: 'form', changes: '[]', snapshot: snapshot(u, base, warnings) });
  if (effective === 'verify') {
    const v = new Date(firstReview);
    reviews.push({ action: 'verify', reason: null, user_id: officer, at: v });
    Object.assign(row, { state: 'verified', reviewed_by: officer, reviewed_at: v, verified_at: v, updated_at: v });
  }
  return { row, lines: base.lines, revisions, reviews };
}

/** A draft of the current filing period: started in the last few days, partly filled in. */
function draft(rng: Rng, su: SeededUnit, p: Period, f: Figures, now: Date, t: PeriodTimes): FilingPlan {
  const earliest = Math.max(t.start, now.getTime() - 6 * DAY);
  const created = new Date(Math.min(now.getTime() - HOUR, earliest + rng.next() * Math.max(0, now.getTime() - earliest)));
  const complete = rng.chance(0.5);
  const lines = f.lines.map((l, j) => (complete || j === 0 ? l : { ...l, sold: null, sales_value: null }));
  return {
    row: {
      unit_id: su.id, period: p, state: 'draft', employees: f.employees,
      production_value: complete ? f.production_value : null, intermediate_consumption: complete ? f.intermediate_consumption : null,
      warnings: '[]', first_submitted_at: null, submitted_at: null, tracking_code: null, revision: 0, return_reason: null,
      reviewed_by: null, reviewed_at: null, verified_at: null, created_at: created, updated_at: created,
    },
    lines, revisions: [], reviews: [],
  };
}

const pick = (f: Figures) => ({ employees: f.employees, production_value: f.production_value, intermediate_consumption: f.intermediate_consumption });
