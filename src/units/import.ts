/**
 * Import of the ministry's licence register (issue 2 item 6): `npm run import:units -- file.csv`.
 *
 * File format: UTF-8 CSV (RFC 4180: fields with commas, quotes or newlines in double quotes, a
 * quote inside doubled; a byte order mark is allowed), one header row with exactly these columns
 * (`email` may be left out):
 *
 *   national_id          شناسه ملی, 11 digits with a valid check digit (Persian digits accepted)
 *   entity_name          name of the legal entity
 *   licence_no           operating licence number
 *   licence_issued_on    Jalali date YYYY-MM-DD (or YYYY/MM/DD), a real date not in the future
 *   kind                 industrial | mining
 *   isic                 ISIC Rev.4 class, 4 digits: section C for industrial, B for mining
 *   province             Persian name as in the provinces table (Arabic ي/ك are accepted)
 *   city                 city name
 *   previously_announced 0 | 1 — 1: named in the old register, obligated from the legacy start period
 *   products             name:unit_of_measure:annual_capacity, several joined by ';'
 *   email                optional: the owner's account is created and gets a one-time activation link
 *
 * Example row:
 *   10380284790,شرکت لبنیات پاک,12/3456,1398-05-12,industrial,1050,تهران,تهران,1,"شیر پاستوریزه:تن:12000;ماست:تن:3000",info@pak.ir
 *
 * Every row is checked first; if any row is bad, every bad row is reported with its line number
 * and nothing is imported. Otherwise all rows are imported in one transaction as approved units.
 * A unit already present (same national_id and licence_no) is left as it is, so importing the
 * same file again changes nothing.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { db } from '../db.ts';
import { audit, auditMany } from '../audit.ts';
import { recomputeStatusesNow } from '../eligibility/record.ts';
import { loadSettings } from '../settings.ts';
import { obligationStart, jalaliToGregorianIso, type JalaliDate, type Period } from '../calendar.ts';
import { isValidLegalEntityId } from '../identifiers.ts';
import { normalizeIdentifier, normalizeText, normalizeNumberInput, latinDigits } from '../text.ts';
import { createActivationToken } from '../auth/activation.ts';
import { sendMail } from '../mail.ts';
import { readCsvTable } from './csv.ts';
import { checkLicenceDate, normalizeLicenceNo } from './forms.ts';
import { SECTION_OF_KIND, type Kind } from './model.ts';
import { activationMailText } from './approvals.ts';

export const IMPORT_COLUMNS = ['national_id', 'entity_name', 'licence_no', 'licence_issued_on', 'kind', 'isic', 'province', 'city', 'previously_announced', 'products', 'email'] as const;
type Column = (typeof IMPORT_COLUMNS)[number];
const OPTIONAL_COLUMNS: readonly Column[] = ['email'];

export interface ImportIssue { line: number; reason: string }
export interface ImportedAccount { email: string; url: string; mailed: boolean }
export type ImportResult =
  | { ok: false; errors: ImportIssue[] }
  | { ok: true; rows: number; created: number; unchanged: number; accounts: ImportedAccount[]; notLinked: { line: number; email: string }[] };

interface Row {
  line: number;
  national_id: string;
  entity_name: string;
  licence_no: string;
  licence_issued_on: JalaliDate;
  kind: Kind;
  isic: string;
  province_code: string;
  city: string;
  previously_announced: boolean;
  products: { name: string; unit_of_measure: string; annual_capacity: number }[];
  email: string | null;
}

const emailSchema = z.string().max(200).email();

function parseProducts(raw: string): { ok: true; products: Row['products'] } | { ok: false; reason: string } {
  const parts = raw.split(';').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return { ok: false, reason: 'products: at least one product is required (name:unit_of_measure:annual_capacity)' };
  const products: Row['products'] = [];
  for (const part of parts) {
    const bits = part.split(':');
    if (bits.length < 3) return { ok: false, reason: `products: "${part}" is not name:unit_of_measure:annual_capacity` };
    const capacityText = normalizeNumberInput(bits.pop()!);
    const unit = normalizeText(bits.pop()!);
    const name = normalizeText(bits.join(':'));
    if (!name || !unit) return { ok: false, reason: `products: "${part}" needs a name and a unit of measure` };
    if (!/^-?\d+(\.\d+)?$/.test(capacityText)) return { ok: false, reason: `products: capacity of "${name}" is not a number` };
    const capacity = Number(capacityText);
    if (capacity < 0) return { ok: false, reason: `products: capacity of "${name}" is negative` };
    if (products.some((p) => p.name === name)) return { ok: false, reason: `products: "${name}" appears twice` };
    products.push({ name, unit_of_measure: unit, annual_capacity: capacity });
  }
  return { ok: true, products };
}

interface Lookups { provinces: Map<string, string>; isic: Map<string, string>; now: Date }

function validateRow(line: number, get: (c: Column) => string, look: Lookups): { ok: true; row: Row } | { ok: false; reasons: string[] } {
  const reasons: string[] = [];
  const nationalId = normalizeIdentifier(get('national_id'));
  if (!isValidLegalEntityId(nationalId)) reasons.push(`national_id "${get('national_id')}" is not a valid 11-digit شناسه ملی (check digit)`);
  const entityName = normalizeText(get('entity_name'));
  if (!entityName) reasons.push('entity_name is empty');
  const licenceNo = normalizeLicenceNo(get('licence_no'));
  if (!licenceNo) reasons.push('licence_no is empty');
  const date = checkLicenceDate(get('licence_issued_on'), look.now);
  if (!date.ok) reasons.push(`licence_issued_on "${get('licence_issued_on')}": ${date.reason}`);
  const kind = get('kind').trim().toLowerCase();
  if (kind !== 'industrial' && kind !== 'mining') reasons.push(`kind must be industrial or mining, not "${get('kind')}"`);
  const isic = latinDigits(get('isic')).trim();
  const section = look.isic.get(isic);
  if (!/^\d{4}$/.test(isic) || !section) reasons.push(`isic "${get('isic')}" is not an ISIC Rev.4 class`);
  else if ((kind === 'industrial' || kind === 'mining') && section !== SECTION_OF_KIND[kind]) reasons.push(`isic ${isic} is in section ${section}, which does not match kind ${kind}`);
  const provinceCode = look.provinces.get(normalizeText(get('province')));
  if (!provinceCode) reasons.push(`province "${get('province')}" is not one of the 31 provinces`);
  const city = normalizeText(get('city'));
  if (!city) reasons.push('city is empty');
  const prev = get('previously_announced').trim();
  if (prev !== '0' && prev !== '1') reasons.push(`previously_announced must be 0 or 1, not "${prev}"`);
  const products = parseProducts(get('products'));
  if (!products.ok) reasons.push(products.reason);
  const emailText = latinDigits(get('email')).trim().toLowerCase();
  if (emailText && !emailSchema.safeParse(emailText).success) reasons.push(`email "${get('email')}" is not a valid address`);
  if (reasons.length || !date.ok || !products.ok || !provinceCode) return { ok: false, reasons };
  return {
    ok: true,
    row: {
      line, national_id: nationalId, entity_name: entityName, licence_no: licenceNo, licence_issued_on: date.date, kind: kind as Kind, isic,
      province_code: provinceCode, city, previously_announced: prev === '1', products: products.products, email: emailText || null,
    },
  };
}

/** Checks the whole file; returns the rows, or every problem with its line number. */
async function readFile(text: string, k: Knex, now: Date): Promise<{ ok: true; rows: Row[] } | { ok: false; errors: ImportIssue[] }> {
  const table = readCsvTable(text, IMPORT_COLUMNS, OPTIONAL_COLUMNS);
  if (!table.ok) return table;

  const provinceRows: { code: string; name: string }[] = await k('provinces').select('code', 'name');
  const isicRows: { code: string; section: string }[] = await k('isic_codes').where({ level: 'class' }).select('code', 'section');
  const look: Lookups = { provinces: new Map(provinceRows.map((p) => [normalizeText(p.name), p.code])), isic: new Map(isicRows.map((r) => [r.code, r.section])), now };

  const errors: ImportIssue[] = [...table.errors];
  const rows: Row[] = [];
  const seen = new Map<string, number>();
  for (const rec of table.rows) {
    const v = validateRow(rec.line, rec.get, look);
    if (!v.ok) { errors.push({ line: rec.line, reason: v.reasons.join('; ') }); continue; }
    const key = `${v.row.national_id}|${v.row.licence_no}`;
    const first = seen.get(key);
    if (first !== undefined) { errors.push({ line: rec.line, reason: `the same national_id and licence_no as line ${first}` }); continue; }
    seen.set(key, rec.line);
    rows.push(v.row);
  }

  // An email that already belongs to a staff account cannot become a unit's owner.
  const emails = [...new Set(rows.map((r) => r.email).filter((e): e is string => Boolean(e)))];
  if (emails.length) {
    const staff: { email: string }[] = await k('users').whereIn(lowerEmail(k), emails).whereNot('role', 'unit_user').select('email');
    const taken = new Set(staff.map((s) => s.email.toLowerCase()));
    for (const r of rows) if (r.email && taken.has(r.email)) errors.push({ line: r.line, reason: `email ${r.email} belongs to a staff account` });
  }
  if (errors.length) return { ok: false, errors: errors.sort((a, b) => a.line - b.line) };
  return { ok: true, rows };
}

