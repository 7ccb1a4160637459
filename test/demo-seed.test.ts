import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Knex } from 'knex';
import { prepareDatabase } from '../src/setup.ts';
import { loadSettings } from '../src/settings.ts';
import { filingRecords } from '../src/eligibility/record.ts';
import { addMonths, currentFilingPeriod, deadlineOf, duePeriods, inactivityWindow, periodOf, periodRange } from '../src/calendar.ts';
import { isValidLegalEntityId, isValidNationalCode } from '../src/identifiers.ts';
import { DEMO_PASSWORD } from '../seeds/accounts.ts';
import { createRng, planRegister } from '../seeds/demo-units.ts';
import type { DemoSummary } from '../seeds/demo.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { signIn } from './support/factories.ts';

let t: TestDatabase;
let app: App;
let summary: DemoSummary | null;
const said: string[] = [];
const now = new Date();

beforeAll(async () => {
  ({ t, app } = await freshApp());
  summary = await prepareDatabase(t.knex, { demo: true, say: (line) => said.push(line) });
}, 120_000);
afterAll(() => t.close());

const rows = async <T>(sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<T[]> => (await t.knex.raw(sql, bindings)).rows as T[];
const count = async (sql: string, bindings: readonly Knex.RawBinding[] = []): Promise<number> => Number((await rows<{ n: number }>(sql, bindings))[0].n);

describe('the demo data of a fresh installation', () => {
  it('says each step as it starts, so a first start is never a silent minute (issue 26)', () => {
    expect(said[0]).toMatch(/^(migrating the database: \d+ migrations? to apply…|database schema up to date)$/);
    expect(said).toContain('reference data (provinces, ISIC codes, units of measure)…');
    const steps = said.filter((l) => l.startsWith('seeding demo data '));
    expect(steps.map((l) => /^seeding demo data (\d) of (\d): /.exec(l)?.slice(1).join('/'))).toEqual(['1/6', '2/6', '3/6', '4/6', '5/6', '6/6']);
  });

  // How long it takes is measured by `npm run bench` (its seed part), never asserted here.
  it('prints the staff accounts, one line for the province officers and the two unit accounts', () => {
    const emails = summary!.accounts.map((a) => a.email);
    expect(emails).toEqual(expect.arrayContaining(['admin@demo.ir', 'tehran@demo.ir', 'isfahan@demo.ir', 'stats@demo.ir', 'planning@demo.ir', 'officer-NN@demo.ir', 'unit@demo.ir', 'mine@demo.ir']));
    expect(summary!.password).toBe(DEMO_PASSWORD);
  });

  it('has several hundred approved units in all 31 provinces, industrial and mining, weighted to the big provinces', async () => {
    expect(await count(`select count(*) as n from units where registration = 'approved'`)).toBeGreaterThanOrEqual(300);
    const provinces = await count('select count(*) as n from provinces');
    expect(provinces).toBe(31);
    expect(await count(`select count(distinct province_code) as n from units where registration = 'approved'`)).toBe(provinces);
    const by = new Map((await rows<{ province_code: string; n: number }>(`select province_code, count(*) as n from units group by 1`)).map((r) => [r.province_code, Number(r.n)]));
    expect(by.get('23')!).toBeGreaterThan(3 * by.get('16')!); // Tehran ≫ Ilam
    expect(by.get('10')!).toBeGreaterThan(3 * by.get('17')!); // Isfahan ≫ Kohgiluyeh
    const kinds = await rows<{ kind: string; section: string; n: number }>(
      `select u.kind, i.section, count(*) as n from units u join isic_codes i on i.code = u.isic_class group by 1, 2`);
    expect(kinds.map((k) => `${k.kind}:${k.section}`).sort()).toEqual(['industrial:C', 'mining:B']);
    const mines = new Map((await rows<{ province_code: string; n: number }>(`select province_code, count(*) as n from units where kind = 'mining' group by 1`)).map((r) => [r.province_code, Number(r.n)]));
    expect(mines.get('08')!).toBeGreaterThan(mines.get('01') ?? 0); // Kerman ≫ Gilan
  });

  it('gives every legal entity a valid شناسه ملی and every contact a valid کد ملی, with licence, address, postal code and phone', async () => {
    const entities = await rows<{ national_id: string; name: string }>('select national_id, name from legal_entities');
    expect(entities.length).toBeGreaterThan(300);
    expect(entities.filter((e) => !isValidLegalEntityId(e.national_id))).toEqual([]);
    expect(entities.filter((e) => /[يك]/.test(e.name) || !e.name.startsWith('شرکت'))).toEqual([]);
    const units = await rows<Record<string, string | null>>('select contact_national_code, licence_no, licence_issued_on, city, address, postal_code, phone, contact_name from units');
    expect(units.filter((u) => !isValidNationalCode(u.contact_national_code ?? ''))).toEqual([]);
    expect(units.filter((u) => !/^\d{10}$/.test(u.postal_code ?? '') || !/^0\d{10}$/.test(u.phone ?? '') || !u.licence_no || !u.licence_issued_on || !u.city || !u.address || !u.contact_name)).toEqual([]);
  });

  it('gives every unit 1–5 products with a unit of measure and a nominal annual capacity', async () => {
    const per = await rows<{ n: number; bad: number }>(
      `select count(p.id) as n, count(*) filter (where p.unit_of_measure = '' or p.annual_capacity <= 0) as bad from units u left join products p on p.unit_id = u.id group by u.id`);
    expect(per.every((r) => Number(r.n) >= 1 && Number(r.n) <= 5 && Number(r.bad) === 0)).toBe(true);
    const uoms = (await rows<{ unit_of_measure: string }>('select distinct unit_of_measure from products')).map((r) => r.unit_of_measure);
    expect(uoms).toEqual(expect.arrayContaining(['تن', 'هزار عدد', 'متر مربع', 'دستگاه']));
  });

  it('starts the system about 20 months ago, with later obligation starts for newer licences', async () => {
    const settings = await loadSettings(t.knex);
    const start = settings.obligation.systemStart;
    expect(start).toBe(addMonths(periodOf(now), -20));
    expect(await count(`select count(*) as n from units where obligation_start < ?`, [start])).toBe(0);
    expect(await count(`select count(*) as n from units where registration = 'approved' and obligation_start = ?`, [start])).toBeGreaterThan(250);
    expect(await count(`select count(*) as n from units where registration = 'approved' and obligation_start > ?`, [start])).toBeGreaterThan(10);
  });

  it('leaves pending site registrations in several provinces, Tehran and Isfahan included, and one rejected with a reason', async () => {
    const pending = await rows<{ province_code: string }>(`select province_code from units where registration = 'pending' and source = 'site'`);
    const provinces = new Set(pending.map((p) => p.province_code));
    expect(provinces.has('23') && provinces.has('10')).toBe(true);
    expect(provinces.size).toBeGreaterThanOrEqual(5);
    const rejected = await rows<{ rejection_reason: string }>(`select rejection_reason from units where registration = 'rejected'`);
    expect(rejected).toHaveLength(1);
    expect(rejected[0].rejection_reason.length).toBeGreaterThan(10);
  });

  it('has 18+ months of filings with on-time, late and missing periods and some inactive units', async () => {
    expect(await count(`select count(distinct period) as n from filings where state <> 'draft'`)).toBeGreaterThanOrEqual(18);
    const settings = await loadSettings(t.knex);
    const records = await filingRecords({ at: now, rules: settings.rules }, t.knex);
    const sum = (f: (r: (typeof records)[number]) => number) => records.reduce((s, r) => s + f(r), 0);
    const due = sum((r) => r.due);
    expect(sum((r) => r.on_time) / due).toBeGreaterThan(0.7);
    expect(sum((r) => r.late)).toBeGreaterThan(100);
    expect(sum((r) => r.missing_periods.length)).toBeGreaterThan(50);

    // Inactive exactly when the three latest due periods are all missing (recomputeStatuses ran).
    const status = new Map((await rows<{ id: number; status: string }>(`select id, status from units where registration = 'approved'`)).map((u) => [u.id, u.status]));
    const inactive = records.filter((r) => status.get(r.unit_id) === 'inactive');
    expect(inactive.length).toBeGreaterThanOrEqual(5);
    const w = inactivityWindow(now, settings.rules);
    const window = periodRange(w.from, w.to);
    for (const r of records) {
      const lapsed = window.every((p) => r.missing_periods.includes(p));
      expect(status.get(r.unit_id) === 'inactive').toBe(lapsed);
    }
    expect(await count(`select count(*) as n from unit_status_changes where new_status = 'inactive'`)).toBeGreaterThanOrEqual(inactive.length);
  });

  it('has returned filings with a reason and a return review, and verified ones reviewed by an officer of their province', async () => {
    const returned = await rows<{ id: number; return_reason: string | null; reviews: number }>(
      `select f.id, f.return_reason, (select count(*) from filing_reviews r where r.filing_id = f.id and r.action = 'return') as reviews from filings f where f.state = 'returned'`);
    expect(returned.length).toBeGreaterThan(5);
    expect(returned.every((f) => f.return_reason && Number(f.reviews) >= 1)).toBe(true);
    expect(await count(`select count(*) as n from filings where state = 'verified'`)).toBeGreaterThan(2000);
    expect(await count(
      `select count(*) as n from filings f join units u on u.id = f.unit_id join users o on o.id = f.reviewed_by
        where f.state = 'verified' and (f.verified_at is null or o.role <> 'province_officer' or o.province_code <> u.province_code
          or not exists (select 1 from filing_reviews r where r.filing_id = f.id and r.action = 'verify'))`)).toBe(0);
    // Older periods are mostly verified, the latest mostly waiting in the queue.
    const byAge = await rows<{ period: string; verified: number; n: number }>(
      `select period, count(*) filter (where state = 'verified') as verified, count(*) as n from filings where state <> 'draft' group by period order by period`);
    const share = (r: (typeof byAge)[number]) => Number(r.verified) / Number(r.n);
    expect(share(byAge[0])).toBeGreaterThan(0.85);
    expect(share(byAge[byAge.length - 1])).toBeLessThan(0.6);
    // The verification quality indicator has something to count: verified after a correction.
    expect(await count(`select count(*) as n from filings f where f.state = 'verified' and f.revision = 2 and exists (select 1 from filing_reviews r where r.filing_id = f.id and r.action = 'return')`)).toBeGreaterThan(5);
  });

  it('gives each submitted filing a unique tracking code and its revisions, and drafts to some units for the current period', async () => {
    expect(await count(`select count(*) as n from filings where state <> 'draft' and (tracking_code is null or revision < 1 or first_submitted_at is null)`)).toBe(0);
    expect(await count(`select count(*) as n from filings f where f.state <> 'draft' and not exists (select 1 from filing_revisions r where r.filing_id = f.id and r.revision = 1 and r.via = 'form')`)).toBe(0);
    expect(await count(`select count(*) as n from filings f where f.revision <> (select max(revision) from filing_revisions r where r.filing_id = f.id)`)).toBe(0);
    const drafts = await rows<{ period: string }>(`select distinct period from filings where state = 'draft'`);
    expect(drafts.map((d) => d.period)).toEqual([currentFilingPeriod(now, (await loadSettings(t.knex)).rules)]);
    expect(await count(`select count(*) as n from filings where state = 'draft'`)).toBeGreaterThan(10);
  });

  it('keeps figures plausible: production within capacity except flagged filings, value added positive, sales = quantity × price', async () => {
    const lines = await rows<{ produced: number; sold: number; sales_value: number; cap: number; warnings: { code: string }[]; state: string }>(
      `select l.produced, l.sold, l.sales_value, p.annual_capacity as cap, f.warnings, f.state from filing_lines l join products p on p.id = l.product_id join filings f on f.id = l.filing_id where f.state <> 'draft'`);
    const over = lines.filter((l) => l.produced > 1.5 * (l.cap / 12));
    expect(over.length).toBeGreaterThan(10);
    expect(over.every((l) => l.warnings.some((w) => w.code === 'over_capacity'))).toBe(true);
    const normal = lines.filter((l) => l.produced <= 1.5 * (l.cap / 12));
    const utilisation = normal.reduce((s, l) => s + l.produced / (l.cap / 12), 0) / normal.length;
    expect(utilisation).toBeGreaterThan(0.5);
    expect(utilisation).toBeLessThan(0.9);
    expect(normal.filter((l) => l.sold <= l.produced).length / normal.length).toBeGreaterThan(0.6);
    const figures = await rows<{ employees: number; production_value: number; intermediate_consumption: number; value_added: number }>(
      `select employees, production_value, intermediate_consumption, value_added from filings where state in ('submitted', 'verified')`);
    expect(figures.every((f) => f.employees >= 10 && f.employees <= 800)).toBe(true);
    // Each product sells at one price that drifts with inflation (about 2.5 % a month) over the 20 months.
    const spread = await rows<{ product_id: number; spread: number }>(
      `select l.product_id, max(l.sales_value / l.sold) / min(l.sales_value / l.sold) as spread
         from filing_lines l join filings f on f.id = l.filing_id
        where f.state in ('submitted', 'verified') and l.sold > 0 group by l.product_id`);
    expect(spread.length).toBeGreaterThan(500);
    expect(spread.filter((r) => Number(r.spread) > 2.2)).toEqual([]);
    const share = figures.map((f) => f.intermediate_consumption / f.production_value);
    expect(share.filter((s) => s < 0.4 || s > 0.9)).toEqual([]);
  });

  it('lets unit@demo.ir sign in to a Tehran dairy with a bit of everything in its history, and mine@demo.ir to a Kerman mine', async () => {
    const { agent } = await signIn(app, 'unit@demo.ir', DEMO_PASSWORD);
    expect((await agent.get('/account')).status).toBe(200);
    const [unit] = await rows<{ id: number; province_code: string; isic_class: string; obligation_start: string; status: string }>(
      `select u.id, u.province_code, u.isic_class, u.obligation_start, u.status from units u join unit_users uu on uu.unit_id = u.id join users s on s.id = uu.user_id where s.email = 'unit@demo.ir'`);
    expect([unit.province_code, unit.isic_class]).toEqual(['23', '1050']);
    const settings = await loadSettings(t.knex);
    const filings = await rows<{ period: string; state: string; first_submitted_at: Date | null }>(`select period, state, first_submitted_at from filings where unit_id = ?`, [unit.id]);
    const byPeriod = new Map(filings.map((f) => [f.period, f]));
    const kinds = new Set(duePeriods(unit.obligation_start, now, settings.rules).map((p) => {
      const f = byPeriod.get(p);
      if (!f?.first_submitted_at) return 'missing';
      return new Date(f.first_submitted_at) <= deadlineOf(p, settings.rules) ? 'on_time' : 'late';
    }));
    expect([...kinds].sort()).toEqual(['late', 'missing', 'on_time']);
    const states = new Set(filings.map((f) => f.state));
    expect(states.has('returned') && states.has('verified') && states.has('submitted')).toBe(true);
    expect(byPeriod.has(currentFilingPeriod(now, settings.rules))).toBe(false);
    expect(unit.status).toBe('active');
    expect(await count(`select count(*) as n from units where legal_entity_id = (select legal_entity_id from units where id = ?)`, [unit.id])).toBe(1);

    await signIn(app, 'mine@demo.ir', DEMO_PASSWORD);
    const [mine] = await rows<{ province_code: string; kind: string }>(
      `select u.province_code, u.kind from units u join unit_users uu on uu.unit_id = u.id join users s on s.id = uu.user_id where s.email = 'mine@demo.ir'`);
    expect(mine).toEqual({ province_code: '08', kind: 'mining' });
  });

  it('has an officer account for every province, and the demo officers review their own provinces', async () => {
    expect(await count(`select count(distinct province_code) as n from users where role = 'province_officer' and email like 'officer-%@demo.ir'`)).toBe(31);
    const tehran = await rows<{ email: string }>(
      `select distinct o.email from filings f join units u on u.id = f.unit_id join users o on o.id = f.reviewed_by where u.province_code = '23'`);
    expect(tehran.map((r) => r.email)).toEqual(['tehran@demo.ir']);
    await signIn(app, 'officer-08@demo.ir', DEMO_PASSWORD);
  });

  it('has last year\'s nominations for most provinces, within the cap, and nightly job runs with the status changes they made, and the audit trail the app would have written', async () => {
    const per = await rows<{ province_code: string; n: number; year: number }>(`select province_code, year, count(*) as n from nominations group by 1, 2`);
    expect(per.length).toBeGreaterThan(20);
    expect(new Set(per.map((r) => r.year)).size).toBe(1);
    expect(per.every((r) => Number(r.n) >= 1 && Number(r.n) <= 3)).toBe(true);
    expect(await count(`select count(*) as n from nominations n join users o on o.id = n.nominated_by where o.province_code <> n.province_code`)).toBe(0);
    expect(await count(`select count(*) as n from job_runs where job = 'nightly' and finished_at is not null`)).toBeGreaterThanOrEqual(15);
    expect(await count(`select count(*) as n from unit_status_changes where job_run_id is not null`)).toBeGreaterThan(0);
    const audited = new Set((await rows<{ action: string }>(`select distinct action from audit_log`)).map((r) => r.action));
    for (const a of ['unit.registered', 'unit.registration_approved', 'unit.registration_rejected', 'filing.submit', 'filing.correct', 'filing.verify', 'filing.return', 'nominations.create']) expect(audited).toContain(a);
  });

  it('shows a released production index: the base year\'s months and the months since, by section and division', async () => {
    const released = await count(`select count(*) as n from index_publications`);
    expect(released).toBeGreaterThanOrEqual(6);
    expect(await count(`select count(*) as n from index_published where node = 'T' and value is not null`)).toBe(released);
    const office = summary!.accounts.find((a) => a.role === 'stats_office')!;
    const { agent } = await signIn(app, office.email, DEMO_PASSWORD);
    const page = await agent.get('/stats/index').expect(200);
    expect(page.text).toContain('id="series-table"');
    expect(page.text).toContain('<svg');
  });

  it('is deterministic and is not seeded twice', async () => {
    const options = { now, current: periodOf(now), obligation: (await loadSettings(t.knex)).obligation, approved: 390 };
    expect(planRegister(createRng(7), options)).toEqual(planRegister(createRng(7), options));
    const before = await count('select (select count(*) from units) + (select count(*) from filings) + (select count(*) from users) as n');
    expect(await prepareDatabase(t.knex, { demo: true })).toBeNull();
    expect(await count('select (select count(*) from units) + (select count(*) from filings) + (select count(*) from users) as n')).toBe(before);
  });
});
