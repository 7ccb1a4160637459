import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { freshDatabase, type TestDatabase } from './support/db.ts';
import { isValidLegalEntityId } from '../src/identifiers.ts';
import { verifyPassword } from '../src/auth/passwords.ts';
import { filingRecords, recomputeStatuses } from '../src/eligibility/record.ts';
import { loadSettings } from '../src/settings.ts';
import { deadlineOf, parseJalaliDate, startOfJalaliDay, startOfPeriod, nextPeriod, latestDuePeriod, addMonths } from '../src/calendar.ts';
import { num } from '../src/db.ts';

// A small run of `npm run db:synth` (issue 6) on the real server, so the generator does not rot.

const root = path.resolve(import.meta.dirname, '..');
const onServer = !!process.env.DATABASE_URL;
let t: TestDatabase;
beforeAll(async () => { t = await freshDatabase(); });
afterAll(async () => t.close());

function synth(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/synth.ts', ...args], {
      cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

const AT = '1405-09-05';
const at = new Date(startOfJalaliDay(parseJalaliDate(AT)!).getTime() + 12 * 3600_000);
const fingerprint = async () => (await t.knex.raw(
  `select md5(string_agg(concat_ws('|', unit_id, period, state, first_submitted_at, employees, production_value, tracking_code), ',' order by unit_id, period)) as h from filings`,
)).rows[0].h as string;

describe('db:synth', () => {
  it('refuses to run on the embedded database', async () => {
    const r = await synth(['--units', '50', '--months', '3'], { DATA_DIR: '/nonexistent' });
    expect(r.code).toBe(2);
    expect(r.out).toContain('needs DATABASE_URL');
  });

  it.skipIf(!onServer)('fills 300 units × 3 months with the realistic mix, deterministically', async () => {
    const env = { DATABASE_URL: t.url! };
    const run = await synth(['--units', '300', '--months', '3', '--seed', '7', '--at', AT], env);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toMatch(/units \(provinces by weight, ISIC classes\)\s+300 rows\s+[\d.]+ s/);
    expect(run.out).toMatch(/db:synth done in [\d.]+ s/);
    const k = t.knex;

    // Units in every province, Tehran the largest; ISIC classes consistent with the kind.
    const perProvince = await k('units').select('province_code').count('* as n').groupBy('province_code').orderBy('n', 'desc');
    expect(perProvince).toHaveLength(31);
    expect(perProvince[0].province_code).toBe('23');
    const wrongKind = await k('units as u').join('isic_codes as i', 'i.code', 'u.isic_class')
      .whereNot('i.level', 'class').orWhereRaw(`(i.section = 'B') <> (u.kind = 'mining')`).count('* as n');
    expect(num(wrongKind[0].n)).toBe(0);
    expect(num((await k('units').where({ kind: 'mining' }).count('* as n'))[0].n)).toBeGreaterThan(5);

    // 1–5 products each; valid national ids; one unit user per unit with the documented password.
    const products = (await k.raw('select min(n) as lo, max(n) as hi, avg(n) as mean from (select count(*) as n from products group by unit_id) x')).rows[0];
    expect(num(products.lo)).toBe(1);
    expect(num(products.hi)).toBeLessThanOrEqual(5);
    expect(num(products.mean)).toBeGreaterThan(1.8);
    expect(num((await k('products').countDistinct('unit_id as n'))[0].n)).toBe(300);
    const ids = (await k('legal_entities').pluck('national_id')) as string[];
    expect(ids.length).toBeGreaterThan(200);
    expect(ids.filter((id) => !isValidLegalEntityId(id))).toEqual([]);
    const unitUsers = await k('unit_users as uu').join('users as u', 'u.id', 'uu.user_id').where('u.role', 'unit_user').countDistinct('uu.unit_id as n');
    expect(num(unitUsers[0].n)).toBe(300);
    const oneUser = await k('users').where({ role: 'unit_user' }).first('password_hash');
    expect(await verifyPassword(oneUser.password_hash, 'synth-pass-1404')).toBe(true);
    expect(num((await k('users').where({ role: 'province_officer' }).count('* as n'))[0].n)).toBe(31);

    // The mix over the three due periods, as the app itself judges it (DESIGN §4).
    const settings = await loadSettings(k);
    const last = latestDuePeriod(at);
    const records = await filingRecords({ at, rules: settings.rules, from: addMonths(last, -2) }, k);
    const due = records.reduce((s, r) => s + r.due, 0);
    const onTime = records.reduce((s, r) => s + r.on_time, 0) / due;
    const late = records.reduce((s, r) => s + r.late, 0) / due;
    const missing = 1 - onTime - late;
    expect(due).toBeGreaterThan(800);
    expect(onTime).toBeGreaterThan(0.7);
    expect(onTime).toBeLessThan(0.95);
    expect(late).toBeGreaterThan(0.03);
    expect(late).toBeLessThan(0.2);
    expect(missing).toBeGreaterThan(0.02);
    expect(missing).toBeLessThan(0.15);
    const states = Object.fromEntries((await k('filings').select('state').count('* as n').groupBy('state')).map((r) => [r.state, num(r.n)]));
    for (const s of ['verified', 'returned', 'submitted', 'draft']) expect(states[s], s).toBeGreaterThan(0);
    expect(states.submitted).toBeGreaterThan(states.returned);
    // Officers work through the queue: old months are mostly verified, the latest mostly waiting.
    const share = async (period: string, state: string) => {
      const r = (await k.raw(`select avg(case when state = ? then 1 else 0 end) as s from filings where period = ? and state <> 'draft'`, [state, period])).rows[0];
      return num(r.s);
    };
    expect(await share(addMonths(latestDuePeriod(at), -2), 'verified')).toBeGreaterThan(0.8);
    expect(await share(latestDuePeriod(at), 'submitted')).toBeGreaterThan(0.5);

    // Timestamps agree with the calendar: none before its period ended, none after --at.
    const early = await k.raw(`select f.period, min(f.first_submitted_at) as first, max(f.first_submitted_at) as last from filings f where f.first_submitted_at is not null group by f.period`);
    for (const r of early.rows as { period: string; first: Date; last: Date }[]) {
      expect(new Date(r.first).getTime(), r.period).toBeGreaterThanOrEqual(startOfPeriod(nextPeriod(r.period)).getTime() - 1);
      expect(new Date(r.last).getTime(), r.period).toBeLessThanOrEqual(at.getTime());
    }
    // The current period is part-filed, and everything in it so far is on time.
    const current = nextPeriod(last);
    const cur = await k('filings').where({ period: current }).whereNotNull('first_submitted_at').select('first_submitted_at');
    expect(cur.length).toBeGreaterThan(30);
    expect(cur.length).toBeLessThan(300);
    expect(cur.every((f) => new Date(f.first_submitted_at) <= deadlineOf(current))).toBe(true);

    // Every submitted filing has one line per product; reviews match states.
    const lines = (await k.raw(`select count(*) filter (where n <> p) as bad from (
        select f.id, (select count(*) from filing_lines l where l.filing_id = f.id) as n, (select count(*) from products p where p.unit_id = f.unit_id) as p from filings f) x`)).rows[0];
    expect(num(lines.bad)).toBe(0);
    const unreviewed = await k('filings as f').whereIn('f.state', ['verified', 'returned'])
      .whereNotExists(k('filing_reviews as r').whereRaw('r.filing_id = f.id').whereRaw(`r.action = case f.state when 'verified' then 'verify' else 'return' end`)).count('* as n');
    expect(num(unreviewed[0].n)).toBe(0);
    const cleanShare = (await k.raw(`select avg(case when exists (select 1 from filing_reviews r where r.filing_id = f.id and r.action = 'return') then 0 else 1 end) as s from filings f where state = 'verified'`)).rows[0].s;
    expect(num(cleanShare)).toBeGreaterThan(0.85);
    expect(num(cleanShare)).toBeLessThan(1);

    // A few percent inactive, each change recorded, and the statuses are what the rule says.
    const inactive = num((await k('units').where({ status: 'inactive' }).count('* as n'))[0].n);
    expect(inactive).toBeGreaterThanOrEqual(3);
    expect(inactive).toBeLessThanOrEqual(30);
    expect(num((await k('unit_status_changes').where({ new_status: 'inactive' }).count('* as n'))[0].n)).toBe(inactive);
    expect((await recomputeStatuses(k, at, settings.rules)).changes).toEqual([]);

    // Same seed, same data; a refused second run without --reset; another seed, other data.
    const first = await fingerprint();
    const refused = await synth(['--units', '300', '--months', '3', '--seed', '7', '--at', AT], env);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('--reset');
    const again = await synth(['--units', '300', '--months', '3', '--seed', '7', '--at', AT, '--reset'], env);
    expect(again.code, again.out).toBe(0);
    expect(await fingerprint()).toBe(first);
    const other = await synth(['--units', '300', '--months', '3', '--seed', '8', '--at', AT, '--reset'], env);
    expect(other.code, other.out).toBe(0);
    expect(await fingerprint()).not.toBe(first);
  }, 120_000);
});
