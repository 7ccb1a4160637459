import type { Knex } from 'knex';
import request from 'supertest';
import type { Express } from 'express';
import { hashPassword } from '../../src/auth/passwords.ts';
import type { Role } from '../../src/auth/users.ts';
import { db } from '../../src/db.ts';
import { createApiToken } from '../../src/api/auth.ts';
import { addMonths, periodOf } from '../../src/calendar.ts';

export const PASSWORD = 'test-password-123';
let hashed: Promise<string> | undefined;
let seq = 0;
const next = () => `${process.pid}${++seq}`;

export async function createUser(attrs: { role: Role; province_code?: string | null; email?: string; unit_ids?: number[] }, k: Knex = db()): Promise<{ id: number; email: string }> {
  hashed ??= hashPassword(PASSWORD);
  const email = attrs.email ?? `${attrs.role}-${next()}@test.ir`;
  const [row] = await k('users').insert({
    email, role: attrs.role, province_code: attrs.province_code ?? null, full_name: `کاربر ${attrs.role}`, password_hash: await hashed,
  }).returning('id');
  for (const unitId of attrs.unit_ids ?? []) await k('unit_users').insert({ user_id: row.id, unit_id: unitId });
  return { id: row.id, email };
}

/** A valid 11-digit national identifier (check digit computed), distinct per call. */
export function legalEntityId(n: number): string {
  const w = [29, 27, 23, 19, 17];
  const body = `14${String(12345678 + n).padStart(8, '0')}`.slice(0, 10);
  const d = [...body].map(Number);
  const offset = d[9] + 2;
  let s = 0;
  for (let i = 0; i < 10; i++) s += (offset + d[i]) * w[i % 5];
  let r = s % 11;
  if (r === 10) r = 0;
  return body + r;
}

export interface UnitAttrs {
  province_code?: string;
  isic_class?: string;
  kind?: 'industrial' | 'mining';
  obligation_start?: string;
  licence_issued_on?: string;
  registration?: 'pending' | 'approved' | 'rejected';
  previously_announced?: boolean;
  status?: 'active' | 'inactive';
  name?: string;
  products?: { name: string; unit_of_measure: string; annual_capacity: number }[];
}

let entitySeq = 1000;

/** An approved unit with one product unless told otherwise; returns its id and product ids. */
export async function createUnit(attrs: UnitAttrs = {}, k: Knex = db()): Promise<{ id: number; productIds: number[]; nationalId: string; licenceNo: string }> {
  const nationalId = legalEntityId(++entitySeq + Number(process.pid % 1000) * 10000);
  const [le] = await k('legal_entities').insert({ national_id: nationalId, name: attrs.name ?? `شرکت آزمایشی ${entitySeq}` }).returning('id');
  const licenceNo = `L-${entitySeq}`;
  const [unit] = await k('units').insert({
    legal_entity_id: le.id,
    licence_no: licenceNo,
    licence_issued_on: attrs.licence_issued_on ?? '2020-01-01',
    kind: attrs.kind ?? 'industrial',
    isic_class: attrs.isic_class ?? '1050',
    province_code: attrs.province_code ?? '23',
    city: 'تهران',
    address: 'خیابان آزادی',
    postal_code: '1234567890',
    phone: '02112345678',
    contact_name: 'علی رضایی',
    previously_announced: attrs.previously_announced ?? false,
    obligation_start: attrs.obligation_start ?? '1403-01',
    registration: attrs.registration ?? 'approved',
    status: attrs.status ?? 'active',
    source: 'seed',
  }).returning('id');
  const products = attrs.products ?? [{ name: 'شیر پاستوریزه', unit_of_measure: 'تن', annual_capacity: 1200 }];
  const productIds: number[] = [];
  for (const [i, p] of products.entries()) {
    const [row] = await k('products').insert({ unit_id: unit.id, ...p, position: i }).returning('id');
    productIds.push(row.id);
  }
  return { id: unit.id, productIds, nationalId, licenceNo };
}

/** The CSRF token embedded in a rendered page. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1];
}

/** A supertest agent signed in as `email`, with the CSRF token of its session. */
export async function signIn(app: Express, email: string, password = PASSWORD): Promise<{ agent: ReturnType<typeof request.agent>; csrf: string }> {
  const agent = request.agent(app);
  const page = await agent.get('/login');
  const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email, password });
  if (res.status !== 303) throw new Error(`sign-in failed for ${email}: ${res.status}`);
  const home = await agent.get('/account');
  return { agent, csrf: csrfFrom(home.text) };
}

/** An approved unit obligated for the last 24 months, with its own unit user. */
async function ownedUnit(attrs: UnitAttrs) {
  const unit = await createUnit({ obligation_start: addMonths(periodOf(new Date()), -24), ...attrs });
  const user = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
  return { unit, user };
}

/** Such a unit with its user signed in to `app`. */
export async function unitWithUser(app: Express, attrs: UnitAttrs = {}) {
  const { unit, user } = await ownedUnit(attrs);
  const { agent, csrf } = await signIn(app, user.email);
  return { unit, user, agent, csrf };
}

/** Such a unit with an API token of its user. */
export async function unitWithToken(attrs: UnitAttrs = {}) {
  const { unit, user } = await ownedUnit(attrs);
  const { token } = await createApiToken(user.id, 'erp');
  return { unit, user, token, auth: { Authorization: `Bearer ${token}` } };
}
