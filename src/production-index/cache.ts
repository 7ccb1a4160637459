import type { Knex } from 'knex';
import { num } from '../db.ts';
import { periodOfParts, type Period } from '../calendar.ts';

// Issue 25 §5: the index computation reads aggregates, not filing lines (migration 241). The base
// year's result per (class, code) and each filing's term are kept in tables, made once and again
// only when the change log (index_changes, filled by triggers) has rows for their periods since.
// A computation reads 13 months of filings with their terms (one row per filing), never their
// lines; the lines of a month are read once, when its terms are made.

/**
 * A line's quantity produced in its catalogue code's unit: q × the declared unit's factor ÷ the
 * code's unit's factor, rounded half away from zero at 12 decimals — convertQuantity of
 * src/catalogue/quantity.ts, the tested oracle, in numeric (test/production-index-cache.test.ts
 * compares the two). Lines whose units are of different dimensions are left out by RATIOS.
 */
export const convertedSql = (quantity: string): string => `round(${quantity} * r.from_factor / r.to_factor, 12)`;

// Each coded product's two factors, once per product; a product declared in a unit of another
// dimension than its code's is left out.
const RATIOS = `ratios as (
       select p.id as product_id, p.catalogue_code as code, pm.factor as from_factor, cm.factor as to_factor
         from products p
         join catalogue c on c.code = p.catalogue_code
         join units_of_measure pm on pm.code = p.unit_of_measure_code
         join units_of_measure cm on cm.code = c.unit_of_measure_code and cm.dimension = pm.dimension
     )`;

const monthsOf = (year: number): Period[] => Array.from({ length: 12 }, (_, i) => periodOfParts(year, i + 1));

/**
 * Changes logged for these periods (and '*'), of the given kinds: Σ merged, in one statement (one
 * snapshot), so that a compaction committing meanwhile is seen wholly or not at all.
 */
async function changes(periods: readonly Period[], kinds: readonly ('lines' | 'state')[], k: Knex): Promise<number> {
  const row = await k('index_changes').whereIn('period', [...periods, '*']).whereIn('kind', [...kinds]).sum('merged as n').first();
  return num(row?.n ?? 0);
}

/**
 * Compacts the change log: the rows of each (period, kind) become one row standing for all of
 * them, in one statement. Every count a cache compares with (`changes`) is the same in every
 * snapshot before and after, so no cache is made again for it and none is kept stale by it. A
 * change committing meanwhile is not in the statement's snapshot: its row is not deleted and still
 * counts. Two compactions at once: the second skips the rows the first deleted and merges only
 * what it deleted (`returning`). Cheap: it reads the log, a few rows per period once compacted.
 */
export async function compactIndexChanges(k: Knex): Promise<{ deleted: number; kept: number }> {
  const { rows } = await k.raw(
    `with gone as (
       delete from index_changes
        where (period, kind) in (select period, kind from index_changes group by period, kind having count(*) > 1)
       returning period, kind, merged
     ), kept as (
       insert into index_changes (period, kind, merged)
       select period, kind, sum(merged) from gone group by period, kind
       returning 1
     )
     select (select count(*) from gone)::int as deleted, (select count(*) from kept)::int as kept`,
  ) as { rows: { deleted: number; kept: number }[] };
  return { deleted: Number(rows[0].deleted), kept: Number(rows[0].kept) };
}

async function remembered(baseYear: number, what: string, k: Knex): Promise<number | null> {
  const row = await k('index_cache_state').where({ base_year: baseYear, what }).first('changes');
  return row ? num(row.changes) : null;
}

async function remember(baseYear: number, what: string, count: number, k: Knex): Promise<void> {
  await k.raw(
    `insert into index_cache_state (base_year, what, changes) values (?, ?, ?)
     on conflict (base_year, what) do update set changes = excluded.changes, filled_at = now()`,
    [baseYear, what, count],
  );
}

export interface CacheRefresh { base: boolean; months: Period[]; seconds: number }

/**
 * Makes the base year's products (if its months changed since) and the terms of `periods` (those
 * whose lines changed since, and all when the base changed). Inside the caller's transaction.
 */
