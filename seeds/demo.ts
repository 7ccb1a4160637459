import type { Knex } from 'knex';
import { seedDemoStaff, DEMO_PASSWORD, demoStaff, provinceOfficerEmail } from './accounts.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { auditMany, type AuditEntry } from '../src/audit.ts';
import { addMonths, deadlineOf, jalaliDateOf, latestDuePeriod, periodOf, periodRange, startOfJalaliDay } from '../src/calendar.ts';
import { loadSettings, saveSetting, type Settings } from '../src/settings.ts';
import { recomputeStatuses } from '../src/eligibility/record.ts';
import { candidates, nominationDeadline } from '../src/nominations/model.ts';
import { createRng, planRegister, type PlannedUnit, type Rng } from './demo-units.ts';
import { planFilings, type SeededUnit } from './demo-filings.ts';
import { seedDemoCatalogue } from './catalogue-demo.ts';
import { seedDemoIndex } from './index-demo.ts';

export interface DemoSummary { accounts: { email: string; role: string; note: string }[]; password: string }

/** How many approved units the demo register holds (plus a dozen pending registrations and one rejected). */
export const DEMO_APPROVED_UNITS = 390;
const SEED = 14_040_808;
const BATCH = 500;

/**
 * Demo data for a fresh installation: the staff accounts, an officer for every province, several
 * hundred units across all provinces and 18+ months of filings, relative to today so that the
 * demo always shows a running collection. Deterministic for a given day. One transaction.
 */
export async function seedDemo(k: Knex, progress: (step: number, of: number, what: string) => void = () => undefined): Promise<DemoSummary> {
  const STEPS = 6;
  return k.transaction(async (trx) => {
    progress(1, STEPS, 'staff accounts and an officer for every province');
    const now = new Date();
    const current = periodOf(now);
    // The system "went live" 20 months ago, so every page has a history to show.
    await saveSetting('system_start_period', addMonths(current, -20), null, '0001-01', trx);
    const settings = await loadSettings(trx);
    const hash = await hashPassword(DEMO_PASSWORD);

    const staff = await seedDemoStaff(trx, hash);
    const officerByProvince = await seedProvinceOfficers(trx, hash, staff);

    progress(2, STEPS, `${DEMO_APPROVED_UNITS} units and the product catalogue`);
    const rng = createRng(SEED);
    const register = planRegister(rng, { now, current, obligation: settings.obligation, approved: DEMO_APPROVED_UNITS });
    const units = await insertRegister(trx, register, hash, officerByProvince);
    await seedDemoCatalogue(trx, addMonths(current, -20));

    progress(3, STEPS, 'monthly filings of the last 20 months');
    const filings = planFilings(rng, units, { now, rules: settings.rules, officerByProvince });
    const ids = await insertMany<{ id: number; unit_id: number; period: string }>(trx, 'filings', filings.map((f) => f.row), ['id', 'unit_id', 'period']);
    const filingId = new Map(ids.map((r) => [`${r.unit_id}|${r.period}`, r.id]));
    const idOf = (f: (typeof filings)[number]) => filingId.get(`${f.row.unit_id}|${f.row.period}`)!;
    await insertMany(trx, 'filing_lines', filings.flatMap((f) => f.lines.map((l) => ({ filing_id: idOf(f), ...l }))));
    await insertMany(trx, 'filing_revisions', filings.flatMap((f) => f.revisions.map((r) => ({ filing_id: idOf(f), ...r }))));
    await insertMany(trx, 'filing_reviews', filings.flatMap((f) => f.reviews.map((r) => ({ filing_id: idOf(f), ...r }))));

    progress(4, STEPS, 'the audit trail and the nightly jobs of each month');
    await writeAuditTrail(trx);
    await replayNightlyJobs(trx, now, settings);
    progress(5, STEPS, 'exemplary-unit nominations');
    await seedNominations(trx, now, settings, officerByProvince, rng);
    progress(6, STEPS, 'the production index');
    await seedDemoIndex(trx, now);

    const demoUnit = register.find((u) => u.demo === 'unit')!;
    const demoMine = register.find((u) => u.demo === 'mine')!;
    return {
      password: DEMO_PASSWORD,
      accounts: [
        ...demoStaff.map((a) => ({ email: a.email, role: a.role as string, note: a.full_name })),
        { email: provinceOfficerEmail('NN'), role: 'province_officer', note: 'کارشناس آمار هر استان (NN کد دو رقمی استان، مثلاً officer-08@demo.ir برای کرمان)' },
        { email: demoUnit.email, role: 'unit_user', note: `${demoUnit.entity_name} — تهران` },
        { email: demoMine.email, role: 'unit_user', note: `${demoMine.entity_name} — کرمان` },
      ],
    };
  });
}

