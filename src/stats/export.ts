import ExcelJS from 'exceljs';
import { csvText, csvCode, type CsvValue } from '../export.ts';
import { periodLabel } from '../views.ts';
import type { PerformanceReport, PerformanceCounts } from './performance.ts';
import { persianDigits } from '../text.ts';
import { KIND_LABELS, parseReferencePeriod, referencePeriodLabel } from './releases/period.ts';
import type { ReleaseRow } from './releases/types.ts';
import { jsonInteger, LEGEND, SUPPRESSED_FLAG, NATIONAL, ALL_INDUSTRY, type ReleaseView, type ViewCell } from './releases/view.ts';
import { isMoneyMeasure, MONEY_UNIT_LABELS, ROUNDING_NOTE, type ShownView } from './money-unit.ts';

// Downloads of a release's view and of the performance report. Every value written here comes
// from a ReleaseView, whose suppressed cells are already null: nothing confidential reaches a file.
// CSV (UTF-8 with a BOM, so Excel reads Persian): the table as on the page, with its title, unit
// and legend rows; codes kept text (csvCode). csv-long: one line per cell with a flag column, for
// machines. XLSX: the table as on the page on a right-to-left sheet, numbers with grouping.
// In both wide files a suppressed cell is the text ×, and a cell with no unit the text —, as on
// the page: a spreadsheet's SUM, sort and filter skip text, so the column's numbers stay numbers.

export function viewFilename(v: ShownView, ext: string, long = false): string {
  const q = v.query;
  const r = v.release;
  return `release_${r.period}_r${r.revision}${r.preliminary ? '_preliminary' : ''}_${q.measure}_${q.rows}${q.cols ? `_x_${q.cols}` : ''}${v.unit === 'million' ? '_million_rial' : ''}${long ? '_long' : ''}.${ext}`;
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
  const notes = LEGEND.split(/(?<=\.) (?=— :)/);
  if (v.unit === 'million') notes.push(ROUNDING_NOTE);
  return notes;
}

const unitLine = (v: ShownView) => (v.unit ? [`واحد: ${MONEY_UNIT_LABELS[v.unit]}`] : []);
const shownCell = (c: ViewCell): string | null => (c.suppressed ? SUPPRESSED_FLAG : c.empty ? '—' : c.value);

/** The table as on the page: title and unit rows, the header, one line per row, the notes. */
export function viewCsv(v: ShownView): string {
  const lines: CsvValue[][] = [[`${viewHeading(v)} — ${releaseTitle(v.release)}`], unitLine(v), []];
  lines.push(['کد', v.rowsLabel, ...v.cols.map((c) => c.label)]);
  v.cells.forEach((row, r) => lines.push([csvCode(v.rows[r].key), v.rows[r].label, ...row.map(shownCell)]));
  lines.push([], ...viewNotes(v).map((n) => [n]));
  return csvText(lines);
}

/** Long format, one line per cell; a suppressed cell has no value and the flag × in the last column. Codes plain. */
export function viewCsvLong(v: ShownView): string {
  const lines: CsvValue[][] = [['کد سطر', v.rowsLabel, 'کد ستون', v.colsLabel ?? 'ستون', v.measureLabel, 'محرمانه']];
  v.cells.forEach((row, r) => row.forEach((cell, c) => {
    lines.push([v.rows[r].key, v.rows[r].label, v.cols[c].key, v.cols[c].label, cell.value, cell.suppressed ? SUPPRESSED_FLAG : '']);
  }));
  return csvText(lines);
}

/** JSON keeps exact Rials whatever the page shows (`unit` says so; null for counts). */
export function viewJson(v: ReleaseView): unknown {
  const q = v.query;
  const r = v.release;
  return {
    release: { id: r.id, period: r.period, kind: r.kind, revision: r.revision, preliminary: r.preliminary, cut_off: new Date(r.cut_off).toISOString() },
    query: { period: q.period, rows: q.rows, cols: q.cols, measure: q.measure, preliminary: q.preliminary },
    measure_label: v.measureLabel,
    unit: isMoneyMeasure(q.measure) ? 'rial' : null,
    total_keys: { geo: NATIONAL, isic: ALL_INDUSTRY },
    rows: v.rows.map((h) => ({ key: h.key, label: h.label })),
    cols: v.cols.map((h) => ({ key: h.key, label: h.label })),
    cells: v.cells.flatMap((row) => row.map((c) => ({ row: c.row, col: c.col, value: jsonInteger(c.value), suppressed: c.suppressed }))),
  };
}

const GROUPED = '#,##0';
const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.ceil(n)));
/** Characters a number takes with its grouping commas. */
const groupedLength = (digits: string) => digits.length + Math.floor((digits.replace('-', '').length - 1) / 3);

