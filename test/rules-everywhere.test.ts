import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUnit, createUser, signIn } from './support/factories.ts';
import { createFiling } from './support/filings.ts';
import { createApiToken } from '../src/api/auth.ts';
import { runNightly } from '../src/jobs/nightly.ts';
import { saveFiling } from '../src/filings/model.ts';
import { addMonths, deadlineOf, latestDuePeriod, splitPeriod, startOfJalaliDay, type Period, periodLabel } from '../src/calendar.ts';
import { clearSettingsCache, loadSettings } from '../src/settings.ts';

// Each rule of DESIGN §4 stated once, and checked in every place it shows — the unit's dashboard,
// its certificate, /api/v1/status, the officer's unit page, the monthly performance report and
// the nomination scores — for the same crafted unit at the same instant.

let t: TestDatabase;
let app: App;
beforeAll(async () => ({ t, app } = await freshApp()));
afterAll(() => t.close());

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
const faPct = (r: number) => new Intl.NumberFormat('fa-IR', { style: 'percent', maximumFractionDigits: 1 }).format(r);
const fa = (n: number) => new Intl.NumberFormat('fa-IR').format(n);
type Class = 'on_time' | 'late' | 'missing';

let seq = 0;
/** A unit alone in its own province (so the province's line of the performance report is this unit), with its user, officer and tokens. */
async function craftedUnit(obligationStart: Period) {
  const province = String(20 + ++seq);
  const unit = await createUnit({ province_code: province, obligation_start: obligationStart, name: `واحد قاعده ${seq}` });
  const user = await createUser({ role: 'unit_user', unit_ids: [unit.id] });
  const officer = await createUser({ role: 'province_officer', province_code: province });
  const stats = await createUser({ role: 'stats_office' });
  return { unit, province, user, officer, unitToken: (await createApiToken(user.id, 'erp')).token, statsToken: (await createApiToken(stats.id, 'bi')).token };
}
type Crafted = Awaited<ReturnType<typeof craftedUnit>>;

/** Files `p` so that its first submission is one second before (on time) or after (late) its deadline. */
const file = (unitId: number, p: Period, c: 'on_time' | 'late') =>
  createFiling({ unitId, period: p, firstSubmittedAt: new Date(deadlineOf(p).getTime() + (c === 'on_time' ? -1000 : 1000)) });

/** What every place says about the unit now. */
async function everywhere(c: Crafted, periods: Period[]) {
  const unitUser = await signIn(app, c.user.email);
  const dashboard = (await unitUser.agent.get('/dashboard').expect(200)).text;
  const certificate = (await unitUser.agent.get('/certificate').expect(200)).text;
  const api = (await request(app).get('/api/v1/status').set('authorization', `Bearer ${c.unitToken}`).expect(200)).body;
  const officer = await signIn(app, c.officer.email);
  const nationalId = (await t.knex('units as u').join('legal_entities as le', 'le.id', 'u.legal_entity_id').where('u.id', c.unit.id).first('le.national_id')).national_id;
  const officerPage = (await officer.agent.get(`/province/eligibility?q=${nationalId}`).expect(200)).text;
  const performance: Record<Period, Class> = {};
  for (const p of periods) {
    const line = (await request(app).get(`/api/v1/stats/performance?period=${p}`).set('authorization', `Bearer ${c.statsToken}`).expect(200)).body[c.province];
    expect(line.obligated).toBe(1);
    performance[p] = line.on_time ? 'on_time' : line.late ? 'late' : 'missing';
  }
  const year = Number(periods.at(-1)!.slice(0, 4));
  const nominations = (await officer.agent.get(`/nominations?year=${year}`).expect(200)).text;
  // Columns: rank, name (with a status badge when not active), city, ISIC, due, completeness, timeliness.
  const row = /<th scope="row">([^<]*)(?:<span[^>]*>([^<]*)<\/span>)?<\/th>\s*<td>[^<]*<\/td>\s*<td class="num">[^<]*<\/td>\s*<td class="num">([^<]*)<\/td>\s*<td class="num">([^<]*)<\/td>\s*<td class="num">([^<]*)<\/td>/.exec(nominations);
  return {
    dashboard: {
      classes: Object.fromEntries(periods.map((p) => [p, new RegExp(`data-period="${p}" data-state="[^"]*" data-timeliness="([^"]*)"`).exec(dashboard)?.[1]])),
      status: /id="unit-status"><span[^>]*>([^<]*)</.exec(dashboard)?.[1],
      text: dashboard,
    },
    certificate,
    api,
    officerPage: officerPage.slice(officerPage.indexOf(`data-unit-id="${c.unit.id}"`)),
    performance,
    nomination: row ? { name: row[1].trim(), badge: row[2] ?? null, due: row[3], completeness: row[4], timeliness: row[5] } : null,
  };
}

