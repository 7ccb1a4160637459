import { persianDigits } from '../text.ts';
import { periodLabelParts } from '../calendar.ts';
import { periodLabel } from '../calendar.ts';
import type { Period } from '../calendar.ts';
import type { TrendPoint } from './performance.ts';

// The 12-month trend as inline SVG drawn on the server: readable without JavaScript, Persian
// labels and digits. Only presentation attributes (fill=, stroke=): the CSP forbids style="".

const W = 760;
const H = 320;
const M = { top: 20, right: 20, bottom: 70, left: 56 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const SERIES = [
  { key: 'response_rate', label: 'نرخ پاسخ‌دهی', color: '#0d6efd', dash: '' },
  { key: 'timeliness', label: 'به‌موقع بودن', color: '#198754', dash: '6 4' },
] as const;

export interface ChartSeries { label: string; color: string; dash: string; values: readonly (number | null)[] }

export interface ChartScale {
  id: string; // prefix of the title and description ids
  min: number;
  max: number;
  ticks: readonly number[];
  format: (v: number) => string; // a tick or a point, in Persian
}

export function trendChartSvg(points: TrendPoint[], title: string): string {
  const series = SERIES.map((s) => ({ label: s.label, color: s.color, dash: s.dash, values: points.map((p) => p[s.key]) }));
  return lineChartSvg(points.map((p) => p.period), series, title, { id: 'trend', min: 0, max: 1, ticks: [0, 0.25, 0.5, 0.75, 1], format: pct });
}

/** Lines over consecutive months, with a Persian axis, legend and a description of every point. */
export function lineChartSvg(periods: readonly Period[], series: readonly ChartSeries[], title: string, scale: ChartScale): string {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const n = periods.length;
  const x = (i: number) => M.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (v: number) => M.top + plotH - ((v - scale.min) / (scale.max - scale.min || 1)) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-labelledby="${scale.id}-title ${scale.id}-desc" class="trend-chart" direction="ltr" font-family="Vazirmatn, sans-serif" font-size="12">`);
  parts.push(`<title id="${scale.id}-title">${esc(title)}</title>`);
  const desc = periods.map((p, i) => `${periodLabel(p)}: ${series.map((s) => `${s.label} ${point(s.values[i], scale)}`).join('، ')}`).join('؛ ');
  parts.push(`<desc id="${scale.id}-desc">${esc(desc)}</desc>`);
  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  for (const v of scale.ticks) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#dee2e6" stroke-width="1"/>`);
    parts.push(`<text x="${M.left - 8}" y="${y(v) + 4}" text-anchor="end" fill="#495057">${esc(scale.format(v))}</text>`);
  }
  // Month names need about 56 px: with many months only every k-th is named (each month keeps a
  // tick), and the year is written under the first named month and under each Farvardin.
  const every = n <= 1 ? 1 : Math.max(1, Math.ceil(56 / (plotW / (n - 1))));
  periods.forEach((p, i) => {
    const { month, year } = periodLabelParts(p);
    parts.push(`<line x1="${x(i)}" x2="${x(i)}" y1="${M.top + plotH}" y2="${M.top + plotH + 4}" stroke="#adb5bd" stroke-width="1"/>`);
    if (i % every !== 0) return;
    parts.push(`<text x="${x(i)}" y="${H - M.bottom + 18}" text-anchor="middle" fill="#495057">${esc(month)}</text>`);
    if (every === 1 || i === 0 || p.endsWith('-01') || periods.slice(Math.max(0, i - every + 1), i + 1).some((q) => q.endsWith('-01'))) {
      parts.push(`<text x="${x(i)}" y="${H - M.bottom + 34}" text-anchor="middle" fill="#6c757d" font-size="10">${persianDigits(year)}</text>`);
    }
  });
  for (const s of series) {
    const segments: string[][] = [[]];
    s.values.forEach((v, i) => {
      if (v === null) { segments.push([]); return; }
      segments.at(-1)!.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    });
    for (const seg of segments) {
      if (seg.length > 1) parts.push(`<polyline points="${seg.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    }
    s.values.forEach((v, i) => {
      if (v !== null) parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${s.color}"><title>${esc(`${s.label} ${periodLabel(periods[i])}: ${scale.format(v)}`)}</title></circle>`);
    });
  }
  series.forEach((s, i) => {
    const lx = W - M.right - 10 - i * 150;
    const ly = H - 14;
    parts.push(`<line x1="${lx - 30}" x2="${lx}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    parts.push(`<text x="${lx - 36}" y="${ly}" text-anchor="end" fill="#212529">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}

const point = (v: number | null | undefined, scale: ChartScale): string => (v === null || v === undefined ? '—' : scale.format(v));

function pct(v: number): string {
  return `${persianDigits((Math.round(v * 1000) / 10).toString()).replace('.', '٫')}٪`;
}
