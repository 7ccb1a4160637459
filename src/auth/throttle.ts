import type { Knex } from 'knex';
import { db } from '../db.ts';
import { sha256 } from './activation.ts';

// Issue 12 §5: failed sign-ins are counted per (email as typed, source address). After
// FREE_FAILURES the pair waits, and each further failure doubles the wait up to MAX_DELAY_S.
// An unknown email is counted exactly like a real one (nothing tells them apart), and a stranger
// failing from another address never slows the owner down.

export const FREE_FAILURES = 5;
export const FIRST_DELAY_S = 30;
export const MAX_DELAY_S = 15 * 60;
/** A pair with no failure for a day starts over. */
const FORGET_AFTER_MS = 24 * 3600_000;

export const throttleKey = (email: string, ip: string | undefined) => sha256(`${email.trim().toLowerCase()}\n${ip ?? ''}`);

export const delayAfter = (failures: number): number =>
  failures < FREE_FAILURES ? 0 : Math.min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (failures - FREE_FAILURES));

/** Seconds this pair must still wait (0: it may try). */
export async function waitSeconds(key: string, k: Knex = db()): Promise<number> {
  const row = await k('login_failures').where({ key }).first('blocked_until');
  if (!row?.blocked_until) return 0;
  const ms = new Date(row.blocked_until).getTime() - Date.now();
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}

/** Counts a failure; returns the wait it earned in seconds. */
export async function recordFailure(key: string, k: Knex = db()): Promise<number> {
  const forget = new Date(Date.now() - FORGET_AFTER_MS);
  const { rows } = await k.raw(
    `insert into login_failures (key, failures, last_at) values (?, 1, now())
     on conflict (key) do update set failures = case when login_failures.last_at < ? then 1 else login_failures.failures + 1 end, last_at = now()
     returning failures`,
    [key, forget],
  ) as { rows: { failures: number }[] };
  // Now and then, rows nobody needs any more go (no timer per instance, no job of its own).
  if (Math.random() < 0.01) await purgeLoginFailures(k);
  const delay = delayAfter(rows[0].failures);
  if (delay > 0) await k('login_failures').where({ key }).update({ blocked_until: new Date(Date.now() + delay * 1000) });
  return delay;
}

export async function clearFailures(key: string, k: Knex = db()): Promise<void> {
  await k('login_failures').where({ key }).delete();
}

/** Rows of pairs that failed last more than a day ago. */
export async function purgeLoginFailures(k: Knex = db()): Promise<number> {
  return k('login_failures').where('last_at', '<', new Date(Date.now() - FORGET_AFTER_MS)).delete();
}
