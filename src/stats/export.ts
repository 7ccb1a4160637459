import { csvText, csvCode, type CsvValue } from '../export.ts';
import type { ReleaseTable } from './table.ts';
import { GROUPED, plainXlsx as simpleXlsx } from '../spreadsheet.ts';
import { periodLabel } from '../calendar.ts';
import type { PerformanceReport, PerformanceCounts } from './performance.ts';
import { persianDigits } from '../text.ts';
import { KIND_LABELS, parseReferencePeriod, referencePeriodLabel } from './releases/period.ts';
import type { ReleaseRow } from './releases/types.ts';
import { LEGEND_LINES, NATIONAL, ALL_INDUSTRY, type ReleaseView } from './releases/view.ts';
import { exactJson } from '../numbers.ts';
import { isMoneyMeasure, MONEY_UNIT_LABELS, ROUNDING_NOTE, type ShownView } from './money-unit.ts';

// Downloads of a release's value table (written by table.ts, the one writer of release tables)
// and of the performance report.

/** The start of every release table's file name: `release_1404-Q1_r2_preliminary`. */
export const releaseFilePrefix = (r: ReleaseRow): string => `release_${r.period}_r${r.revision}${r.preliminary ? '_preliminary' : ''}`;

/** The release a JSON table comes from (values and products alike). */
export const releaseJson = (r: ReleaseRow) => ({ id: r.id, period: r.period, kind: r.kind, revision: r.revision, preliminary: r.preliminary, cut_off: new Date(r.cut_off).toISOString() });

export function viewFilename(v: ShownView, ext: string, long = false): string {
  const q = v.query;
  return `${releaseFilePrefix(v.release)}_${q.measure}_${q.rows}${q.cols ? `_x_${q.cols}` : ''}${v.unit === 'million' ? '_million_rial' : ''}${long ? '_long' : ''}.${ext}`;
}

/** The release a view comes from, in words: «بهار ۱۴۰۴ — فصلی، ویرایش ۲، مقدماتی». */
export function releaseTitle(r: ReleaseRow): string {
  const p = parseReferencePeriod(r.period);
  return `${p ? referencePeriodLabel(p) : r.period} — انتشار ${KIND_LABELS[r.kind]}، ویرایش ${persianDigits(r.revision)}${r.preliminary ? '، مقدماتی (شامل اظهارنامه‌های تأییدنشده)' : ''}`;
}

/** The table's heading, as on the page: «ارزش تولید (میلیون ریال) بر حسب استان و قسمت آیسیک». */
export function viewHeading(v: ShownView): string {
  return `${v.measureLabel} بر حسب ${v.rowsLabel}${v.colsLabel ? ` و ${v.colsLabel}` : ''}`;
}

/** The lines under a table: the legend's two signs, and the rounding of millions. */
export function viewNotes(v: ShownView): string[] {
  const notes = [...LEGEND_LINES];
  if (v.unit === 'million') notes.push(ROUNDING_NOTE);
  return notes;
}

/** A value table in the one shape every release table is downloaded in (table.ts). */
export function valueTable(v: ShownView): ReleaseTable {
  return {
    heading: viewHeading(v), release: v.release, releaseTitle: releaseTitle(v.release), unit: v.unit ? MONEY_UNIT_LABELS[v.unit] : null,
    leadHeaders: ['کد', v.rowsLabel], longLeadHeaders: ['کد سطر', v.rowsLabel], colsLabel: v.colsLabel ?? 'ستون', valueLabel: v.measureLabel,
    cols: v.cols,
    rows: v.rows.map((h) => ({ lead: [csvCode(h.key), h.label], longLead: [h.key, h.label], total: h.total })),
    cells: v.cells,
    number: (value) => exactJson(value)!,
    text: (value) => value,
    numFmt: GROUPED,
    notes: viewNotes(v),
  };
}

/** JSON keeps exact Rials whatever the page shows (`unit` says so; null for counts). */
export function viewJson(v: ReleaseView): unknown {
  const q = v.query;
  return {
    release: releaseJson(v.release),
    query: { period: q.period, rows: q.rows, cols: q.cols, measure: q.measure, preliminary: q.preliminary },
    measure_label: v.measureLabel,
    unit: isMoneyMeasure(q.measure) ? 'rial' : null,
    total_keys: { geo: NATIONAL, isic: ALL_INDUSTRY },
    rows: v.rows.map((h) => ({ key: h.key, label: h.label })),
    cols: v.cols.map((h) => ({ key: h.key, label: h.label })),
    cells: v.cells.flatMap((row) => row.map((c) => ({ row: c.row, col: c.col, value: exactJson(c.value), suppressed: c.suppressed }))),
  };
}

/** A plain table (title, header, rows) as an XLSX workbook: the portal's one writer (src/spreadsheet.ts). */
export { simpleXlsx };

const PERFORMANCE_HEADER = ['رتبه', 'استان / دفتر', 'مشمول', 'به‌موقع', 'با تأخیر', 'ثبت‌نشده', 'نرخ پاسخ‌دهی (٪)', 'به‌موقع بودن (٪)', 'تأییدشده', 'عودت‌شده', 'در انتظار بررسی', 'میانه روز تا تأیید'];

const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);

function performanceRows(r: PerformanceReport): CsvValue[][] {
  const line = (rank: CsvValue, name: string, c: PerformanceCounts): CsvValue[] => [
    rank, name, c.obligated, c.on_time, c.late, c.missing, pct(c.response_rate), pct(c.timeliness), c.verified, c.returned, c.awaiting_verification, c.median_days_to_verification,
  ];
  const rows = r.provinces.map((p) => line(p.rank, p.name, p));
  for (const o of r.offices) rows.push(line('', `دفتر تخصصی: ${o.label}`, o));
  if (r.national) rows.push(line('', 'کل کشور', r.national));
  return rows;
}

export function performanceCsv(r: PerformanceReport): string {
  return csvText([PERFORMANCE_HEADER, ...performanceRows(r)]);
}

export function performanceXlsx(r: PerformanceReport): Promise<Buffer> {
  return simpleXlsx('گزارش عملکرد', `گزارش عملکرد ماهانه ${periodLabel(r.period)}`, PERFORMANCE_HEADER, performanceRows(r), 'نرخ پاسخ‌دهی = (به‌موقع + با تأخیر) ÷ مشمول؛ به‌موقع بودن = به‌موقع ÷ مشمول.');
}
