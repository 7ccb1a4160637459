import { describe, it, expect } from 'vitest';
import {
  addMonths, nextPeriod, previousPeriod, periodOf, deadlineOf, startOfJalaliDay, obligationStart, duePeriods,
  classify, currentFilingPeriod, latestDuePeriod, inactivityWindow, isLeapJalaliYear, monthLength, parseJalaliDate,
  jalaliToGregorianIso, jalaliDateOf, tehranTimeOf, gregorianIsoToJalali, type Rules,
} from '../src/calendar.ts';

const tehran = (iso: string) => new Date(`${iso}+03:30`);
const settings = { systemStart: '1387-08', legacyStart: '1387-08' };

describe('Jalali periods', () => {
  it('turns the year: 1404-12 + 1 = 1405-01 and back', () => {
    expect(nextPeriod('1404-12')).toBe('1405-01');
    expect(previousPeriod('1405-01')).toBe('1404-12');
    expect(addMonths('1404-11', 14)).toBe('1406-01');
  });

  it('knows leap years: Esfand has 30 days in 1403, 29 in 1404', () => {
    expect(isLeapJalaliYear(1403)).toBe(true);
    expect(isLeapJalaliYear(1404)).toBe(false);
    expect(monthLength(1403, 12)).toBe(30);
    expect(monthLength(1404, 12)).toBe(29);
    expect(parseJalaliDate('1403-12-30')).not.toBeNull();
    expect(parseJalaliDate('1404-12-30')).toBeNull();
  });

  it('matches the reference vectors', () => {
    expect(jalaliToGregorianIso({ jy: 1403, jm: 1, jd: 1 })).toBe('2024-03-20');
    expect(jalaliToGregorianIso({ jy: 1404, jm: 1, jd: 1 })).toBe('2025-03-21');
    expect(jalaliToGregorianIso({ jy: 1403, jm: 12, jd: 30 })).toBe('2025-03-20');
    expect(jalaliToGregorianIso({ jy: 1387, jm: 7, jd: 29 })).toBe('2008-10-20');
  });

  it('finds the period of an instant in Tehran, not UTC', () => {
    // 1404-08-01 00:10 Tehran is still 1404-07-30 in UTC.
    expect(periodOf(tehran('2025-10-23T00:10:00'))).toBe('1404-08');
    expect(periodOf(tehran('2025-10-22T23:59:59'))).toBe('1404-07');
    // Esfand 30 of leap 1403 is still 1403-12.
    expect(periodOf(tehran('2025-03-20T12:00:00'))).toBe('1403-12');
    expect(periodOf(tehran('2025-03-21T00:00:00'))).toBe('1404-01');
  });
});

describe('deadlines', () => {
  it('1404-07 is due at the end of 8 Aban 1404, Tehran time', () => {
    const d = deadlineOf('1404-07');
    expect(d.getTime()).toBe(tehran('2025-10-30T23:59:59.999').getTime());
    expect(classify('1404-07', tehran('2025-10-30T23:59:59'), tehran('2025-12-01T00:00:00'))).toBe('on_time');
    expect(classify('1404-07', tehran('2025-10-31T00:00:00'), tehran('2025-12-01T00:00:00'))).toBe('late');
    expect(classify('1404-07', null, tehran('2025-12-01T00:00:00'))).toBe('missing');
  });

  it('the Esfand filing of a leap and a common year is due 8 Farvardin of the next', () => {
    expect(deadlineOf('1403-12').getTime()).toBe(startOfJalaliDay({ jy: 1404, jm: 1, jd: 9 }).getTime() - 1);
    expect(deadlineOf('1404-12').getTime()).toBe(startOfJalaliDay({ jy: 1405, jm: 1, jd: 9 }).getTime() - 1);
  });

  it('a period becomes due the instant after its deadline', () => {
    expect(latestDuePeriod(tehran('2025-10-30T23:59:59'))).toBe('1404-06');
    expect(latestDuePeriod(tehran('2025-10-31T00:00:00'))).toBe('1404-07');
    expect(currentFilingPeriod(tehran('2025-10-30T12:00:00'))).toBe('1404-07');
  });

  it('judges each period by the deadline rule in force for it', () => {
    const rules: Rules = { deadlineDay: [{ from: '0001-01', value: 8 }, { from: '1404-01', value: 10 }], inactivityMonths: [{ from: '0001-01', value: 3 }] };
    expect(deadlineOf('1403-11', rules).getTime()).toBe(startOfJalaliDay({ jy: 1403, jm: 12, jd: 9 }).getTime() - 1);
    expect(deadlineOf('1404-01', rules).getTime()).toBe(startOfJalaliDay({ jy: 1404, jm: 2, jd: 11 }).getTime() - 1);
  });
});

