import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { createApiToken } from '../src/api/auth.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, createUnit, signIn, unitWithToken } from './support/factories.ts';
import { period, NOW_PERIOD } from './filings-helpers.ts';
import { submittedNow } from './support/filings.ts';

let t: TestDatabase;
let app: App;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());


const body = (productIds: number[], over: Record<string, unknown> = {}) => ({
  employees: 12,
  production_value: 1_200_000,
  intermediate_consumption: 700_000,
  lines: productIds.map((id) => ({ product_id: id, produced: 80, sold: 70, sales_value: 900_000 })),
  submit: true,
  ...over,
});

describe('API authentication', () => {
  it('401 without a token, with an unknown one, and with a revoked one', async () => {
    await request(app).get('/api/v1/unit').expect(401);
    const r = await request(app).get('/api/v1/unit').set('Authorization', 'Bearer psp_nope');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('unauthorized');
    const { user, auth } = await unitWithToken();
    await request(app).get('/api/v1/unit').set(auth).expect(200);
    await t.knex('api_tokens').where({ user_id: user.id }).update({ revoked_at: new Date() });
    await request(app).get('/api/v1/unit').set(auth).expect(401);
  });

  it("a deactivated user's token is 401; a token's last use is recorded at most once a minute", async () => {
    const { user, auth } = await unitWithToken();
    const lastUse = async () => (await t.knex('api_tokens').where({ user_id: user.id }).first('last_used_at')).last_used_at as Date | null;
    expect(await lastUse()).toBeNull();
    await request(app).get('/api/v1/unit').set(auth).expect(200);
    const first = await lastUse();
    expect(first).not.toBeNull();
    const aMinuteAgo = new Date(Date.now() - 30_000);
    await t.knex('api_tokens').where({ user_id: user.id }).update({ last_used_at: aMinuteAgo });
    await request(app).get('/api/v1/unit').set(auth).expect(200);
    expect((await lastUse())!.getTime()).toBe(aMinuteAgo.getTime());
    await t.knex('api_tokens').where({ user_id: user.id }).update({ last_used_at: new Date(Date.now() - 120_000) });
    await request(app).get('/api/v1/unit').set(auth).expect(200);
    expect(Date.now() - (await lastUse())!.getTime()).toBeLessThan(60_000);
    await t.knex('users').where({ id: user.id }).update({ active: false });
    const before = new Date(Date.now() - 120_000);
    await t.knex('api_tokens').where({ user_id: user.id }).update({ last_used_at: before });
    await request(app).get('/api/v1/unit').set(auth).expect(401);
    expect((await lastUse())!.getTime()).toBe(before.getTime());
  });

  it('other roles get 404 on the unit routes', async () => {
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { token } = await createApiToken(officer.id, 'x');
    for (const [m, path] of [['get', '/api/v1/unit'], ['get', '/api/v1/filings'], ['put', `/api/v1/filings/${NOW_PERIOD}`]] as const) {
      const r = await request(app)[m](path).set('Authorization', `Bearer ${token}`).send({});
      expect(r.status).toBe(404);
    }
  });
});

describe('GET /api/v1/unit and /filings', () => {
  it('gives the unit, its products with ids and units of measure, status and the current period', async () => {
    const { unit, auth } = await unitWithToken();
    const r = await request(app).get('/api/v1/unit').set(auth).expect(200);
    expect(r.body).toMatchObject({ id: unit.id, obligation_start: period(-24), status: 'active', registration: 'approved' });
    expect(r.body.products).toEqual([expect.objectContaining({ id: unit.productIds[0], unit_of_measure: 'تن', annual_capacity: 1200 })]);
    expect(r.body.current_period).toMatch(/^\d{4}-\d{2}$/);
    expect(Date.parse(r.body.current_deadline)).toBeGreaterThan(Date.now());
  });

  it('lists each period with state, first submission, timeliness and revision', async () => {
    const { unit, auth } = await unitWithToken();
    await submittedNow({ unitId: unit.id, period: period(-3), state: 'returned', returnReason: 'ناقص', lines: [{ product_id: unit.productIds[0], produced: 100, sold: 100, sales_value: 1000 }] });
    const r = await request(app).get(`/api/v1/filings?from=${period(-4)}&to=${period(-2)}`).set(auth).expect(200);
    expect(r.body.filings.map((f: { period: string }) => f.period)).toEqual([period(-4), period(-3), period(-2)]);
    expect(r.body.filings[0]).toMatchObject({ state: 'missing', timeliness: 'missing', revision: 0, first_submitted_at: null });
    expect(r.body.filings[1]).toMatchObject({ state: 'returned', timeliness: 'late', revision: 1, return_reason: 'ناقص' });
    const bad = await request(app).get('/api/v1/filings?from=1404-13').set(auth);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_period');
  });
});

