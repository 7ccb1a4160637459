import type { Knex } from 'knex';
import type { Express } from 'express';
import request from 'supertest';
import { createUser, createUnit, signIn } from './factories.ts';
import { freshDatabase, type TestDatabase } from './db.ts';
import { createApp, type AppOptions } from '../../src/app.ts';
import { createFiling } from './filings.ts';
import { insertRelease, smallCube } from './releases.ts';
import { createApiToken, revokeApiToken } from '../../src/api/auth.ts';
import { createActivationToken } from '../../src/auth/activation.ts';
import { latestDuePeriod, addMonths, deadlineOf } from '../../src/calendar.ts';
import { fa } from '../../src/numbers.ts';
import { persianDigits } from '../../src/text.ts';

// THE access matrix (issue 7 §6): for every route of the app, what each kind of visitor gets.
// test/attack-access.test.ts walks the router's own route table and fails when a route is
// missing here, or when a line here names a route that no longer exists.
//
// Roles (columns):
//   anon     — not signed in
//   unit     — the unit user who owns unit A (province 23) — the owner of every fixture in the paths
//   unitO    — a unit user of ANOTHER unit (B, province 10)
//   off      — province officer of province 23 (A's province)
//   offO     — province officer of ANOTHER province (10)
//   stats    — statistics office
//   dep      — planning deputy
//   admin    — administrator
// Outcomes:
//   ok    — the request reaches the feature: a GET answers 2xx/3xx (not a redirect to /login);
//           any other method answers below 500 and not 401/403/404 (a 422 for an empty form counts)
//   login — 303 to /login (sign in first)
//   404   — answered as if the page or the record did not exist (DESIGN §2)
//   401   — API: token missing, unknown or not allowed
// Path parameters (:id, :period, :code, :token) are filled with fixtures that belong to unit A
// and province 23 (see buildWorld), so `unitO`/`offO` rows are attempts on someone else's data.

export const ROLES = ['anon', 'unit', 'unitO', 'off', 'offO', 'stats', 'dep', 'admin'] as const;
export type RoleKey = (typeof ROLES)[number];
export type Outcome = 'ok' | 'login' | '404' | '401';