const inYear = (periods: Period[], year: string) => periods.filter((p) => p.startsWith(year));

describe('DESIGN §4, on time / late / missing: a due period is on time if first submitted by its deadline, late if after it, missing if not submitted', () => {
  it('the dashboard, the certificate, /api/v1/status, the officer, the performance report and the nomination scores agree', async () => {
    const last = latestDuePeriod(new Date());
    const periods = [-5, -4, -3, -2, -1, 0].map((n) => addMonths(last, n));
    const plan: Record<Period, Class> = Object.fromEntries(periods.map((p, i) => [p, (['on_time', 'late', 'missing', 'on_time', 'late', 'missing'] as Class[])[i]]));
    const c = await craftedUnit(periods[0]);
    for (const p of periods) if (plan[p] !== 'missing') await file(c.unit.id, p, plan[p] as 'on_time' | 'late');
    const missing = periods.filter((p) => plan[p] === 'missing');
    const filed = periods.length - missing.length;
    const onTime = periods.filter((p) => plan[p] === 'on_time').length;

    const seen = await everywhere(c, periods);
    expect(seen.dashboard.classes).toEqual(plan);
    expect(seen.performance).toEqual(plan);
    expect(seen.api).toMatchObject({ missing_periods: missing, completeness: filed / periods.length, timeliness: onTime / periods.length });
    for (const page of [seen.certificate, seen.officerPage]) {
      expect(page).toContain(`${faPct(filed / periods.length)} (${fa(filed)} از ${fa(periods.length)})`);
      expect(page).toContain(`${faPct(onTime / periods.length)} (${fa(onTime)} از ${fa(periods.length)})`);
      expect(page).toContain(missing.map(periodLabel).join('، '));
    }
    expect(seen.dashboard.text).toContain(`<li>کامل بودن: ${faPct(filed / periods.length)}</li><li>به‌موقع بودن: ${faPct(onTime / periods.length)}</li>`);
    // The nomination scores count the due periods of the year of the latest one.
    const year = inYear(periods, last.slice(0, 4));
    const yFiled = year.filter((p) => plan[p] !== 'missing').length;
    const yOnTime = year.filter((p) => plan[p] === 'on_time').length;
    expect(seen.nomination).toMatchObject({ due: fa(year.length), completeness: faPct(yFiled / year.length), timeliness: faPct(yOnTime / year.length) });
  });
});

