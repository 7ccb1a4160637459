import type { Knex } from 'knex';
import { db, num } from '../db.ts';
import { loadSettings, type Settings } from '../settings.ts';
import { startOfJalaliDay, jalaliDateOf } from '../calendar.ts';
import { filingRecords, submittedBy, eligibilityVerdict } from '../eligibility/record.ts';
import { FormError } from '../forms.ts';
import { NotFoundError } from '../errors.ts';
import { persianDigits } from '../text.ts';
import { audit } from '../audit.ts';

// DESIGN §8: exemplary units. For Jalali year Y, per unit: completeness and timeliness over the
// due periods of Y (filingRecords, DESIGN §4) and quality = share of Y's submitted filings that
// were verified without ever being returned. Score = weighted sum (weights: planning deputy).
// Each province nominates up to N units until the end of 31 Ordibehesht of Y+1 (Tehran); the
// score and indicators are stored as they stood when the unit was nominated.

export interface Weights { completeness: number; timeliness: number; quality: number }

export interface Candidate {
  unit_id: number;
  name: string;
  isic_class: string;
  city: string;
  status: string;
  due: number;
  completeness: number;
  timeliness: number;
  quality: number;
  score: number;
  rank: number;
  nominated: boolean;
  /** Why the unit is not eligible (DESIGN §4 over the year: inactive, months not filed), shown beside it. */
  flags: string[];
  /** An inactive unit cannot be nominated; a flagged active one can, the officer seeing why. */
  nominable: boolean;
}

/** The first instant after the nomination window of `year`: 1 Khordad of year + 1, 00:00 Tehran. */
export function nominationDeadline(year: number): Date {
  return startOfJalaliDay({ jy: year + 1, jm: 3, jd: 1 });
}

export function nominationsOpen(year: number, at: Date): boolean {
  return at < nominationDeadline(year);
}

export function lockedMessage(year: number): string {
  return `مهلت نامزد کردن واحدهای برگزیده سال ${persianDigits(year)} در پایان ۳۱ اردیبهشت ${persianDigits(year + 1)} به سر رسیده است؛ نامزدی‌های این سال قفل شده‌اند و دیگر افزودن یا حذف ممکن نیست.`;
}

/** The year an officer most likely works on at `at`: last year while its window is open, else this year. */
export function defaultYear(at: Date): number {
  const { jy } = jalaliDateOf(at);
  return nominationsOpen(jy - 1, at) ? jy - 1 : jy;
}

export const score = (w: Weights, c: { completeness: number; timeliness: number; quality: number }): number =>
  w.completeness * c.completeness + w.timeliness * c.timeliness + w.quality * c.quality;

/** Ranked candidates of a province for `year`, as of `at` (units with nothing due in the year are left out). */
export async function candidates(year: number, provinceCode: string, at: Date, opts: { unitIds?: number[]; settings?: Settings } = {}, k: Knex = db()): Promise<Candidate[]> {
  const settings = opts.settings ?? await loadSettings(k);
  const weights = settings.get('exemplary_weights');
  const records = await filingRecords({ at, rules: settings.rules, from: `${year}-01`, to: `${year}-12`, provinceCode, unitIds: opts.unitIds }, k);
  const info = await k.raw(
    `select u.id, le.name, u.isic_class, u.city, u.status,
            (select count(*) from filings f where f.unit_id = u.id and f.period between :from and :to and ${submittedBy('f')}) as submitted,
            (select count(*) from filings f where f.unit_id = u.id and f.period between :from and :to and ${submittedBy('f')} and f.state = 'verified'
                and not exists (select 1 from filing_reviews r where r.filing_id = f.id and r.action = 'return')) as clean,
            exists (select 1 from nominations n where n.unit_id = u.id and n.year = :year) as nominated
       from units u join legal_entities le on le.id = u.legal_entity_id
      where u.registration = 'approved' and u.province_code = :province ${opts.unitIds ? 'and u.id = any(:ids)' : ''}`,
    { from: `${year}-01`, to: `${year}-12`, at, year, province: provinceCode, ids: opts.unitIds ?? [] },
  );
  const byId = new Map((info.rows as Record<string, unknown>[]).map((r) => [Number(r.id), r]));
  const list = records
    .filter((rec) => rec.due > 0 && byId.has(rec.unit_id))
    .map((rec) => {
      const r = byId.get(rec.unit_id)!;
      const submitted = num(r.submitted);
      const indicators = { completeness: rec.completeness, timeliness: rec.timeliness, quality: submitted ? num(r.clean) / submitted : 0 };
      return {
        unit_id: rec.unit_id, name: String(r.name), isic_class: String(r.isic_class), city: String(r.city), status: String(r.status),
        due: rec.due, ...indicators, score: score(weights, indicators), rank: 0, nominated: Boolean(r.nominated),
        flags: eligibilityVerdict(String(r.status), rec).reasons, nominable: String(r.status) === 'active',
      };
    })
    .sort((a, b) => b.score - a.score || b.completeness - a.completeness || b.timeliness - a.timeliness || a.unit_id - b.unit_id);
  list.forEach((c, i) => { c.rank = i > 0 && list[i - 1].score === c.score ? list[i - 1].rank : i + 1; });
  return list;
}