/** The audit rows the app itself would have written for these registrations, submissions and reviews. Set-based. */
async function writeAuditTrail(trx: Knex.Transaction): Promise<void> {
  await trx.raw(
    `insert into audit_log (at, action, user_id, unit_id, province_code, target)
     select u.created_at, 'unit.registered', uu.user_id, u.id, u.province_code, 'unit:' || u.id
       from units u join unit_users uu on uu.unit_id = u.id where u.source = 'site'`);
  await trx.raw(
    `insert into audit_log (at, action, user_id, unit_id, province_code, target, details)
     select u.reviewed_at, case when u.registration = 'approved' then 'unit.registration_approved' else 'unit.registration_rejected' end,
            u.reviewed_by, u.id, u.province_code, 'unit:' || u.id,
            case when u.registration = 'rejected' then jsonb_build_object('reason', u.rejection_reason) end
       from units u where u.reviewed_by is not null`);
  await trx.raw(
    `insert into audit_log (at, action, user_id, unit_id, target, details)
     select r.at, case when r.revision = 1 then 'filing.submit' else 'filing.correct' end, r.user_id, f.unit_id, 'filing:' || f.id,
            jsonb_build_object('period', f.period, 'revision', r.revision, 'via', r.via)
       from filing_revisions r join filings f on f.id = r.filing_id`);
  await trx.raw(
    `insert into audit_log (at, action, user_id, unit_id, province_code, target, details)
     select r.at, 'filing.' || r.action, r.user_id, f.unit_id, u.province_code, 'filing:' || f.id,
            jsonb_strip_nulls(jsonb_build_object('period', f.period, 'reason', r.reason))
       from filing_reviews r join filings f on f.id = r.filing_id join units u on u.id = f.unit_id`);
}

/**
 * The nightly job as it would have run at 01:00 after each past deadline (DESIGN §11), so status
 * changes carry their real dates and job runs; then the status as of now.
 */
async function replayNightlyJobs(trx: Knex.Transaction, now: Date, settings: Settings): Promise<void> {
  const lastDue = latestDuePeriod(now, settings.rules);
  for (const p of periodRange(addMonths(settings.obligation.systemStart, 2), lastDue)) {
    const at = new Date(deadlineOf(p, settings.rules).getTime() + 1 + 3_600_000); // 01:00 Tehran, the day after
    if (at >= now) continue;
    const [run] = await trx('job_runs').insert({ job: 'nightly', as_of: at, started_at: at }).returning('id');
    const { scanned, changes } = await recomputeStatuses(trx, at, settings.rules, { jobRunId: run.id });
    await trx('job_runs').where({ id: run.id }).update({ finished_at: new Date(at.getTime() + 2_000), units_scanned: scanned, units_changed: changes.length, reminders_queued: 0 });
  }
  await recomputeStatuses(trx, now, settings.rules);
}

/**
 * Last closed year's exemplary-unit nominations (DESIGN §8), made by each province's officer in
 * Ordibehesht from the same ranking the nominations page shows; a few small provinces made none.
 */
async function seedNominations(trx: Knex.Transaction, now: Date, settings: Settings, officers: Map<string, number>, rng: Rng): Promise<void> {
  const { jy } = jalaliDateOf(now);
  const year = nominationDeadline(jy - 1) <= now ? jy - 1 : jy - 2;
  const from = startOfJalaliDay({ jy: year + 1, jm: 2, jd: 1 }).getTime();
  const to = nominationDeadline(year).getTime() - 86_400_000;
  const cap = settings.get('nominations_per_province');
  const sizes = new Map((await trx('units').where({ registration: 'approved' }).groupBy('province_code').select('province_code', trx.raw('count(*) as n')))
    .map((r: { province_code: string; n: unknown }) => [r.province_code, Number(r.n)]));
  const rows: Record<string, unknown>[] = [];
  const audited: AuditEntry[] = [];
  for (const [province, size] of [...sizes].sort()) {
    if (size < 6 && rng.chance(0.5)) continue;
    const at = new Date(from + rng.next() * (to - from));
    const ranked = await candidates(year, province, at, { settings }, trx);
    const take = Math.min(cap, size >= 15 ? cap : size >= 8 ? 2 : 1);
    for (const c of ranked.filter((x) => x.status === 'active').slice(0, take)) {
      rows.push({
        year, unit_id: c.unit_id, province_code: province, nominated_by: officers.get(province), at, score: c.score,
        indicators: JSON.stringify({ completeness: c.completeness, timeliness: c.timeliness, quality: c.quality, due: c.due, weights: settings.get('exemplary_weights') }),
      });
      audited.push({ at, action: 'nominations.create', userId: officers.get(province), unitId: c.unit_id, provinceCode: province, target: `nomination:${year}:${c.unit_id}`, details: { score: c.score } });
    }
  }
  await insertMany(trx, 'nominations', rows);
  await auditMany(audited, trx);
}