describe('obligation start (DESIGN §4)', () => {
  it('licence 1404-02-15 → first period 1404-05', () => {
    expect(obligationStart({ jy: 1404, jm: 2, jd: 15 }, false, settings)).toBe('1404-05');
  });
  it('a licence issued on the 31st of a 31-day month starts three months on', () => {
    expect(obligationStart({ jy: 1404, jm: 6, jd: 31 }, false, settings)).toBe('1404-09');
    expect(obligationStart({ jy: 1403, jm: 11, jd: 30 }, false, settings)).toBe('1404-02');
  });
  it('previously announced units start at the legacy start; nobody before the system start', () => {
    expect(obligationStart({ jy: 1395, jm: 1, jd: 1 }, true, settings)).toBe('1387-08');
    expect(obligationStart({ jy: 1380, jm: 1, jd: 1 }, false, settings)).toBe('1387-08');
    expect(obligationStart({ jy: 1380, jm: 1, jd: 1 }, true, { systemStart: '1400-01', legacyStart: '1387-08' })).toBe('1400-01');
  });
});

describe('due periods and inactivity window', () => {
  it('lists every period from the obligation start whose deadline has passed', () => {
    expect(duePeriods('1404-05', tehran('2025-10-31T00:00:00'))).toEqual(['1404-05', '1404-06', '1404-07']);
    expect(duePeriods('1404-08', tehran('2025-10-31T00:00:00'))).toEqual([]);
  });
  it('the window is the latest N due periods, N from the rule in force', () => {
    expect(inactivityWindow(tehran('2025-10-31T00:00:00'))).toEqual({ from: '1404-05', to: '1404-07', months: 3 });
    const rules: Rules = { deadlineDay: [{ from: '0001-01', value: 8 }], inactivityMonths: [{ from: '0001-01', value: 3 }, { from: '1404-07', value: 6 }] };
    expect(inactivityWindow(tehran('2025-10-31T00:00:00'), rules)).toEqual({ from: '1404-02', to: '1404-07', months: 6 });
    expect(inactivityWindow(tehran('2025-10-01T00:00:00'), rules)).toEqual({ from: '1404-04', to: '1404-06', months: 3 });
  });
});

describe('Tehran wall clock', () => {
  // The clock is computed from an offset asked of Intl once per quarter hour of UTC; it must
  // agree with Intl itself at every instant, across clock changes and the end of local mean time.
  const intl = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tehran', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const byIntl = (at: Date) => {
    const p = Object.fromEntries(intl.formatToParts(at).filter((x) => x.type !== 'literal').map((x) => [x.type, x.value]));
    return { date: gregorianIsoToJalali(`${p.year}-${p.month}-${p.day}`), time: { h: Number(p.hour), mi: Number(p.minute), s: Number(p.second) } };
  };
  const instants: Date[] = [];
  // Every 7 minutes 13 seconds around the end of local mean time (1935), DST changes of 1978–79
  // and 2021–22, the last change (September 2022), and spread over a century.
  for (const [from, to] of [['1935-06-11', '1935-06-14'], ['1978-03-19', '1978-03-23'], ['1979-09-20', '1979-09-24'], ['2021-03-20', '2021-03-23'], ['2022-09-20', '2022-09-23']]) {
    for (let t = Date.parse(from); t < Date.parse(to); t += 433_000) instants.push(new Date(t));
  }
  for (let t = Date.parse('1925-01-01'); t < Date.parse('2030-01-01'); t += 86_400_000 * 13 + 3_600_000 * 5 + 997) instants.push(new Date(t));

  it(`agrees with Intl at ${instants.length} instants`, () => {
    const wrong = instants.filter((at) => {
      const want = byIntl(at);
      return JSON.stringify({ date: jalaliDateOf(at), time: tehranTimeOf(at) }) !== JSON.stringify(want);
    });
    expect(wrong.map((d) => d.toISOString())).toEqual([]);
  });
});
