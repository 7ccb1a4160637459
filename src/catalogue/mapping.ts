import type { Knex } from 'knex';
import { db } from '../db.ts';
import { audit } from '../audit.ts';
import { FormError } from '../forms.ts';
import { periodOf } from '../calendar.ts';
import { loadSettings } from '../settings.ts';
import { dimensionName } from './model.ts';

// The mapping queue (issue 15 item 3): units' products without a catalogue code (imported from the
// register, registered before the catalogue), grouped by spelling as catalogue_key() defines it.
// The statistics office sees every province, a province officer only its own — the scope is in
// the SQL of every query, and a product outside it does not exist for the caller. The queue shows
// spellings and counts, never which unit declared them; and since the statistics office never sees
// unit-level data (DESIGN §2), it sees only spellings shared by at least as many units as a
// published cell needs (suppression_min_units, DESIGN §7) — rarer spellings, which could name one
// unit's product, are linked by the officers of the units' provinces.

/** null: national (statistics office); a code: that province only. */
export type Scope = string | null;

export interface QueueGroup {
  key: string;
  name: string;
  product_id: number;
  products: number;
  declared_units: string;
  isic_classes: string;
  main_isic: string;
}

function scoped(q: Knex.QueryBuilder, scope: Scope): Knex.QueryBuilder {
  return scope === null ? q : q.where('u.province_code', scope);
}

/** How many units must share a spelling before the national queue shows it. */
async function nationalMinimum(scope: Scope, k: Knex): Promise<number> {
  return scope === null ? (await loadSettings(k)).get('suppression_min_units') : 1;
}

/** An uncoded product the caller may link: in its province, or (national) of a spelling shared widely enough. */
export async function visibleProduct(productId: number, scope: Scope, k: Knex = db()): Promise<{ id: number; name: string; unit_of_measure: string; unit_of_measure_code: string | null } | undefined> {
  const product = await scoped(k('products as p').join('units as u', 'u.id', 'p.unit_id'), scope)
    .where('p.id', productId).whereNull('p.catalogue_code')
    .first('p.id', 'p.name', 'p.unit_of_measure', 'p.unit_of_measure_code');
  if (!product || scope !== null) return product;
  const [{ n }] = await k('products').whereNull('catalogue_code').whereRaw('catalogue_key(name) = catalogue_key(?)', [product.name]).countDistinct('unit_id as n');
  return Number(n) >= await nationalMinimum(scope, k) ? product : undefined;
}

export const MAPPING_PAGE_SIZE = 25;

/** One page of the queue's spellings (most products first), with the number of spellings and of products. */
export async function mappingQueue(scope: Scope, page = 1, k: Knex = db()): Promise<{ groups: QueueGroup[]; total: number; spellings: number; pages: number; page: number; minimum: number }> {
  const base = () => scoped(k('products as p').join('units as u', 'u.id', 'p.unit_id').whereNull('p.catalogue_code'), scope);
  const minimum = await nationalMinimum(scope, k);
  // One grouped scan gives the page and the number of spellings (a window over the groups).
  const pageOf = (n: number) => base().groupByRaw('catalogue_key(p.name)').havingRaw('count(distinct p.unit_id) >= ?', [minimum])
    .select(
      k.raw('catalogue_key(p.name) as key'), k.raw('min(p.name) as name'), k.raw('min(p.id) as product_id'), k.raw('count(*)::int as products'),
      k.raw(`string_agg(distinct p.unit_of_measure, '، ') as declared_units`), k.raw(`string_agg(distinct u.isic_class, '، ') as isic_classes`),
      k.raw('mode() within group (order by u.isic_class) as main_isic'), k.raw('count(*) over ()::int as spellings'),
    )
    .orderByRaw('count(*) desc, catalogue_key(p.name)')
    .limit(MAPPING_PAGE_SIZE)
    .offset((n - 1) * MAPPING_PAGE_SIZE) as Promise<(QueueGroup & { spellings: number })[]>;
  let current = Math.max(1, page);
  let rows = await pageOf(current);
  if (!rows.length && current > 1) {
    // Past the end: the last page, never an empty queue that hides what waits.
    const [{ n }] = await k.from(base().groupByRaw('catalogue_key(p.name)').havingRaw('count(distinct p.unit_id) >= ?', [minimum]).select(k.raw('1')).as('s')).count('* as n');
    current = Math.max(1, Math.ceil(Number(n) / MAPPING_PAGE_SIZE));
    rows = await pageOf(current);
  }
  const spellings = Number(rows[0]?.spellings ?? 0);
  const [{ n }] = await base().count('* as n');
  const groups = rows.map(({ spellings: _s, ...g }) => ({ ...g, products: Number(g.products) }));
  return { groups, total: Number(n), spellings, pages: Math.max(1, Math.ceil(spellings / MAPPING_PAGE_SIZE)), page: current, minimum };
}

