import type { Knex } from 'knex';
import { HB } from '../filings/hidiroglou-berthelot.ts';
import { fa } from '../numbers.ts';

// Issue 24, selective editing (docs/verification.md): every submitted filing of a province gets
//   score = max over measures of suspicion × impact × 100
// - measures: production value, employees, and each product's sales value at its price;
// - expected value ŷ: the unit's own median over the 12 months before (at least 3 of them; a
//   product's: quantity sold × its median price), kept on the row when it is submitted
//   (migrations/150_filing_expectations.ts), none without that history;
// - suspicion = max(|ln(y / ŷ)| / ln(median_warning_factor), HB distance of (y, ŷ) among the
//   filings of the same ISIC class, province and period), so 1 is the edge of what is accepted;
// - impact = |y − ŷ| as a share of the class's total in the province and in the nation (half
//   each), where the province's total counts a filing still waiting by its expected value, so that
//   an error does not hide itself by inflating the total, and the nation's is the province's scaled
//   by the class's units (see `nation` below);
// All in one statement, set-based: the scores of a whole province at once, one row per filing.

/** The scores of the province's submitted filings: (id, score, measure, ratio, share, hb). */
export function scoresSql(k: Knex, province: string, medianFactor: number): Knex.Raw {
  return k.raw(
    `with queued as materialized (
       select distinct u.isic_class, f.period from filings f join units u on u.id = f.unit_id
        where u.province_code = :province and f.state = 'submitted'
     ), s as materialized (
       -- The filings scored and their peers: every submitted filing of a (class, period) with one waiting.
       select f.id, f.state, u.isic_class, f.period, f.production_value::float8 as pv, f.production_value_expected as pv_hat,
              f.employees::float8 as emp, f.employees_expected as emp_hat
         from filings f join units u on u.id = f.unit_id
        where u.province_code = :province and f.first_submitted_at is not null and (u.isic_class, f.period) in (select isic_class, period from queued)
     ), m as materialized (
       select id, state, isic_class, period, 'production_value' as measure, pv as y, pv_hat as y_hat from s where pv is not null
       union all
       select id, state, isic_class, period, 'employees', emp, emp_hat from s where emp is not null
     ), hb_in as materialized (
       select m.*, m.y / m.y_hat as r, power(greatest(m.y, m.y_hat), :U) as size from m where m.y > 0 and m.y_hat > 0
     ), hb_med as materialized (
       select isic_class, period, measure, count(*) as n, percentile_cont(0.5) within group (order by r) as r_med,
              percentile_cont(0.5) within group (order by size) as size_med
         from hb_in group by isic_class, period, measure
     ), hb_e as materialized (
       select i.id, i.state, i.isic_class, i.period, i.measure, b.n, b.size_med,
              (case when i.r < b.r_med then 1 - b.r_med / i.r else i.r / b.r_med - 1 end) * i.size as e
         from hb_in i join hb_med b using (isic_class, period, measure)
     ), hb_q as materialized (
       select isic_class, period, measure, percentile_cont(array[0.25, 0.5, 0.75]) within group (order by e) as q from hb_e group by isic_class, period, measure
     ), hb as materialized (
       select e.id, e.measure,
              case when e.n < :minPeers then 0
                   when e.e >= q.q[2] then (e.e - q.q[2]) / (:C * greatest(q.q[3] - q.q[2], :A * e.size_med))
                   else (q.q[2] - e.e) / (:C * greatest(q.q[2] - q.q[1], :A * e.size_med)) end as hb
         from hb_e e join hb_q q using (isic_class, period, measure)
        where e.state = 'submitted'
     ), prov_total as materialized (
       select isic_class, period, measure, sum(case when state = 'submitted' then coalesce(y_hat, y) else y end) as total
         from m group by isic_class, period, measure
     ), nation as materialized (
       -- The nation's total of a class, estimated as the province's × (approved units of the class in
       -- the nation ÷ in the province): exact totals would read every filing of the country.
       select isic_class, count(*)::float8 / nullif(count(*) filter (where province_code = :province), 0) as scale
         from units where registration = 'approved' and isic_class in (select isic_class from queued) group by isic_class
     ), prices as materialized (
       -- A product's sales value against quantity sold × its expected price; its weight is the
       -- class's production value in the province (sales and production are of one order).
       select l.filing_id as id, s.isic_class, s.period, l.sales_value::float8 as y, l.sold::float8 * l.price_expected as y_hat
         from s join filing_lines l on l.filing_id = s.id
        where s.state = 'submitted' and l.sold > 0 and l.sales_value is not null and l.price_expected > 0
     ), scored as (
       select m.id, m.measure, m.y / nullif(m.y_hat, 0) as ratio,
              abs(m.y - m.y_hat) / nullif(p.total, 0) as share,
              coalesce(hb.hb, 0) as hb,
              greatest(abs(ln(greatest(m.y, 1) / greatest(m.y_hat, 1))) / ln(:factor), coalesce(hb.hb, 0))
                * abs(m.y - m.y_hat) / nullif(p.total, 0) * (0.5 + 0.5 / greatest(coalesce(n.scale, 1), 1)) * 100 as score
         from m
         join prov_total p using (isic_class, period, measure)
         left join nation n using (isic_class)
         left join hb on hb.id = m.id and hb.measure = m.measure
        where m.state = 'submitted' and m.y_hat is not null
       union all
       select x.id, 'sales_value', x.y / x.y_hat, abs(x.y - x.y_hat) / nullif(p.total, 0), 0,
              abs(ln(greatest(x.y, 1) / greatest(x.y_hat, 1))) / ln(:factor)
                * abs(x.y - x.y_hat) / nullif(p.total, 0) * (0.5 + 0.5 / greatest(coalesce(n.scale, 1), 1)) * 100
         from prices x join prov_total p on p.isic_class = x.isic_class and p.period = x.period and p.measure = 'production_value'
         left join nation n on n.isic_class = x.isic_class
     )
     select distinct on (id) id, coalesce(score, 0) as score, measure, ratio, share, hb
       from scored order by id, score desc nulls last`,
    { province, minPeers: HB.MIN_PEERS, U: HB.U, A: HB.A, C: HB.C, factor: Math.max(1.1, medianFactor) },
  );
}

