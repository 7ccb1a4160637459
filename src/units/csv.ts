// RFC 4180 CSV: fields separated by commas, records by CRLF or LF; a field in double quotes may
// hold commas, newlines and doubled quotes (""). A UTF-8 byte order mark is dropped.

export interface CsvRecord { line: number; fields: string[] }

export class CsvSyntaxError extends Error {
  constructor(public readonly line: number, message: string) {
    super(message);
  }
}

/** Every record with the file line it starts on; blank lines are skipped. */
export function parseCsv(input: string): CsvRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  let quotedField = false;
  let i = 0;

  const endField = () => {
    fields.push(field);
    field = '';
    quotedField = false;
  };
  const endRecord = () => {
    endField();
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
  };

  while (i < text.length) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        inQuotes = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') throw new CsvSyntaxError(line, 'after a closing quote only a comma or the end of the line may follow');
        continue;
      }
      if (ch === '\n') line++;
      field += ch;
      i++;
      continue;
    }
    if (ch === '"') {
      if (field !== '' || quotedField) throw new CsvSyntaxError(line, 'a quote inside an unquoted field (quote the whole field and double the quote)');
      inQuotes = true;
      quotedField = true;
      i++;
      continue;
    }
    if (ch === ',') { endField(); i++; continue; }
    if (ch === '\r' || ch === '\n') {
      endRecord();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += ch;
    i++;
  }
  if (inQuotes) throw new CsvSyntaxError(recordLine, 'a quoted field is not closed before the end of the file');
  if (field !== '' || fields.length > 0 || quotedField) endRecord();
  return records;
}

export interface CsvIssue { line: number; reason: string }

const UTF16 = 'فایل با کدگذاری UTF-16 (در Excel: «Unicode Text») ذخیره شده است؛ آن را با کدگذاری UTF-8 ذخیره کنید (در Excel: «CSV UTF-8 (Comma delimited)») و دوباره بدهید.';
const NOT_UTF8 = 'این سطر UTF-8 درست نیست (احتمالاً فایل با کدگذاری Windows-1256 یا ANSI ذخیره شده است)؛ فایل را با کدگذاری UTF-8 ذخیره کنید. هیچ نویسه‌ای جایگزین نشد.';

/**
 * A file's bytes as UTF-8 text, or why not (issue 23 F11): a UTF-16 file (by its byte order mark,
 * or NUL bytes between its characters) is refused as such, and every line that is not valid
 * UTF-8 is named — never decoded into U+FFFD without a word.
 */
export function decodeCsvBytes(bytes: Uint8Array): { ok: true; text: string } | { ok: false; errors: CsvIssue[] } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff) || bytes.subarray(0, 4096).includes(0)) {
    return { ok: false, errors: [{ line: 1, reason: UTF16 }] };
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    // Find the lines: each on its own (a newline byte never sits inside a UTF-8 sequence).
    const strict = new TextDecoder('utf-8', { fatal: true });
    const errors: CsvIssue[] = [];
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try { strict.decode(bytes.subarray(start, i)); } catch { errors.push({ line, reason: NOT_UTF8 }); }
      line++;
      start = i + 1;
      if (errors.length >= 100) break;
    }
    return { ok: false, errors };
  }
}
export interface CsvRow<C extends string> { line: number; get(column: C): string }

/**
 * A file of the imports: a header row naming exactly `columns` (the `optional` ones may be left
 * out), then data rows. Syntax, header and emptiness are refusals of the whole file; a row with the
 * wrong number of fields is an issue of its line, reported with the others the caller finds.
 */
export function readCsvTable<C extends string>(text: string, columns: readonly C[], optional: readonly C[] = []):
  | { ok: false; errors: CsvIssue[] }
  | { ok: true; rows: CsvRow<C>[]; errors: CsvIssue[] } {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) return { ok: false, errors: [{ line: e.line, reason: `CSV syntax: ${e.message}` }] };
    throw e;
  }
  if (records.length === 0) return { ok: false, errors: [{ line: 1, reason: 'the file is empty (a header row is required)' }] };
  const [header, ...data] = records;
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const unknown = names.filter((n) => !(columns as readonly string[]).includes(n));
  const missing = columns.filter((c) => !names.includes(c) && !optional.includes(c));
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (unknown.length || missing.length || repeated.length) {
    const parts = [
      missing.length ? `missing columns: ${missing.join(', ')}` : '',
      unknown.length ? `unknown columns: ${unknown.join(', ')}` : '',
      repeated.length ? `repeated columns: ${repeated.join(', ')}` : '',
    ].filter(Boolean);
    return { ok: false, errors: [{ line: header.line, reason: `header: ${parts.join('; ')} (expected ${columns.join(',')})` }] };
  }
  if (data.length === 0) return { ok: false, errors: [{ line: header.line, reason: 'the file has a header but no rows' }] };
  const errors: CsvIssue[] = [];
  const rows: CsvRow<C>[] = [];
  for (const rec of data) {
    if (rec.fields.length !== names.length) { errors.push({ line: rec.line, reason: `expected ${names.length} fields, found ${rec.fields.length}` }); continue; }
    rows.push({ line: rec.line, get: (c) => { const i = names.indexOf(c); return i < 0 ? '' : rec.fields[i]; } });
  }
  return { ok: true, rows, errors };
}
