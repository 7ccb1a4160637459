import { db, closeDb } from '../src/db.ts';
import { scoresSql } from '../src/verifications/score.ts';

// Issue 24's bench line for selective editing, on a synthetic database (npm run db:synth):
//   DATABASE_URL=… npx tsx bench/selective-editing.ts 23
// injects errors into 1 % of the province's waiting filings that have history (production value
// × 1,000 or ÷ 1,000, employees × 10, a price × 100, by id mod 4), scores the province, prints the
// share of injected filings in the top 5 / 10 / 20 % of the queue and the scoring time, and rolls
// everything back.
const k = db();
const prov = process.argv[2] ?? '19';
await k.transaction(async (trx) => {
  await trx.raw('set local enable_nestloop = off');
  // 1 % of the province's waiting filings, each with one of the four errors (by id mod 4).
  const picked: { id: number; kind: number }[] = (await trx.raw(
    `select f.id, f.id % 4 as kind from filings f join units u on u.id = f.unit_id
      where u.province_code = ? and f.state = 'submitted' and f.production_value_expected is not null and f.employees_expected is not null
        and exists (select 1 from filing_lines l where l.filing_id = f.id and l.price_expected > 0 and l.sold > 0)
        and hashint4(f.id) % 100 = 0`, [prov])).rows;
  const ids = (kind: number) => picked.filter((p) => Number(p.kind) === kind).map((p) => p.id);
  await trx('filings').whereIn('id', ids(0)).update({ production_value: trx.raw('production_value * 1000'), intermediate_consumption: trx.raw('intermediate_consumption * 1000') });
  await trx('filings').whereIn('id', ids(1)).update({ production_value: trx.raw('greatest(1, production_value / 1000)'), intermediate_consumption: trx.raw('greatest(0, intermediate_consumption / 1000)') });
  await trx('filings').whereIn('id', ids(2)).update({ employees: trx.raw('employees * 10') });
  await trx.raw(`update filing_lines set sales_value = sales_value * 100 where filing_id = any(?) and product_id = (select min(product_id) from filing_lines l2 where l2.filing_id = filing_lines.filing_id and l2.price_expected > 0 and l2.sold > 0)`, [ids(3)]);
  const t0 = Date.now();
  const scores: { id: number; score: number }[] = (await trx.raw(`select id, score from (${scoresSql(trx, prov, 3).toQuery()}) s`)).rows;
  const ms = Date.now() - t0;
  const waiting = Number((await trx.raw(`select count(*) n from filings f join units u on u.id = f.unit_id where u.province_code = ? and f.state = 'submitted'`, [prov])).rows[0].n);
  const scoreOf = new Map(scores.map((s) => [s.id, Number(s.score)]));
  const ranked = [...scoreOf.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id);
  // Unscored waiting filings (no history) sort after every scored one.
  const rank = new Map(ranked.map((id, i) => [id, i]));
  const inTop = (share: number) => picked.filter((p) => (rank.get(p.id) ?? Infinity) < waiting * share).length / picked.length;
  console.log(JSON.stringify({ province: prov, waiting, injected: picked.length, byKind: [0, 1, 2, 3].map((k) => ids(k).length), top10: inTop(0.1), top20: inTop(0.2), top5: inTop(0.05), scoreMs: ms }));
  const missed = picked.filter((p) => (rank.get(p.id) ?? Infinity) >= waiting * 0.2).map((p) => ({ ...p, rank: rank.get(p.id) }));
  console.log(JSON.stringify(missed.slice(0, 10)));
  await trx.rollback();
}).catch((e) => { if (!String(e).includes('Transaction rejected')) throw e; });
await closeDb();