export async function spellingKeyOf(productId: number, k: Knex = db()): Promise<string | null> {
  const row = await k('products').where({ id: productId }).first(k.raw('catalogue_key(name) as key'));
  return row?.key ?? null;
}

export interface Suggestion { code: string; name_fa: string; unit_name: string; isic_class: string; score: number }

/** Character bigrams of a catalogue_key; a one-letter key is its own bigram. */
function bigrams(key: string): Map<string, number> {
  const out = new Map<string, number>();
  const chars = [...key];
  if (chars.length < 2) { if (chars.length) out.set(key, 1); return out; }
  for (let i = 0; i < chars.length - 1; i++) {
    const b = chars[i] + chars[i + 1];
    out.set(b, (out.get(b) ?? 0) + 1);
  }
  return out;
}

/** Dice coefficient of two keys' bigrams: 1 for the same spelling, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  return dice(bigrams(a), bigrams(b));
}

function dice(x: Map<string, number>, y: Map<string, number>): number {
  let both = 0;
  let total = 0;
  for (const [g, n] of x) { both += Math.min(n, y.get(g) ?? 0); total += n; }
  for (const n of y.values()) total += n;
  return total === 0 ? 0 : (2 * both) / total;
}

/** How many catalogue_bigrams rows the rarer bigrams of one spelling may read to find its candidates. */
export const CANDIDATE_POSTINGS = 1000;
/** How many candidates per spelling are scored in full. */
export const SHORTLIST = 40;

/**
 * The nearest codes in force for each spelling, best first; the group's own ISIC class weighs in.
 * Set-based over the stored bigrams of every code (migration 141) and their counts (180), in three
 * steps, each bounded whatever the catalogue's size (issue 23: a 30,000-code catalogue made the
 * one-step join read 2.9 million rows a page):
 *   1. candidates: codes in force sharing one of the spelling's rarer bigrams — its bigrams from
 *      the rarest on, while their codes add up to CANDIDATE_POSTINGS (at least the rarest one);
 *   2. a shortlist: the SHORTLIST candidates with the highest score over those bigrams (the Dice
 *      coefficient over them, plus 0.15 for the spelling's own ISIC class);
 *   3. the shortlist scored over all bigrams: the Dice coefficient of the spelling and each code —
 *      the same scores as similarity() above, which stays as their definition (and the tests'
 *      reference) — plus 0.15 for the class.
 * While a spelling's bigrams are in fewer than CANDIDATE_POSTINGS codes in all (a small
 * catalogue) every code sharing one is a candidate, scored over all of them: the ranking is exactly
 * the reference's. Beyond that, a code sharing only the spelling's common bigrams is not offered
 * (it scores far below one that shares its rare ones), nor is one outside the SHORTLIST best by
 * the rarer bigrams: the five offered are then the best of those, not proven the best of all.
 */