describe('PUT /api/v1/filings/{period}', () => {
  it('saves a draft, then submits it: revision 1 via api, tracking code, the stored filing in the body', async () => {
    const { unit, user, auth } = await unitWithToken();
    const d = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { submit: false, employees: null }));
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ state: 'draft', revision: 0, employees: null, tracking_code: null });
    const s = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds));
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ state: 'submitted', revision: 1, employees: 12, value_added: 500_000, timeliness: 'on_time', warnings: [] });
    expect(s.body.tracking_code).toMatch(/^[A-Z2-9]{10}$/);
    expect(s.body.lines).toEqual([{ product_id: unit.productIds[0], produced: 80, sold: 70, sales_value: 900_000 }]);
    const rev = await t.knex('filing_revisions as r').join('filings as f', 'f.id', 'r.filing_id').where({ 'f.unit_id': unit.id }).first('r.*');
    expect(rev).toMatchObject({ revision: 1, via: 'api', user_id: user.id });
    const g = await request(app).get(`/api/v1/filings/${NOW_PERIOD}`).set(auth).expect(200);
    expect(g.body.revision).toBe(1);
  });

  it('a product line left out of a draft is deleted, the others overwritten; the body always shows what is stored', async () => {
    const { unit, auth } = await unitWithToken({ products: [{ name: 'سیمان', unit_of_measure: 'تن', annual_capacity: 9000 }, { name: 'کلینکر', unit_of_measure: 'تن', annual_capacity: 9000 }] });
    const [a, b] = unit.productIds;
    const stored = async () => (await t.knex('filing_lines as l').join('filings as f', 'f.id', 'l.filing_id').where({ 'f.unit_id': unit.id }).orderBy('l.product_id').select('l.product_id', 'l.produced', 'l.sold', 'l.sales_value'))
      .map((l) => ({ product_id: l.product_id, produced: Number(l.produced), sold: Number(l.sold), sales_value: Number(l.sales_value) }));
    const put = (over: Record<string, unknown>) => request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, over));
    const both = await put({ submit: false });
    expect(both.status).toBe(200);
    expect(await stored()).toHaveLength(2);
    const one = await put({ submit: false, lines: [{ product_id: b, produced: 5.125, sold: 5, sales_value: 50 }] });
    expect(one.status).toBe(200);
    expect(one.body.lines).toEqual([{ product_id: b, produced: 5.125, sold: 5, sales_value: 50 }]);
    expect(await stored()).toEqual(one.body.lines);
    const none = await put({ submit: false, lines: [] });
    expect(none.body.lines).toEqual([]);
    expect(await stored()).toEqual([]);
    const submitted = await put({ lines: [{ product_id: a, produced: 7, sold: 6, sales_value: 60 }, { product_id: b, produced: 8, sold: 7, sales_value: 70 }] });
    expect(submitted.status).toBe(200);
    const corrected = await put({ lines: [{ product_id: a, produced: 9, sold: 6, sales_value: 60 }, { product_id: b, produced: 8, sold: 7.5, sales_value: 75 }] });
    expect(corrected.body).toMatchObject({ state: 'submitted', revision: 2 });
    expect(corrected.body.lines).toEqual([{ product_id: a, produced: 9, sold: 6, sales_value: 60 }, { product_id: b, produced: 8, sold: 7.5, sales_value: 75 }]);
    expect(await stored()).toEqual(corrected.body.lines);
    const audited = await t.knex('audit_log').where({ unit_id: unit.id }).whereIn('action', ['filing.submit', 'filing.correct']).orderBy('id').pluck('action');
    expect(audited).toEqual(['filing.submit', 'filing.correct']);
  });

  it('422 with a Persian message and a code per field', async () => {
    const { unit, auth } = await unitWithToken();
    const r = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send({
      ...body(unit.productIds),
      employees: 1.5,
      production_value: 'abc',
      intermediate_consumption: null,
      lines: [{ product_id: unit.productIds[0], produced: -1, sold: '۱۲', sales_value: 10 }],
    });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('validation');
    expect(r.body.error.message).toMatch(/[آ-ی]/);
    expect(r.body.error.fields).toMatchObject({
      employees: { code: 'not_integer' },
      production_value: { code: 'not_a_number' },
      intermediate_consumption: { code: 'required' },
      'lines.0.produced': { code: 'negative', message: 'مقدار تولید نمی‌تواند منفی باشد.' },
    });
    expect(r.body.error.fields['lines.0.sold']).toBeUndefined();
    const noSubmit = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send({ ...body(unit.productIds), submit: undefined });
    expect(noSubmit.body.error.fields.submit.code).toBe('required');
    const missing = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body([]));
    expect(missing.status).toBe(422);
    expect(missing.body.error.fields.lines.code).toBe('missing_products');
    expect(await t.knex('filings').where({ unit_id: unit.id })).toHaveLength(0);
  });

  it('404 for another unit\'s product; nothing stored', async () => {
    const { unit, auth } = await unitWithToken();
    const other = await createUnit();
    const r = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body([unit.productIds[0], other.productIds[0]]));
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('product_not_found');
    expect(await t.knex('filings').where({ unit_id: unit.id })).toHaveLength(0);
  });

  it('400 for a period not begun or before the obligation start; 400 for a unit not approved', async () => {
    const { unit, auth } = await unitWithToken({ obligation_start: period(-5) });
    const a = await request(app).put(`/api/v1/filings/${period(1)}`).set(auth).send(body(unit.productIds));
    expect(a.status).toBe(400);
    expect(a.body.error.code).toBe('period_not_begun');
    const b = await request(app).put(`/api/v1/filings/${period(-6)}`).set(auth).send(body(unit.productIds));
    expect(b.status).toBe(400);
    expect(b.body.error.code).toBe('before_obligation');
    const pending = await unitWithToken({ registration: 'pending' });
    const c = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(pending.auth).send(body(pending.unit.productIds));
    expect(c.status).toBe(400);
    expect(c.body.error.code).toBe('unit_not_approved');
    // A refused submission leaves no filing behind (the row its statement made is rolled back).
    expect(Number((await t.knex('filings').whereIn('unit_id', [unit.id, pending.unit.id]).count('* as n').first())!.n)).toBe(0);
  });

  it('409 for a verified filing; a stale base_revision is 409 too', async () => {
    const { unit, auth } = await unitWithToken();
    await submittedNow({ unitId: unit.id, period: period(-1), state: 'verified', lines: [{ product_id: unit.productIds[0], produced: 100, sold: 100, sales_value: 1000 }] });
    const r = await request(app).put(`/api/v1/filings/${period(-1)}`).set(auth).send(body(unit.productIds));
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('locked');
    await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds)).expect(200);
    const s = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { employees: 13, base_revision: 0 }));
    expect(s.status).toBe(409);
    expect(s.body.error).toMatchObject({ code: 'stale_revision', current_revision: 1 });
    const ok = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(body(unit.productIds, { employees: 13, base_revision: 1 }));
    expect(ok.body).toMatchObject({ revision: 2, employees: 13 });
  });

  it('a submission with warnings needs confirm_warnings: true; the warnings come back in the body', async () => {
    const { unit, auth } = await unitWithToken();
    const over = body(unit.productIds, { lines: [{ product_id: unit.productIds[0], produced: 500, sold: 10, sales_value: 1 }] });
    const r = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(over);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('warnings_unconfirmed');
    expect(r.body.error.warnings).toEqual([expect.objectContaining({ code: 'over_capacity', field: 'lines.0.produced' })]);
    expect(await t.knex('filings').where({ unit_id: unit.id })).toHaveLength(0);
    const ok = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send({ ...over, confirm_warnings: true });
    expect(ok.status).toBe(200);
    expect(ok.body.warnings).toHaveLength(1);
    const stored = await t.knex('filings').where({ unit_id: unit.id }).first();
    expect(stored.warnings[0].code).toBe('over_capacity');
  });

  it('a unit\'s token cannot read or write another unit: unit_id of someone else is 404', async () => {
    const mine = await unitWithToken();
    const theirs = await createUnit({ obligation_start: period(-24) });
    await submittedNow({ unitId: theirs.id, period: period(-1), lines: [{ product_id: theirs.productIds[0], produced: 100, sold: 100, sales_value: 1000 }] });
    await request(app).get(`/api/v1/filings/${period(-1)}`).set(mine.auth).expect(404);
    await request(app).get(`/api/v1/filings/${period(-1)}?unit_id=${theirs.id}`).set(mine.auth).expect(404);
    await request(app).get(`/api/v1/unit?unit_id=${theirs.id}`).set(mine.auth).expect(404);
    await request(app).put(`/api/v1/filings/${NOW_PERIOD}?unit_id=${theirs.id}`).set(mine.auth).send(body(theirs.productIds)).expect(404);
  });
});

