import { describe, it, expect, beforeAll, afterAll, vi } from 'vitest';
import request, { type Response } from 'supertest';
import type { Express } from 'express';
import { addMonths } from '../src/calendar.ts';
import type { TestDatabase } from './support/db.ts';
import { legalEntityId, PASSWORD } from './support/factories.ts';
import { accessMatrix, attackWorld, fillPath, extrasFor, type World, type RoleKey, type Visitor } from './support/access-matrix.ts';
import { HOSTILE, SCRIPT, parseForms, attackable, encodeForm, describe as show, type HtmlForm, type FormField } from './support/hostile.ts';

// Issue 7 §6, the input half of the attack test: every form of every page (found by reading the
// pages each role sees, so a new form is covered without touching this file), every field of it
// tried with hostile values. Each must be refused with a clear Persian message (4xx) or stored and
// shown escaped; never a 500, and the raw <script> never appears in any page afterwards.

// Hundreds of requests per test: generous limits for a machine shared with other test runs.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

let t: TestDatabase;
let app: Express;
let w: World;
let v: Record<RoleKey, Visitor>;
beforeAll(async () => {
  ({ t, app, w, v } = await attackWorld({ loginLimit: 100_000 }));
});
afterAll(async () => t.close());

/** Discovery order: a form found by several roles is attacked as the first of them. */
const DISCOVERY: RoleKey[] = ['anon', 'unit', 'off', 'stats', 'dep', 'admin', 'unitO', 'offO'];

interface Found { role: RoleKey; page: string; form: HtmlForm }

function htmlPages(): { path: string; query?: Record<string, string>; roles: RoleKey[] }[] {
  return accessMatrix
    .filter((r) => r.method === 'GET' && !r.path.startsWith('/api/v1/') && !/\.(csv|xlsx)$/.test(r.path))
    .map((r) => ({ path: fillPath(r, w), query: extrasFor(r, w).query, roles: DISCOVERY.filter((role) => r.expect[role] === 'ok') }));
}

/** Same form = same method, action (ids blurred) and field names (row indices blurred): one of each shape is attacked. */
function formKey(f: HtmlForm): string {
  const fields = f.fields.filter((x) => x.name !== '_csrf').map((x) => x.name);
  return `${f.method} ${f.action.replace(/\/\d+(?=\/|$)/g, '/:n')} ${[...new Set(fields)].join(',')}`;
}

/** Pages in states the matrix's fixtures do not show: a verified filing (reopen form), a period never filed (a blank draft). */
function extraPages(): { path: string; query?: Record<string, string>; roles: RoleKey[] }[] {
  return [
    { path: `/province/filings/${w.unitA.filingVerified}`, roles: ['off'] },
    { path: `/filings/${addMonths(w.periods.submitted, -3)}`, roles: ['unit'] },
  ];
}

async function discoverForms(): Promise<Found[]> {
  const found = new Map<string, Found>();
  for (const page of [...htmlPages(), ...extraPages()]) {
    for (const role of page.roles) {
      const res = await v[role].agent.get(page.path).query(page.query ?? {});
      if (!String(res.headers['content-type'] ?? '').includes('text/html')) continue;
      for (const form of parseForms(res.text, page.path)) {
        const key = formKey(form);
        if (!found.has(key) && fieldsToAttack(form).length) found.set(key, { role, page: page.path, form });
      }
    }
  }
  return [...found.values()];
}

/** Each field once: the second and later rows of a repeated group (products[1][…], lines[1][…]) are the same field again. */
function fieldsToAttack(form: HtmlForm): FormField[] {
  const seen = new Set<string>();
  return attackable(form).filter((f) => {
    const generic = f.name.replace(/\[\d+\]/g, '[]');
    if (seen.has(generic)) return false;
    seen.add(generic);
    return true;
  });
}

let seq = 0;
/** A valid value for an empty field, so the hostile value is the only thing wrong with the form. */
function goodValue(f: FormField): string | undefined {
  const n = ++seq;
  const name = f.name.replace(/^.*\[(\w+)\]$/, '$1');
  if (f.kind === 'select' && f.value === '') return f.options.find((o) => o !== '');
  if (f.value !== '' || f.type === 'checkbox') return undefined;
  const known: Record<string, string> = {
    email: `hostile-${process.pid}-${n}@test.ir`,
    password: 'Hostile-pass-123', password_confirm: 'Hostile-pass-123', confirm: 'Hostile-pass-123', next: 'Hostile-pass-123',
    current: PASSWORD,
    entity_name: 'شرکت آزمون', national_id: legalEntityId(20_000_000 + n), licence_no: `H-${process.pid}-${n}`,
    licence_issued_on: '1400/01/15', city: 'تهران', address: 'خیابان آزادی', postal_code: '1234567890', phone: '02112345678',
    contact_name: 'علی رضایی', contact_national_code: '0499370899', unit_of_measure: 'تن', annual_capacity: '1200',
    full_name: 'کاربر آزمون', reason: 'دلیل آزمون', effective_from: addMonths(w.periods.verified, 2),
    employees: '10', production_value: '1000', intermediate_consumption: '500', produced: '1', sold: '1', sales_value: '100',
  };
  if (name in known) return known[name];
  if (f.name === 'products[0][name]') return 'شیر پاستوریزه';
  if (f.name === 'name') return 'کلید آزمون';
  return undefined;
}

