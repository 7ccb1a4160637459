import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUnit, createUser, signIn } from './support/factories.ts';
import { createFiling } from './support/filings.ts';
import { num } from '../src/db.ts';
import { rialJson, scaleRial, sumRials } from '../src/money.ts';
import { fa, rial } from '../src/numbers.ts';
import { openApiDocument } from '../src/api/docs.ts';
import { addMonths, latestDuePeriod, periodRange } from '../src/calendar.ts';

// Issue 13, bug 3: Rial amounts are exact end to end. One filing's amount is at most 9e15 (below
// 2^53), but twelve of them, or 500 product lines, are not.

let t: TestDatabase;
let app: App;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());

const BIG = 8_999_999_999_999_999;
/** A BigInt in Persian digits with grouping, straight from Intl (not through the code under test). */
const exact = (b: bigint) => new Intl.NumberFormat('fa-IR').format(b); // the largest amount a form accepts is 9e15; this one is odd, so a double cannot hold 12 of them

describe('the database hands over whole numbers exactly', () => {
  it('an int8 or numeric past 2^53 comes back as an exact BigInt, a small one as a number, and num() stays a number', async () => {
    const r = await t.knex.raw(
      `select 9007199254740993::bigint as big, 42::bigint as small, count(*) as n, sum(v) as s, 12.5::numeric as q
         from (values (?::bigint), (?::bigint)) as x(v)`,
      [BIG, BIG],
    );
    const row = r.rows[0];
    expect(row.big).toBe(9007199254740993n);
    expect(row.small).toBe(42);
    expect(row.n).toBe(2);
    expect(row.s).toBe(17_999_999_999_999_998n);
    expect(row.q).toBe(12.5);
    expect(typeof num(row.s)).toBe('number');
    expect(sumRials([row.s, BIG, null])).toBe(26_999_999_999_999_997n);
  });
});

describe('money on the pages', () => {
  it('the facility page sums twelve large verified months exactly and its ceiling is exact', async () => {
    const lastDue = latestDuePeriod(new Date());
    const u = await createUnit({ province_code: '23', obligation_start: addMonths(lastDue, -11), name: 'واحد بزرگ' });
    for (const p of periodRange(addMonths(lastDue, -11), lastDue)) {
      await createFiling({ unitId: u.id, period: p, state: 'verified', productionValue: BIG, intermediateConsumption: 1 });
    }
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent } = await signIn(app, officer.email);
    const res = await agent.get(`/province/units/${u.id}/facility?type=renovation`).expect(200);
    expect(res.text).toContain(`id="production-sum">${exact(107_999_999_999_999_988n)}<`);
    expect(res.text).toContain(`id="value-added-sum">${exact(107_999_999_999_999_976n)}<`);
    // 0.5 × 107 999 999 999 999 976, exactly.
    expect(res.text).toContain('data-ceiling="53999999999999988"');
    const wc = await agent.get(`/province/units/${u.id}/facility?type=working_capital`).expect(200);
    expect(wc.text).toContain('data-ceiling="26999999999999994"');
    expect(res.text).toContain(`>${rial(53_999_999_999_999_988n)}<`);
  });

  it("the officer's filing page sums the product lines' sales value exactly", async () => {
    const u = await createUnit({ province_code: '23', products: ['ورق گرم', 'ورق سرد', 'میلگرد'].map((name) => ({ name, unit_of_measure: 'تن', annual_capacity: 1_000_000 })) });
    const id = await createFiling({ unitId: u.id, period: latestDuePeriod(new Date()), lines: u.productIds.map((p) => ({ product_id: p, produced: 10, sold: 10, sales_value: BIG })) });
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent } = await signIn(app, officer.email);
    const res = await agent.get(`/province/filings/${id}`).expect(200);
    expect(res.text).toContain(`>${exact(26_999_999_999_999_997n)}<`);
  });
});

describe('money helpers', () => {
  it('shows BigInts and whole decimal text exactly, and a Rial never with a fraction', () => {
    expect(fa(10n ** 18n + 1n)).toBe('۱٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۱');
    expect(fa('1000000000000000001')).toBe('۱٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۱');
    expect(rial(12_500.98)).toBe('۱۲٬۵۰۱ ریال');
    expect(rial(10n ** 17n)).toBe('۱۰۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰٬۰۰۰ ریال');
  });

  it('scales by a coefficient rounding half up to a whole Rial', () => {
    expect(scaleRial(3n, 0.5)).toBe(2n);
    expect(scaleRial(107_999_999_999_999_976n, 0.25)).toBe(26_999_999_999_999_994n);
    expect(scaleRial(10n, 0)).toBe(0n);
  });

  it('in JSON, an integer while it is safe and a decimal string past 2^53 − 1, as the OpenAPI says', () => {
    expect(rialJson(Number.MAX_SAFE_INTEGER)).toBe(9007199254740991);
    expect(rialJson(9007199254740992n)).toBe('9007199254740992');
    expect(rialJson(null)).toBeNull();
    const money = (openApiDocument.components as { schemas: Record<string, { oneOf: { type: string }[] }> }).schemas.Money;
    expect(money.oneOf.map((s) => s.type)).toEqual(['integer', 'string']);
  });
});
