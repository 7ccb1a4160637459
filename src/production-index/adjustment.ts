import type { Knex } from 'knex';
import { loadSettings } from '../settings.ts';
import { addMonths, splitPeriod, periodRange, type Period } from '../calendar.ts';
import { holidaysOf, holidayYears, monthCalendars } from './holidays.ts';
import { adjustSeries, MIN_MONTHS, type AdjustmentModel } from './seasonal/adjust.ts';
import type { IndexNode } from './node.ts';

// Issue 25: with each computation of month t, the calendar- and seasonally-adjusted series of every
// node the index publishes at the levels the page shows (the nation, sections, divisions) and that
// this computation does not suppress. The input is what is published: the released values of the
// earlier months of the same product base, and of the bases before it when it is linked to them
// (index_published), and this computation's value for t. A
// node's series is its run of consecutive published months ending at t (a month suppressed or not
// released cuts it); under MIN_MONTHS no adjusted series is stored, and the report says why.

export const ADJUSTED_LEVELS: readonly IndexNode['level'][] = ['total', 'section', 'division'];

export interface AdjustmentReport { adjusted: number; tooShort: string[]; residualSeasonality: string[]; seconds: number }

export interface StoredModel extends AdjustmentModel { from: Period; thursdayWeight: number; provisionalYears: number[] }

/** The published run of `node` ending at `period` (inclusive), oldest first. */
function runOf(period: Period, current: number, history: ReadonlyMap<Period, number>): { periods: Period[]; values: number[] } {
  const periods: Period[] = [period];
  const values: number[] = [current];
  for (let p = addMonths(period, -1); history.has(p); p = addMonths(p, -1)) {
    periods.unshift(p);
    values.unshift(history.get(p)!);
  }
  return { periods, values };
}

export interface PreparedAdjustments { report: AdjustmentReport; series: { node: string; model: StoredModel; periods: Period[]; nsa: number[]; ca: number[]; sa: number[] }[] }

/** Adjusts the series (reads the published history; stores nothing). */
export async function prepareAdjustments(period: Period, baseYear: number, cells: readonly IndexNode[], k: Knex, linkedToEarlierBase = false): Promise<PreparedAdjustments> {
  const began = performance.now();
  const series: PreparedAdjustments['series'] = [];
  const nodes = cells.filter((c) => ADJUSTED_LEVELS.includes(c.level) && !c.suppressed && c.value > 0);
  const report: AdjustmentReport = { adjusted: 0, tooShort: [], residualSeasonality: [], seconds: 0 };
  if (nodes.length === 0) return { report, series };
  const rows: { period: Period; node: string; value: string | number | null }[] = await k('index_published')
    // A product base linked to the series before it (linking.ts) goes on from it: the earlier bases' published months are the same series.
    .where((q) => (linkedToEarlierBase ? q.where('base_year', '<=', baseYear) : q.where('base_year', baseYear))).where('period', '<', period).whereIn('node', nodes.map((n) => n.node)).whereNotNull('value')
    .select('period', 'node', 'value');
  const history = new Map<string, Map<Period, number>>();
  for (const r of rows) {
    const m = history.get(r.node) ?? new Map<Period, number>();
    if (Number(r.value) > 0) m.set(r.period, Number(r.value));
    history.set(r.node, m);
  }
  const runs = nodes.map((n) => ({ node: n.node, ...runOf(period, n.value, history.get(n.node) ?? new Map()) }));
  const longest = runs.reduce((a, r) => (r.periods.length > a.length ? r.periods : a), [] as Period[]);
  if (longest.length < MIN_MONTHS) {
    report.tooShort = runs.map((r) => r.node);
    return { report, series };
  }
  const settings = await loadSettings(k);
  const thursdayWeight = settings.get('index_thursday_weight');
  const years = [...new Set(longest.map((p) => splitPeriod(p).jy))];
  const known = await holidayYears(k);
  const knownYears = new Set(known.map((y) => y.year));
  const provisionalYears = known.filter((y) => y.status === 'provisional' && years.includes(y.year)).map((y) => y.year);
  const holidays = await holidaysOf(years, k);
  for (const run of runs) {
    if (run.periods.length < MIN_MONTHS) { report.tooShort.push(run.node); continue; }
    const complete = run.periods.every((p) => knownYears.has(splitPeriod(p).jy));
    const calendars = complete ? monthCalendars(run.periods, holidays, thursdayWeight) : null;
    const a = adjustSeries(run.periods, run.values, calendars);
    const model: StoredModel = { ...a.model, from: run.periods[0], thursdayWeight, provisionalYears };
    series.push({ node: run.node, model, periods: a.periods, nsa: a.nsa, ca: a.ca, sa: a.sa });
    report.adjusted++;
    if (a.model.residualSeasonality) report.residualSeasonality.push(run.node);
  }
  report.seconds = Math.round(performance.now() - began) / 1000;
  return { report, series };
}

/** Stores a computation's adjusted series (inside its storing transaction). */
export async function storeAdjustments(computationId: number, prepared: PreparedAdjustments, k: Knex): Promise<void> {
  for (const s of prepared.series) {
    await k('index_adjustments').insert({ computation_id: computationId, node: s.node, model: JSON.stringify(s.model) });
    const lines = s.periods.map((p, i) => ({ computation_id: computationId, node: s.node, period: p, nsa: s.nsa[i], ca: round4(s.ca[i]), sa: round4(s.sa[i]) }));
    for (let i = 0; i < lines.length; i += 1000) await k('index_adjusted').insert(lines.slice(i, i + 1000));
  }
}

const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** Months a series needs before it is adjusted (shown on the page). */
export const adjustmentSpan = (last: Period): Period[] => periodRange(addMonths(last, -(MIN_MONTHS - 1)), last);
