import ExcelJS from 'exceljs';
import type { Response } from 'express';
import { periodLabel } from '../views.ts';
import type { PerformanceReport, PerformanceCounts } from './performance.ts';
import { SUPPRESSION_LABELS, legendText, periodsText, TOTAL_KEY, type AggregateTable } from './aggregates.ts';

// Downloads of the aggregates table and the performance report. Every value written here comes
// from an AggregateTable, whose suppressed cells are already null: nothing confidential reaches
// a file. CSV: UTF-8 with a BOM (Excel then reads Persian correctly), long format, one line per
// cell with a flag column. XLSX: the table as on the page, right-to-left sheet, legend row.

export type CsvValue = string | number | null | undefined;

function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  // Labels can be text typed by units (product names): one a spreadsheet would run as a formula
  // (= + - @, tab, CR) gets a leading apostrophe. Numbers are left as they are.
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text with a UTF-8 BOM and CRLF line ends. */
export function csvText(lines: CsvValue[][]): string {
  return '\ufeff' + lines.map((l) => l.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function sendDownload(res: Response, body: string | Buffer, type: string, filename: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.send(body);
}

export const CSV_TYPE = 'text/csv; charset=utf-8';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export function aggregateFilename(t: AggregateTable, ext: string): string {
  const q = t.query;
  return `aggregates_${q.measure}_${q.rows}${q.cols ? `_x_${q.cols}` : ''}_${q.from}_${q.to}.${ext}`;
}

export function aggregateCsv(t: AggregateTable): string {
  const lines: CsvValue[][] = [['کد سطر', t.rowsLabel, 'کد ستون', t.colsLabel ?? 'ستون', t.measureLabel, 'محرمانگی']];
  t.cells.forEach((row, r) => row.forEach((cell, c) => {
    lines.push([t.rows[r].key, t.rows[r].label, t.cols[c].key, t.cols[c].label, cell.value, cell.suppressed ? SUPPRESSION_LABELS[cell.suppressed] : '']);
  }));
  return csvText(lines);
}

export function aggregateJson(t: AggregateTable): unknown {
  const q = t.query;
  return {
    query: { from: q.from, to: q.to, rows: q.rows, cols: q.cols, measure: q.measure, include_unverified: q.includeUnverified },
    measure_label: t.measureLabel,
    states: t.states,
    rules: { min_units: t.rules.minUnits, dominance: t.rules.dominance },
    total_key: TOTAL_KEY,
    rows: t.rows,
    cols: t.cols,
    cells: t.cells.flatMap((row) => row.map((c) => ({ row: c.row, col: c.col, value: c.value, suppressed: c.suppressed }))),
  };
}

export async function aggregateXlsx(t: AggregateTable): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'سامانه آمار تولید';
  const ws = wb.addWorksheet('جدول', { views: [{ rightToLeft: true, state: 'frozen', ySplit: 3 }] });
  ws.addRow([`${t.measureLabel} — ${periodsText(t.query)}${t.query.includeUnverified ? ' (شامل اظهارنامه‌های تأییدنشده)' : ''}`]).font = { bold: true };
  ws.addRow([]);
  const header = ws.addRow([t.rowsLabel, ...t.cols.map((c) => c.label)]);
  header.font = { bold: true };
  t.cells.forEach((row, r) => {
    ws.addRow([t.rows[r].label, ...row.map((cell) => (cell.suppressed ? '×' : cell.empty ? '—' : cell.value))]);
  });
  ws.addRow([]);
  ws.addRow([legendText(t.rules)]);
  ws.getColumn(1).width = 36;
  for (let i = 2; i <= t.cols.length + 1; i++) ws.getColumn(i).width = 18;
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
