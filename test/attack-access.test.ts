import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import request, { type Response } from 'supertest';
import type { Express } from 'express';
import { addMonths } from '../src/calendar.ts';
import { createApiToken } from '../src/api/auth.ts';
import type { TestDatabase } from './support/db.ts';
import { signIn } from './support/factories.ts';
import { routeTable, routeKey } from './support/routes.ts';
import {
  accessMatrix, matrixKey, MAY_SEE, MARK, UNIT_A_SECRETS, NAME_SHOWN_TO,
  attackWorld, fillPath, extrasFor, type World, type RoleKey, type Outcome, type Visitor, type MatrixRow,
} from './support/access-matrix.ts';
import { fingerprint, describe as show } from './support/hostile.ts';

// Issue 7 §6, the access half of the attack test: every route of the app (read from the router),
// for every role, against the one written access matrix; no answer carries another unit's or
// another province's data; a request that is refused changes nothing.

// Hundreds of requests per test: generous limits for a machine shared with other test runs.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

let t: TestDatabase;
let app: Express;
let w: World;
let v: Record<RoleKey, Visitor>;
beforeAll(async () => {
  ({ t, app, w, v } = await attackWorld({ loginLimit: 1000, apiLimit: 100_000 }));
});
afterAll(async () => t.close());

const isApi = (path: string) => path.startsWith('/api/v1/');
/** Owners last, so that an out-of-scope attempt meets the data before its owner changes it. */
const ORDER: RoleKey[] = ['anon', 'unitO', 'offO', 'stats', 'dep', 'admin', 'off', 'unit'];

async function freshVisitor(role: RoleKey): Promise<Visitor> {
  if (role !== 'anon') return { ...v[role], ...(await signIn(app, w.users[role].email)) };
  const agent = request.agent(app);
  const page = await agent.get('/login');
  return { role, agent, csrf: /name="_csrf" value="([^"]+)"/.exec(page.text)![1] };
}

function outcomeOf(method: string, res: Response): string {
  if (res.status === 303 && /^\/login(\?next=|$)/.test(String(res.headers.location))) return 'login';
  if ([401, 403, 404].includes(res.status) || res.status >= 500) return String(res.status);
  if (method === 'GET') return res.status < 400 ? 'ok' : String(res.status);
  return 'ok';
}

/** The strings this role must never receive: every scope's markers except its own, and unit A's figures unless it may see A. */
function forbiddenFor(role: RoleKey, key: string): string[] {
  const all: string[] = [MARK.unitA, MARK.pending23, MARK.unitB];
  const out = all.filter((m) => !MAY_SEE[role].includes(m));
  if (!MAY_SEE[role].includes(MARK.unitA)) out.push(...UNIT_A_SECRETS.filter((s) => s !== MARK.unitA));
  // A few pages show the unit's name by design (never its figures): see NAME_SHOWN_TO.
  return NAME_SHOWN_TO[key]?.includes(role) ? out.filter((m) => m !== MARK.unitA) : out;
}

function bodyText(res: Response): string {
  if (typeof res.text === 'string' && res.text) return res.text;
  if (Buffer.isBuffer(res.body)) return res.body.toString('latin1');
  return JSON.stringify(res.body ?? '');
}

function leaks(role: RoleKey, key: string, res: Response): string[] {
  const text = bodyText(res);
  return forbiddenFor(role, key).filter((s) => text.includes(s));
}

async function send(row: MatrixRow, vis: Visitor, opts: { csrf?: string | null } = {}): Promise<Response> {
  const url = fillPath(row, w);
  const { query, body } = extrasFor(row, w);
  if (isApi(row.path)) {
    let r = request(app)[row.method.toLowerCase() as 'get' | 'put'](url);
    if (vis.token) r = r.set('Authorization', `Bearer ${vis.token}`);
    if (query) r = r.query(query);
    return body ? r.send(body) : r;
  }
  const agent = vis.agent;
  if (row.method === 'GET') return query ? agent.get(url).query(query).buffer(true) : agent.get(url).buffer(true);
  const csrf = opts.csrf === undefined ? vis.csrf : opts.csrf;
  const form: Record<string, unknown> = { ...(body ?? {}) };
  if (csrf !== null) form._csrf = csrf;
  return agent[row.method.toLowerCase() as 'post'](url).type('form').send(form);
}

