import ExcelJS from 'exceljs';
import { csvText, type CsvValue } from '../export.ts';
import { periodLabel } from '../views.ts';
import type { PerformanceReport, PerformanceCounts } from './performance.ts';
import { persianDigits } from '../text.ts';
import { KIND_LABELS, parseReferencePeriod, referencePeriodLabel } from './releases/period.ts';
import type { ReleaseRow } from './releases/types.ts';
import { jsonInteger, LEGEND, SUPPRESSED_FLAG, NATIONAL, ALL_INDUSTRY, type ReleaseView } from './releases/view.ts';

// Downloads of a release's view and of the performance report. Every value written here comes
// from a ReleaseView, whose suppressed cells are already null: nothing confidential reaches a file.
// CSV: UTF-8 with a BOM (Excel then reads Persian correctly), long format, one line per cell with
// a flag column. XLSX: the table as on the page, right-to-left sheet, legend row.

export function viewFilename(v: ReleaseView, ext: string): string {
  const q = v.query;
  const r = v.release;
  return `release_${r.period}_r${r.revision}${r.preliminary ? '_preliminary' : ''}_${q.measure}_${q.rows}${q.cols ? `_x_${q.cols}` : ''}.${ext}`;
}

/** The release a view comes from, in words: «بهار ۱۴۰۴ — فصلی، ویرایش ۲، مقدماتی». */
export function releaseTitle(r: ReleaseRow): string {
  const p = parseReferencePeriod(r.period);
  return `${p ? referencePeriodLabel(p) : r.period} — انتشار ${KIND_LABELS[r.kind]}، ویرایش ${persianDigits(r.revision)}${r.preliminary ? '، مقدماتی (شامل اظهارنامه‌های تأییدنشده)' : ''}`;
}

/** Long format, one line per cell; a suppressed cell has no value and the flag × in the last column. Codes stay text. */
export function viewCsv(v: ReleaseView): string {
  const lines: CsvValue[][] = [['کد سطر', v.rowsLabel, 'کد ستون', v.colsLabel ?? 'ستون', v.measureLabel, 'محرمانه']];
  v.cells.forEach((row, r) => row.forEach((cell, c) => {
    lines.push([v.rows[r].key, v.rows[r].label, v.cols[c].key, v.cols[c].label, cell.value, cell.suppressed ? SUPPRESSED_FLAG : '']);
  }));
  return csvText(lines);
}

export function viewJson(v: ReleaseView): unknown {
  const q = v.query;
  const r = v.release;
  return {
    release: { id: r.id, period: r.period, kind: r.kind, revision: r.revision, preliminary: r.preliminary, cut_off: new Date(r.cut_off).toISOString() },
    query: { period: q.period, rows: q.rows, cols: q.cols, measure: q.measure, preliminary: q.preliminary },
    measure_label: v.measureLabel,
    total_keys: { geo: NATIONAL, isic: ALL_INDUSTRY },
    rows: v.rows.map((h) => ({ key: h.key, label: h.label })),
    cols: v.cols.map((h) => ({ key: h.key, label: h.label })),
    cells: v.cells.flatMap((row) => row.map((c) => ({ row: c.row, col: c.col, value: jsonInteger(c.value), suppressed: c.suppressed }))),
  };
}

export async function viewXlsx(v: ReleaseView): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'سامانه آمار تولید';
  const ws = wb.addWorksheet('جدول', { views: [{ rightToLeft: true, state: 'frozen', ySplit: 3 }] });
  ws.addRow([`${v.measureLabel} — ${releaseTitle(v.release)}`]).font = { bold: true };
  ws.addRow([]);
  const header = ws.addRow(['کد', v.rowsLabel, ...v.cols.map((c) => c.label)]);
  header.font = { bold: true };
  v.cells.forEach((row, r) => {
    // A value a double holds exactly is a number; a larger one stays its digits (text), never rounded.
    ws.addRow([v.rows[r].key, v.rows[r].label, ...row.map((cell) => (cell.suppressed ? SUPPRESSED_FLAG : cell.empty ? '—' : jsonInteger(cell.value)))]);
  });
  ws.addRow([]);
  ws.addRow([LEGEND]);
  ws.getColumn(1).width = 8;
  ws.getColumn(2).width = 36;
  for (let i = 3; i <= v.cols.length + 2; i++) ws.getColumn(i).width = 18;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A plain table (title, header, rows) as an XLSX workbook with a right-to-left sheet. */
export async function simpleXlsx(sheet: string, title: string, header: string[], rows: CsvValue[][], note?: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'سامانه آمار تولید';
  const ws = wb.addWorksheet(sheet, { views: [{ rightToLeft: true }] });
  ws.addRow([title]).font = { bold: true };
  ws.addRow([]);
  ws.addRow(header).font = { bold: true };
  for (const r of rows) ws.addRow(r.map((v) => (v === undefined ? null : v)));
  if (note) { ws.addRow([]); ws.addRow([note]); }
  header.forEach((_, i) => { ws.getColumn(i + 1).width = i === 0 ? 28 : 16; });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

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