export interface ScoreFields { score: number | null; measure: string | null; ratio: number | null; share: number | null; hb: number | null }

const MEASURE: Record<string, [what: string, total: string]> = {
  production_value: ['ارزش تولید', 'ارزش تولید استان'],
  employees: ['تعداد کارکنان', 'کارکنان استان'],
  sales_value: ['ارزش فروش به قیمت این ماه', 'فروش استان'],
};

function times(r: number): string {
  if (r >= 10) return fa(Math.round(r));
  if (r >= 1) return fa(Math.round(r * 10) / 10);
  return fa(Number(r.toPrecision(2)));
}

/** Why a filing ranks where it does, in Persian: «ارزش تولید ۹۸۰ برابر میانه ماه‌های قبل؛ ۱۲٪ کل استان در این رشته». */
export function scoreReason(s: ScoreFields): string {
  if (s.measure === null || s.ratio === null) return 'سابقه کافی برای مقایسه نیست (کمتر از ۳ ماه).';
  const [what, total] = MEASURE[s.measure] ?? [s.measure, ''];
  const share = s.share === null ? '' : `؛ ${fa(Math.round(Number(s.share) * 1000) / 10)}٪ ${total === 'ارزش تولید استان' ? 'کل استان' : total} در این رشته`;
  const peers = Number(s.hb) > 1 ? '؛ بیرون از بازه واحدهای هم‌رشته استان' : '';
  return `${what} ${times(Number(s.ratio))} برابر میانه ماه‌های قبل${share}${peers}`;
}
