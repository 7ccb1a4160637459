import type ExcelJS from 'exceljs';
import type { CsvValue } from './export.ts';
import { exactJson } from './numbers.ts';

// The one writer of the portal's XLSX files: a right-to-left sheet, the portal as creator, notes
// under a table, numbers exact. The release tables (stats/table.ts) lay out their own sheet on
// these; every other file (the unit's history, the performance report, the index) is a plain
// table written by plainXlsx.

export const GROUPED = '#,##0';
/** A quantity's format: up to the three decimals numeric(18,3) keeps. */
export const QUANTITY = '#,##0.0##';

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.ceil(n)));

/** exceljs, loaded at the first workbook: a third of a second that a process which never writes one (and every test file) does not pay. */
let excel: Promise<typeof ExcelJS> | null = null;

/** A workbook with one right-to-left sheet whose first rows (and columns) stay in view. */
export async function rtlWorkbook(sheet: string, frozen: { rows: number; columns?: number }): Promise<{ wb: ExcelJS.Workbook; ws: ExcelJS.Worksheet }> {
  excel ??= import('exceljs').then((m) => m.default);
  const wb = new (await excel).Workbook();
  wb.creator = 'سامانه آمار تولید';
  const ws = wb.addWorksheet(sheet, { views: [{ rightToLeft: true, state: 'frozen', ySplit: frozen.rows, ...(frozen.columns ? { xSplit: frozen.columns } : {}) }] });
  return { wb, ws };
}

export async function xlsxBuffer(wb: ExcelJS.Workbook): Promise<Buffer> {
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Notes under a sheet's table: each its own row, merged across the table and wrapped. */
export function addNotes(ws: ExcelJS.Worksheet, notes: readonly string[], width: number, columns: number): void {
  for (const note of notes) {
    const row = ws.addRow([note]);
    ws.mergeCells(row.number, 1, row.number, Math.max(1, columns));
    row.getCell(1).alignment = { wrapText: true, vertical: 'top', horizontal: 'right' };
    row.height = 15 * Math.max(1, Math.ceil((note.length * 1.1) / Math.max(20, width)));
  }
}

/**
 * A value as a cell: a code as its text; a BigInt (the database's int8 or numeric past 2^53) as a
 * number when a double holds it exactly and as its exact digits otherwise, never rounded; the rest
 * as it is.
 */
export function cellValue(v: CsvValue): string | number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return exactJson(v);
  if (typeof v === 'object') return v.code;
  return v;
}

/**
 * A plain table as an XLSX workbook with a right-to-left sheet: a title row when given, the header
 * (bold, wrapped), the rows (whole numbers grouped, others in `decimals`), a note under it. Column
 * widths follow the headers.
 */
export async function plainXlsx(sheet: string, title: string | null, header: string[], rows: readonly (readonly CsvValue[])[], note?: string, decimals = '#,##0.0'): Promise<Buffer> {
  const { wb, ws } = await rtlWorkbook(sheet, { rows: title === null ? 1 : 3 });
  if (title !== null) {
    ws.addRow([title]).font = { bold: true };
    ws.addRow([]);
  }
  const head = ws.addRow(header);
  head.font = { bold: true };
  head.eachCell((c) => { c.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' }; });
  for (const r of rows) {
    const row = ws.addRow(r.map(cellValue));
    row.eachCell((c) => { if (typeof c.value === 'number') c.numFmt = Number.isInteger(c.value) ? GROUPED : decimals; });
  }
  header.forEach((h, i) => { ws.getColumn(i + 1).width = i === 0 ? clamp(h.length + 4, 8, 28) : clamp((h.length * 1.1) / 2 + 2, 10, 24); });
  ws.getColumn(2).width = Math.max(ws.getColumn(2).width ?? 10, 28);
  head.height = 32;
  if (note) { ws.addRow([]); addNotes(ws, [note], header.length * 14, header.length); }
  return xlsxBuffer(wb);
}