const MATRIX = `
# method path                                        anon  unit  unitO off   offO  stats dep   admin
GET    /healthz                                      ok    ok    ok    ok    ok    ok    ok    ok
GET    /readyz                                       ok    ok    ok    ok    ok    ok    ok    ok
GET    /api/docs/openapi.json                        ok    ok    ok    ok    ok    ok    ok    ok
GET    /api/docs                                     ok    ok    ok    ok    ok    ok    ok    ok
GET    /api/v1/unit                                  401   ok    ok    404   404   404   404   404
GET    /api/v1/filings                               401   ok    ok    404   404   404   404   404
GET    /api/v1/filings/:period                       401   ok    404   404   404   404   404   404
PUT    /api/v1/filings/:period                       401   ok    ok    404   404   404   404   404
GET    /api/v1/status                                401   ok    ok    404   404   404   404   404
GET    /api/v1/stats/aggregates                      401   404   404   404   404   ok    ok    404
GET    /api/v1/stats/products                        401   404   404   404   404   ok    ok    404
GET    /api/v1/stats/index                           401   404   404   404   404   ok    ok    404
GET    /api/v1/stats/calendar                        ok    ok    ok    ok    ok    ok    ok    ok
GET    /api/v1/sdmx/structure/dataflow               401   404   404   404   404   ok    ok    404
GET    /api/v1/sdmx/structure/dataflow/:agency/:id/:version 401 404 404 404 404 ok    ok    404
GET    /api/v1/sdmx/structure/datastructure          401   404   404   404   404   ok    ok    404
GET    /api/v1/sdmx/structure/datastructure/:agency/:id/:version 401 404 404 404 404 ok ok  404
GET    /api/v1/sdmx/data/dataflow/:agency/:id/:version/:key 401 404 404 404 404 ok    ok    404
GET    /api/v1/sdmx/data/:flow/:key                  401   404   404   404   404   ok    ok    404
GET    /api/v1/sdmx/data/:flow                       401   404   404   404   404   ok    ok    404
POST   /api/v1/stats/releases                        401   404   404   404   404   ok    404   404
GET    /api/v1/stats/releases/jobs/:id               401   404   404   404   404   ok    404   404
POST   /api/v1/stats/releases/jobs/:id/cancellation  401   404   404   404   404   ok    404   404
POST   /api/v1/stats/index/computations              401   404   404   404   404   ok    404   404
GET    /api/v1/stats/index/jobs/:id                  401   404   404   404   404   ok    404   404
POST   /api/v1/stats/index/jobs/:id/cancellation     401   404   404   404   404   ok    404   404
GET    /api/v1/stats/performance                     401   404   404   404   404   ok    404   404
GET    /login                                        ok    ok    ok    ok    ok    ok    ok    ok
POST   /login                                        ok    ok    ok    ok    ok    ok    ok    ok
POST   /logout                                       ok    ok    ok    ok    ok    ok    ok    ok
GET    /home                                         login ok    ok    ok    ok    ok    ok    ok
GET    /account                                      login ok    ok    ok    ok    ok    ok    ok
POST   /account/password                             login ok    ok    ok    ok    ok    ok    ok
GET    /activate/:token                              ok    ok    ok    ok    ok    ok    ok    ok
POST   /activate/:token                              ok    ok    ok    ok    ok    ok    ok    ok
GET    /password-reset                               ok    ok    ok    ok    ok    ok    ok    ok
POST   /password-reset                               ok    ok    ok    ok    ok    ok    ok    ok
GET    /email-confirmations/:token                   ok    ok    ok    ok    ok    ok    ok    ok
POST   /email-confirmations/:token                   ok    ok    ok    ok    ok    ok    ok    ok
GET    /account/tokens                               login ok    ok    ok    ok    ok    ok    ok
POST   /account/tokens                               login ok    ok    ok    ok    ok    ok    ok
POST   /account/tokens/:id/revocation                login ok    404   404   404   404   404   404
GET    /                                             ok    ok    ok    ok    ok    ok    ok    ok
GET    /register                                     ok    ok    ok    ok    ok    ok    ok    ok
POST   /register                                     ok    ok    ok    ok    ok    ok    ok    ok
GET    /register/sent                                ok    ok    ok    ok    ok    ok    ok    ok
GET    /my-units                                     login ok    ok    404   404   404   404   404
GET    /province/registrations                       login 404   404   ok    ok    404   404   404
GET    /province/registrations/:id                   login 404   404   ok    404   404   404   404
POST   /province/registrations/:id/approval          login 404   404   ok    404   404   404   404
POST   /province/registrations/:id/rejection         login 404   404   ok    404   404   404   404
POST   /province/unit-accounts/:id/activation-link   login 404   404   ok    404   404   404   404
GET    /province/claims/:id                          login 404   404   ok    404   404   404   404
POST   /province/claims/:id/approval                 login 404   404   ok    404   404   404   404
POST   /province/claims/:id/rejection                login 404   404   ok    404   404   404   404
GET    /admin/users                                  login 404   404   404   404   404   404   ok
POST   /admin/users                                  login 404   404   404   404   404   404   ok
POST   /admin/users/:id/password-reset               login 404   404   404   404   404   404   ok
POST   /admin/users/:id/role                         login 404   404   404   404   404   404   ok
GET    /admin/users/:id/deactivation                 login 404   404   404   404   404   404   ok
POST   /admin/users/:id/deactivation                 login 404   404   404   404   404   404   ok
POST   /admin/users/:id/reactivation                 login 404   404   404   404   404   404   ok
POST   /admin/users/:id/role-confirmation            login 404   404   404   404   404   404   ok
GET    /admin/access-review                          login 404   404   404   404   404   404   ok
GET    /province/officers                            login 404   404   ok    ok    404   404   404
POST   /province/officers/:id/role-confirmation      login 404   404   ok    404   404   404   404
POST   /province/officers/:id/activation-link        login 404   404   ok    404   404   404   404
GET    /admin/settings                               login 404   404   404   404   404   404   ok
GET    /admin/audit                                  login 404   404   404   404   404   404   ok
GET    /admin/audit.csv                              login 404   404   404   404   404   404   ok
POST   /admin/settings                               login 404   404   404   404   404   404   ok
GET    /dashboard                                    login ok    ok    404   404   404   404   404
GET    /dashboard/history.csv                        login ok    ok    404   404   404   404   404
GET    /dashboard/history.xlsx                       login ok    ok    404   404   404   404   404
POST   /current-unit                                 login ok    404   404   404   404   404   404
POST   /dashboard/reminders/:id/dismissal            login ok    404   404   404   404   404   404
GET    /filings                                      login ok    ok    404   404   404   404   404
GET    /filings/:period                              login ok    ok    404   404   404   404   404
POST   /filings/:period                              login ok    ok    404   404   404   404   404
GET    /filings/:period/receipt                      login ok    404   404   404   404   404   404
GET    /filings/:period/revisions                    login ok    404   404   404   404   404   404
GET    /province                                     login 404   404   ok    ok    404   404   404
GET    /province/queue                               login 404   404   ok    ok    404   404   404
POST   /province/queue/bulk-verification             login 404   404   ok    ok    404   404   404
GET    /province/filings/:id                         login 404   404   ok    404   404   404   404
POST   /province/filings/:id/verification            login 404   404   ok    404   404   404   404
GET    /province/filings/:id/return                  login 404   404   ok    404   404   404   404
POST   /province/filings/:id/return                  login 404   404   ok    404   404   404   404
GET    /province/filings/:id/reopening               login 404   404   ok    404   404   404   404
POST   /province/filings/:id/reopening               login 404   404   ok    404   404   404   404
GET    /province/eligibility                         login 404   404   ok    ok    404   404   404
GET    /province/priority                            login 404   404   ok    ok    404   404   404
GET    /province/units/:id/facility                  login 404   404   ok    404   404   404   404
GET    /province/units                               login 404   404   ok    ok    404   404   404
GET    /province/units/:id                           login 404   404   ok    404   404   404   404
GET    /certificate                                  login ok    ok    404   404   404   404   404
POST   /certificate                                  login ok    ok    404   404   404   404   404
GET    /certificate/:code                            login ok    404   404   404   404   404   404
GET    /verify                                       ok    ok    ok    ok    ok    ok    ok    ok
GET    /verify/:code                                 ok    ok    ok    ok    ok    ok    ok    ok
GET    /stats/job-runs                               login 404   404   404   404   ok    404   ok
GET    /stats                                        login 404   404   404   404   ok    404   404
GET    /stats/aggregates                             login 404   404   404   404   ok    ok    404
GET    /stats/products                               login 404   404   404   404   ok    ok    404
GET    /stats/calendar                               ok    ok    ok    ok    ok    ok    ok    ok
GET    /stats/calendar.ics                           ok    ok    ok    ok    ok    ok    ok    ok
POST   /stats/calendar/announcements                 login 404   404   404   404   ok    404   404
POST   /stats/calendar/announcements/:id/moves       login 404   404   404   404   ok    404   404
GET    /stats/metadata/:kind                         ok    ok    ok    ok    ok    ok    ok    ok
POST   /stats/releases                               login 404   404   404   404   ok    404   404
GET    /stats/jobs/:id                               login 404   404   404   404   ok    404   404
POST   /stats/jobs/:id/cancellation                  login 404   404   404   404   ok    404   404
GET    /stats/index                                  login 404   404   404   404   ok    ok    404
POST   /stats/index/computations                     login 404   404   404   404   ok    404   404
POST   /stats/index/publications                         login 404   404   404   404   ok    404   404
GET    /stats/performance                            login 404   404   ok    ok    ok    404   404
GET    /nominations/weights                          login 404   404   404   404   404   ok    404
POST   /nominations/weights                          login 404   404   404   404   404   ok    404
GET    /nominations/national                         login 404   404   404   404   404   ok    404
GET    /nominations                                  login 404   404   ok    ok    404   404   404
POST   /nominations                                  login 404   404   ok    404   404   404   404
POST   /nominations/:year/:id/withdrawal             login 404   404   ok    404   404   404   404
GET    /catalogue/search                             ok    ok    ok    ok    ok    ok    ok    ok
GET    /catalogue                                    login 404   404   404   404   ok    404   404
POST   /catalogue                                    login 404   404   404   404   ok    404   404
GET    /catalogue/mapping                            login 404   404   ok    ok    ok    404   404
POST   /catalogue/mapping/:id/link                   login 404   404   ok    404   404   404   404
GET    /catalogue/:code                              login 404   404   404   404   ok    404   404
POST   /catalogue/:code                              login 404   404   404   404   ok    404   404
POST   /catalogue/:code/retirement                   login 404   404   404   404   ok    404   404
POST   /catalogue/:code/deletion                     login 404   404   404   404   ok    404   404
GET    /validation-rules                             login 404   404   404   404   ok    404   404
POST   /validation-rules                             login 404   404   404   404   ok    404   404
GET    /validation-rules/:id                         login 404   404   404   404   ok    404   404
POST   /validation-rules/:id                         login 404   404   404   404   ok    404   404
POST   /validation-rules/:id/retirement              login 404   404   404   404   ok    404   404
`;

