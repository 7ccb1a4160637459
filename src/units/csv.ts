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