async function rankSuggestions(groups: Pick<QueueGroup, 'key' | 'main_isic'>[], k: Knex, per: number): Promise<Map<string, Suggestion[]>> {
  const out = new Map<string, Suggestion[]>(groups.map((g) => [g.key, []]));
  if (!groups.length) return out;
  const now = periodOf(new Date());
  // A short query whose row estimates (a JSON list, a set-returning function) look large: JIT
  // compiling it would cost more than running it. Only inside a transaction (the route's).
  await k.raw('set local jit = off');
  const inForce = (c: string) => `${c}.active_from <= :now and (${c}.retired_from is null or ${c}.retired_from > :now)`;
  const { rows } = await k.raw(`
    with g as (select distinct key, main_isic from jsonb_to_recordset(:groups::jsonb) as g(key text, main_isic text) where key <> ''),
    gg as materialized (
      select g.key, b.gram, b.n, coalesce(gc.codes, 0) as codes, sum(b.n) over (partition by g.key) as total,
             sum(coalesce(gc.codes, 0)) over (partition by g.key order by coalesce(gc.codes, 0), b.gram rows unbounded preceding) as reach
        from g cross join lateral catalogue_bigrams_of(g.key) b left join catalogue_gram_counts gc on gc.gram = b.gram),
    rare as (select key, gram, n, total from gg where reach - codes < :postings),
    candidates as (
      select r.key, cb.code,
             2.0 * sum(least(r.n, cb.n)) / (max(r.total) + max(cb.total)) + case when min(c.isic_class) = min(g.main_isic) then 0.15 else 0 end as partial
        from rare r join g on g.key = r.key join catalogue_bigrams cb on cb.gram = r.gram join catalogue c on c.code = cb.code
       where ${inForce('c')}
       group by r.key, cb.code),
    shortlist as (select key, code from (select key, code, row_number() over (partition by key order by partial desc, code) as rn from candidates) x where rn <= :shortlist),
    -- Each shortlisted code's own bigrams, read by code (joined by bigram, the planner read all 2.9 million rows of the spellings' bigrams).
    shared as (
      select s.key, s.code, sum(least(gg.n, cb.n)) as both, max(gg.total) + max(cb.total) as total
        from shortlist s
       cross join lateral (select cb.gram, cb.n, cb.total from catalogue_bigrams cb where cb.code = s.code offset 0) cb
        join gg on gg.key = s.key and gg.gram = cb.gram
       group by s.key, s.code),
    scored as (
      select s.key, c.code, c.name_fa, m.name_fa as unit_name, c.isic_class,
             2.0 * s.both / s.total + case when c.isic_class = g.main_isic then 0.15 else 0 end as score
        from shared s join g on g.key = s.key join catalogue c on c.code = s.code join units_of_measure m on m.code = c.unit_of_measure_code),
    ranked as (select *, row_number() over (partition by key order by score desc, code) as rn from scored where score > 0.2)
    select key, code, name_fa, unit_name, isic_class, score::float8 as score from ranked where rn <= :per order by key, rn`,
  { groups: JSON.stringify(groups.map((g) => ({ key: g.key, main_isic: g.main_isic }))), now, per, postings: CANDIDATE_POSTINGS, shortlist: SHORTLIST }) as { rows: (Suggestion & { key: string })[] };
  for (const r of rows) out.get(r.key)?.push({ code: r.code, name_fa: r.name_fa, unit_name: r.unit_name, isic_class: r.isic_class, score: Number(r.score) });
  return out;
}

/** How many suggestions a spelling gets on the page (and are kept for it). */
export const SUGGESTIONS_PER_SPELLING = 5;

/**
 * The suggestions of each spelling, best first: rankSuggestions()'s ranking, kept per (spelling,
 * main class) in mapping_suggestions (migration 251) for the month and catalogue generation it was
 * ranked for. A page ranks only its spellings without a kept ranking of this month and catalogue
 * (issue 23: ~1 s for a page's 25 spellings over 30,000 codes, now paid once, not on every view);
 * names are read with the codes, so a ranking kept is never shown with an old name.
 */
export async function suggestionsFor(groups: Pick<QueueGroup, 'key' | 'main_isic'>[], k: Knex = db(), per = SUGGESTIONS_PER_SPELLING): Promise<Map<string, Suggestion[]>> {
  if (per !== SUGGESTIONS_PER_SPELLING) return rankSuggestions(groups, k, per);
  const out = new Map<string, Suggestion[]>(groups.map((g) => [g.key, []]));
  const asked = groups.filter((g) => g.key !== '');
  if (!asked.length) return out;
  const period = periodOf(new Date());
  const generation = String((await k('catalogue_generation').first('n'))?.n ?? 0);
  const kept = await k('mapping_suggestions')
    .whereIn(['key', 'main_isic'], asked.map((g) => [g.key, g.main_isic]))
    .where({ period }).andWhere('generation', generation)
    .select('key', 'main_isic', 'suggestions') as { key: string; main_isic: string; suggestions: { code: string; score: number }[] | string }[];
  const ranked = new Map(kept.map((r) => [`${r.key}\u0000${r.main_isic}`, typeof r.suggestions === 'string' ? JSON.parse(r.suggestions) as { code: string; score: number }[] : r.suggestions]));
  const missing = asked.filter((g) => !ranked.has(`${g.key}\u0000${g.main_isic}`));
  if (missing.length) {
    const fresh = await rankSuggestions(missing, k, per);
    const rows = missing.map((g) => ({ key: g.key, main_isic: g.main_isic, period, generation, suggestions: JSON.stringify((fresh.get(g.key) ?? []).map((x) => ({ code: x.code, score: x.score }))) }));
    await k('mapping_suggestions').insert(rows).onConflict(['key', 'main_isic']).merge();
    for (const g of missing) {
      const list = fresh.get(g.key) ?? [];
      ranked.set(`${g.key}\u0000${g.main_isic}`, list.map((x) => ({ code: x.code, score: x.score })));
    }
  }
  const codes = [...new Set([...ranked.values()].flat().map((x) => x.code))];
  const names = new Map((codes.length ? await k('catalogue as c').join('units_of_measure as m', 'm.code', 'c.unit_of_measure_code').whereIn('c.code', codes)
    .select('c.code', 'c.name_fa', 'm.name_fa as unit_name', 'c.isic_class') : []).map((r: Omit<Suggestion, 'score'>) => [r.code, r]));
  for (const g of asked) {
    out.set(g.key, (ranked.get(`${g.key}\u0000${g.main_isic}`) ?? []).flatMap((x) => {
      const c = names.get(x.code);
      return c ? [{ code: c.code, name_fa: c.name_fa, unit_name: c.unit_name, isic_class: c.isic_class, score: Number(x.score) }] : [];
    }));
  }
  return out;
}

