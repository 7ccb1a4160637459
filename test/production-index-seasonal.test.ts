import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { stl } from '../src/production-index/seasonal/stl.ts';
import { autocorrelation, qsTest, seasonalFTest, logChanges } from '../src/production-index/seasonal/diagnostics.ts';
import { regArima } from '../src/production-index/seasonal/regarima.ts';
import { adjustSeries } from '../src/production-index/seasonal/adjust.ts';
import { fUpperTail } from '../src/production-index/seasonal/distributions.ts';
import { monthCalendars, parseHolidayYear, LUNAR_CODES, type Holiday } from '../src/production-index/holidays.ts';
import { periodRange, splitPeriod } from '../src/calendar.ts';

// Issue 25: the seasonal-adjustment method, against statsmodels (fixtures computed once by
// test/fixtures/seasonal-statsmodels.py) and on synthetic Jalali series with known effects.

const ref = JSON.parse(fs.readFileSync(new URL('./fixtures/seasonal-statsmodels.json', import.meta.url), 'utf8')) as {
  z: number[]; wd: number[]; rd: number[];
  stl: { seasonal: number[]; trend: number[] };
  diff_acf: { lag12: number; lag24: number };
  f_test: { F: number; p: number; df_denom: number };
  f_sf_2_5_11_100: number;
  sarimax: { beta: number[]; se: number[]; ma: number; sma: number };
};

// The official holiday lists as migration 220 loads them, each through the office's validation.
const migration = fs.readFileSync(new URL('../migrations/220_index_holidays.ts', import.meta.url), 'utf8');
const lists = [...migration.matchAll(/^ {2}(\d{4}): '([^']+)',$/gm)].map((m) => ({ year: Number(m[1]), text: m[2] }));
const holidays: Holiday[] = lists.flatMap((l) => { const r = parseHolidayYear(l.year, l.text); if (!r.ok) throw new Error(`${l.year}: ${r.errors.join('; ')}`); return r.holidays; });

function rng(seed: number) {
  let s = seed;
  const u = () => { s = (s * 16807) % 2147483647; return s / 2147483647; };
  return () => { let v = 0; for (let i = 0; i < 12; i++) v += u(); return v - 6; }; // ≈ N(0, 1)
}

describe('STL', () => {
  it('reproduces statsmodels STL (period 12, seasonal 7, non-robust, 5 inner passes) to 1e-9', () => {
    const out = stl(ref.z, { period: 12, seasonal: 7 });
    out.seasonal.forEach((v, i) => expect(v).toBeCloseTo(ref.stl.seasonal[i], 9));
    out.trend.forEach((v, i) => expect(v).toBeCloseTo(ref.stl.trend[i], 9));
  });
});

describe('residual-seasonality tests', () => {
  const dz = ref.z.slice(1).map((v, i) => v - ref.z[i]);
  it('autocorrelations as statsmodels acf, and QS built from lags 12 and 24', () => {
    expect(autocorrelation(dz, 12)).toBeCloseTo(ref.diff_acf.lag12, 10);
    expect(autocorrelation(dz, 24)).toBeCloseTo(ref.diff_acf.lag24, 10);
    const n = dz.length;
    const expected = n * (n + 2) * (ref.diff_acf.lag12 ** 2 / (n - 12) + ref.diff_acf.lag24 ** 2 / (n - 24));
    expect(qsTest(dz).statistic).toBeCloseTo(expected, 8);
    expect(qsTest(dz).pValue).toBeLessThan(1e-10);
  });
  it('the seasonal-dummy F-test as statsmodels OLS f_test, p-value included', () => {
    const f = seasonalFTest(dz, 2);
    expect(f.statistic).toBeCloseTo(ref.f_test.F, 8);
    expect(f.df).toEqual([11, ref.f_test.df_denom]);
    expect(fUpperTail(2.5, 11, 100)).toBeCloseTo(ref.f_sf_2_5_11_100, 10); // scipy's F(11, 100) tail
    expect(Math.abs(Math.log10(f.pValue) - Math.log10(ref.f_test.p))).toBeLessThan(0.01);
  });
});