describe('DESIGN §4, inactive: the three most recent due periods all missing; active again as soon as one of them is filed', () => {
  it('every place shows the unit inactive, and active again at once after it files one of the three', async () => {
    const last = latestDuePeriod(new Date());
    const periods = [-5, -4, -3, -2, -1, 0].map((n) => addMonths(last, n));
    const c = await craftedUnit(periods[0]);
    for (const p of periods.slice(0, 3)) await file(c.unit.id, p, 'on_time');
    await runNightly(t.knex, { at: new Date(), log: silent });

    const before = await everywhere(c, periods);
    expect(before.dashboard.status).toBe('غیرفعال');
    expect(before.api).toMatchObject({ status: 'inactive', eligible: false });
    expect(before.certificate).toContain('واحد غیرفعال است');
    expect(before.officerPage).toContain('واحد غیرفعال است');
    expect(before.nomination?.badge).toBe('غیرفعال');

    const saved = await saveFiling({
      unitId: c.unit.id, period: periods[4], userId: c.user.id, via: 'form', submit: true, confirmWarnings: true,
      input: { employees: 25, production_value: 5_000_000_000, intermediate_consumption: 3_000_000_000, lines: [{ product_id: c.unit.productIds[0], produced: 50, sold: 40, sales_value: 900_000 }] },
    });
    expect(saved).toMatchObject({ ok: true, statusChanged: true });
    const after = await everywhere(c, periods);
    expect(after.dashboard.status).toBe('فعال');
    expect(after.api.status).toBe('active');
    expect(after.certificate).not.toContain('واحد غیرفعال است');
    expect(after.officerPage).not.toContain('واحد غیرفعال است');
    expect(after.nomination?.badge).toBeNull();
    expect(after.dashboard.classes[periods[4]]).toBe('late');
    expect(after.performance[periods[4]]).toBe('late');
  });
});

describe('DESIGN §4, service eligibility: active and nothing missing since the obligation start; filing what is missing, even late, restores it', () => {
  it('the certificate, /api/v1/status and the officer agree before and after the missing periods are filed late', async () => {
    const last = latestDuePeriod(new Date());
    const periods = [-3, -2, -1, 0].map((n) => addMonths(last, n));
    const c = await craftedUnit(periods[0]);
    await file(c.unit.id, periods[0], 'on_time');
    await file(c.unit.id, periods[2], 'on_time');
    await file(c.unit.id, periods[3], 'on_time');

    const before = await everywhere(c, periods);
    expect(before.api).toMatchObject({ status: 'active', eligible: false, missing_periods: [periods[1]] });
    for (const page of [before.certificate, before.officerPage]) expect(page).toContain('data-verdict="ineligible"');

    await file(c.unit.id, periods[1], 'late');
    const after = await everywhere(c, periods);
    expect(after.api).toMatchObject({ eligible: true, missing_periods: [], completeness: 1, timeliness: 3 / 4 });
    for (const page of [after.certificate, after.officerPage]) expect(page).toContain('data-verdict="eligible"');
    expect(after.dashboard.classes[periods[1]]).toBe('late');
    expect(after.performance[periods[1]]).toBe('late');
  });
});

describe('DESIGN §4, rules change over time: each period is judged by the deadline day in force for it', () => {
  it('moved to the 10th from one period on, a filing on the 9th of the next month is on time there and late the month before — everywhere', async () => {
    // One month back, so that the latest period is due under either deadline day.
    const last = addMonths(latestDuePeriod(new Date()), -1);
    const from = addMonths(last, -2);
    const periods = [addMonths(last, -4), addMonths(last, -3), from, addMonths(last, -1), last];
    const c = await craftedUnit(periods[0]);
    await t.knex('settings').insert({ key: 'deadline_day', effective_from: from, value: JSON.stringify(10) });
    clearSettingsCache();
    try {
      /** Noon (Tehran) of the 9th of the month after `p`. */
      const ninth = (p: Period) => { const n = splitPeriod(addMonths(p, 1)); return new Date(startOfJalaliDay({ jy: n.jy, jm: n.jm, jd: 9 }).getTime() + 12 * 3600_000); };
      for (const p of periods) await createFiling({ unitId: c.unit.id, period: p, firstSubmittedAt: ninth(p) });
      const seen = await everywhere(c, periods);
      const expected = Object.fromEntries(periods.map((p) => [p, p >= from ? 'on_time' : 'late']));
      expect(seen.dashboard.classes).toEqual(expected);
      expect(seen.performance).toEqual(expected);
      // Any period due after these (none is filed) counts as due and missing.
      const dueNow = latestDuePeriod(new Date(), (await loadSettings()).rules);
      const due = periods.length + (dueNow > last ? 1 : 0);
      expect(seen.api.timeliness).toBe(3 / due);
    } finally {
      await t.knex('settings').where({ key: 'deadline_day', effective_from: from }).delete();
      clearSettingsCache();
    }
  });
});
