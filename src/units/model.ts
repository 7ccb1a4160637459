import type { Knex } from 'knex';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { FormError } from '../forms.ts';
import { sortFa } from '../text.ts';
import { obligationStart, jalaliToGregorianIso, type ObligationSettings, type Period } from '../calendar.ts';
import type { RegistrationInput } from './forms.ts';
import { pickedCodeErrors } from '../catalogue/model.ts';

export type Kind = 'industrial' | 'mining';
/** ISIC Rev.4: industrial units are section C (manufacturing), mining units section B. */
export const SECTION_OF_KIND: Record<Kind, 'B' | 'C'> = { industrial: 'C', mining: 'B' };

export const DUPLICATE_LICENCE = 'این پروانه بهره‌برداری با همین شناسه ملی پیش‌تر در سامانه ثبت‌نام شده است. اگر حساب آن را دارید وارد شوید؛ در غیر این صورت با سازمان صنعت، معدن و تجارت استان تماس بگیرید.';
export const DUPLICATE_EMAIL = 'این پست الکترونیکی پیش‌تر در سامانه ثبت شده است. اگر حساب دارید وارد شوید یا نشانی دیگری بنویسید.';

export interface ProvinceOption { code: string; name: string }
export interface IsicDivision { code: string; section: string; title_fa: string; classes: { code: string; title_fa: string }[] }

export async function listProvinces(k: Knex = db()): Promise<ProvinceOption[]> {
  return sortFa(await k('provinces').select('code', 'name'), (p) => p.name);
}

/** Sections B and C down to classes, grouped by division for the <select>. */
export async function isicDivisions(k: Knex = db()): Promise<IsicDivision[]> {
  const rows: { code: string; level: string; section: string; title_fa: string }[] = await k('isic_codes')
    .whereIn('level', ['division', 'class']).select('code', 'level', 'section', 'title_fa').orderBy('code');
  const divisions = new Map<string, IsicDivision>();
  for (const r of rows) if (r.level === 'division') divisions.set(r.code, { code: r.code, section: r.section, title_fa: r.title_fa, classes: [] });
  for (const r of rows) if (r.level === 'class') divisions.get(r.code.slice(0, 2))?.classes.push({ code: r.code, title_fa: r.title_fa });
  return [...divisions.values()].sort((a, b) => (a.section === b.section ? a.code.localeCompare(b.code) : a.section === 'C' ? -1 : 1));
}

export function isUniqueViolation(e: unknown, constraint: string): boolean {
  if (!e || typeof e !== 'object') return false;
  const err = e as { code?: string; constraint?: string; message?: string };
  return err.code === '23505' && (err.constraint === constraint || String(err.message ?? '').includes(constraint));
}

export type RegistrationOutcome =
  | { kind: 'registered'; unitId: number; userId: number; obligationStart: Period; provinceName: string }
  | { kind: 'claimed'; unitId: number; userId: number; claimId: number; provinceName: string; notify: string[]; unitName: string; licenceNo: string };

/** Reference checks the form cannot do alone: the ISIC class exists and fits the kind, the province exists. */
async function checkReferences(input: Pick<RegistrationInput, 'isic_class' | 'kind' | 'province_code'>, k: Knex): Promise<{ errors: Record<string, string>; provinceName: string }> {
  const errors: Record<string, string> = {};
  const isic = await k('isic_codes').where({ code: input.isic_class, level: 'class' }).first('section');
  if (!isic) errors.isic_class = 'این کد آیسیک در فهرست طبقه‌بندی نیست.';
  else if (isic.section !== SECTION_OF_KIND[input.kind]) {
    errors.isic_class = input.kind === 'industrial'
      ? 'واحد صنعتی باید فعالیتی از بخش «صنعت (ساخت)» (بخش C آیسیک، قسمت‌های ۱۰ تا ۳۳) داشته باشد.'
      : 'واحد معدنی باید فعالیتی از بخش «استخراج معدن» (بخش B آیسیک، قسمت‌های ۰۵ تا ۰۹) داشته باشد.';
  }
  const province = await k('provinces').where({ code: input.province_code }).first('name');
  if (!province) errors.province_code = 'استان را از فهرست انتخاب کنید.';
  return { errors, provinceName: province?.name ?? '' };
}

