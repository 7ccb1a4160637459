import type { Knex } from 'knex';
import { db, num } from '../db.ts';
import { loadSettings, type Settings } from '../settings.ts';
import { startOfJalaliDay, jalaliDateOf } from '../calendar.ts';
import { filingRecordOf, eligibilityVerdict } from '../eligibility/record.ts';
import { refreshYearRecords } from '../eligibility/year-records.ts';
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

/** The options of a ranking: one unit (a nomination), or a page of the matching ones. */
interface RankingOptions { unitIds?: number[]; settings?: Settings }

/**
 * The statement that ranks a province's candidates for `year` as of `at`, in SQL (issue 23: at
 * national size the ranking of Tehran's 16,582 units in JavaScript cost 2–4 s a page): per unit
 * its filing record over the year's due periods and the share of its submitted filings verified
 * without a return, read from unit_year_records (the rule's cache, made fresh for `at` first:
 * eligibility/year-records.ts), the score with the weights in float8 (the same IEEE arithmetic,
 * in the same order, as score() above), and its rank over the whole province. `ranked` is a CTE
 * the caller selects from; `pos` is the order of the list.
 */
async function rankingSql(year: number, provinceCode: string, at: Date, settings: Settings, opts: RankingOptions, k: Knex): Promise<{ cte: string; bindings: Record<string, Knex.Value> }> {
  const weights = settings.get('exemplary_weights');
  await refreshYearRecords(k, { year, at, rules: settings.rules, provinceCode, unitIds: opts.unitIds });
  const cte = `scored as (
      select y.unit_id, y.due, y.filed, y.on_time, y.missing_periods, le.name, u.isic_class, u.city, u.status,
             y.filed::float8 / y.due as completeness, y.on_time::float8 / y.due as timeliness,
             case when y.submitted = 0 then 0::float8 else y.clean::float8 / y.submitted end as quality,
             exists (select 1 from nominations n where n.unit_id = u.id and n.year = :year) as nominated
        from unit_year_records y join units u on u.id = y.unit_id join legal_entities le on le.id = u.legal_entity_id
       where y.province_code = :province and y.year = :year and y.due > 0${opts.unitIds ? ' and y.unit_id = any(:ids)' : ''}),
    ranked as materialized (
      select s.*, rank() over (order by s.score desc) as rank,
             row_number() over (order by s.score desc, s.completeness desc, s.timeliness desc, s.unit_id) as pos
        from (select scored.*, :wc::float8 * completeness + :wt::float8 * timeliness + :wq::float8 * quality as score from scored) s)`;
  return {
    cte,
    bindings: { year, province: provinceCode, ids: opts.unitIds ?? [], wc: weights.completeness, wt: weights.timeliness, wq: weights.quality },
  };
}

function candidateOf(r: Record<string, unknown>): Candidate {
  const record = filingRecordOf(r);
  const status = String(r.status);
  return {
    unit_id: Number(r.unit_id), name: String(r.name), isic_class: String(r.isic_class), city: String(r.city), status,
    due: record.due, completeness: num(r.completeness), timeliness: num(r.timeliness), quality: num(r.quality), score: num(r.score),
    rank: num(r.rank), nominated: Boolean(r.nominated),
    flags: eligibilityVerdict(status, record).reasons, nominable: status === 'active',
  };
}

/** Ranked candidates of a province for `year`, as of `at` (units with nothing due in the year are left out). */
export async function candidates(year: number, provinceCode: string, at: Date, opts: RankingOptions = {}, k: Knex = db()): Promise<Candidate[]> {
  const settings = opts.settings ?? await loadSettings(k);
  const { cte, bindings } = await rankingSql(year, provinceCode, at, settings, opts, k);
  const { rows } = await k.raw(`with ${cte} select * from ranked order by pos`, bindings);
  return (rows as Record<string, unknown>[]).map(candidateOf);
}

export interface CandidatePage {
  /** The page's candidates, ranked over the whole province. */
  rows: Candidate[];
  /** Nominated candidates that are not on this page (shown above the list, with their rank). */
  nominatedElsewhere: Candidate[];
  page: number; pages: number;
  /** Candidates matching the search; all candidates; nominated ones. */
  total: number; all: number; taken: number;
}

/**
 * One page of the ranked candidates matching `q` (part of the name or city, as normalizeText
 * writes them), in one statement: ranked over the province, searched, counted and cut in SQL, so
 * only the page (and the province's few nominated units) leave the database. Past the last page:
 * the last page.
 */
export async function candidatePage(year: number, provinceCode: string, at: Date, opts: { q: string; page: number; size: number; settings?: Settings }, k: Knex = db()): Promise<CandidatePage> {
  const settings = opts.settings ?? await loadSettings(k);
  const { cte, bindings } = await rankingSql(year, provinceCode, at, settings, {}, k);
  const { rows } = await k.raw(
    `with ${cte},
       -- A match's place among the matches, counted along the ranking (no join of the ranking with
       -- itself: planned as a nested loop it cost 15 s for Tehran's 16,582 units).
       counted as materialized (
         select r.*, case when m.hit then count(*) filter (where m.hit) over (order by r.pos) end as fpos
           from ranked r cross join lateral (select :q = '' or strpos(r.name, :q) > 0 or strpos(r.city, :q) > 0 as hit) m),
       counts as (select count(fpos)::int as total, count(*)::int as all_count, count(*) filter (where nominated)::int as taken from counted),
       bounds as (select c.*, greatest(1, least(:page, ceil(c.total::numeric / :size)::int)) as page from counts c),
       shown as (
         select c.*, c.fpos is not null and c.fpos > (b.page - 1) * :size and c.fpos <= b.page * :size as on_page
           from counted c cross join bounds b
          where c.nominated or (c.fpos > (b.page - 1) * :size and c.fpos <= b.page * :size))
     select b.total, b.all_count, b.taken, b.page as shown_page, s.*
       from bounds b left join shown s on true
      order by s.pos`,
    { ...bindings, q: opts.q, page: opts.page, size: opts.size },
  );
  const list = rows as Record<string, unknown>[];
  const head = list[0]!;
  const shown = list.filter((r) => r.unit_id !== null);
  const total = num(head.total);
  return {
    rows: shown.filter((r) => r.on_page).map(candidateOf),
    nominatedElsewhere: shown.filter((r) => !r.on_page).map(candidateOf),
    page: num(head.shown_page), pages: Math.max(1, Math.ceil(total / opts.size)),
    total, all: num(head.all_count), taken: num(head.taken),
  };
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