function defaults(form: HtmlForm): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of form.fields) {
    if (/\[[1-9]\d*\]/.test(f.name)) continue; // leave later repeated rows as the page had them (empty)
    const good = goodValue(f);
    if (good !== undefined) out[f.name] = good;
  }
  return out;
}

/** A 4xx that says in Persian what is wrong: a message next to a field, an alert, or the error page's message. */
function clearPersianError(html: string): boolean {
  return /class="(?:invalid-feedback|alert[^"]*)"[^>]*>[^<]*[\u0600-\u06ff]{2}/.test(html)
    || /<h1 class="h4">[^<]*[\u0600-\u06ff]{2}[^<]*<\/h1>\s*<p>[^<]*[\u0600-\u06ff]{2}/.test(html);
}

let visitor: Visitor | undefined;
async function submit(found: Found, body: string): Promise<Response> {
  // A public form is sent by a visitor, a new one after each success (a registration signs its sender in).
  let vis = v[found.role];
  if (found.role === 'anon') {
    if (!visitor) {
      const agent = request.agent(app);
      const page = await agent.get('/login');
      visitor = { role: 'anon', agent, csrf: /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '' };
    }
    vis = visitor;
  }
  const res = found.form.method === 'GET'
    ? await vis.agent.get(`${found.form.action}?${body}`)
    : await vis.agent.post(found.form.action).type('form').send(`${body}&_csrf=${encodeURIComponent(vis.csrf)}`);
  if (found.role === 'anon' && res.status < 400) visitor = undefined;
  return res;
}

describe('hostile input in every field of every form', () => {
  let forms: Found[] = [];

  it('finds the forms on the pages (and there are many)', async () => {
    forms = await discoverForms();
    const keys = forms.map((f) => formKey(f.form));
    // The forms the issues ask for must be among them: if parsing broke, this says so.
    for (const expected of ['POST /login', 'POST /register', 'POST /account/tokens', 'POST /admin/users', 'POST /filings/', 'POST /province/filings/:n/return', 'POST /province/filings/:n/reopening', 'GET /province/eligibility', 'GET /stats/aggregates', 'POST /nominations/weights', 'POST /admin/settings']) {
      expect(keys.some((k) => k.startsWith(expected)), expected).toBe(true);
    }
    expect(forms.length).toBeGreaterThan(20);
  });

  it('every field answers every hostile value with a Persian error or stores it safely; never a 500', async () => {
    const problems: string[] = [];
    let tried = 0;
    const hiddenDone = new Set<string>();
    for (const found of forms) {
      for (const field of fieldsToAttack(found.form)) {
        // A hidden field shared by several forms of one action (the settings page's `key`) is attacked once.
        if (field.type === 'hidden') {
          const k = `${found.form.action} ${field.name}`;
          if (hiddenDone.has(k)) continue;
          hiddenDone.add(k);
        }
        for (const hostile of HOSTILE) {
          const body = encodeForm(found.form, defaults(found.form), { name: field.name, value: hostile.value });
          const res = await submit(found, body);
          tried++;
          const where = `${found.form.method} ${found.form.action} [${field.name}] ← ${hostile.name} (as ${found.role})`;
          if (res.status >= 500 || res.status === 403) problems.push(`${where}: ${show(res)}`);
          else if (found.form.method === 'GET' && (res.status === 414 || res.status === 431)) continue; // a 60 kB URL: refused by Node's HTTP parser, before the app
          else if (res.status >= 400 && !clearPersianError(res.text)) problems.push(`${where}: ${res.status} without a clear Persian message: ${show(res)}`);
          // A choice from a list (select, radio) posted with a value not in the list must be refused, not stored.
          if (found.form.method === 'POST' && (field.type === 'select' || field.type === 'radio') && res.status < 400) problems.push(`${where}: a value outside the list was accepted (${res.status})`);
          if (typeof res.text === 'string' && res.text.includes(SCRIPT)) problems.push(`${where}: raw <script> in the answer`);
          // Where the form leads after storing a script (the later crawl covers the rest).
          if (hostile.value.includes(SCRIPT) && res.status === 303 && res.headers.location?.startsWith('/') && found.role !== 'anon') {
            const next = await v[found.role].agent.get(res.headers.location);
            if (next.status >= 500) problems.push(`${where}: the page after it answers ${show(next)}`);
            if (next.text?.includes(SCRIPT)) problems.push(`${where}: raw <script> on ${res.headers.location}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(tried).toBeGreaterThan(300);
  });

  it('afterwards no page of any role shows the raw <script>, and the stored ones are shown escaped', async () => {
    const problems: string[] = [];
    let escaped = 0;
    for (const page of htmlPages()) {
      for (const role of page.roles) {
        const res = await v[role].agent.get(page.path).query(page.query ?? {});
        if (res.status >= 500) problems.push(`${page.path} as ${role}: ${show(res)}`);
        if (res.text?.includes(SCRIPT)) problems.push(`${page.path} as ${role}: raw <script>`);
        if (res.text?.includes('&lt;script&gt;alert(1)&lt;/script&gt;')) escaped++;
      }
    }
    expect(problems).toEqual([]);
    // The hostile text was stored somewhere (a token name, a user's name, a reason…) and shown escaped.
    expect(escaped).toBeGreaterThan(0);
    // PostgreSQL cannot hold a NUL in text; the bidi override is not stored either (normalised away).
    const names = await t.knex('api_tokens').pluck('name');
    expect(names.some((n: string) => n.includes('<script>'))).toBe(true);
    expect(names.some((n: string) => n.includes('\u202e'))).toBe(false);
  });
});