/**
 * What a registration can be refused for before anything is hashed or stored (issue 12 §8: a
 * refused form costs no argon2 hash): references, and a licence already registered on the site.
 * `emailTaken` is not an error the form shows (issue 12 §5): the caller answers as for a
 * registration and mails the owner of the address instead.
 */
export async function checkRegistration(input: RegistrationInput, k: Knex = db()): Promise<{ errors: Record<string, string>; emailTaken: boolean; provinceName: string }> {
  const { errors, provinceName } = await checkReferences(input, k);
  const site = await k('units as u').join('legal_entities as le', 'le.id', 'u.legal_entity_id')
    .where({ 'le.national_id': input.national_id, 'u.licence_no': input.licence_no, 'u.source': 'site' }).first('u.id');
  if (site) errors.licence_no = DUPLICATE_LICENCE;
  const emailTaken = Boolean(await k('users').whereRaw('lower(email) = lower(?)', [input.email]).first('id'));
  return { errors, emailTaken, provinceName };
}

/** What the claimant typed, kept beside the register's data for the officer (issue 12 §1). */
function claimantOf(input: RegistrationInput): Record<string, unknown> {
  const { password: _p, products, licence_issued_on, ...rest } = input;
  return { ...rest, licence_issued_on: jalaliToGregorianIso(licence_issued_on), products: products.map((p) => ({ name: p.name, unit_of_measure: p.unit_of_measure, annual_capacity: p.annual_capacity })) };
}

/**
 * A unit registers itself (issue 2 item 3): legal entity (reused by national id), the unit pending
 * approval, its products, the owner's account (its email not yet proven) and its link, all or
 * nothing. A unit already in the ministry's register is never handed over on the strength of its
 * national id and licence number, which are public (issue 12 §1): the registration becomes a
 * pending claim for the province officer, and the unit's existing contacts are to be told.
 * Concurrent registrations of one licence are settled by the unique (legal entity, licence number)
 * constraint.
 */
export async function registerUnit(input: RegistrationInput, passwordHash: string, obligation: ObligationSettings, k: Knex = db()): Promise<RegistrationOutcome> {
  const { errors, emailTaken, provinceName } = await checkRegistration(input, k);
  if (emailTaken) errors.email = DUPLICATE_EMAIL;
  Object.assign(errors, await pickedCodeErrors(input.products, k));
  if (Object.keys(errors).length) throw new FormError(errors);
  const start = obligationStart(input.licence_issued_on, false, obligation);

  try {
    return await k.transaction(async (trx): Promise<RegistrationOutcome> => {
      await trx('legal_entities').insert({ national_id: input.national_id, name: input.entity_name }).onConflict('national_id').ignore();
      const entity = await trx('legal_entities').where({ national_id: input.national_id }).first('id', 'name');
      const existing = await trx('units').where({ legal_entity_id: entity.id, licence_no: input.licence_no })
        .forUpdate().first('id', 'source', 'province_code', 'email');
      const [user] = await trx('users').insert({ email: input.email, full_name: input.contact_name, password_hash: passwordHash, role: 'unit_user', email_verified_at: null }).returning('id');
      if (existing) {
        if (existing.source === 'site') throw new FormError({ licence_no: DUPLICATE_LICENCE });
        const [claim] = await trx('unit_claims').insert({ unit_id: existing.id, user_id: user.id, claimant: JSON.stringify(claimantOf(input)) }).returning('id');
        await audit({ action: 'unit.claimed', userId: user.id, unitId: existing.id, provinceCode: existing.province_code, target: `unit_claim:${claim.id}` }, trx);
        const owners: string[] = await trx('unit_users as uu').join('users as us', 'us.id', 'uu.user_id').where('uu.unit_id', existing.id).where('us.active', true).pluck('us.email');
        const notify = [...new Set([existing.email, ...owners].filter((e): e is string => Boolean(e)).map((e) => e.toLowerCase()))];
        const province = await trx('provinces').where({ code: existing.province_code }).first('name');
        return { kind: 'claimed', unitId: existing.id, userId: user.id, claimId: claim.id, provinceName: province?.name ?? '', notify, unitName: entity.name, licenceNo: input.licence_no };
      }
      const [unit] = await trx('units').insert({
        legal_entity_id: entity.id,
        licence_no: input.licence_no,
        licence_issued_on: jalaliToGregorianIso(input.licence_issued_on),
        kind: input.kind,
        isic_class: input.isic_class,
        province_code: input.province_code,
        city: input.city,
        address: input.address,
        postal_code: input.postal_code,
        phone: input.phone,
        contact_name: input.contact_name,
        contact_national_code: input.contact_national_code,
        email: input.email,
        previously_announced: false,
        obligation_start: start,
        registration: 'pending',
        source: 'site',
      }).returning('id');
      await trx('products').insert(input.products.map((p, i) => ({
        unit_id: unit.id, name: p.name, unit_of_measure: p.unit_of_measure, annual_capacity: p.annual_capacity, product_code: p.product_code || null, catalogue_code: p.product_code || null, position: i,
      })));
      await trx('unit_users').insert({ user_id: user.id, unit_id: unit.id });
      await audit({ action: 'unit.registered', userId: user.id, unitId: unit.id, provinceCode: input.province_code, target: `unit:${unit.id}` }, trx);
      return { kind: 'registered', unitId: unit.id, userId: user.id, obligationStart: start, provinceName };
    });
  } catch (e) {
    if (isUniqueViolation(e, 'units_legal_entity_id_licence_no_unique')) throw new FormError({ licence_no: DUPLICATE_LICENCE });
    if (isUniqueViolation(e, 'users_email_unique')) throw new FormError({ email: DUPLICATE_EMAIL });
    throw e;
  }
}

