import ExcelJS from 'exceljs';
import { csvCode, csvText, type CsvValue } from '../export.ts';
import { releaseTitle } from './export.ts';
import { LEGEND, SUPPRESSED_FLAG, NATIONAL } from './releases/view.ts';
import { jsonDecimal, plainDecimal, PRODUCT_GEO_LABELS, type ProductKind, type ProductView } from './releases/products-view.ts';

// Downloads of a release's product table (issue 15). Each line carries the product's code beside
// its Persian name and its unit of measure; suppressed cells are empty, never a figure.
// CSV: the table as on the page (wide), codes kept text (csvCode: a code may start with 0),
// suppressed cells empty and named in the last column; the
// long format (one line per cell with a flag) as a second option. XLSX: the same table, codes as
// text (a code may start with 0), quantities as numbers with grouping.

export const KIND_LABELS: Record<ProductKind, string> = { code: 'محصول', group: 'گروه کدها', other: 'سایر محصولات' };

export function productFilename(v: ProductView, ext: string): string {
  const r = v.release;
  return `release_${r.period}_r${r.revision}${r.preliminary ? '_preliminary' : ''}_products_${v.query.geo}${v.query.isic ? `_${v.query.isic}` : ''}.${ext}`;
}

export function productTitle(v: ProductView): string {
  return `مقدار تولید محصولات (${PRODUCT_GEO_LABELS[v.query.geo]})${v.query.isic ? ` — آیسیک ${v.query.isic}` : ''} — ${releaseTitle(v.release)}`;
}

const cellText = (value: string | null): string | null => (value === null ? null : plainDecimal(value));

export function productCsv(v: ProductView): string {
  const lines: CsvValue[][] = [['کد', 'نوع', 'محصول', 'واحد اندازه‌گیری', ...v.cols.map((c) => c.label), 'خانه‌های محرمانه (×)']];
  v.rows.forEach((r, i) => {
    const hidden = v.cells[i].filter((c) => c.suppressed).map((c) => v.cols.find((h) => h.key === c.col)!.label);
    lines.push([csvCode(r.code), KIND_LABELS[r.kind], r.name, r.uomName, ...v.cells[i].map((c) => cellText(c.value)), hidden.join('، ')]);
  });
  return csvText(lines);
}

export function productCsvLong(v: ProductView): string {
  const lines: CsvValue[][] = [['کد', 'نوع', 'محصول', 'کد واحد', 'واحد اندازه‌گیری', 'ستون', 'مقدار', 'محرمانه']];
  v.rows.forEach((r, i) => v.cells[i].forEach((c, j) => {
    if (c.empty) return;
    lines.push([r.code, KIND_LABELS[r.kind], r.name, r.uom, r.uomName, v.cols[j].label, cellText(c.value), c.suppressed ? SUPPRESSED_FLAG : '']);
  }));
  return csvText(lines);
}

export function productJson(v: ProductView): unknown {
  const r = v.release;
  return {
    release: { id: r.id, period: r.period, kind: r.kind, revision: r.revision, preliminary: r.preliminary, cut_off: new Date(r.cut_off).toISOString() },
    query: { period: v.query.period, preliminary: v.query.preliminary, geo: v.query.geo, isic: v.query.isic },
    total_keys: { geo: NATIONAL },
    rows: v.rows.map((h) => ({ key: h.key, product: h.product, kind: h.kind, code: h.code, name: h.name, unit_of_measure: { code: h.uom, name: h.uomName } })),
    cols: v.cols.map((h) => ({ key: h.key, label: h.label })),
    cells: v.cells.flatMap((row) => row.filter((c) => !c.empty).map((c) => ({ row: c.row, col: c.col, value: jsonDecimal(c.value), suppressed: c.suppressed }))),
  };
}

export async function productXlsx(v: ProductView): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'سامانه آمار تولید';
  const ws = wb.addWorksheet('محصولات', { views: [{ rightToLeft: true, state: 'frozen', ySplit: 3 }] });
  ws.addRow([productTitle(v)]).font = { bold: true };
  ws.addRow([]);
  ws.addRow(['کد', 'نوع', 'محصول', 'واحد اندازه‌گیری', ...v.cols.map((c) => c.label)]).font = { bold: true };
  v.rows.forEach((r, i) => {
    const line = ws.addRow([r.code, KIND_LABELS[r.kind], r.name, r.uomName, ...v.cells[i].map((c) => (c.suppressed ? SUPPRESSED_FLAG : c.empty ? '—' : jsonDecimal(c.value)))]);
    line.getCell(1).numFmt = '@';
    v.cells[i].forEach((c, j) => {
      const cell = line.getCell(5 + j);
      if (typeof cell.value === 'number') cell.numFmt = '#,##0.######';
      else cell.alignment = { horizontal: 'center' };
    });
    if (r.kind === 'group') line.font = { bold: true };
  });
  ws.addRow([]);
  const legend = ws.addRow([LEGEND]);
  ws.mergeCells(legend.number, 1, legend.number, Math.max(4, 4 + v.cols.length));
  legend.alignment = { wrapText: true, vertical: 'top' };
  legend.height = 36;
  ws.getColumn(1).width = 14;
  ws.getColumn(2).width = 14;
  ws.getColumn(3).width = 42;
  ws.getColumn(4).width = 16;
  v.cols.forEach((c, j) => { ws.getColumn(5 + j).width = Math.max(16, c.label.length + 4); });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