const CHUNK = 500;
// knex types whereIn's column as a name; lower(email) matches the unique index users_email_unique.
const lowerEmail = (k: Knex) => k.raw('lower(email)') as unknown as string;
async function insertChunked<T extends object>(trx: Knex.Transaction, table: string, rows: T[], returning: string[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(...await trx(table).insert(rows.slice(i, i + CHUNK)).returning(returning));
  return out;
}

/** Imports a register file (see the top of this file); all or nothing. */
export async function importUnits(text: string, opts: { k?: Knex; now?: Date; actorId?: number | null } = {}): Promise<ImportResult> {
  const k = opts.k ?? db();
  const now = opts.now ?? new Date();
  const checked = await readFile(text, k, now);
  if (!checked.ok) return checked;
  const { rows } = checked;
  const { obligation } = await loadSettings(k);

  const outcome = await k.transaction(async (trx) => {
    await upsertLegalEntities(trx, rows);
    const nationalIds = [...new Set(rows.map((r) => r.national_id))];
    const entities: { id: number; national_id: string }[] = await trx('legal_entities').whereIn('national_id', nationalIds).select('id', 'national_id');
    const entityOf = new Map(entities.map((e) => [e.national_id, e.id]));
    const existing: { legal_entity_id: number; licence_no: string }[] = await trx('units').whereIn('legal_entity_id', entities.map((e) => e.id)).select('legal_entity_id', 'licence_no');
    const present = new Set(existing.map((u) => `${u.legal_entity_id}|${u.licence_no}`));
    const fresh = rows.filter((r) => !present.has(`${entityOf.get(r.national_id)}|${r.licence_no}`));

    const inserted = await insertChunked(trx, 'units', fresh.map((r) => ({
      legal_entity_id: entityOf.get(r.national_id),
      licence_no: r.licence_no,
      licence_issued_on: jalaliToGregorianIso(r.licence_issued_on),
      kind: r.kind,
      isic_class: r.isic,
      province_code: r.province_code,
      city: r.city,
      email: r.email,
      previously_announced: r.previously_announced,
      obligation_start: obligationStart(r.licence_issued_on, r.previously_announced, obligation) as Period,
      registration: 'approved',
      source: 'import',
    })), ['id', 'legal_entity_id', 'licence_no']);
    const unitOf = new Map(inserted.map((u) => [`${u.legal_entity_id}|${u.licence_no}`, u.id as number]));
    const unitIdOf = (r: Row) => unitOf.get(`${entityOf.get(r.national_id)}|${r.licence_no}`)!;
    await recomputeStatusesNow(trx, inserted.map((u) => u.id as number), { at: now });
    await insertChunked(trx, 'products', fresh.flatMap((r) => r.products.map((p, i) => ({ unit_id: unitIdOf(r), ...p, position: i }))), ['id']);

    // Owners' accounts: one per email (an owner of several units gets one account linked to each).
    // An existing account is linked only when its email has been proven (issue 12 §2): otherwise
    // anyone could register with the address a later import carries and be handed the unit.
    const withEmail = fresh.filter((r) => r.email);
    const emails = [...new Set(withEmail.map((r) => r.email!))];
    const known: { id: number; email: string; email_verified_at: Date | null }[] = emails.length ? await trx('users').whereIn(lowerEmail(trx), emails).select('id', 'email', 'email_verified_at') : [];
    const unproven = new Set(known.filter((u) => !u.email_verified_at).map((u) => u.email.toLowerCase()));
    const userOf = new Map(known.filter((u) => u.email_verified_at).map((u) => [u.email.toLowerCase(), u.id]));
    const newEmails = emails.filter((e) => !userOf.has(e) && !unproven.has(e));
    const created = await insertChunked(trx, 'users', newEmails.map((email) => ({
      email, role: 'unit_user', password_hash: null, email_verified_at: null, full_name: withEmail.find((r) => r.email === email)!.entity_name,
    })), ['id', 'email']);
    for (const u of created) userOf.set(String(u.email), u.id as number);
    const links = withEmail.filter((r) => userOf.has(r.email!)).map((r) => ({ user_id: userOf.get(r.email!)!, unit_id: unitIdOf(r), province_code: r.province_code }));
    if (links.length) {
      await insertChunked(trx, 'unit_users', links.map(({ user_id, unit_id }) => ({ user_id, unit_id })), ['unit_id']);
      // Every link is written down, and the province office sees it (issue 12 §2).
      await auditMany(links.map((l) => ({
        action: 'unit.account_linked', userId: opts.actorId ?? null, unitId: l.unit_id, provinceCode: l.province_code, target: `user:${l.user_id}`, details: { via: 'import' },
      })), trx);
    }
    const notLinked = withEmail.filter((r) => unproven.has(r.email!)).map((r) => ({ line: r.line, email: r.email! }));
    const accounts: { email: string; url: string }[] = [];
    for (const u of created) {
      const { url } = await createActivationToken(u.id as number, trx);
      accounts.push({ email: String(u.email), url });
    }
    await audit({ action: 'units.imported', userId: opts.actorId ?? null, details: { rows: rows.length, created: fresh.length, unchanged: rows.length - fresh.length, accounts: created.length } }, trx);
    return { created: fresh.length, accounts, notLinked };
  });

  const accounts: ImportedAccount[] = [];
  for (const a of outcome.accounts) accounts.push({ ...a, mailed: await sendMail(a.email, 'حساب واحد شما در سامانه آمار تولید', activationMailText(a.url)) });
  return { ok: true, rows: rows.length, created: outcome.created, unchanged: rows.length - outcome.created, accounts, notLinked: outcome.notLinked };
}

/** Legal entities by national id; an entity already known keeps its name. */
async function upsertLegalEntities(trx: Knex.Transaction, rows: Row[]): Promise<void> {
  const byId = new Map<string, string>();
  for (const r of rows) if (!byId.has(r.national_id)) byId.set(r.national_id, r.entity_name);
  const list = [...byId].map(([national_id, name]) => ({ national_id, name }));
  for (let i = 0; i < list.length; i += CHUNK) await trx('legal_entities').insert(list.slice(i, i + CHUNK)).onConflict('national_id').ignore();
}
