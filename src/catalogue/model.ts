import type { Knex } from 'knex';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { FormError } from '../forms.ts';
import { normalizeText } from '../text.ts';
import { periodOf, type Period } from '../calendar.ts';
import { DIMENSION_NAMES, convertQuantity, type MeasureUnit } from './quantity.ts';
import type { EntryInput } from './forms.ts';

// The national product catalogue (issue 15): codes, their standard unit of measure, their ISIC
// class, the periods they are in force. The statistics office keeps it; units' products link to it.

export interface CatalogueEntry {
  code: string;
  isic_class: string;
  isic_title: string;
  name_fa: string;
  name_en: string | null;
  unit_of_measure_code: string;
  unit_name: string;
  active_from: Period;
  retired_from: Period | null;
  source: 'office' | 'import' | 'demo';
}

export const RETIRED_IN_USE = 'این کد در محصولات واحدها (و اظهارنامه‌های آن‌ها) به کار رفته است و حذف نمی‌شود؛ کد بازنشسته در فهرست می‌ماند.';

export function listUnitsOfMeasure(k: Knex = db()): Promise<MeasureUnit[]> {
  return k('units_of_measure').select('code', 'name_fa', 'dimension', 'factor').orderBy([{ column: 'dimension' }, { column: 'factor' }, { column: 'name_fa' }]);
}

export const dimensionName = (d: string) => DIMENSION_NAMES[d] ?? d;

function entryColumns(k: Knex) {
  return k('catalogue as c')
    .join('isic_codes as i', 'i.code', 'c.isic_class')
    .join('units_of_measure as m', 'm.code', 'c.unit_of_measure_code')
    .select('c.code', 'c.isic_class', 'i.title_fa as isic_title', 'c.name_fa', 'c.name_en', 'c.unit_of_measure_code', 'm.name_fa as unit_name', 'c.active_from', 'c.retired_from', 'c.source');
}

/** A search term as stored text (no control characters: PostgreSQL refuses NUL), without LIKE wildcards: text, never a pattern. */
const plainTerm = (q: string) => normalizeText(q).replace(/[%_\\]/g, '').slice(0, 100);

/**
 * Entries whose normalised name contains the term (catalogue_key: ی/ک, digits, ZWNJ and spaces),
 * or whose code starts with it; the unit's ISIC class first when one is given.
 */
export async function searchCatalogue(opts: { q?: string; isicFirst?: string; activeAt?: Period; limit?: number } = {}, k: Knex = db()): Promise<CatalogueEntry[]> {
  const q = plainTerm(opts.q ?? '');
  const query = entryColumns(k);
  if (q) {
    query.where((w) => w
      .whereRaw(`catalogue_key(c.name_fa) like '%' || catalogue_key(?) || '%'`, [q])
      .orWhereRaw(`catalogue_key(coalesce(c.name_en, '')) like '%' || catalogue_key(?) || '%'`, [q])
      .orWhereRaw(`c.code like catalogue_key(?) || '%'`, [q]));
  }
  if (opts.activeAt) query.where('c.active_from', '<=', opts.activeAt).where((w) => w.whereNull('c.retired_from').orWhere('c.retired_from', '>', opts.activeAt!));
  if (opts.isicFirst && /^\d{4}$/.test(opts.isicFirst)) query.orderByRaw('(c.isic_class = ?) desc', [opts.isicFirst]);
  return query.orderBy('c.code').limit(opts.limit ?? 500);
}

export async function findEntry(code: string, k: Knex = db()): Promise<CatalogueEntry | undefined> {
  return entryColumns(k).where('c.code', code).first();
}

/** What zod cannot check alone: the class exists in the ISIC tree, the unit of measure exists. */
async function referenceErrors(input: EntryInput, k: Knex): Promise<Record<string, string>> {
  const errors: Record<string, string> = {};
  const isic = input.code.slice(0, 4);
  const cls = await k('isic_codes').where({ code: isic, level: 'class' }).first('code');
  if (!cls) errors.code = `چهار رقم نخست کد (${isic}) باید یک طبقه آیسیک (ویرایش ۴) باشد.`;
  const unit = await k('units_of_measure').where({ code: input.unit_of_measure_code }).first('code');
  if (!unit) errors.unit_of_measure_code = 'واحد سنجش را از فهرست انتخاب کنید.';
  return errors;
}

