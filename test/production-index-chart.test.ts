import { describe, expect, it } from 'vitest';
import { lineChartSvg } from '../src/stats/chart.ts';
import { periodRange, MONTH_NAMES } from '../src/calendar.ts';

// Issue 25 §6: the index's 24-month chart names its months in Persian without the names running
// into each other («فروردیناردیبهشت»): at most one name per 56 px, a tick for every month, the year
// under Farvardin; a 12-month chart keeps every name.

const monthLabels = (svg: string) => [...svg.matchAll(/<text x="([\d.]+)" y="\d+" text-anchor="middle" fill="#495057">([^<]+)<\/text>/g)].map((m) => ({ x: Number(m[1]), name: m[2] }));
const chart = (periods: string[]) => lineChartSvg(periods, [{ label: 'خام', color: '#000', dash: '', values: periods.map(() => 100) }], 'آزمون', { id: 't', min: 80, max: 120, ticks: [80, 100, 120], format: String });

describe('the month axis', () => {
  it('24 months: every other month named, at least 56 px apart, Persian names, a tick per month, years under Farvardin', () => {
    const svg = chart(periodRange('1403-08', '1405-07'));
    const labels = monthLabels(svg);
    expect(labels).toHaveLength(12);
    for (let i = 1; i < labels.length; i++) expect(labels[i].x - labels[i - 1].x).toBeGreaterThanOrEqual(56);
    for (const l of labels) expect(MONTH_NAMES as readonly string[]).toContain(l.name);
    expect(svg.match(/stroke="#adb5bd"/g)).toHaveLength(24);
    expect(svg).toContain('۱۴۰۴');
    expect(svg).toContain('۱۴۰۵');
  });
  it('12 months keep every name', () => {
    expect(monthLabels(chart(periodRange('1404-01', '1404-12'))).map((l) => l.name)).toEqual([...MONTH_NAMES]);
  });
});