export async function refreshIndexCache(baseYear: number, periods: readonly Period[], k: Knex): Promise<CacheRefresh> {
  const began = performance.now();
  const out: CacheRefresh = { base: false, months: [], seconds: 0 };
  // The log first: a change committed after this count leaves the count higher next time.
  const baseCount = await changes(monthsOf(baseYear), ['lines', 'state'], k);
  if ((await remembered(baseYear, 'base', k)) !== baseCount) {
    await fillBase(baseYear, k);
    await k('index_cache_state').where({ base_year: baseYear }).whereNot({ what: 'base' }).delete();
    await k('index_filing_terms').where({ base_year: baseYear }).delete();
    await remember(baseYear, 'base', baseCount, k);
    out.base = true;
  }
  for (const period of periods) {
    const count = await changes([period], ['lines'], k);
    if ((await remembered(baseYear, period, k)) === count) continue;
    await k('index_filing_terms').where({ base_year: baseYear, period }).delete();
    await fillTerms(baseYear, period, k);
    await remember(baseYear, period, count, k);
    out.months.push(period);
  }
  out.seconds = Math.round(performance.now() - began) / 1000;
  return out;
}

/**
 * The base year: per class and product code, the monthly average quantity in the code's unit and
 * the production value (quantity × the code's base-year unit value, sales ÷ quantity sold), kept
 * as coef = the product's share of its class's value ÷ its monthly average quantity.
 */
async function fillBase(baseYear: number, k: Knex): Promise<void> {
  await k('index_base_products').where({ base_year: baseYear }).delete();
  await k.raw(
    `insert into index_base_products (base_year, isic_class, code, coef)
     with ${RATIOS}, lines as (
       select u.isic_class, r.code, ${convertedSql('fl.produced')} as q,
              case when fl.sold > 0 and fl.sales_value is not null then ${convertedSql('fl.sold')} end as sold_q,
              case when fl.sold > 0 then fl.sales_value end as sales
         from filings f join units u on u.id = f.unit_id
         join filing_lines fl on fl.filing_id = f.id and fl.produced is not null
         join ratios r on r.product_id = fl.product_id
        where f.period between :from and :to and f.state in ('submitted', 'verified')
     ), products as (
       select isic_class, code, sum(q) / 12 as q_month, sum(q) * sum(sales) / nullif(sum(sold_q), 0) as value
         from lines group by isic_class, code
     )
     select :year, isic_class, code, (value / sum(value) over (partition by isic_class) / q_month)::float8
       from products where q_month > 0 and value > 0`,
    { year: baseYear, from: periodOfParts(baseYear, 1), to: periodOfParts(baseYear, 12) },
  );
}

/** Each filing of `period` with coded lines: Σ converted quantity × its product's coefficient. */
async function fillTerms(baseYear: number, period: Period, k: Knex): Promise<void> {
  await k.raw(
    `insert into index_filing_terms (base_year, period, filing_id, term)
     with ${RATIOS}, coded as (
       select r.product_id, r.from_factor, r.to_factor, b.coef
         from ratios r join products p on p.id = r.product_id join units u on u.id = p.unit_id
         join index_base_products b on b.base_year = :year and b.isic_class = u.isic_class and b.code = r.code
     )
     select :year, f.period, f.id, sum(${convertedSql('fl.produced')}::float8 * r.coef)
       from filings f
       join filing_lines fl on fl.filing_id = f.id and fl.produced is not null
       join coded r on r.product_id = fl.product_id
      where f.period = :period
      group by f.id, f.period`,
    { year: baseYear, period },
  );
}

/** The base year's products as the computation uses them. */
export async function baseProducts(baseYear: number, k: Knex): Promise<{ isic_class: string; code: string; coef: number }[]> {
  const rows: { isic_class: string; code: string; coef: number | string }[] = await k('index_base_products').where({ base_year: baseYear }).select('isic_class', 'code', 'coef');
  return rows.map((r) => ({ isic_class: r.isic_class, code: r.code, coef: Number(r.coef) }));
}
