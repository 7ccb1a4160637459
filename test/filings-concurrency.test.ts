import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { startServer } from './support/browser.ts';
import { createUser, createUnit, csrfFrom, PASSWORD } from './support/factories.ts';
import { createApiToken } from '../src/api/auth.ts';
import { formBody, period, NOW_PERIOD } from './filings-helpers.ts';

// Two submissions of one period at the same moment, on the real HTTP server: one filing,
// consecutive revisions, and a clear answer to the loser.

let t: TestDatabase;
let server: { url: string; close(): Promise<void> };
beforeAll(async () => {
  t = await freshDatabase();
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  await t.close();
});

async function setup() {
  const unit = await createUnit({ obligation_start: period(-24) });
  const user = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
  const agent = request.agent(server.url);
  const login = await agent.get('/login');
  await agent.post('/login').type('form').send({ _csrf: csrfFrom(login.text), email: user.email, password: PASSWORD }).expect(303);
  const csrf = csrfFrom((await agent.get('/account')).text);
  const { token } = await createApiToken(user.id, 'erp');
  return { unit, agent, csrf, auth: { Authorization: `Bearer ${token}` } };
}

async function revisionsOf(unitId: number, p: string) {
  const f = await t.knex('filings').where({ unit_id: unitId, period: p }).first();
  const revs = (await t.knex('filing_revisions').where({ filing_id: f.id }).orderBy('revision').pluck('revision')) as number[];
  return { f, revs };
}

const apiBody = (productIds: number[], over: Record<string, unknown> = {}) => ({
  employees: 10, production_value: 1_000_000, intermediate_consumption: 500_000,
  lines: productIds.map((id) => ({ product_id: id, produced: 50, sold: 40, sales_value: 100_000 })), submit: true, ...over,
});

describe('concurrent submissions of one period', () => {
  it('two tabs submitting the same new period at once: one wins, the other gets 409 with its values kept', async () => {
    const { unit, agent, csrf } = await setup();
    const post = (employees: string) => agent.post(`/filings/${NOW_PERIOD}`).type('form')
      .send(formBody(csrf, unit.productIds, { employees }, { action: 'submit', base_revision: '0' }));
    const [a, b] = await Promise.all([post('۲۱'), post('۲۲')]);
    expect([a.status, b.status].sort()).toEqual([303, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.text).toMatch(/value="۲[۱۲]"/);
    expect(loser.text).toContain('name="base_revision" value="1"');
    const { f, revs } = await revisionsOf(unit.id, NOW_PERIOD);
    expect(revs).toEqual([1]);
    expect(f.revision).toBe(1);
    expect(await t.knex('filings').where({ unit_id: unit.id })).toHaveLength(1);
  });

  it('the form and the API at once: one filing, consecutive revisions, the loser told clearly', async () => {
    const { unit, agent, csrf, auth } = await setup();
    const p = period(-1);
    const [form, api] = await Promise.all([
      agent.post(`/filings/${p}`).type('form').send(formBody(csrf, unit.productIds, { employees: '31' }, { action: 'submit', base_revision: '0' })),
      request(server.url).put(`/api/v1/filings/${p}`).set(auth).send(apiBody(unit.productIds, { employees: 32 })),
    ]);
    // The API sent no base revision, so it always applies on top; the form may find itself stale.
    expect(api.status).toBe(200);
    expect([303, 409]).toContain(form.status);
    const { f, revs } = await revisionsOf(unit.id, p);
    const expected = form.status === 303 ? [1, 2] : [1];
    expect(revs).toEqual(expected);
    expect(f.revision).toBe(expected.length);
    if (form.status === 409) expect(form.text).toContain('value="31"');
    expect(f.first_submitted_at).not.toBeNull();
  });

  it('five API clients at once: with a base revision exactly one wins; without, all apply as revisions 1…5', async () => {
    const { unit, auth } = await setup();
    const send = (p: string, over: Record<string, unknown>) => request(server.url).put(`/api/v1/filings/${p}`).set(auth).send(apiBody(unit.productIds, over));
    const based = await Promise.all([1, 2, 3, 4, 5].map((i) => send(period(-2), { employees: i, base_revision: 0 })));
    expect(based.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
    expect((await revisionsOf(unit.id, period(-2))).revs).toEqual([1]);
    const free = await Promise.all([1, 2, 3, 4, 5].map((i) => send(period(-3), { employees: i })));
    expect(free.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const { f, revs } = await revisionsOf(unit.id, period(-3));
    expect(revs).toEqual([1, 2, 3, 4, 5]);
    expect(f.revision).toBe(5);
    expect(new Set(free.map((r) => r.body.tracking_code)).size).toBe(1);
    expect(new Set(free.map((r) => r.body.first_submitted_at)).size).toBe(1);
  });
});