export interface MatrixRow { method: string; path: string; expect: Record<RoleKey, Outcome> }

const OUTCOMES = new Set<Outcome>(['ok', 'login', '404', '401']);

export const accessMatrix: MatrixRow[] = MATRIX.split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((line) => {
    const [method, path, ...cells] = line.split(/\s+/);
    if (cells.length !== ROLES.length) throw new Error(`access matrix: "${line}" needs ${ROLES.length} outcomes`);
    const expect = {} as Record<RoleKey, Outcome>;
    ROLES.forEach((r, i) => {
      if (!OUTCOMES.has(cells[i] as Outcome)) throw new Error(`access matrix: unknown outcome "${cells[i]}" in "${line}"`);
      expect[r] = cells[i] as Outcome;
    });
    return { method, path, expect };
  });

export const matrixKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

/**
 * Pages that legitimately show unit A's NAME (never its figures) to roles outside its scope: the
 * public certificate check (to anyone), and the audit log (to the admin: which unit's filing an
 * officer opened is what the log is for, issue 7 §7).
 */
export const NAME_SHOWN_TO: Record<string, readonly RoleKey[]> = {
  'GET /verify/:code': ROLES,
  'GET /admin/audit': ['admin'],
  'GET /admin/audit.csv': ['admin'],
};

