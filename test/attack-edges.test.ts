import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { createApiToken } from '../src/api/auth.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, createUnit, signIn } from './support/factories.ts';
import { formBody, NOW_PERIOD } from './filings-helpers.ts';

// Issue 12 §7: edge values answer with a Persian message next to the field, never a 500, and a
// quantity is never silently rounded to the column's three decimals.

let t: TestDatabase;
let app: App;
beforeAll(async () => {
  ({ t, app } = await freshApp({ loginLimit: 10_000, apiLimit: 10_000 }));
});
afterAll(async () => t.close());

async function owner() {
  const unit = await createUnit({ province_code: '23', obligation_start: '1400-01' });
  const user = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
  return { unit, ...(await signIn(app, user.email)), userId: user.id };
}

describe('quantities and amounts against their columns', () => {
  for (const [what, produced, message] of [
    ['1e15 (numeric(18,3) holds less)', '1000000000000000', 'بیش از حد بزرگ'],
    ['a 16-digit quantity', '9999999999999999', 'بیش از حد بزرگ'],
    ['four decimals', '12.3456', 'رقم اعشار'],
  ] as const) {
    it(`the filing form refuses ${what} with a Persian message next to the field, the input kept`, async () => {
      const { unit, agent, csrf } = await owner();
      const res = await agent.post(`/filings/${NOW_PERIOD}`).type('form')
        .send(formBody(csrf, unit.productIds, { lines: [{ produced }] }, { action: 'submit', base_revision: '0' }));
      expect(res.status).toBe(422);
      expect(res.text).toMatch(new RegExp(`invalid-feedback[^>]*>[^<]*${message}`));
      expect(res.text).toContain(`value="${produced}"`);
      expect(await t.knex('filings').where({ unit_id: unit.id }).first()).toBeUndefined();
    });
  }

  it('the largest value the column holds is stored exactly; three decimals are kept as typed', async () => {
    const { unit, agent, csrf } = await owner();
    const res = await agent.post(`/filings/${NOW_PERIOD}`).type('form')
      .send(formBody(csrf, unit.productIds, { lines: [{ produced: '999999999999999', sold: '12.345' }] }, { action: 'draft' }));
    expect(res.status).toBe(303);
    const line = await t.knex('filing_lines as l').join('filings as f', 'f.id', 'l.filing_id').where('f.unit_id', unit.id).first('l.produced', 'l.sold');
    expect(line).toEqual({ produced: 999999999999999, sold: 12.345 });
  });

  it('the API answers 422 with a code per field for the same values, never 500', async () => {
    const unit = await createUnit({ province_code: '23', obligation_start: '1400-01' });
    const user = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
    const { token } = await createApiToken(user.id, 'ERP');
    const put = (produced: unknown) => request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set('Authorization', `Bearer ${token}`)
      .send({ employees: 12, production_value: 1_200_000, intermediate_consumption: 700_000, submit: true, lines: [{ product_id: unit.productIds[0], produced, sold: 1, sales_value: 10 }] });
    const big = await put(1e15);
    expect(big.status).toBe(422);
    expect(big.body.error.fields['lines.0.produced'].code).toBe('too_large');
    const precise = await put(1.23456);
    expect(precise.status).toBe(422);
    expect(precise.body.error.fields['lines.0.produced'].code).toBe('too_precise');
    expect(precise.body.error.fields['lines.0.produced'].message).toContain('رقم اعشار');
    expect((await put(1e300)).status).toBe(422);
  });

  it('the registration form refuses a capacity past its column too', async () => {
    const { postRegistration, registrationForm } = await import('./support/registration.ts');
    const { res } = await postRegistration(app, registrationForm({ 'products[0][annual_capacity]': '1.23456' }));
    expect(res.status).toBe(422);
    expect(res.text).toContain('رقم اعشار');
  });
});

