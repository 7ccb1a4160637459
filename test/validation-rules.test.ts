import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, signIn, unitWithToken } from './support/factories.ts';
import { NOW_PERIOD, period } from './filings-helpers.ts';

// Issue 24 §3: validation rules kept by the statistics office, applied at submission.

let t: TestDatabase;
let app: App;
let office: { id: number; email: string };
beforeAll(async () => {
  ({ t, app } = await freshApp());
  office = await createUser({ role: 'stats_office' });
});
afterAll(() => t.close());

const rule = (over: Record<string, string> = {}) => ({
  name: 'مصرف واسطه تا ۹۰٪ ارزش تولید', left_expr: 'intermediate_consumption', operator: '<=', right_expr: 'production_value × ۰٫۹',
  severity: 'error', message: 'مصرف واسطه بیش از ۹۰ درصد ارزش تولید است.', effective_from: period(-1), effective_to: '', ...over,
});
const filing = (productIds: number[], over: Record<string, unknown> = {}) => ({
  employees: 12, production_value: 1_000_000, intermediate_consumption: 950_000,
  lines: productIds.map((id) => ({ product_id: id, produced: 80, sold: 70, sales_value: 900_000 })), submit: true, ...over,
});

describe('the statistics office\'s validation rules', () => {
  it('a bad expression is refused in Persian next to its field, with what was typed kept; nothing is stored', async () => {
    const { agent, csrf } = await signIn(app, office.email);
    const res = await agent.post('/validation-rules').type('form').send({ _csrf: csrf, ...rule({ right_expr: 'production_value * (0.9' }) }).expect(422);
    expect(res.text).toMatch(/id="f-right_expr-error">سمت راست: پرانتز بسته نشده است/);
    expect(res.text).toContain('value="production_value * (0.9"');
    expect(res.text).toContain('value="مصرف واسطه تا ۹۰٪ ارزش تولید"');
    const unknown = await agent.post('/validation-rules').type('form').send({ _csrf: csrf, ...rule({ left_expr: 'profit' }) }).expect(422);
    expect(unknown.text).toContain('«profit» رقمی از اظهارنامه نیست');
    const order = await agent.post('/validation-rules').type('form').send({ _csrf: csrf, ...rule({ effective_to: period(-3) }) }).expect(422);
    expect(order.text).toContain('دوره پایان نمی‌تواند پیش از دوره آغاز باشد.');
    expect(await t.knex('validation_rules')).toHaveLength(0);
  });

  it('an error rule refuses a submission that breaks it; a warning rule asks the unit to confirm; retired, neither applies; every change audited', async () => {
    const { agent, csrf } = await signIn(app, office.email);
    await agent.post('/validation-rules').type('form').send({ _csrf: csrf, ...rule() }).expect(303);
    const [stored] = await t.knex('validation_rules');
    expect(stored).toMatchObject({ operator: '<=', severity: 'error', effective_from: period(-1), effective_to: null, created_by: office.id });

    const { unit, auth } = await unitWithToken();
    const refused = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(filing(unit.productIds));
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain('مصرف واسطه بیش از ۹۰ درصد ارزش تولید است.');
    expect(JSON.stringify(refused.body)).toContain('۹۵۰٬۰۰۰ باید کمتر یا برابر ۹۰۰٬۰۰۰ باشد');
    await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(filing(unit.productIds, { intermediate_consumption: 900_000 })).expect(200);

    // Edited to a warning: the unit confirms it, and the officer sees it stored with the filing.
    await agent.post(`/validation-rules/${stored.id}`).type('form').send({ _csrf: csrf, ...rule({ severity: 'warning' }) }).expect(303);
    const other = await unitWithToken();
    const ask = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(other.auth).send(filing(other.unit.productIds));
    expect(ask.body.error.code).toBe('warnings_unconfirmed');
    const ok = await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(other.auth).send(filing(other.unit.productIds, { confirm_warnings: true })).expect(200);
    expect(ok.body.warnings).toEqual([expect.objectContaining({ code: `rule_${stored.id}` })]);

    await agent.post(`/validation-rules/${stored.id}/retirement`).type('form').send({ _csrf: csrf }).expect(303);
    const third = await unitWithToken();
    await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(third.auth).send(filing(third.unit.productIds)).expect(200);

    const audits = await t.knex('audit_log').where('action', 'like', 'validation_rule.%').orderBy('id');
    expect(audits.map((a) => a.action)).toEqual(['validation_rule.create', 'validation_rule.update', 'validation_rule.retire']);
    expect(audits[1].details.before.severity).toBe('error');
    expect(audits[1].details.after.severity).toBe('warning');
  });

  it('a rule applies only in its periods', async () => {
    const { agent, csrf } = await signIn(app, office.email);
    await agent.post('/validation-rules').type('form').send({ _csrf: csrf, ...rule({ name: 'آینده', effective_from: period(1) }) }).expect(303);
    const { unit, auth } = await unitWithToken();
    await request(app).put(`/api/v1/filings/${NOW_PERIOD}`).set(auth).send(filing(unit.productIds)).expect(200);
  });

  it('only the statistics office reaches the rules; a form without its CSRF token is refused', async () => {
    const officer = await createUser({ role: 'province_officer', province_code: '23' });
    const { agent } = await signIn(app, officer.email);
    await agent.get('/validation-rules').expect(404);
    const { agent: officeAgent } = await signIn(app, office.email);
    await officeAgent.post('/validation-rules').type('form').send(rule()).expect(403);
  });
});
