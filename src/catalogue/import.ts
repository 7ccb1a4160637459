/**
 * Import of the ministry's product list (issue 15): `npm run import:catalogue -- file.csv`.
 *
 * File format: UTF-8 CSV (RFC 4180, as the units import: src/units/csv.ts; a UTF-16 file or a line
 * that is not UTF-8 is refused with its line, nothing replaced), of any length, a header row with
 * these columns (`name_en` and `retired_from` may be left out or left empty):
 *
 *   code            4 to 10 digits; the first 4 are the ISIC Rev.4 class (Persian digits accepted)
 *   name_fa         Persian name (Arabic ي/ك stored as ی/ک, ZWNJ kept)
 *   name_en         English name
 *   unit            the standard unit of measure: its Persian name (تن) or its code (t)
 *   active_from     Jalali period YYYY-MM from which the code is in force
 *   retired_from    Jalali period YYYY-MM from which it is retired
 *
 * Example row:  1050100010,شیر پاستوریزه,Pasteurised milk,تن,1404-01,
 *
 * Every row is checked first; if any is bad, every bad row is reported with its line number and
 * nothing changes. Otherwise, in one transaction, new codes are added and known codes take the
 * file's values; a code whose values are already those of the file is left as it is, so importing
 * the same file again changes nothing. Codes absent from the file are never deleted.
 */
import type { Knex } from 'knex';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { parseForm } from '../forms.ts';
import { normalizeText } from '../text.ts';
import { readCsvTable, decodeCsvBytes, type CsvIssue } from '../units/csv.ts';
import { entryForm, type EntryInput } from './forms.ts';

export const CATALOGUE_COLUMNS = ['code', 'name_fa', 'name_en', 'unit', 'active_from', 'retired_from'] as const;
type Column = (typeof CATALOGUE_COLUMNS)[number];
const OPTIONAL: readonly Column[] = ['name_en', 'retired_from'];

export type ImportIssue = CsvIssue;
export type CatalogueImportResult =
  | { ok: false; errors: ImportIssue[] }
  | { ok: true; rows: number; created: number; updated: number; unchanged: number };

type Row = EntryInput & { line: number };

const FIELD_NAMES: Record<string, string> = { unit_of_measure_code: 'unit' };

async function readFile(text: string, k: Knex): Promise<{ ok: true; rows: Row[] } | { ok: false; errors: ImportIssue[] }> {
  const table = readCsvTable(text, CATALOGUE_COLUMNS, OPTIONAL);
  if (!table.ok) return table;

  const units: { code: string; name_fa: string; dimension: string }[] = await k('units_of_measure').select('code', 'name_fa', 'dimension');
  const unitOf = new Map<string, string>();
  for (const u of units) { unitOf.set(u.code, u.code); unitOf.set(normalizeText(u.name_fa), u.code); }
  const dimensionOf = new Map(units.map((u) => [u.code, u.dimension]));
  const classes = new Set((await k('isic_codes').where({ level: 'class' }).select('code')).map((r: { code: string }) => r.code));

  const errors: ImportIssue[] = [...table.errors];
  const rows: Row[] = [];
  const seen = new Map<string, number>();
  for (const rec of table.rows) {
    const get = rec.get;
    const unitText = normalizeText(get('unit'));
    const parsed = parseForm(entryForm, {
      code: get('code'), name_fa: get('name_fa'), name_en: get('name_en'), unit_of_measure_code: unitOf.get(unitText) ?? (unitText ? 'unknown_unit' : ''),
      active_from: get('active_from'), retired_from: get('retired_from'),
    });
    const reasons: string[] = [];
    if (!parsed.ok) {
      for (const [f, m] of Object.entries(parsed.errors)) reasons.push(`${FIELD_NAMES[f] ?? f}: ${m}`);
    } else {
      if (parsed.data.unit_of_measure_code === 'unknown_unit') reasons.push(`unit: «${unitText}» is not a unit of measure (use its Persian name or its code)`);
      if (!classes.has(parsed.data.code.slice(0, 4))) reasons.push(`code: ${parsed.data.code.slice(0, 4)} is not an ISIC Rev.4 class`);
      const first = seen.get(parsed.data.code);
      if (first !== undefined) reasons.push(`code ${parsed.data.code} already on line ${first}`);
    }
    if (reasons.length || !parsed.ok) { errors.push({ line: rec.line, reason: reasons.join('; ') }); continue; }
    seen.set(parsed.data.code, rec.line);
    rows.push({ ...parsed.data, line: rec.line });
  }

  // A known code whose standard unit would change dimension while products link to it.
  const changed: { code: string; dimension: string }[] = [];
  for (const codes of chunks(rows.map((r) => r.code))) {
    changed.push(...await k('products as p').join('units_of_measure as m', 'm.code', 'p.unit_of_measure_code')
      .whereIn('p.catalogue_code', codes).distinct('p.catalogue_code as code', 'm.dimension'));
  }
  const rowOf = new Map(rows.map((r) => [r.code, r]));
  for (const c of changed) {
    const r = rowOf.get(c.code)!;
    if (dimensionOf.get(r.unit_of_measure_code) !== c.dimension) errors.push({ line: r.line, reason: `unit: products linked to ${c.code} are declared in another dimension; its standard unit cannot change dimension` });
  }
  if (errors.length) return { ok: false, errors: errors.sort((a, b) => a.line - b.line) };
  return { ok: true, rows };
}

