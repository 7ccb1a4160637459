import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { sign } from 'cookie-signature';
import { sha256 } from '../../src/auth/activation.ts';
import type { Period } from '../../src/calendar.ts';

// Many distinct unit users for the HTTP runs, made in SQL: signed-in sessions for the dashboard
// and API tokens plus a filing body per unit for PUT /api/v1/filings/:period. Everything the
// bench adds is marked (sid prefix, token name) and removed by removeFixtures().

export const BENCH_SID_PREFIX = 'bench-';
export const BENCH_TOKEN_NAME = 'bench';
const SESSION_COOKIE = 'psp.sid';
const EIGHT_HOURS = 8 * 3600_000;

export interface UnitLogin { unitId: number; userId: number }

/**
 * Up to `n` approved units that must file `period`, each with a unit user (created for units that
 * have none), in random order. Units whose `period` filing is still open (none or a draft) first,
 * then the rest that are not verified (their PUT becomes a correction).
 */
export async function pickUnits(k: Knex, period: Period, n: number, seed = 0.42): Promise<UnitLogin[]> {
  await k.raw('select setseed(?)', [seed]);
  const candidates: { id: number }[] = (await k.raw(
    `select u.id from units u left join filings f on f.unit_id = u.id and f.period = :period
      where u.registration = 'approved' and u.obligation_start <= :period and coalesce(f.state, 'draft') <> 'verified'
      order by (coalesce(f.state, 'draft') = 'draft') desc, random() limit :n`,
    { period, n },
  )).rows;
  const ids = candidates.map((c) => c.id);
  await ensureUnitUsers(k, ids);
  const users: { unit_id: number; user_id: number }[] = (await k.raw(
    `select distinct on (uu.unit_id) uu.unit_id, uu.user_id from unit_users uu join users us on us.id = uu.user_id
      where uu.unit_id = any(:ids) and us.active and us.role = 'unit_user' order by uu.unit_id, uu.user_id`,
    { ids },
  )).rows;
  const userOf = new Map(users.map((r) => [r.unit_id, r.user_id]));
  return ids.filter((id) => userOf.has(id)).map((id) => ({ unitId: id, userId: userOf.get(id)! }));
}

/** A unit user for every unit in `unitIds` that has no active one (synthetic data may have none). */
async function ensureUnitUsers(k: Knex, unitIds: number[]): Promise<void> {
  await k.raw(
    `with lonely as (
       select u.id from units u where u.id = any(:ids)
          and not exists (select 1 from unit_users uu join users us on us.id = uu.user_id where uu.unit_id = u.id and us.active and us.role = 'unit_user')
     ), made as (
       insert into users (email, role, full_name)
       select 'bench-unit-' || id || '@bench.invalid', 'unit_user', 'کاربر آزمون بار' from lonely
       on conflict do nothing returning id, email
     )
     insert into unit_users (user_id, unit_id)
     select made.id, substring(made.email from 'bench-unit-([0-9]+)@')::int from made
     on conflict do nothing`,
    { ids: unitIds },
  );
}

/** One database session per user, signed in; returns the Cookie header of each. */
export async function createSessions(k: Knex, userIds: number[], secret: string): Promise<string[]> {
  const expires = new Date(Date.now() + EIGHT_HOURS);
  const rows = userIds.map((userId) => {
    const sid = BENCH_SID_PREFIX + crypto.randomBytes(18).toString('base64url');
    const sess = {
      cookie: { originalMaxAge: EIGHT_HOURS, expires: expires.toISOString(), secure: false, httpOnly: true, path: '/', sameSite: 'lax' },
      passport: { user: userId }, // as passport keeps the signed-in user (src/auth/passport.ts)
      csrfToken: crypto.randomBytes(24).toString('base64url'),
    };
    return { sid, sess: JSON.stringify(sess), expired: expires };
  });
  for (let i = 0; i < rows.length; i += 1000) await k('sessions').insert(rows.slice(i, i + 1000));
  return rows.map((r) => `${SESSION_COOKIE}=${encodeURIComponent(`s:${sign(r.sid, secret)}`)}`);
}

/** One API token per user; returns the Authorization header of each. */
export async function createTokens(k: Knex, userIds: number[]): Promise<string[]> {
  const tokens = userIds.map((userId) => {
    const token = `psp_${crypto.randomBytes(30).toString('base64url')}`;
    return { user_id: userId, name: BENCH_TOKEN_NAME, token_hash: sha256(token), prefix: token.slice(0, 12), token };
  });
  for (let i = 0; i < tokens.length; i += 1000) {
    await k('api_tokens').insert(tokens.slice(i, i + 1000).map(({ token: _t, ...row }) => row));
  }
  return tokens.map((t) => `Bearer ${t.token}`);
}

/**
 * A complete submission of `period` for each unit: every product of the unit with plausible
 * figures, warnings confirmed (as a unit's system does after reading them). The returned function
 * gives the body for unit `i` at request `seq`: the number of employees follows `seq`, so a unit
 * sent twice stores a real correction (an identical resubmission stores nothing new).
 */
export async function filingBodies(k: Knex, unitIds: number[]): Promise<(i: number, seq: number) => string> {
  const rows: { unit_id: number; products: { id: number; cap: number }[] | null }[] = (await k.raw(
    `select u.id as unit_id,
            (select json_agg(json_build_object('id', p.id, 'cap', p.annual_capacity) order by p.position, p.id) from products p where p.unit_id = u.id) as products
       from units u where u.id = any(:ids)`,
    { ids: unitIds },
  )).rows;
  const byUnit = new Map(rows.map((r) => [r.unit_id, r.products ?? []]));
  const templates = unitIds.map((id, i) => {
    const products = byUnit.get(id) ?? [];
    const v = 1 + ((i * 7919) % 997) / 1000;
    const production = Math.round(5e9 * v);
    return {
      submit: true,
      confirm_warnings: true,
      production_value: production,
      intermediate_consumption: Math.round(production * 0.6),
      lines: products.map((p) => {
        const produced = Math.round((Number(p.cap) / 12) * 0.8 * v * 1000) / 1000;
        return { product_id: p.id, produced, sold: Math.round(produced * 0.9 * 1000) / 1000, sales_value: Math.round(production / Math.max(products.length, 1)) };
      }),
    };
  });
  const runNonce = Date.now() % 500_000;
  return (i, seq) => JSON.stringify({ ...templates[i], employees: 1 + ((runNonce + seq) % 500_000) });
}

/** Removes the sessions and tokens the bench made (users made for unit-less units stay: they are harmless). */
export async function removeFixtures(k: Knex): Promise<void> {
  await k('sessions').where('sid', 'like', `${BENCH_SID_PREFIX}%`).delete();
  await k('api_tokens').where({ name: BENCH_TOKEN_NAME }).delete();
}