// ---------------------------------------------------------------------------------------------
// The world the matrix is checked in.

/** Unique strings carried by each scope's data; a response to someone outside the scope must not contain them. */
export const MARK = { unitA: 'MARK23A', pending23: 'MARK23P', unitB: 'MARK10B' } as const;
/** Unit A's figures (production value of its verified and its submitted filing): never outside its scope either. */
export const FIGURES = { verified: 987_654_321_987, submitted: 876_543_219_876 } as const;

/** A national catalogue code, for the catalogue's routes (issue 15). */
const CATALOGUE_CODE = '1050100010';

/** Which markers each role may see. */
export const MAY_SEE: Record<RoleKey, string[]> = {
  anon: [], unit: [MARK.unitA], unitO: [MARK.unitB], off: [MARK.unitA, MARK.pending23], offO: [MARK.unitB], stats: [], dep: [], admin: [],
};

/** Every way a figure could be printed: Latin or Persian digits, with or without separators. */
export function figureForms(n: number): string[] {
  const plain = String(n);
  const comma = n.toLocaleString('en-US');
  return [plain, comma, persianDigits(plain), persianDigits(comma), fa(n)];
}

/** Unit A's confidential strings: markers and figures. */
export const UNIT_A_SECRETS = [MARK.unitA, ...figureForms(FIGURES.verified), ...figureForms(FIGURES.submitted)];

export interface World {
  periods: { verified: string; submitted: string };
  unitA: { id: number; productIds: number[]; nationalId: string; filingSubmitted: number; filingVerified: number; filingDraft: number; reminderId: number };
  unitB: { id: number; productIds: number[] };
  pending: { id: number; userId: number; activationToken: string; emailToken: string };
  claimId: number;
  users: Record<Exclude<RoleKey, 'anon'>, { id: number; email: string }>;
  victimUserId: number;
  newOfficerId: number;
  tokens: Record<Exclude<RoleKey, 'anon'>, string> & { revoked: string };
  spareTokenId: number;
  certificateCode: string;
  jobs: { release: number; index: number }; // queued statistics jobs (nothing runs them here)
  announcementId: number; // a release announced a month ahead in the calendar (issue 27)
}

