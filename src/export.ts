import type { Response } from 'express';

// The one way a file leaves the portal: CSV text (UTF-8 with a BOM, so Excel reads Persian; CRLF;
// formulas defused) and the download headers (attachment, never cached: files carry figures).
// Each feature builds its own rows; only these helpers write them.

/** A code a spreadsheet must keep as text (csvCode). */
export interface CsvCode { readonly code: string }
export type CsvValue = string | number | bigint | null | undefined | CsvCode;

export const CSV_TYPE = 'text/csv; charset=utf-8';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * One CSV field, quoted when needed. Text a spreadsheet would run as a formula (= + - @, tab, CR)
 * gets a leading apostrophe: labels, product names, emails and targets are typed by users.
 * Numbers are left as they are.
 */
export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return /^[0-9A-Za-z]{1,20}$/.test(v.code) ? `\t${v.code}` : csvField(v.code);
  const s = typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A code (province 00–30, ISIC 01…3320, product) for a CSV opened in Excel, which reads `00` as
 * the number 0 and `0111` as 111. A leading tab keeps it text and is not seen in the cell; an
 * apostrophe would be seen (Excel honours it only when typed), and `="00"` is a formula, which
 * this module never writes. Only letters and digits take the tab (no formula can follow it);
 * anything else is ordinary text with the formula guard. Files for machines (long CSV, JSON)
 * write codes plain.
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
