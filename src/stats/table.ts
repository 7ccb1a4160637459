import { addNotes, rtlWorkbook, xlsxBuffer } from '../spreadsheet.ts';
import { csvText, type CsvValue } from '../export.ts';
import type { ReleaseRow } from './releases/types.ts';
import { SUPPRESSED_FLAG, type ViewCell, type ViewHeader } from './releases/view.ts';

// The one shape a release table leaves the portal in (issue 20 §4: one path for every measure).
// A value table (ISIC × province, in Rials, persons or units) and a product table (quantities per
// catalogue code) differ only in the columns that describe a row — a code and a name, or a code,
// a kind, a name and a unit of measure — and in their numbers (integers or decimals). Everything
// else is one writer: the wide CSV and the XLSX are the table as on the page (title, unit,
// header, rows, the legend), the long CSV one line per cell for machines.
//
// Every value written here comes from a stored release's view, whose suppressed cells are
// already null: nothing confidential reaches a file. In the wide files a suppressed cell is the
// text ×, a cell with no unit the text —, as on the page: a spreadsheet's SUM, sort and filter
// skip text, so the columns' numbers stay numbers.

export interface TableRow {
  lead: CsvValue[]; // the describing columns of the wide files (a code as csvCode)
  longLead: CsvValue[]; // the describing columns of the long CSV (codes plain)
  total: boolean; // a total row (bold)
}

export interface ReleaseTable {
  heading: string; // «ارزش تولید (ریال) بر حسب استان و قسمت آیسیک»
  release: ReleaseRow;
  releaseTitle: string; // «بهار ۱۴۰۴ — انتشار فصلی، ویرایش ۲»
  unit: string | null; // «ریال», «میلیون ریال»; null when the cells carry their own unit
  leadHeaders: string[];
  longLeadHeaders: string[];
  colsLabel: string; // the long CSV's name of a column
  valueLabel: string; // the long CSV's name of a value
  cols: ViewHeader[];
  rows: TableRow[];
  cells: ViewCell[][];
  /** A stored value as a spreadsheet number when a double holds it exactly, else its digits. */
  number: (value: string) => number | string;
  /** A stored value as CSV text (exact digits). */
  text: (value: string) => string;
  numFmt: string; // the XLSX number format of the values
  notes: string[]; // the legend's lines, and any rounding note
}

const shownCell = (c: ViewCell): string | null => (c.suppressed ? SUPPRESSED_FLAG : c.empty ? '—' : null);

/** The table as on the page: title and unit rows, the header, one line per row, the notes. */
export function tableCsv(t: ReleaseTable): string {
  const lines: CsvValue[][] = [[`${t.heading} — ${t.releaseTitle}`], t.unit ? [`واحد: ${t.unit}`] : [], []];
  lines.push([...t.leadHeaders, ...t.cols.map((c) => c.label)]);
  t.cells.forEach((row, r) => lines.push([...t.rows[r].lead, ...row.map((c) => shownCell(c) ?? t.text(c.value!))]));
  lines.push([], ...t.notes.map((n) => [n]));
  return csvText(lines);
}

/** One line per cell that exists; a suppressed cell has no value and the flag × in the last column. Codes plain. */
export function tableCsvLong(t: ReleaseTable): string {
  const lines: CsvValue[][] = [[...t.longLeadHeaders, 'کد ستون', t.colsLabel, t.valueLabel, 'محرمانه']];
  t.cells.forEach((row, r) => row.forEach((cell, c) => {
    if (cell.empty) return;
    lines.push([...t.rows[r].longLead, t.cols[c].key, t.cols[c].label, cell.value === null ? null : t.text(cell.value), cell.suppressed ? SUPPRESSED_FLAG : '']);
  }));
  return csvText(lines);
}

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.ceil(n)));
/** Characters a number takes with its grouping commas (and its decimals). */
const shownLength = (digits: string) => {
  const [int, frac] = digits.replace('-', '').split('.');
  return int.length + Math.floor((int.length - 1) / 3) + (frac ? frac.length + 1 : 0);
};

/** The table as on the page on a right-to-left sheet: codes as text, numbers as numbers with grouping. */
export async function tableXlsx(t: ReleaseTable, sheet = 'جدول'): Promise<Buffer> {
  const HEADER_ROW = 4;
  const lead = t.leadHeaders.length;
  const { wb, ws } = await rtlWorkbook(sheet, { rows: HEADER_ROW, columns: lead });
  const columns = t.cols.length + lead;
  ws.addRow([t.heading]).font = { bold: true, size: 12 };
  ws.addRow([`${t.releaseTitle}${t.unit ? ` — واحد: ${t.unit}` : ''}`]);
  ws.addRow([]);
  const header = ws.addRow([...t.leadHeaders, ...t.cols.map((c) => c.label)]);
  header.font = { bold: true };
  header.eachCell((c) => { c.alignment = { wrapText: true, vertical: 'middle', horizontal: 'center' }; c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE9ECEF' } }; });
  t.cells.forEach((row, r) => {
    const leadValues = t.rows[r].lead.map((v) => (v === undefined ? null : typeof v === 'object' && v !== null ? v.code : typeof v === 'bigint' ? v.toString() : v));
    const added = ws.addRow([...leadValues, ...row.map((cell) => shownCell(cell) ?? t.number(cell.value!))]);
    added.getCell(1).numFmt = '@';
    row.forEach((cell, c) => {
      const x = added.getCell(c + lead + 1);
      if (typeof x.value === 'number') x.numFmt = t.numFmt;
      else x.alignment = { horizontal: cell.suppressed || cell.empty ? 'center' : 'right' };
      if (t.cols[c].total) x.font = { bold: true };
    });
    if (t.rows[r].total) added.font = { bold: true };
  });
  ws.addRow([]);
  // Widths that fit: the describing columns whole, each value column its widest number or its header over up to three lines.
  const longest = (xs: string[]) => xs.reduce((m, x) => Math.max(m, x.length), 0);
  t.leadHeaders.forEach((h, i) => {
    const texts = [h, ...t.rows.map((row) => { const v = row.lead[i]; return v === null || v === undefined ? '' : typeof v === 'object' ? v.code : String(v); })];
    ws.getColumn(i + 1).width = i === 0 ? clamp(longest(texts) + 3, 6, 14) : clamp(longest(texts) * 1.1 + 2, 10, 60);
  });
  let headerLines = 1;
  t.cols.forEach((col, c) => {
    const values = t.cells.map((row) => row[c].value ?? '').filter((x) => x !== '');
    const numberWidth = longest(values.map((x) => 'x'.repeat(shownLength(t.text(x))))) + 3;
    const width = clamp(Math.max(numberWidth, (col.label.length * 1.1) / 3 + 2), 12, 40);
    ws.getColumn(c + lead + 1).width = width;
    headerLines = Math.max(headerLines, Math.ceil((col.label.length * 1.1) / (width - 1)));
  });
  header.height = 16 * Math.min(4, headerLines);
  const tableWidth = [...Array(columns).keys()].reduce((s, i) => s + (ws.getColumn(i + 1).width ?? 10), 0);
  addNotes(ws, t.notes, tableWidth, columns);
  return xlsxBuffer(wb);
}