export interface LinkDecision { productId: number; code: string; all: boolean; unitOfMeasureCode: string }
export interface LinkOutcome { linked: number; skipped: number }

/**
 * Links one product, or every uncoded product of the same spelling within the caller's scope, to a
 * code in force, in one statement. A product keeps its declared unit of measure; one whose typed
 * unit is unknown takes the unit chosen in the decision. A product whose unit is of another
 * dimension than the code's standard unit is not linked (its quantities could not be converted).
 */
export async function linkProducts(d: LinkDecision, scope: Scope, actor: { id: number; ip?: string }, k: Knex = db()): Promise<LinkOutcome | 'not_found'> {
  return k.transaction(async (trx) => {
    const product = await visibleProduct(d.productId, scope, trx);
    if (!product) return 'not_found';
    const now = periodOf(new Date());
    const entry = await trx('catalogue as c').join('units_of_measure as m', 'm.code', 'c.unit_of_measure_code')
      .where('c.code', d.code).first('c.code', 'c.active_from', 'c.retired_from', 'm.dimension', 'm.name_fa as unit_name');
    if (!entry) throw new FormError({ code: 'این کد در فهرست ملی محصولات نیست.' });
    if (entry.active_from > now || (entry.retired_from && entry.retired_from <= now)) throw new FormError({ code: 'این کد اکنون معتبر نیست (هنوز آغاز نشده یا بازنشسته شده است).' });
    const fallback = d.unitOfMeasureCode || null;
    if (fallback && !(await trx('units_of_measure').where({ code: fallback }).first('code'))) throw new FormError({ unit_of_measure_code: 'واحد سنجش را از فهرست انتخاب کنید.' });
    const own = product.unit_of_measure_code ?? fallback;
    if (!own) throw new FormError({ unit_of_measure_code: `واحد سنجش «${product.unit_of_measure}» در فهرست واحدهای سنجش نیست؛ واحد آن را انتخاب کنید.` });
    const ownUnit = await trx('units_of_measure').where({ code: own }).first('dimension', 'name_fa');
    if (ownUnit.dimension !== entry.dimension) {
      throw new FormError({ code: `واحد سنجش محصول («${ownUnit.name_fa}»، ${dimensionName(ownUnit.dimension)}) با واحد استاندارد این کد («${entry.unit_name}»، ${dimensionName(entry.dimension)}) از یک جنس نیست و مقدارها تبدیل نمی‌شوند.` });
    }

    const targets = () => {
      const q = scoped(trx('products as p').join('units as u', 'u.id', 'p.unit_id'), scope).whereNull('p.catalogue_code');
      return d.all ? q.whereRaw('catalogue_key(p.name) = catalogue_key(?)', [product.name]) : q.where('p.id', product.id);
    };
    const candidates = Number((await targets().count('* as n'))[0].n);
    const linked: { id: number }[] = await trx('products')
      .whereIn('id', targets()
        .joinRaw('join units_of_measure m on m.code = coalesce(p.unit_of_measure_code, ?)', [fallback])
        .where('m.dimension', entry.dimension)
        .select('p.id'))
      .update({ catalogue_code: entry.code, unit_of_measure_code: trx.raw('coalesce(unit_of_measure_code, ?)', [fallback]) })
      .returning('id');
    await audit({
      action: 'catalogue.linked', userId: actor.id, ip: actor.ip, provinceCode: scope, target: `catalogue:${entry.code}`,
      details: { spelling: product.name, all: d.all, products: linked.map((l) => l.id) },
    }, trx);
    return { linked: linked.length, skipped: candidates - linked.length };
  });
}