export interface UnitSummary {
  id: number;
  entity_name: string;
  national_id: string;
  licence_no: string;
  licence_issued_iso: string;
  kind: Kind;
  isic_class: string;
  isic_title: string;
  province_code: string;
  province_name: string;
  city: string;
  address: string;
  postal_code: string | null;
  phone: string;
  contact_name: string;
  contact_national_code: string | null;
  email: string | null;
  obligation_start: Period;
  registration: 'pending' | 'approved' | 'rejected';
  rejection_reason: string | null;
  reviewed_at: Date | null;
  source: string;
  status: string;
  created_at: Date;
  products: { id: number; name: string; unit_of_measure: string; annual_capacity: number; product_code: string | null; catalogue_code: string | null; catalogue_name: string | null }[];
}

/** The columns every unit page shows; callers add their scope (user's units, officer's province). */
export function unitColumns(k: Knex) {
  return k('units as u')
    .join('legal_entities as le', 'le.id', 'u.legal_entity_id')
    .join('provinces as p', 'p.code', 'u.province_code')
    .join('isic_codes as i', 'i.code', 'u.isic_class')
    .select(
      'u.id', 'le.name as entity_name', 'le.national_id', 'u.licence_no', k.raw(`to_char(u.licence_issued_on, 'YYYY-MM-DD') as licence_issued_iso`),
      'u.kind', 'u.isic_class', 'i.title_fa as isic_title', 'u.province_code', 'p.name as province_name', 'u.city', 'u.address', 'u.postal_code',
      'u.phone', 'u.contact_name', 'u.contact_national_code', 'u.email', 'u.obligation_start', 'u.registration', 'u.rejection_reason', 'u.reviewed_at',
      'u.source', 'u.status', 'u.created_at',
    );
}

/** Attaches products to units with one query. */
export async function withProducts(units: Omit<UnitSummary, 'products'>[], k: Knex = db()): Promise<UnitSummary[]> {
  if (units.length === 0) return [];
  // The catalogue link (issue 15) is the product's code; the register's own code only when unlinked.
  const rows = await k('products as p').leftJoin('catalogue as c', 'c.code', 'p.catalogue_code')
    .whereIn('p.unit_id', units.map((u) => u.id)).orderBy(['p.unit_id', 'p.position', 'p.id'])
    .select('p.id', 'p.unit_id', 'p.name', 'p.unit_of_measure', 'p.annual_capacity', 'p.product_code', 'p.catalogue_code', 'c.name_fa as catalogue_name');
  return units.map((u) => ({ ...u, products: rows.filter((p) => p.unit_id === u.id) }));
}

/** The units a unit user acts for (scope in the join). */
export async function unitsOfUser(userId: number, k: Knex = db()): Promise<UnitSummary[]> {
  const units = await unitColumns(k).join('unit_users as uu', 'uu.unit_id', 'u.id').where('uu.user_id', userId).orderBy('u.id');
  return withProducts(units, k);
}