/** Notes under a sheet's table: each its own row, merged across the table and wrapped. */
function addNotes(ws: ExcelJS.Worksheet, notes: readonly string[], width: number, columns: number): void {
  for (const note of notes) {
    const row = ws.addRow([note]);
    ws.mergeCells(row.number, 1, row.number, Math.max(1, columns));
    row.getCell(1).alignment = { wrapText: true, vertical: 'top', horizontal: 'right' };
    row.height = 15 * Math.max(1, Math.ceil((note.length * 1.1) / Math.max(20, width)));
  }
}

export async function viewXlsx(v: ShownView): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'سامانه آمار تولید';
  const HEADER_ROW = 4;
  const ws = wb.addWorksheet('جدول', { views: [{ rightToLeft: true, state: 'frozen', ySplit: HEADER_ROW, xSplit: 2 }] });
  const columns = v.cols.length + 2;
  ws.addRow([viewHeading(v)]).font = { bold: true, size: 12 };
  ws.addRow([`${releaseTitle(v.release)}${v.unit ? ` — واحد: ${MONEY_UNIT_LABELS[v.unit]}` : ''}`]);
  ws.addRow([]);
  const header = ws.addRow(['کد', v.rowsLabel, ...v.cols.map((c) => c.label)]);
  header.font = { bold: true };
  header.eachCell((c) => { c.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' }; c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE9ECEF' } }; });
  v.cells.forEach((row, r) => {
    // A value a double holds exactly is a number; a larger one (beyond 2^53 Rials) stays its digits as text, never rounded.
    const added = ws.addRow([v.rows[r].key, v.rows[r].label, ...row.map((cell) => (cell.suppressed || cell.empty ? shownCell(cell) : jsonInteger(cell.value)))]);
    row.forEach((cell, c) => {
      const x = added.getCell(c + 3);
      if (typeof x.value === 'number') x.numFmt = GROUPED;
      else x.alignment = { horizontal: cell.suppressed || cell.empty ? 'center' : 'right' };
      if (v.cols[c].total) x.font = { bold: true };
    });
    if (v.rows[r].total) added.font = { bold: true };
  });
  ws.addRow([]);
  // Widths that fit: codes and row labels whole, each column its widest number or its header over up to three lines.
  const longest = (xs: string[]) => xs.reduce((m, x) => Math.max(m, x.length), 0);
  ws.getColumn(1).width = clamp(longest(['کد', ...v.rows.map((h) => h.key)]) + 3, 6, 14);
  ws.getColumn(2).width = clamp(longest([v.rowsLabel, ...v.rows.map((h) => h.label)]) * 1.1 + 2, 14, 60);
  let headerLines = 1;
  v.cols.forEach((col, c) => {
    const values = v.cells.map((row) => row[c].value ?? '').filter((x) => x !== '');
    const numberWidth = longest(values.map((x) => 'x'.repeat(groupedLength(x)))) + 3;
    const width = clamp(Math.max(numberWidth, (col.label.length * 1.1) / 3 + 2), 12, 40);
    ws.getColumn(c + 3).width = width;
    headerLines = Math.max(headerLines, Math.ceil((col.label.length * 1.1) / (width - 1)));
  });
  header.height = 16 * Math.min(4, headerLines);
  const tableWidth = [...Array(columns).keys()].reduce((s, i) => s + (ws.getColumn(i + 1).width ?? 10), 0);
  addNotes(ws, viewNotes(v), tableWidth, columns);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A plain table (title, header, rows) as an XLSX workbook with a right-to-left sheet: numbers grouped, headers wrapped. */
export async function simpleXlsx(sheet: string, title: string, header: string[], rows: CsvValue[][], note?: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'سامانه آمار تولید';
  const ws = wb.addWorksheet(sheet, { views: [{ rightToLeft: true, state: 'frozen', ySplit: 3 }] });
  ws.addRow([title]).font = { bold: true };
  ws.addRow([]);
  const head = ws.addRow(header);
  head.font = { bold: true };
  head.eachCell((c) => { c.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' }; });
  for (const r of rows) {
    const row = ws.addRow(r.map((v) => (v === undefined ? null : typeof v === 'object' && v !== null ? v.code : v)));
    row.eachCell((c) => { if (typeof c.value === 'number') c.numFmt = Number.isInteger(c.value) ? GROUPED : '#,##0.0'; });
  }
  header.forEach((h, i) => { ws.getColumn(i + 1).width = i === 0 ? clamp(h.length + 4, 8, 28) : clamp((h.length * 1.1) / 2 + 2, 10, 24); });
  ws.getColumn(2).width = Math.max(ws.getColumn(2).width ?? 10, 28);
  head.height = 32;
  if (note) { ws.addRow([]); addNotes(ws, [note], header.length * 14, header.length); }
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