/** Creates units A (province 23), B (province 10), a pending registration P (23), users of every role, filings, tokens. */
export async function buildWorld(app: Express, k: Knex): Promise<World> {
  const verifiedPeriod = latestDuePeriod(new Date());
  const submittedPeriod = addMonths(verifiedPeriod, -1);
  const a = await createUnit({
    province_code: '23', name: `شرکت ${MARK.unitA} صنعتی`,
    products: [{ name: `محصول ${MARK.unitA}`, unit_of_measure: 'تن', annual_capacity: 1200 }],
  }, k);
  await k('units').where({ id: a.id }).update({ address: `نشانی ${MARK.unitA}`, contact_name: `تماس ${MARK.unitA}` });
  const b = await createUnit({
    province_code: '10', name: `شرکت ${MARK.unitB} صنعتی`,
    products: [{ name: `محصول ${MARK.unitB}`, unit_of_measure: 'تن', annual_capacity: 1200 }],
  }, k);
  const p = await createUnit({ province_code: '23', registration: 'pending', name: `شرکت ${MARK.pending23} در انتظار` }, k);
  // A unit of province 23 without markers, nominated, so the national list is not empty.
  const n = await createUnit({ province_code: '23', name: 'شرکت برگزیده نمونه' }, k);

  const line = (productId: number, v: number) => [{ product_id: productId, produced: 10, sold: 9, sales_value: v }];
  const filingVerified = await createFiling({ unitId: a.id, period: verifiedPeriod, state: 'verified', productionValue: FIGURES.verified, intermediateConsumption: 1000, lines: line(a.productIds[0], FIGURES.verified) }, k);
  const filingSubmitted = await createFiling({ unitId: a.id, period: submittedPeriod, state: 'submitted', productionValue: FIGURES.submitted, intermediateConsumption: 1000, lines: line(a.productIds[0], FIGURES.submitted) }, k);
  const filingDraft = await createFiling({ unitId: a.id, period: addMonths(verifiedPeriod, -2), state: 'draft', productionValue: FIGURES.submitted, lines: line(a.productIds[0], FIGURES.submitted) }, k);
  await createFiling({ unitId: b.id, period: verifiedPeriod, state: 'verified', productionValue: 123_123_123, lines: line(b.productIds[0], 123_123_123) }, k);
  await createFiling({ unitId: n.id, period: verifiedPeriod, state: 'verified', productionValue: 321_321_321 }, k);

  const users = {
    unit: await createUser({ role: 'unit_user', unit_ids: [a.id] }, k),
    unitO: await createUser({ role: 'unit_user', unit_ids: [b.id] }, k),
    off: await createUser({ role: 'province_officer', province_code: '23' }, k),
    offO: await createUser({ role: 'province_officer', province_code: '10' }, k),
    stats: await createUser({ role: 'stats_office' }, k),
    dep: await createUser({ role: 'planning_deputy' }, k),
    admin: await createUser({ role: 'admin' }, k),
  };
  const victim = await createUser({ role: 'province_officer', province_code: '23' }, k);
  // An officer of province 23 granted by the admin in the web, not confirmed yet and without a password (issue 23 F1).
  const newOfficer = await createUser({ role: 'province_officer', province_code: '23' }, k);
  await k('users').where({ id: newOfficer.id }).update({ password_hash: null, role_granted_by: users.admin.id, role_confirmed_at: null });
  // The pending unit's owner, imported without a password: the officer can issue an activation link.
  const pendingUser = await createUser({ role: 'unit_user', unit_ids: [p.id] }, k);
  await k('users').where({ id: pendingUser.id }).update({ password_hash: null });
  const activation = await createActivationToken(pendingUser.id, k);
  // A registrant of province 23 whose email is not proven yet, and its claim of an imported unit.
  const claimant = await createUser({ role: 'unit_user' }, k);
  await k('users').where({ id: claimant.id }).update({ email_verified_at: null });
  const emailProof = await createActivationToken(claimant.id, k, 'email');
  const claimed = await createUnit({ province_code: '23', name: 'شرکت واردشده مورد ادعا' }, k);
  await k('units').where({ id: claimed.id }).update({ source: 'import' });
  const [claim] = await k('unit_claims').insert({ unit_id: claimed.id, user_id: claimant.id, claimant: JSON.stringify({ entity_name: 'ادعاکننده' }) }).returning('id');

  const [reminder] = await k('reminders').insert({ unit_id: a.id, period: addMonths(verifiedPeriod, 1), deadline: deadlineOf(addMonths(verifiedPeriod, 1)) }).returning('id');
  await k('nominations').insert({
    year: Number(verifiedPeriod.slice(0, 4)), unit_id: n.id, province_code: '23', nominated_by: users.off.id, score: 0.9,
    indicators: JSON.stringify({ completeness: 1, timeliness: 1, quality: 1 }),
  });

  await k('catalogue').insert({ code: CATALOGUE_CODE, isic_class: '1050', name_fa: 'شیر پاستوریزه', unit_of_measure_code: 't', active_from: '1400-01' });
  // The statistics office's one validation rule (issue 24), id 1 of a fresh database; in force from the year 1500 on, so no filing meets it.
  await k('validation_rules').insert({ id: 1, name: 'قاعده نمونه', left_expr: 'employees', operator: '>=', right_expr: '0', severity: 'warning', message: 'نمونه', effective_from: '1500-01' });

  // A stored release of the verified month, so the statistics office's views have one to show.
  await insertRelease({ period: verifiedPeriod, cells: smallCube(7n) }, k);

  const tokens = {} as World['tokens'];
  for (const [role, u] of Object.entries(users)) tokens[role as Exclude<RoleKey, 'anon'>] = (await createApiToken(u.id, `کلید ${role}`, k)).token;
  const revoked = await createApiToken(users.unit.id, 'کلید باطل‌شده', k);
  await revokeApiToken(users.unit.id, revoked.id, k);
  tokens.revoked = revoked.token;
  const spare = await createApiToken(users.unit.id, 'کلید یدکی', k);
  const ahead = new Date(Date.now() + 30 * 86400_000);
  const [announcement] = await k('release_announcements').insert({ period: addMonths(verifiedPeriod, 1), kind: 'final', release_at: ahead, first_release_at: ahead }).returning('id');
  const [releaseJob] = await k('stats_jobs').insert({ kind: 'release', period: verifiedPeriod, created_by: users.stats.id }).returning('id');
  const [indexJob] = await k('stats_jobs').insert({ kind: 'index', period: verifiedPeriod, created_by: users.stats.id }).returning('id');

  // A certificate of unit A, issued through the app as its owner would.
  const { agent, csrf } = await signIn(app, users.unit.email);
  const issued = await agent.post('/certificate').type('form').send({ _csrf: csrf });
  const code = /\/certificate\/([A-Z0-9]+)/.exec(String(issued.headers.location))?.[1];
  if (!code) throw new Error(`certificate not issued: ${issued.status}`);

  return {
    periods: { verified: verifiedPeriod, submitted: submittedPeriod },
    unitA: { id: a.id, productIds: a.productIds, nationalId: a.nationalId, filingSubmitted, filingVerified, filingDraft, reminderId: reminder.id },
    unitB: { id: b.id, productIds: b.productIds },
    pending: { id: p.id, userId: pendingUser.id, activationToken: activation.token, emailToken: emailProof.token },
    claimId: claim.id,
    users,
    victimUserId: victim.id,
    newOfficerId: newOfficer.id,
    tokens,
    spareTokenId: spare.id,
    certificateCode: code,
    jobs: { release: Number(releaseJob.id), index: Number(indexJob.id) },
    announcementId: Number(announcement.id),
  };
}