describe('the route table and the access matrix', () => {
  it('every route of the app has a line in the matrix, and every line a route', () => {
    const routes = routeTable(app).map(routeKey);
    expect(routes.length).toBeGreaterThan(50);
    const lines = accessMatrix.map(matrixKey);
    expect(routes.filter((r) => !lines.includes(r)), 'routes missing from test/support/access-matrix.ts').toEqual([]);
    expect(lines.filter((l) => !routes.includes(l)), 'matrix lines naming a route that does not exist').toEqual([]);
    expect(new Set(lines).size).toBe(lines.length);
  });
});

describe('every page for every role', () => {
  it('GET routes answer as the matrix says and leak nothing out of scope', async () => {
    const problems: string[] = [];
    for (const row of accessMatrix.filter((r) => r.method === 'GET')) {
      const key = matrixKey(row);
      // A GET changes nothing (a link in a mail or a page elsewhere must not act for the user); the audit log and sessions excepted.
      const before = await fingerprint(t.knex);
      for (const role of ORDER) {
        const res = await send(row, v[role]);
        const got = outcomeOf('GET', res);
        if (got !== row.expect[role]) problems.push(`${key} as ${role}: expected ${row.expect[role]}, got ${show(res)}`);
        const leaked = leaks(role, key, res);
        if (leaked.length) problems.push(`${key} as ${role}: leaks ${leaked.join(', ')}`);
        if (String(res.headers['content-type'] ?? '').includes('text/html')) {
          const csp = String(res.headers['content-security-policy'] ?? '');
          if (!csp.includes("script-src 'self'") || csp.includes('unsafe-inline') || !csp.includes("frame-ancestors 'none'")) problems.push(`${key} as ${role}: weak CSP "${csp}"`);
          if (res.headers['x-content-type-options'] !== 'nosniff') problems.push(`${key} as ${role}: no X-Content-Type-Options: nosniff`);
        }
      }
      const after = await fingerprint(t.knex);
      const changed = Object.keys(before).filter((k) => before[k] !== after[k]);
      if (changed.length) problems.push(`${key}: a GET changed ${changed.join(', ')}`);
    }
    expect(problems).toEqual([]);
  });

  it('state-changing routes answer as the matrix says; a refused or out-of-scope request changes nothing', async () => {
    const problems: string[] = [];
    for (const row of accessMatrix.filter((r) => r.method !== 'GET' && !isApi(r.path))) {
      const key = matrixKey(row);
      for (const role of ORDER) {
        // Signing out ends the session it is sent in: use a session of its own.
        const vis = key === 'POST /logout' ? await freshVisitor(role) : v[role];
        const expected: Outcome = row.expect[role];
        const watch = expected !== 'ok' || role === 'unitO' || role === 'offO';
        const before = watch ? await fingerprint(t.knex) : null;
        const beforeA = watch ? await scopeA() : null;
        const res = await send(row, vis);
        const got = outcomeOf(row.method, res);
        if (got !== expected) problems.push(`${key} as ${role}: expected ${expected}, got ${show(res)}`);
        const leaked = leaks(role, key, res);
        if (leaked.length) problems.push(`${key} as ${role}: leaks ${leaked.join(', ')}`);
        if (before) {
          const after = await fingerprint(t.knex);
          // An officer or unit of another scope may change its own data, never unit A's or province 23's.
          const changed = Object.keys(before).filter((k) => before[k] !== after[k]);
          const allowed = expected === 'ok' ? (await scopeA()) === beforeA : changed.length === 0;
          if (!allowed) problems.push(`${key} as ${role}: changed ${changed.join(', ')}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

/** Unit A's and province 23's rows: what someone of another scope must never change, even where they may act. */
async function scopeA(): Promise<string> {
  const k = t.knex;
  return JSON.stringify(await Promise.all([
    k('filings').where({ unit_id: w.unitA.id }).orderBy('id').select('id', 'state', 'revision', 'production_value', 'verified_at', 'return_reason'),
    k('units').where({ province_code: '23' }).orderBy('id').select('id', 'registration', 'status'),
    k('reminders').where({ unit_id: w.unitA.id }).orderBy('id').select('id', 'dismissed_at'),
    k('nominations').where({ province_code: '23' }).orderBy('id').select('id', 'unit_id'),
    k('certificates').where({ unit_id: w.unitA.id }).orderBy('id').select('id'),
    k('api_tokens').where({ user_id: w.users.unit.id }).orderBy('id').select('id', 'revoked_at'),
  ]));
}

describe('probes the matrix cannot express', () => {
  it("a unit's draft is its own until submitted: even its own province's officer gets 404 and cannot act on it", async () => {
    const before = await fingerprint(t.knex);
    for (const [method, path] of [['get', ''], ['post', '/verification'], ['post', '/return'], ['post', '/reopening']] as const) {
      const url = `/province/filings/${w.unitA.filingDraft}${path}`;
      const res = method === 'get' ? await v.off.agent.get(url) : await v.off.agent.post(url).type('form').send({ _csrf: v.off.csrf, reason: 'دلیل' });
      expect(res.status, url).toBe(404);
    }
    expect(await fingerprint(t.knex)).toEqual(before);
  });

  it("a unit cannot file figures against another unit's product through the form (refused, nothing stored)", async () => {
    const before = await fingerprint(t.knex);
    const period = addMonths(w.periods.submitted, -3);
    const res = await v.unit.agent.post(`/filings/${period}`).type('form').send({
      _csrf: v.unit.csrf, action: 'draft', base_revision: '0', employees: '5', production_value: '100', intermediate_consumption: '50',
      'lines[0][product_id]': String(w.unitB.productIds[0]), 'lines[0][produced]': '1', 'lines[0][sold]': '1', 'lines[0][sales_value]': '1',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(leaks('unit', 'POST /filings/:period', res)).toEqual([]);
    expect(await fingerprint(t.knex)).toEqual(before);
  });

  it("the eligibility lookup finds a unit of the officer's province only", async () => {
    const own = await v.off.agent.get('/province/eligibility').query({ q: w.unitA.nationalId });
    expect(own.text).toContain(MARK.unitA);
    const other = await v.offO.agent.get('/province/eligibility').query({ q: w.unitA.nationalId });
    expect(other.status).toBeLessThan(500);
    expect(leaks('offO', 'GET /province/eligibility', other)).toEqual([]);
  });
});

describe('the API', () => {
  it('every API route answers as the matrix says to each role\'s token and leaks nothing', async () => {
    const problems: string[] = [];
    for (const row of accessMatrix.filter((r) => isApi(r.path))) {
      const key = matrixKey(row);
      for (const role of ORDER) {
        const res = await send(row, v[role]);
        const got = outcomeOf(row.method, res);
        if (got !== row.expect[role]) problems.push(`${key} as ${role}: expected ${row.expect[role]}, got ${show(res)}`);
        const leaked = leaks(role, key, res);
        if (leaked.length) problems.push(`${key} as ${role}: leaks ${leaked.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every API route refuses a missing, malformed, unknown or revoked token (401), and a session cookie is no token', async () => {
    const problems: string[] = [];
    const bad: [string, string | undefined][] = [
      ['missing', undefined], ['revoked', `Bearer ${w.tokens.revoked}`], ['unknown', 'Bearer psp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['malformed', `Basic ${w.tokens.unit}`], ['empty bearer', 'Bearer '], ['token without scheme', w.tokens.unit],
    ];
    // The release calendar's JSON is public like its page (issue 27): anon 'ok' in the matrix.
    for (const row of accessMatrix.filter((r) => isApi(r.path) && r.expect.anon !== 'ok')) {
      const url = fillPath(row, w);
      const { body } = extrasFor(row, w);
      for (const [name, header] of bad) {
        let r = request(app)[row.method.toLowerCase() as 'get' | 'put'](url);
        if (header !== undefined) r = r.set('Authorization', header);
        const res = await (body ? r.send(body) : r);
        if (res.status !== 401) problems.push(`${matrixKey(row)} with a ${name} token: ${show(res)}`);
        else if (!/[\u0600-\u06ff]/.test(res.body?.error?.message ?? '')) problems.push(`${matrixKey(row)} with a ${name} token: no Persian message`);
      }
      // The unit owner's signed-in browser session, without a token.
      const viaSession = await (row.method === 'GET' ? v.unit.agent.get(url) : v.unit.agent.put(url).send(body ?? {}));
      if (viaSession.status !== 401) problems.push(`${matrixKey(row)} with a session cookie only: ${show(viaSession)}`);
    }
    expect(problems).toEqual([]);
  });

  it("a deactivated account's token stops working at once (401), and works again on reactivation", async () => {
    const { token } = await createApiToken(w.victimUserId, 'کلید قربانی', t.knex);
    const call = () => request(app).get('/api/v1/unit').set('Authorization', `Bearer ${token}`);
    expect((await call()).status).toBe(404); // an officer's token: signed in, but no unit route for it
    await t.knex('users').where({ id: w.victimUserId }).update({ active: false });
    expect((await call()).status).toBe(401);
    await t.knex('users').where({ id: w.victimUserId }).update({ active: true });
    expect((await call()).status).toBe(404);
  });

  it('a unit user cannot reach another unit through ?unit_id= (404, nothing of it in the answer)', async () => {
    const q = { unit_id: String(w.unitA.id) };
    const auth = { Authorization: `Bearer ${w.tokens.unitO}` };
    for (const url of ['/api/v1/unit', '/api/v1/filings', '/api/v1/status', `/api/v1/filings/${w.periods.submitted}`, `/api/v1/filings/${w.periods.verified}`]) {
      const res = await request(app).get(url).query(q).set(auth);
      expect(res.status, url).toBe(404);
      expect(leaks('unitO', `GET ${url}`, res), url).toEqual([]);
    }
    const before = await fingerprint(t.knex);
    const put = await request(app).put(`/api/v1/filings/${w.periods.verified}`).query(q).set(auth)
      .send({ submit: true, employees: 1, production_value: 1, intermediate_consumption: 0, lines: [{ product_id: w.unitA.productIds[0], produced: 1, sold: 1, sales_value: 1 }] });
    expect(put.status).toBe(404);
    expect(await fingerprint(t.knex)).toEqual(before);
    // Its own unit, naming unit A's product: 404 for the product, nothing stored.
    const own = await request(app).put(`/api/v1/filings/${w.periods.submitted}`).set(auth)
      .send({ submit: false, employees: 1, production_value: 1, intermediate_consumption: 0, lines: [{ product_id: w.unitA.productIds[0], produced: 1, sold: 1, sales_value: 1 }] });
    expect(own.status).toBe(404);
    expect(await fingerprint(t.knex)).toEqual(before);
  });
});

describe('CSRF', () => {
  it('every state-changing form route refuses a missing or a wrong token (403) and changes nothing', async () => {
    const problems: string[] = [];
    // A real token, but of another session: the most convincing forgery.
    const foreign = v.anon.csrf;
    for (const row of accessMatrix.filter((r) => r.method !== 'GET' && !isApi(r.path))) {
      const key = matrixKey(row);
      // Sent by the role the route is for (the most it could do), or by a visitor when it is public.
      const role = (['unit', 'off', 'admin', 'dep', 'stats', 'unitO', 'offO'] as RoleKey[]).find((r) => row.expect[r] === 'ok') ?? 'anon';
      for (const [name, token] of [['missing', null], ['wrong', foreign]] as const) {
        const vis = role === 'anon' ? { ...v.anon, agent: request.agent(app) } : v[role];
        if (role === 'anon') await vis.agent.get('/login');
        const before = await fingerprint(t.knex);
        const res = await send(row, vis, { csrf: token });
        if (res.status !== 403) problems.push(`${key} as ${role} with a ${name} token: ${show(res)}`);
        else if (!res.text.includes('فرم منقضی شده')) problems.push(`${key} with a ${name} token: 403 without the Persian explanation`);
        const after = await fingerprint(t.knex);
        const changed = Object.keys(before).filter((k) => before[k] !== after[k]);
        if (changed.length) problems.push(`${key} with a ${name} token changed ${changed.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
    // …and the sessions used are still signed in (the refusal did not sign anyone out).
    expect((await v.admin.agent.get('/account')).status).toBe(200);
  });
});