describe('API tokens page and the API docs', () => {
  it('a token is shown once on creation, listed by prefix, and revoked', async () => {
    const unit = await createUnit();
    const user = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
    const { agent, csrf } = await signIn(app, user.email);
    const empty = await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: '' });
    expect(empty.status).toBe(422);
    const created = await agent.post('/account/tokens').type('form').send({ _csrf: csrf, name: 'سامانه حسابداری' });
    expect(created.status).toBe(201);
    const token = /<code[^>]*>(psp_[A-Za-z0-9_-]+)<\/code>/.exec(created.text)?.[1];
    expect(token).toBeDefined();
    await request(app).get('/api/v1/unit').set('Authorization', `Bearer ${token}`).expect(200);
    const list = await agent.get('/account/tokens').expect(200);
    expect(list.text).not.toContain(token);
    expect(list.text).toContain((token as string).slice(0, 12));
    expect(list.text).toContain('سامانه حسابداری');
    const row = await t.knex('api_tokens').where({ user_id: user.id }).first();
    expect(row.token_hash).not.toContain(token);
    await agent.post(`/account/tokens/${row.id}/revocation`).type('form').send({ _csrf: csrf }).expect(303);
    await request(app).get('/api/v1/unit').set('Authorization', `Bearer ${token}`).expect(401);
    // Someone else's token cannot be revoked by this user.
    const other = await createUser({ role: 'admin' });
    const o = await createApiToken(other.id, 'x');
    await agent.post(`/account/tokens/${o.id}/revocation`).type('form').send({ _csrf: csrf }).expect(404);
  });

  it('serves OpenAPI 3.1 JSON and a readable page without scripts from elsewhere', async () => {
    const j = await request(app).get('/api/docs/openapi.json').expect(200);
    expect(j.body.openapi).toBe('3.1.0');
    for (const p of ['/unit', '/filings', '/filings/{period}', '/status', '/stats/aggregates', '/stats/performance']) expect(j.body.paths[p]).toBeDefined();
    expect(Object.keys(j.body.paths['/filings/{period}'].put.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404', '409', '422']));
    const h = await request(app).get('/api/docs').expect(200);
    expect(h.text).toContain('/api/v1/filings/{period}');
    expect(h.text).not.toMatch(/<script(?![^>]*src="\/assets\/)/);
    expect(h.text).not.toMatch(/https?:\/\/(cdn|unpkg)/);
  });
});