/** The concrete URL for a route path: every parameter filled from the world. */
export function fillPath(row: { method: string; path: string }, w: World): string {
  const key = matrixKey(row);
  const id = (): string => {
    if (key.includes('/account/tokens/')) return String(w.spareTokenId);
    if (key.includes('/province/registrations/')) return String(w.pending.id);
    if (key.includes('/province/claims/')) return String(w.claimId);
    if (key.includes('/province/unit-accounts/')) return String(w.pending.userId);
    if (key.includes('/province/officers/')) return String(w.newOfficerId);
    if (key.includes('/admin/users/')) return String(w.victimUserId);
    if (key.includes('/dashboard/reminders/')) return String(w.unitA.reminderId);
    if (key.includes('/province/filings/')) return String(w.unitA.filingSubmitted);
    if (key.includes('/province/units/') || key.includes('/nominations/')) return String(w.unitA.id);
    if (key.includes('/catalogue/mapping/')) return String(w.unitA.productIds[0]);
    if (key.includes('/stats/index/jobs/')) return String(w.jobs.index);
    if (key.includes('/stats/jobs/') || key.includes('/stats/releases/jobs/')) return String(w.jobs.release);
    if (key.includes('/validation-rules/')) return '1';
    if (key.includes('/sdmx/structure/datastructure/')) return 'DSD_PSP_RELEASE';
    if (key.includes('/sdmx/')) return 'PSP_RELEASE';
    if (key.includes('/stats/calendar/announcements/')) return String(w.announcementId);
    throw new Error(`fillPath: no fixture for :id in ${key}`);
  };
  return row.path.replace(/:(\w+)/g, (_m, name: string) => {
    switch (name) {
      case 'id': return id();
      case 'period': return w.periods.submitted;
      case 'year': return w.periods.verified.slice(0, 4);
      case 'code': return key.includes('/catalogue/') ? CATALOGUE_CODE : w.certificateCode;
      case 'token': return key.includes('/email-confirmations/') ? w.pending.emailToken : w.pending.activationToken;
      case 'agency': return 'IR_MIMT';
      case 'version': return '1.0.0';
      case 'flow': return 'PSP_RELEASE';
      case 'key': return 'all';
      case 'kind': return 'month';
      default: throw new Error(`fillPath: no fixture for :${name} in ${key}`);
    }
  });
}

