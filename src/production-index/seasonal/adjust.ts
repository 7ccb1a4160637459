import { splitPeriod, type Period } from '../../calendar.ts';
import { centredByMonth, type MonthCalendar } from '../holidays.ts';
import { regArima, type RegressionTerm } from './regarima.ts';
import { stl } from './stl.ts';
import { logChanges, qsTest, seasonalFTest, RESIDUAL_SEASONALITY_LEVEL, type SeasonalityTest } from './diagnostics.ts';

// One series' calendar and seasonal adjustment (docs/index.md «Seasonal and calendar adjustment»):
// multiplicative, on logs. (1) RegARIMA: log NSA = calendar regressors·β + additive outliers + airline
// errors; CA = NSA ÷ exp(calendar effect). (2) STL (period 12, seasonal span 7, non-robust) on the
// log series less the calendar and outlier effects; SA = NSA ÷ exp(calendar effect + seasonal).
// Outliers stay in SA (as X-13 and TRAMO-SEATS leave additive outliers in the irregular). (3) The
// residual-seasonality tests on SA's monthly log changes over the last 8 years at most.

export const MIN_MONTHS = 36;
export const STL_SEASONAL = 7;

export interface AdjustmentModel {
  months: number;
  theta: number;
  seasonalTheta: number;
  sigma: number;
  terms: RegressionTerm[];
  calendar: 'estimated' | 'none_significant' | 'no_calendar'; // no_calendar: a year of the span has no holiday table
  qs: SeasonalityTest;
  f: SeasonalityTest;
  residualSeasonality: boolean;
}

export interface Adjusted { periods: Period[]; nsa: number[]; ca: number[]; sa: number[]; seasonal: number[]; calendar: number[]; model: AdjustmentModel }

/**
 * Adjusts a series of consecutive months (values > 0). `calendars` holds each month's calendar, or
 * is null when the holiday table lacks a year of the span (then no calendar adjustment: CA = NSA).
 */
export function adjustSeries(periods: readonly Period[], nsa: readonly number[], calendars: readonly MonthCalendar[] | null): Adjusted {
  const n = nsa.length;
  if (n < MIN_MONTHS) throw new Error(`adjustment needs at least ${MIN_MONTHS} months`);
  if (nsa.some((v) => !(v > 0))) throw new Error('adjustment needs positive values');
  const z = nsa.map(Math.log);
  const regressors = calendars
    ? [
      { name: 'working_days', values: centredByMonth(periods, calendars.map((c) => c.workingDays)) },
      { name: 'ramadan_days', values: centredByMonth(periods, calendars.map((c) => c.ramadanDays)) },
    ]
    : [];
  const fit = regArima(z, regressors);
  const linear = z.map((v, t) => v - fit.calendarEffect[t] - fit.outlierEffect[t]);
  const decomposition = stl(linear, { period: 12, seasonal: STL_SEASONAL });
  const ca = nsa.map((v, t) => v / Math.exp(fit.calendarEffect[t]));
  const sa = nsa.map((v, t) => v / Math.exp(fit.calendarEffect[t] + decomposition.seasonal[t]));
  const tail = sa.slice(-Math.min(n, 97));
  const changes = logChanges(tail);
  const firstMonth = splitPeriod(periods[n - tail.length + 1]).jm;
  const qs = qsTest(changes);
  const f = seasonalFTest(changes, firstMonth);
  const hasCalendar = fit.terms.some((t) => t.kind === 'calendar');
  return {
    periods: [...periods], nsa: [...nsa], ca, sa,
    seasonal: decomposition.seasonal.map(Math.exp), calendar: fit.calendarEffect.map(Math.exp),
    model: {
      months: n, theta: fit.theta, seasonalTheta: fit.seasonalTheta, sigma: Math.sqrt(fit.sigma2), terms: fit.terms,
      calendar: calendars ? (hasCalendar ? 'estimated' : 'none_significant') : 'no_calendar',
      qs, f, residualSeasonality: qs.pValue < RESIDUAL_SEASONALITY_LEVEL || f.pValue < RESIDUAL_SEASONALITY_LEVEL,
    },
  };
}