describe('RegARIMA', () => {
  it('estimates the calendar effects within two standard errors of statsmodels SARIMAX (exact likelihood), the MA terms near its', () => {
    const fit = regArima(ref.z, [{ name: 'wd', values: ref.wd }, { name: 'rd', values: ref.rd }], { maxOutliers: 0 });
    const wd = fit.terms.find((t) => t.name === 'wd')!;
    const rd = fit.terms.find((t) => t.name === 'rd')!;
    expect(Math.abs(wd.beta - ref.sarimax.beta[0])).toBeLessThan(2 * ref.sarimax.se[0]);
    expect(Math.abs(rd.beta - ref.sarimax.beta[1])).toBeLessThan(2 * ref.sarimax.se[1]);
    expect(wd.se / ref.sarimax.se[0]).toBeGreaterThan(0.6);
    expect(wd.se / ref.sarimax.se[0]).toBeLessThan(1.6);
    // statsmodels writes (1 + θB); ours (1 − θB).
    expect(Math.abs(fit.theta + ref.sarimax.ma)).toBeLessThan(0.2);
    expect(Math.abs(fit.seasonalTheta + ref.sarimax.sma)).toBeLessThan(0.2);
  });
  it('drops a calendar regressor that has no effect, and finds an additive outlier where it was put', () => {
    const noise = rng(99);
    const z = ref.z.map((v, t) => v + (t === 70 ? 0.15 : 0));
    const useless = ref.z.map(() => Math.round(noise() * 2));
    const fit = regArima(z, [{ name: 'wd', values: ref.wd }, { name: 'useless', values: useless }]);
    expect(fit.terms.map((t) => t.name)).toContain('wd');
    expect(fit.terms.map((t) => t.name)).not.toContain('useless');
    const ao = fit.terms.filter((t) => t.kind === 'outlier');
    expect(ao.map((t) => t.at)).toContain(70);
    expect(ao.find((t) => t.at === 70)!.beta).toBeGreaterThan(0.12);
  });
});

describe('Jalali calendar regressors', () => {
  it('Farvardin 1404 by hand: 5 Fridays, 4 half Thursdays, six holidays on working days, 10 days of Ramadan', () => {
    const [far] = monthCalendars(['1404-01'], holidays, 0.5);
    // Holidays: 1–4 Nowruz (1 a Friday; 2 also Imam Ali's martyrdom), 11–12 Eid al-Fitr (12 also Republic Day), 13 Nature Day.
    expect(far).toEqual({ period: '1404-01', days: 31, workingDays: 18, holidaysOnWorkdays: 6, ramadanDays: 10 });
    const [whole] = monthCalendars(['1404-01'], holidays, 1);
    expect(whole.workingDays).toBe(20);
  });
  it('every year 1395–1406 of the table has each lunar holiday, Esfand of a leap year 30 days', () => {
    expect(lists.map((l) => l.year)).toEqual(periodRange('1395-01', '1406-01').filter((p) => p.endsWith('-01')).map((p) => splitPeriod(p).jy));
    for (const l of lists) for (const code of LUNAR_CODES) expect(holidays.some((h) => h.code === code && h.date.startsWith(`${l.year}-`))).toBe(true);
    expect(monthCalendars(['1403-12'], holidays, 0.5)[0].days).toBe(30);
  });
});

describe('a year of holidays typed by the office', () => {
  const y1405 = lists.find((l) => l.year === 1405)!.text;
  it('is accepted with Persian digits and gets the solar holidays by rule', () => {
    const persian = y1405.replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]).replace(/, /g, '\n');
    const r = parseHolidayYear(1405, persian);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.holidays.filter((h) => h.kind === 'solar').map((h) => h.date)).toContain('1405-01-13');
  });
  it('is refused with a Persian reason per fault: a missing holiday, a broken gap, a day that does not exist, an unknown code', () => {
    const missing = parseHolidayYear(1405, y1405.replace(/, \d\d-\d\d ghadir/, ''));
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.errors.join(' ')).toMatch(/ghadir.*نیامده/);
    const gap = parseHolidayYear(1405, y1405.replace('04-04 ashura', '04-05 ashura'));
    expect(gap.ok).toBe(false);
    if (!gap.ok) expect(gap.errors.join(' ')).toContain('ashura باید 1 روز پس از tasua');
    const bad = parseHolidayYear(1405, `${y1405}, 12-31 adha`);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.join(' ')).toContain('این روز در سال 1405 نیست');
    const unknown = parseHolidayYear(1405, `${y1405}, 05-05 yalda`);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.errors.join(' ')).toContain('yalda');
  });
});