/** An officer account for every province; Tehran's and Isfahan's demo staff review their own provinces. */
async function seedProvinceOfficers(trx: Knex.Transaction, hash: string, staff: Map<string, number>): Promise<Map<string, number>> {
  const provinces: { code: string; name: string }[] = await trx('provinces').select('code', 'name').orderBy('code');
  const rows = await insertMany<{ id: number; province_code: string }>(trx, 'users', provinces.map((p) => ({
    email: provinceOfficerEmail(p.code), role: 'province_officer', province_code: p.code, full_name: `کارشناس آمار استان ${p.name}`, password_hash: hash,
  })), ['id', 'province_code']);
  const byProvince = new Map(rows.map((r) => [r.province_code, r.id]));
  for (const a of demoStaff) {
    if (a.role === 'province_officer' && a.province_code) byProvince.set(a.province_code, staff.get(a.email)!);
  }
  return byProvince;
}

/** Legal entities, units, their products, and a signed-up user for each unit. */
async function insertRegister(trx: Knex.Transaction, register: PlannedUnit[], hash: string, officers: Map<string, number>): Promise<SeededUnit[]> {
  const entities = new Map<string, string>();
  for (const u of register) if (!entities.has(u.national_id)) entities.set(u.national_id, u.entity_name);
  const entityRows = await insertMany<{ id: number; national_id: string }>(trx, 'legal_entities',
    [...entities].map(([national_id, name]) => ({ national_id, name })), ['id', 'national_id']);
  const entityId = new Map(entityRows.map((r) => [r.national_id, r.id]));

  const unitRows = await insertMany<{ id: number; legal_entity_id: number; licence_no: string }>(trx, 'units', register.map((u) => ({
    legal_entity_id: entityId.get(u.national_id)!,
    licence_no: u.licence_no, licence_issued_on: u.licence_issued_on, kind: u.kind, isic_class: u.isic_class,
    province_code: u.province_code, city: u.city, address: u.address, postal_code: u.postal_code, phone: u.phone,
    contact_name: u.contact_name, contact_national_code: u.contact_national_code, email: u.email,
    previously_announced: u.previously_announced, obligation_start: u.obligation_start, registration: u.registration,
    rejection_reason: u.rejection_reason, source: u.source, created_at: u.created_at,
    // The imported register needed no approval; site registrations were approved (or rejected) by the province.
    reviewed_by: u.reviewed_at && u.source === 'site' ? officers.get(u.province_code) ?? null : null,
    reviewed_at: u.reviewed_at && u.source === 'site' ? u.reviewed_at : null,
  })), ['id', 'legal_entity_id', 'licence_no']);
  const unitId = new Map(unitRows.map((r) => [`${r.legal_entity_id}|${r.licence_no}`, r.id]));
  const idOf = (u: PlannedUnit) => unitId.get(`${entityId.get(u.national_id)}|${u.licence_no}`)!;

  const productRows = await insertMany<{ id: number; unit_id: number; position: number }>(trx, 'products',
    register.flatMap((u) => u.products.map((p) => ({ unit_id: idOf(u), name: p.name, unit_of_measure: p.unit_of_measure, annual_capacity: p.annual_capacity, position: p.position }))),
    ['id', 'unit_id', 'position']);
  const productIds = new Map<number, number[]>();
  for (const r of productRows) {
    const list = productIds.get(r.unit_id) ?? [];
    list[r.position] = r.id;
    productIds.set(r.unit_id, list);
  }

  const userRows = await insertMany<{ id: number; email: string }>(trx, 'users', register.map((u) => ({
    email: u.email, role: 'unit_user', full_name: u.contact_name, password_hash: hash, created_at: u.created_at,
  })), ['id', 'email']);
  const userId = new Map(userRows.map((r) => [r.email, r.id]));
  await insertMany(trx, 'unit_users', register.map((u) => ({ user_id: userId.get(u.email)!, unit_id: idOf(u) })));

  return register.map((plan) => ({ plan, id: idOf(plan), productIds: productIds.get(idOf(plan)) ?? [], userId: userId.get(plan.email)! }));
}

/** Multi-row inserts of BATCH rows per statement (fast on embedded PGlite, well under the bind limit). */
async function insertMany<R = unknown>(trx: Knex.Transaction, table: string, rows: object[], returning?: string[]): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < rows.length; i += BATCH) {
    const q = trx(table).insert(rows.slice(i, i + BATCH));
    if (returning) out.push(...((await q.returning(returning)) as R[]));
    else await q;
  }
  return out;
}