const rowOf = (input: EntryInput) => ({
  isic_class: input.code.slice(0, 4),
  name_fa: input.name_fa,
  name_en: input.name_en || null,
  unit_of_measure_code: input.unit_of_measure_code,
  active_from: input.active_from,
  retired_from: input.retired_from || null,
});

export async function createEntry(input: EntryInput, actor: { id: number; ip?: string }, k: Knex = db()): Promise<void> {
  const errors = await referenceErrors(input, k);
  if (await k('catalogue').where({ code: input.code }).first('code')) errors.code = 'این کد پیش‌تر در فهرست هست؛ برای تغییر آن را ویرایش کنید.';
  if (Object.keys(errors).length) throw new FormError(errors);
  await k.transaction(async (trx) => {
    await trx('catalogue').insert({ code: input.code, ...rowOf(input), source: 'office' });
    await audit({ action: 'catalogue.created', userId: actor.id, ip: actor.ip, target: `catalogue:${input.code}` }, trx);
  });
}

/**
 * Edits an entry (the code itself is its identity and never changes). A standard unit of another
 * dimension is refused while products are linked: their quantities would no longer convert.
 */
export async function updateEntry(code: string, input: EntryInput, actor: { id: number; ip?: string }, k: Knex = db()): Promise<'done' | 'not_found'> {
  const existing = await k('catalogue').where({ code }).first('code', 'unit_of_measure_code');
  if (!existing) return 'not_found';
  const errors = await referenceErrors({ ...input, code }, k);
  if (!errors.unit_of_measure_code && input.unit_of_measure_code !== existing.unit_of_measure_code) {
    const clash = await k('products as p').join('units_of_measure as m', 'm.code', 'p.unit_of_measure_code')
      .where('p.catalogue_code', code)
      .whereNot('m.dimension', k('units_of_measure').where({ code: input.unit_of_measure_code }).select('dimension'))
      .first('p.id');
    if (clash) errors.unit_of_measure_code = 'محصولات واحدها با واحد سنجشی از جنس دیگر به این کد پیوند دارند؛ واحد استاندارد باید از همان جنس بماند.';
  }
  if (Object.keys(errors).length) throw new FormError(errors);
  await k.transaction(async (trx) => {
    await trx('catalogue').where({ code }).update({ ...rowOf({ ...input, code }), updated_at: trx.fn.now() });
    await audit({ action: 'catalogue.updated', userId: actor.id, ip: actor.ip, target: `catalogue:${code}` }, trx);
  });
  return 'done';
}

/** Retires a code from a period on; products and filings that use it keep it. */
export async function retireEntry(code: string, from: Period, actor: { id: number; ip?: string }, k: Knex = db()): Promise<'done' | 'not_found'> {
  const entry = await k('catalogue').where({ code }).first('active_from');
  if (!entry) return 'not_found';
  if (from <= entry.active_from) throw new FormError({ retired_from: 'دوره بازنشستگی باید پس از دوره آغاز اعتبار کد باشد.' });
  await k.transaction(async (trx) => {
    await trx('catalogue').where({ code }).update({ retired_from: from, updated_at: trx.fn.now() });
    await audit({ action: 'catalogue.retired', userId: actor.id, ip: actor.ip, target: `catalogue:${code}`, details: { from } }, trx);
  });
  return 'done';
}

/**
 * Deletes a retired code that nothing uses. A code any product links to (and so any filing of
 * that product) is refused here with a Persian message, and by the foreign key if this is bypassed.
 */
export async function deleteEntry(code: string, actor: { id: number; ip?: string }, k: Knex = db()): Promise<'done' | 'not_found'> {
  return k.transaction(async (trx) => {
    const entry = await trx('catalogue').where({ code }).forUpdate().first('retired_from');
    if (!entry) return 'not_found';
    if (!entry.retired_from) throw new FormError({ _form: 'تنها کد بازنشسته حذف می‌شود؛ نخست آن را بازنشسته کنید.' });
    if (await trx('products').where({ catalogue_code: code }).first('id')) throw new FormError({ _form: RETIRED_IN_USE });
    await trx('catalogue').where({ code }).del();
    await audit({ action: 'catalogue.deleted', userId: actor.id, ip: actor.ip, target: `catalogue:${code}` }, trx);
    return 'done';
  });
}