/**
 * What to send besides the path: query strings that ask for unit A's data from every angle, and
 * bodies that name unit A's records (so an out-of-scope request would act on them if it could).
 */
export function extrasFor(row: { method: string; path: string }, w: World): { query?: Record<string, string>; body?: Record<string, unknown> } {
  switch (matrixKey(row)) {
    case 'PUT /api/v1/filings/:period':
      return { body: { submit: false, employees: 5, production_value: 10, intermediate_consumption: 5, lines: [] } };
    case 'GET /api/v1/stats/aggregates':
    case 'GET /stats/aggregates':
      return { query: { period: w.periods.verified, rows: 'province', cols: 'isic_division', measure: 'production_value' } };
    case 'GET /api/v1/stats/products':
    case 'GET /stats/products':
      return { query: { period: w.periods.verified, geo: 'province' } };
    case 'GET /api/v1/stats/index':
      return { query: { period: w.periods.verified, level: 'division' } };
    case 'GET /province/eligibility':
      return { query: { q: w.unitA.nationalId } };
    case 'POST /admin/settings':
      return { body: { key: 'nominations_per_province' } };
    case 'POST /admin/users/:id/deactivation':
      return { body: { confirm: 'yes' } };
    case 'POST /current-unit':
      return { body: { unit_id: String(w.unitA.id) } };
    case 'POST /province/queue/bulk-verification':
      return { body: { ids: [String(w.unitA.filingSubmitted)] } };
    case 'POST /nominations':
      return { body: { unit_id: String(w.unitA.id), year: w.periods.verified.slice(0, 4) } };
    case 'POST /province/filings/:id/return':
    case 'POST /province/filings/:id/reopening':
    case 'POST /province/registrations/:id/rejection':
    case 'POST /province/claims/:id/rejection':
      return { body: { reason: 'دلیل آزمایشی' } };
    default:
      return {};
  }
}

export type Agent = ReturnType<typeof request.agent>;
export interface Visitor { role: RoleKey; agent: Agent; csrf: string; token?: string }

/** One signed-in agent per role (the anonymous one holds the CSRF cookie of its first page, no session). */
export async function visitors(app: Express, w: World): Promise<Record<RoleKey, Visitor>> {
  const out = {} as Record<RoleKey, Visitor>;
  const anon = request.agent(app);
  const page = await anon.get('/login');
  out.anon = { role: 'anon', agent: anon, csrf: /name="_csrf" value="([^"]+)"/.exec(page.text)![1] };
  for (const role of ROLES) {
    if (role === 'anon') continue;
    const { agent, csrf } = await signIn(app, w.users[role].email);
    out[role] = { role, agent, csrf, token: w.tokens[role] };
  }
  return out;
}

/** The attack tests' start: a fresh database, the app with the given limits, the world and a visitor per role. */
export async function attackWorld(limits: AppOptions): Promise<{ t: TestDatabase; app: Express; w: World; v: Record<RoleKey, Visitor> }> {
  const t = await freshDatabase();
  const app = createApp(limits);
  const w = await buildWorld(app, t.knex);
  return { t, app, w, v: await visitors(app, w) };
}