/**
 * Rows per statement: 500 rows of 8 columns is 4,000 bind parameters, far below PostgreSQL's
 * 65,535, so a file of any length goes through (issue 23 F9: one statement per file crashed).
 */
const CHUNK = 500;
function* chunks<T>(items: readonly T[], size = CHUNK * 10): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Imports a catalogue file (its bytes, or text already decoded; see the top of this file); all or nothing. */
export async function importCatalogue(file: string | Uint8Array, opts: { k?: Knex; actorId?: number | null } = {}): Promise<CatalogueImportResult> {
  const k = opts.k ?? db();
  const decoded = typeof file === 'string' ? { ok: true as const, text: file } : decodeCsvBytes(file);
  if (!decoded.ok) return decoded;
  const checked = await readFile(decoded.text, k);
  if (!checked.ok) return checked;
  const values = checked.rows.map((r) => ({
    code: r.code, isic_class: r.code.slice(0, 4), name_fa: r.name_fa, name_en: r.name_en || null, unit_of_measure_code: r.unit_of_measure_code,
    active_from: r.active_from, retired_from: r.retired_from || null, source: 'import',
  }));
  return k.transaction(async (trx) => {
    const before = new Set<string>();
    for (const codes of chunks(values.map((v) => v.code))) {
      for (const r of await trx('catalogue').whereIn('code', codes).select('code') as { code: string }[]) before.add(r.code);
    }
    let touched = 0;
    for (let i = 0; i < values.length; i += CHUNK) {
      // Only rows that differ are written: a second import of the same file updates nothing.
      const out = await trx('catalogue').insert(values.slice(i, i + CHUNK))
        .onConflict('code')
        .merge(['name_fa', 'name_en', 'unit_of_measure_code', 'active_from', 'retired_from', 'updated_at'])
        .where(trx.raw(`(catalogue.name_fa, catalogue.name_en, catalogue.unit_of_measure_code, catalogue.active_from, catalogue.retired_from)
          is distinct from (excluded.name_fa, excluded.name_en, excluded.unit_of_measure_code, excluded.active_from, excluded.retired_from)`))
        .returning('code');
      touched += out.length;
    }
    const created = values.filter((v) => !before.has(v.code)).length;
    const updated = touched - created;
    await audit({ action: 'catalogue.imported', userId: opts.actorId ?? null, details: { rows: values.length, created, updated } }, trx);
    return { ok: true as const, rows: values.length, created, updated, unchanged: values.length - touched };
  });
}