describe('the whole adjustment on a synthetic Jalali series', () => {
  const periods = periodRange('1396-01', '1405-12');
  const cal = monthCalendars(periods, holidays, 0.5);
  const season = [-0.25, 0.02, 0.05, 0.04, 0.03, 0, 0.02, 0.03, 0.05, 0.04, 0, -0.03];
  const mean = season.reduce((a, b) => a + b) / 12;
  const noise = rng(4242);
  const monthMean = (key: 'workingDays' | 'ramadanDays') => {
    const sums = new Array(12).fill(0);
    cal.forEach((c, i) => { sums[i % 12] += c[key] / 10; });
    return sums;
  };
  const wdMean = monthMean('workingDays');
  const rdMean = monthMean('ramadanDays');
  const nsa = periods.map((_, t) => 100 * Math.exp(0.002 * t + season[t % 12] - mean + 0.015 * (cal[t].workingDays - wdMean[t % 12]) - 0.004 * (cal[t].ramadanDays - rdMean[t % 12]) + 0.005 * noise() + (t === 50 ? 0.1 : 0)));

  it('recovers the working-day, Ramadan and Nowruz-month effects and the outlier, and leaves no residual seasonality', () => {
    const a = adjustSeries(periods, nsa, cal);
    const wd = a.model.terms.find((t) => t.name === 'working_days')!;
    const rd = a.model.terms.find((t) => t.name === 'ramadan_days')!;
    expect(wd.beta).toBeGreaterThan(0.013);
    expect(wd.beta).toBeLessThan(0.017);
    expect(rd.beta).toBeGreaterThan(-0.005);
    expect(rd.beta).toBeLessThan(-0.003);
    expect(a.model.terms.some((t) => t.kind === 'outlier' && t.at === 50)).toBe(true);
    // Seasonal factors of a middle year within 1.5 points of the true ones (Farvardin's −25 % included).
    for (let m = 0; m < 12; m++) expect(Math.abs(Math.log(a.seasonal[48 + m]) - (season[m] - mean))).toBeLessThan(0.015);
    expect(a.model.residualSeasonality).toBe(false);
    expect(a.model.qs.pValue).toBeGreaterThan(0.01);
    expect(a.model.f.pValue).toBeGreaterThan(0.01);
    // The same tests on the raw series see its seasonality: they can fail.
    const raw = logChanges(nsa.slice(-97));
    expect(seasonalFTest(raw, splitPeriod(periods[periods.length - 96]).jm).pValue).toBeLessThan(1e-6);
    expect(qsTest(raw).pValue).toBeLessThan(1e-6);
    // CA keeps the season and removes the calendar: Farvardin stays low, the working-day swing is gone.
    const farvardin = a.ca.filter((_, t) => t % 12 === 0);
    const ordibehesht = a.ca.filter((_, t) => t % 12 === 1);
    expect(Math.max(...farvardin)).toBeLessThan(Math.min(...ordibehesht));
  });

  it('without a holiday table for a year of the span, no calendar adjustment: CA equals the raw series', () => {
    const a = adjustSeries(periods, nsa, null);
    expect(a.model.calendar).toBe('no_calendar');
    a.ca.forEach((v, i) => expect(v).toBeCloseTo(nsa[i], 10));
  });

  it('refuses a series shorter than three years or not positive', () => {
    expect(() => adjustSeries(periods.slice(0, 35), nsa.slice(0, 35), cal.slice(0, 35))).toThrow(/36/);
    expect(() => adjustSeries(periods, nsa.map((v, i) => (i === 3 ? 0 : v)), cal)).toThrow(/positive/);
  });
});