/** How many products link to each code, for the list. */
export async function usageOf(codes: string[], k: Knex = db()): Promise<Map<string, number>> {
  if (codes.length === 0) return new Map();
  const rows: { code: string; n: number }[] = await k('products').whereIn('catalogue_code', codes).groupBy('catalogue_code').select('catalogue_code as code').count('* as n');
  return new Map(rows.map((r) => [r.code, Number(r.n)]));
}

export const currentPeriod = (): Period => periodOf(new Date());

/**
 * Registration (issue 15 item 3): each product picked from the catalogue must name a code in force,
 * and its declared unit of measure must be a known unit of the code's dimension, so that its
 * quantities convert. Errors keyed as the registration form's product rows.
 */
export async function pickedCodeErrors(products: { product_code: string; unit_of_measure: string }[], k: Knex = db()): Promise<Record<string, string>> {
  const errors: Record<string, string> = {};
  const codes = [...new Set(products.map((p) => p.product_code).filter(Boolean))];
  if (codes.length === 0) return errors;
  const now = currentPeriod();
  const entries: { code: string; active_from: string; retired_from: string | null; dimension: string; unit_name: string }[] = await k('catalogue as c')
    .join('units_of_measure as m', 'm.code', 'c.unit_of_measure_code').whereIn('c.code', codes)
    .select('c.code', 'c.active_from', 'c.retired_from', 'm.dimension', 'm.name_fa as unit_name');
  const byCode = new Map(entries.map((e) => [e.code, e]));
  const declared: { text: string; dimension: string; name_fa: string }[] = await k('units_of_measure')
    .select(k.raw('catalogue_key(name_fa) as text'), 'dimension', 'name_fa');
  // The typed units through the same catalogue_key() as the table's names, in one query.
  const keyRow = (await k.raw(`select ${products.map((_, i) => `catalogue_key(?::text) as k${i}`).join(', ')}`, products.map((p) => p.unit_of_measure))).rows[0] as Record<string, string>;
  const keys = new Map<number, string>(products.map((_, i) => [i, keyRow[`k${i}`]]));
  products.forEach((p, i) => {
    if (!p.product_code) return;
    const e = byCode.get(p.product_code);
    if (!e) { errors[`products.${i}.product_code`] = 'این کد در فهرست ملی محصولات نیست؛ آن را از فهرست انتخاب کنید.'; return; }
    if (e.active_from > now || (e.retired_from && e.retired_from <= now)) { errors[`products.${i}.product_code`] = 'این کد اکنون معتبر نیست؛ کد دیگری از فهرست انتخاب کنید.'; return; }
    const unit = declared.find((u) => u.text === keys.get(i));
    if (!unit) errors[`products.${i}.unit_of_measure`] = `واحد سنجش را از فهرست انتخاب کنید (واحد استاندارد این کد: ${e.unit_name}).`;
    else if (unit.dimension !== e.dimension) errors[`products.${i}.unit_of_measure`] = `«${unit.name_fa}» با واحد استاندارد این کد («${e.unit_name}») از یک جنس نیست؛ واحدی از جنس ${dimensionName(e.dimension)} انتخاب کنید.`;
  });
  return errors;
}

/**
 * A quantity of a unit's product, declared in the product's own unit of measure, in its catalogue
 * code's standard unit; null for a product not linked to a code yet (counted under «سایر محصولات»).
 */
export async function standardQuantity(productId: number, quantity: string | number, k: Knex = db()): Promise<{ quantity: string; unit: MeasureUnit; code: string } | null> {
  const row = await k('products as p')
    .join('catalogue as c', 'c.code', 'p.catalogue_code')
    .join('units_of_measure as f', 'f.code', 'p.unit_of_measure_code')
    .join('units_of_measure as s', 's.code', 'c.unit_of_measure_code')
    .where('p.id', productId)
    .first('c.code', 'f.code as f_code', 'f.name_fa as f_name', 'f.dimension as f_dimension', 'f.factor as f_factor',
      's.code as s_code', 's.name_fa as s_name', 's.dimension as s_dimension', 's.factor as s_factor');
  if (!row) return null;
  const from: MeasureUnit = { code: row.f_code, name_fa: row.f_name, dimension: row.f_dimension, factor: row.f_factor };
  const to: MeasureUnit = { code: row.s_code, name_fa: row.s_name, dimension: row.s_dimension, factor: row.s_factor };
  return { quantity: convertQuantity(quantity, from, to), unit: to, code: row.code };
}