/**
 * Nominates a unit of the officer's province. The province row is locked for the count, so two
 * officers of one province cannot both take the last place; (year, unit) is unique in the schema.
 */
export async function nominate(a: { year: number; unitId: number; provinceCode: string; userId: number; at: Date }, k: Knex = db()): Promise<void> {
  if (!nominationsOpen(a.year, a.at)) throw new FormError({ _form: lockedMessage(a.year) });
  const settings = await loadSettings(k);
  const cap = settings.get('nominations_per_province');
  await k.transaction(async (trx) => {
    await trx.raw('select code from provinces where code = ? for update', [a.provinceCode]);
    const [c] = await candidates(a.year, a.provinceCode, a.at, { unitIds: [a.unitId], settings }, trx);
    if (!c) throw new NotFoundError();
    if (c.nominated) throw new FormError({ _form: 'این واحد پیش‌تر برای همین سال نامزد شده است.' });
    const taken = num((await trx('nominations').where({ year: a.year, province_code: a.provinceCode }).count<{ n: number }[]>('* as n'))[0].n);
    if (taken >= cap) throw new FormError({ _form: `هر استان برای هر سال حداکثر ${persianDigits(cap)} واحد را می‌تواند نامزد کند. برای نامزد کردن این واحد، نخست یکی از نامزدهای کنونی را حذف کنید.` });
    if (!c.nominable) throw new FormError({ _form: `این واحد را نمی‌توان نامزد کرد: ${c.flags.join('، ')}.` });
    await trx('nominations').insert({
      year: a.year, unit_id: a.unitId, province_code: a.provinceCode, nominated_by: a.userId, at: a.at, score: c.score,
      indicators: JSON.stringify({ completeness: c.completeness, timeliness: c.timeliness, quality: c.quality, due: c.due, weights: settings.get('exemplary_weights') }),
    });
    await audit({ action: 'nominations.create', userId: a.userId, unitId: a.unitId, provinceCode: a.provinceCode, target: `nomination:${a.year}:${a.unitId}`, details: { score: c.score } }, trx);
  });
}

export async function withdraw(a: { year: number; unitId: number; provinceCode: string; userId: number; at: Date }, k: Knex = db()): Promise<void> {
  if (!nominationsOpen(a.year, a.at)) throw new FormError({ _form: lockedMessage(a.year) });
  await k.transaction(async (trx) => {
    const gone = await trx('nominations').where({ year: a.year, unit_id: a.unitId, province_code: a.provinceCode }).delete().returning('id');
    if (gone.length !== 1) throw new NotFoundError();
    await audit({ action: 'nominations.delete', userId: a.userId, unitId: a.unitId, provinceCode: a.provinceCode, target: `nomination:${a.year}:${a.unitId}` }, trx);
  });
}

export interface NationalNomination {
  year: number;
  province_code: string;
  province: string;
  unit_id: number;
  name: string;
  city: string;
  isic_class: string;
  isic_title: string;
  score: number;
  completeness: number;
  timeliness: number;
  quality: number;
  at: Date;
}

/** Every nomination of `year`, nationwide, by province then score: names and ratios only, no production figures. */
export async function nationalNominations(year: number, k: Knex = db()): Promise<NationalNomination[]> {
  const rows = await k.raw(
    `select n.year, n.province_code, p.name as province, n.unit_id, le.name, u.city, u.isic_class, ic.title_fa as isic_title,
            n.score, n.indicators, n.at
       from nominations n
       join units u on u.id = n.unit_id
       join legal_entities le on le.id = u.legal_entity_id
       join provinces p on p.code = n.province_code
       left join isic_codes ic on ic.code = u.isic_class
      where n.year = :year
      order by n.province_code, n.score desc, n.unit_id`,
    { year },
  );
  return (rows.rows as Record<string, unknown>[]).map((r) => {
    const ind = (typeof r.indicators === 'string' ? JSON.parse(r.indicators) : r.indicators) as Record<string, number>;
    return {
      year: num(r.year), province_code: String(r.province_code), province: String(r.province), unit_id: Number(r.unit_id), name: String(r.name),
      city: String(r.city), isic_class: String(r.isic_class), isic_title: String(r.isic_title ?? ''), score: num(r.score),
      completeness: num(ind.completeness), timeliness: num(ind.timeliness), quality: num(ind.quality), at: new Date(String(r.at instanceof Date ? r.at.toISOString() : r.at)),
    };
  });
}

export async function nominationYears(k: Knex = db()): Promise<number[]> {
  const rows = await k('nominations').distinct('year').orderBy('year', 'desc');
  return rows.map((r: { year: number }) => num(r.year));
}