// Issue 23 F10: "12,5" was stored as 125 and "1,2,3" as 123, on the web and in the API.
describe('a comma separates thousands only in groups of three', () => {
  for (const typed of ['12,5', '1,2,3', '۱۲٬۵', '12,50', '1,2345', '12,500,5']) {
    it(`the filing form refuses «${typed}» saying to write «٫» or «.» for decimals, the input kept`, async () => {
      const { unit, agent, csrf } = await owner();
      const res = await agent.post(`/filings/${NOW_PERIOD}`).type('form')
        .send(formBody(csrf, unit.productIds, { lines: [{ produced: typed }] }, { action: 'draft' }));
      expect(res.status).toBe(422);
      expect(res.text).toMatch(/invalid-feedback[^>]*>[^<]*برای اعشار «٫» یا «.» بنویسید/);
      expect(res.text).toContain(`value="${typed}"`);
      expect(await t.knex('filings').where({ unit_id: unit.id }).first()).toBeUndefined();
    });
  }

  it('«12,500», «۱۲٬۵۰۰» and «1,234,567.5» are read as thousands separators', async () => {
    for (const [typed, stored] of [['12,500', 12500], ['۱۲٬۵۰۰', 12500], ['1,234,567.5', 1234567.5], ['12.5', 12.5]] as const) {
      const { unit, agent, csrf } = await owner();
      const res = await agent.post(`/filings/${NOW_PERIOD}`).type('form')
        .send(formBody(csrf, unit.productIds, { lines: [{ produced: typed }] }, { action: 'draft' }));
      expect(res.status, typed).toBe(303);
      const line = await t.knex('filing_lines as l').join('filings as f', 'f.id', 'l.filing_id').where('f.unit_id', unit.id).first('l.produced');
      expect(line.produced, typed).toBe(stored);
    }
  });

  it('the API refuses them too, with the code decimal_comma and the same message', async () => {
    const unit = await createUnit({ province_code: '23', obligation_start: '1400-01' });
    const user = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
    const { token } = await createApiToken(user.id, 'ERP');
    const put = (produced: unknown, value: unknown = 10) => request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set('Authorization', `Bearer ${token}`)
      .send({ employees: 12, production_value: 1_200_000, intermediate_consumption: 700_000, submit: false, lines: [{ product_id: unit.productIds[0], produced, sold: 1, sales_value: value }] });
    for (const typed of ['12,5', '1,2,3']) {
      const res = await put(typed);
      expect(res.status).toBe(422);
      expect(res.body.error.fields['lines.0.produced'].code).toBe('decimal_comma');
      expect(res.body.error.fields['lines.0.produced'].message).toContain('برای اعشار «٫» یا «.» بنویسید');
    }
    expect((await put('1,000', '12,5')).body.error.fields['lines.0.sales_value'].code).toBe('decimal_comma');
    expect(await t.knex('filings').where({ unit_id: unit.id }).first()).toBeUndefined();
    expect((await put('12,500')).status).toBeLessThan(300);
    expect((await t.knex('filing_lines as l').join('filings as f', 'f.id', 'l.filing_id').where('f.unit_id', unit.id).first('l.produced')).produced).toBe(12500);
  });
});

describe('years and periods against the system\'s range', () => {
  it('nominations with year=0000 or 9999 answer a page, never 500', async () => {
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const deputy = await createUser({ role: 'planning_deputy' });
    const o = await signIn(app, officer.email);
    const d = await signIn(app, deputy.email);
    for (const year of ['0000', '9999', '0001']) {
      expect((await o.agent.get(`/nominations?year=${year}`)).status).toBeLessThan(500);
      expect((await d.agent.get(`/nominations/national?year=${year}`)).status).toBeLessThan(500);
    }
  });

  it('the performance report with period=0001-01 or 9999-12 answers 422 in Persian, never 500', async () => {
    const stats = await createUser({ role: 'stats_office' });
    const { agent } = await signIn(app, stats.email);
    for (const p of ['0001-01', '9999-12', '0000-01']) {
      const res = await agent.get(`/stats/performance?period=${p}`);
      expect(res.status).toBe(422);
      expect(res.text).toContain('بیرون از بازهٔ سال‌های سامانه');
    }
    const { token } = await createApiToken(stats.id, 'tool');
    expect((await request(app).get('/api/v1/stats/performance?period=0001-01').set('Authorization', `Bearer ${token}`)).status).toBe(422);
  });
});
