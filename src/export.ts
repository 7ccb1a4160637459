import type { Response } from 'express';

// The one way a file leaves the portal: CSV text (UTF-8 with a BOM, so Excel reads Persian; CRLF;
// formulas defused) and the download headers (attachment, never cached: files carry figures).
// Each feature builds its own rows; only these helpers write them.

/** A code, written as it is (csvCode). */
export interface CsvCode { readonly code: string }
export type CsvValue = string | number | bigint | null | undefined | CsvCode;

export const CSV_TYPE = 'text/csv; charset=utf-8';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * One CSV field, quoted when needed (RFC 4180). Text a spreadsheet would run as a formula
 * (= + - @, tab, CR) gets a leading apostrophe: labels, product names, emails and targets are typed
 * by users. Numbers are left as they are, and so are codes (csvCode).
 */
export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return /^[0-9A-Za-z]{1,20}$/.test(v.code) ? v.code : csvField(v.code);
  // A plain number written as text (a negative value added: -500) is a number, not a formula.
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) && !/^-\d+(\.\d+)?$/.test(v) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A code (province 00–30, ISIC 01…3320, product) written exactly as it is, nothing hidden in the
 * cell (issue 27: a leading tab stayed inside the cell in LibreOffice, and VLOOKUP on `0510`
 * failed). A CSV cannot say "this is text": Excel opening a CSV reads `05` as the number 5, which
 * is why every page offers XLSX for spreadsheets (codes as text there) and CSV for statistical
 * software, which reads the column as written. Letters and digits only; anything else is ordinary
 * text with the formula guard.
 */
export const csvCode = (code: string): CsvCode => ({ code });

/** One CSV line with its CRLF. */
export function csvLine(values: readonly CsvValue[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

export const CSV_BOM = '\ufeff';

/** A whole CSV file: the BOM, then one line per row. */
export function csvText(lines: readonly (readonly CsvValue[])[]): string {
  return CSV_BOM + lines.map(csvLine).join('');
}

/** Headers of a download (for a body sent at once, or streamed by the caller). */
export function downloadHeaders(res: Response, type: string, filename: string): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
}

export function sendDownload(res: Response, body: string | Buffer, type: string, filename: string): void {
  downloadHeaders(res, type, filename);
  res.send(body);
}
