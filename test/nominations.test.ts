import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { deadlineOf, periodRange, startOfJalaliDay, DEFAULT_RULES } from '../src/calendar.ts';
import { FormError } from '../src/forms.ts';
import { candidates, candidatePage, score, nominate, withdraw, nominationDeadline } from '../src/nominations/model.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, signIn, csrfFrom } from './support/factories.ts';
import { createUnit, createFiling, addReview, setSetting } from './support/stats-fixtures.ts';

// DESIGN §8: exemplary units — indicators, ranking, the cap, the deadline on both sides, scope.

let t: TestDatabase;
let app: App;
/** The instant the app's nomination pages judge at: each test stands where it needs to. */
const clock = { now: (): Date => new Date() };
const Y = 1403;
const MONTHS = periodRange(`${Y}-01`, `${Y}-12`);
const lastMinute = new Date(nominationDeadline(Y).getTime() - 60_000); // 31 Ordibehesht 1404, 23:59 Tehran
const khordad1 = startOfJalaliDay({ jy: Y + 1, jm: 3, jd: 1 }); // 1 Khordad 1404, 00:00 Tehran
const onTime = (p: string) => new Date(deadlineOf(p, DEFAULT_RULES).getTime() - 86_400_000);
const late = (p: string) => new Date(deadlineOf(p, DEFAULT_RULES).getTime() + 86_400_000);
const units: Record<string, number> = {};
let officer: { id: number; email: string };
let reviewer: { id: number };

beforeAll(async () => {
  ({ t, app } = await freshApp({ loginLimit: 1000, now: () => clock.now() }));
  officer = await createUser({ role: 'province_officer', province_code: '23' });
  reviewer = await createUser({ role: 'province_officer', province_code: '23' });
  const mk = async (key: string, attrs: Parameters<typeof createUnit>[0]) => { units[key] = (await createUnit({ obligation_start: '1402-01', ...attrs })).id; };
  await mk('perfect', { province_code: '23', name: 'کارخانه نمونه' });
  await mk('returned', { province_code: '23', name: 'کارخانه عودتی' });
  await mk('late', { province_code: '23', name: 'کارخانه دیرکرد' });
  await mk('fourth', { province_code: '23', name: 'کارخانه چهارم' });
  await mk('isfahan', { province_code: '10', name: 'کارخانه اصفهانی' });
  for (const p of MONTHS) {
    await createFiling({ unit_id: units.perfect, period: p, state: 'verified', first_submitted_at: onTime(p) });
    await createFiling({ unit_id: units.isfahan, period: p, state: 'verified', first_submitted_at: onTime(p) });
    await createFiling({ unit_id: units.fourth, period: p, state: 'verified', first_submitted_at: onTime(p) });
    const id = await createFiling({ unit_id: units.returned, period: p, state: 'verified', first_submitted_at: onTime(p) });
    // Half of its filings were returned once before being verified.
    if (Number(p.slice(5)) % 2 === 0) await addReview(id, 'return', reviewer.id, onTime(p));
  }
  for (const p of MONTHS.slice(0, 6)) await createFiling({ unit_id: units.late, period: p, state: 'submitted', first_submitted_at: late(p) });
});
afterAll(() => t.close());
afterEach(() => { clock.now = () => new Date(); });

describe('indicators and ranking', () => {
  it('scores completeness, timeliness and quality with the weights, ranked', async () => {
    const list = await candidates(Y, '23', lastMinute);
    const by = (id: number) => list.find((c) => c.unit_id === id)!;
    expect(list.map((c) => c.unit_id)).not.toContain(units.isfahan);
    expect(by(units.perfect)).toMatchObject({ due: 12, completeness: 1, timeliness: 1, quality: 1, score: 1, rank: 1 });
    expect(by(units.returned)).toMatchObject({ completeness: 1, timeliness: 1, quality: 0.5 });
    expect(by(units.returned).score).toBeCloseTo(0.4 + 0.4 + 0.2 * 0.5);
    expect(by(units.late)).toMatchObject({ completeness: 0.5, timeliness: 0, quality: 0 });
    expect(by(units.late).score).toBeCloseTo(0.2);
    expect(list.at(-1)!.unit_id).toBe(units.late);
  });

  it('follows the weights the planning deputy sets', async () => {
    await setSetting('exemplary_weights', { completeness: 0, timeliness: 0, quality: 1 });
    try {
      const list = await candidates(Y, '23', lastMinute);
      expect(list.find((c) => c.unit_id === units.returned)!.score).toBeCloseTo(0.5);
    } finally {
      await setSetting('exemplary_weights', { completeness: 0.4, timeliness: 0.4, quality: 0.2 });
    }
  });
});

describe('a page of the ranking', () => {
  it('is cut from the whole province in SQL: ranks kept on every page and in a search, nominated units of other pages listed, past the end the last page', async () => {
    const all = await candidates(Y, '23', lastMinute);
    expect(all.map((c) => [c.unit_id, c.rank])).toEqual([[units.perfect, 1], [units.fourth, 1], [units.returned, 3], [units.late, 4]]);
    // The SQL score is score() of the indicators, to the last bit.
    for (const c of all) expect(c.score).toBe(score({ completeness: 0.4, timeliness: 0.4, quality: 0.2 }, c));
    await nominate({ year: Y, unitId: units.late, provinceCode: '23', userId: officer.id, at: lastMinute });
    try {
      const first = await candidatePage(Y, '23', lastMinute, { q: '', page: 1, size: 2 });
      expect(first).toMatchObject({ page: 1, pages: 2, total: 4, all: 4, taken: 1 });
      expect(first.rows.map((c) => c.unit_id)).toEqual([units.perfect, units.fourth]);
      expect(first.nominatedElsewhere.map((c) => [c.unit_id, c.rank, c.nominated])).toEqual([[units.late, 4, true]]);
      const past = await candidatePage(Y, '23', lastMinute, { q: '', page: 9, size: 2 });
      expect(past.page).toBe(2);
      expect(past.rows.map((c) => [c.unit_id, c.rank])).toEqual([[units.returned, 3], [units.late, 4]]);
      expect(past.nominatedElsewhere).toEqual([]);
      const found = await candidatePage(Y, '23', lastMinute, { q: 'دیرکرد', page: 1, size: 2 });
      expect(found).toMatchObject({ total: 1, all: 4, pages: 1, taken: 1 });
      expect(found.rows.map((c) => [c.unit_id, c.rank, c.flags])).toEqual([[units.late, 4, ['آمار ۶ ماه ثبت نشده است']]]);
      const none = await candidatePage(Y, '23', lastMinute, { q: 'ناموجود', page: 2, size: 2 });
      expect(none).toMatchObject({ rows: [], total: 0, all: 4, page: 1, pages: 1 });
      expect(none.nominatedElsewhere.map((c) => c.unit_id)).toEqual([units.late]);
    } finally {
      await t.knex('nominations').where({ year: Y }).delete();
    }
  });

  it('a filing returned after the page was read counts at once (nothing is kept between requests)', async () => {
    const before = (await candidates(Y, '23', lastMinute)).find((c) => c.unit_id === units.fourth)!;
    const filing = await t.knex('filings').where({ unit_id: units.fourth, period: `${Y}-01` }).first('id');
    await addReview(filing.id, 'return', reviewer.id, onTime(`${Y}-01`));
    try {
      const after = (await candidatePage(Y, '23', lastMinute, { q: 'چهارم', page: 1, size: 100 })).rows[0]!;
      expect(after.quality).toBeCloseTo(before.quality - 1 / 12, 12);
      expect(after.rank).toBe(2);
    } finally {
      await t.knex('filing_reviews').where({ filing_id: filing.id, action: 'return' }).delete();
    }
  });
});

describe('the nomination deadline', () => {
  it('31 Ordibehesht 23:59 Tehran is still open; 1 Khordad 00:00 is locked, for adding and for removing', async () => {
    await nominate({ year: Y, unitId: units.perfect, provinceCode: '23', userId: officer.id, at: lastMinute });
    const row = await t.knex('nominations').where({ year: Y, unit_id: units.perfect }).first();
    expect(row).toMatchObject({ province_code: '23', nominated_by: officer.id, score: 1 });
    await expect(nominate({ year: Y, unitId: units.returned, provinceCode: '23', userId: officer.id, at: khordad1 })).rejects.toThrow(/قفل/);
    await expect(withdraw({ year: Y, unitId: units.perfect, provinceCode: '23', userId: officer.id, at: khordad1 })).rejects.toBeInstanceOf(FormError);
    expect(await t.knex('nominations').where({ year: Y }).count('* as n')).toEqual([{ n: 1 }]);
    await withdraw({ year: Y, unitId: units.perfect, provinceCode: '23', userId: officer.id, at: lastMinute });
    expect(await t.knex('nominations').where({ year: Y }).count('* as n')).toEqual([{ n: 0 }]);
  });

  it('through the page: on the last minute a nomination is taken; a minute later the page says it is locked', async () => {
    const { agent } = await signIn(app, officer.email);
    clock.now = () => lastMinute;
    const page = await agent.get(`/nominations?year=${Y}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('کارخانه نمونه');
    expect(page.text).not.toContain('کارخانه اصفهانی');
    expect(page.text).toContain('id="nomination-window"');
    const ok = await agent.post('/nominations').type('form').send({ _csrf: csrfFrom(page.text), unit_id: units.fourth, year: Y });
    expect(ok.status).toBe(303);
    expect(await t.knex('nominations').where({ year: Y, unit_id: units.fourth }).first()).toBeDefined();
    clock.now = () => khordad1;
    const after = await agent.get(`/nominations?year=${Y}`);
    expect(after.text).toContain('id="nomination-locked"');
    expect(after.text).not.toContain('نامزد کن');
    const refused = await agent.post('/nominations').type('form').send({ _csrf: csrfFrom(after.text), unit_id: units.returned, year: Y });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('قفل شده‌اند');
    const removal = await agent.post(`/nominations/${Y}/${units.fourth}/withdrawal`).type('form').send({ _csrf: csrfFrom(after.text) });
    expect(removal.status).toBe(422);
    expect(await t.knex('nominations').where({ year: Y, unit_id: units.fourth }).first()).toBeDefined();
    await t.knex('nominations').where({ year: Y }).delete();
  });
});

describe('the cap and the scope', () => {
  it('a province nominates at most N units a year (a setting), with a Persian refusal', async () => {
    await setSetting('nominations_per_province', 2);
    try {
      await nominate({ year: Y, unitId: units.perfect, provinceCode: '23', userId: officer.id, at: lastMinute });
      await nominate({ year: Y, unitId: units.returned, provinceCode: '23', userId: officer.id, at: lastMinute });
      await expect(nominate({ year: Y, unitId: units.late, provinceCode: '23', userId: officer.id, at: lastMinute })).rejects.toThrow(/حداکثر ۲ واحد/);
      await expect(nominate({ year: Y, unitId: units.perfect, provinceCode: '23', userId: officer.id, at: lastMinute })).rejects.toThrow(/پیش‌تر/);
      expect(await t.knex('nominations').where({ year: Y, province_code: '23' }).count('* as n')).toEqual([{ n: 2 }]);
    } finally {
      await setSetting('nominations_per_province', 3);
    }
  });

  it('concurrent nominations cannot overshoot the cap (the province row is locked for the count)', async () => {
    await setSetting('nominations_per_province', 2);
    try {
      const results = await Promise.allSettled([units.perfect, units.returned, units.late, units.fourth].map((unitId) =>
        nominate({ year: Y + 1, unitId, provinceCode: '23', userId: officer.id, at: lastMinute })));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
      expect(await t.knex('nominations').where({ year: Y + 1, province_code: '23' }).count('* as n')).toEqual([{ n: 2 }]);
    } finally {
      await t.knex('nominations').where({ year: Y + 1 }).delete();
      await setSetting('nominations_per_province', 3);
    }
  });

  it('a unit with months of the year not filed is flagged with why; an inactive one cannot be nominated', async () => {
    const list = await candidates(Y, '23', lastMinute);
    expect(list.find((c) => c.unit_id === units.late)).toMatchObject({ flags: ['آمار ۶ ماه ثبت نشده است'], nominable: true });
    expect(list.find((c) => c.unit_id === units.perfect)).toMatchObject({ flags: [], nominable: true });
    await t.knex('units').where({ id: units.fourth }).update({ status: 'inactive' });
    try {
      expect((await candidates(Y, '23', lastMinute)).find((c) => c.unit_id === units.fourth)).toMatchObject({ flags: ['واحد غیرفعال است'], nominable: false });
      await expect(nominate({ year: Y, unitId: units.fourth, provinceCode: '23', userId: officer.id, at: lastMinute })).rejects.toThrow(/نمی‌توان نامزد کرد/);
      const { agent } = await signIn(app, officer.email);
      clock.now = () => lastMinute;
      const page = await agent.get(`/nominations?year=${Y}`).expect(200);
      expect(page.text).toMatch(/کارخانه دیرکرد[\s\S]*?<div class="small text-danger fw-normal" data-flags>فاقد شرایط خدمات: آمار ۶ ماه ثبت نشده است/);
      expect(page.text).toMatch(/کارخانه چهارم[\s\S]*?data-flags>نامزدی ممکن نیست: واحد غیرفعال است/);
      expect(await t.knex('nominations').where({ unit_id: units.fourth, year: Y }).first()).toBeUndefined();
    } finally {
      await t.knex('units').where({ id: units.fourth }).update({ status: 'active' });
    }
  });

  it("an officer cannot nominate another province's unit (404)", async () => {
    const { agent } = await signIn(app, officer.email);
    clock.now = () => lastMinute;
    const page = await agent.get(`/nominations?year=${Y}`);
    const res = await agent.post('/nominations').type('form').send({ _csrf: csrfFrom(page.text), unit_id: units.isfahan, year: Y });
    expect(res.status).toBe(404);
    expect(await t.knex('nominations').where({ unit_id: units.isfahan }).first()).toBeUndefined();
  });

  it('the planning deputy sees the national list: names and ratios, no production figures', async () => {
    const deputy = await createUser({ role: 'planning_deputy' });
    const isfahanOfficer = await createUser({ role: 'province_officer', province_code: '10' });
    await nominate({ year: Y, unitId: units.isfahan, provinceCode: '10', userId: isfahanOfficer.id, at: lastMinute });
    const { agent } = await signIn(app, deputy.email);
    const res = await agent.get(`/nominations/national?year=${Y}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('کارخانه نمونه');
    expect(res.text).toContain('کارخانه اصفهانی');
    expect(res.text).toContain('استان تهران');
    expect(res.text).toContain('استان اصفهان');
    expect(res.text).toContain('۱۰ تیر');
    // The provinces that have not nominated: 29 of 31, Tehran and Isfahan not among them.
    const silent = [...res.text.matchAll(/data-province="(\d\d)"/g)].map((m) => m[1]);
    expect(silent).toHaveLength(29);
    expect(silent).not.toContain('23');
    expect(silent).not.toContain('10');
    expect(res.text).toContain('۲۹ استان هنوز نامزدی نفرستاده است');
    // The fixtures' production value is 1000 Rial per filing: neither it nor any sum appears.
    expect(res.text).not.toMatch(/ریال/);
    expect(res.text).not.toContain('۱٬۰۰۰');
  });

  it('answers 404 to roles that must not reach each page', async () => {
    const unitUser = await createUser({ role: 'unit_user', unit_ids: [units.perfect] });
    const stats = await createUser({ role: 'stats_office' });
    const { agent: unitAgent } = await signIn(app, unitUser.email);
    const { agent: statsAgent } = await signIn(app, stats.email);
    const { agent: officerAgent } = await signIn(app, officer.email);
    for (const path of ['/nominations', '/nominations/national', '/nominations/weights']) {
      expect((await unitAgent.get(path)).status, `unit ${path}`).toBe(404);
      expect((await statsAgent.get(path)).status, `stats ${path}`).toBe(404);
    }
    expect((await officerAgent.get('/nominations/national')).status).toBe(404);
    expect((await officerAgent.get('/nominations/weights')).status).toBe(404);
  });
});

describe('the weights', () => {
  it('the planning deputy saves weights that add up to 1, typed with Persian digits', async () => {
    const deputy = await createUser({ role: 'planning_deputy' });
    const { agent } = await signIn(app, deputy.email);
    const page = await agent.get('/nominations/weights');
    expect(page.status).toBe(200);
    const bad = await agent.post('/nominations/weights').type('form').send({ _csrf: csrfFrom(page.text), completeness: '۰٫۵', timeliness: '۰٫۵', quality: '۰٫۵' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('جمع سه وزن باید دقیقاً ۱ باشد');
    expect(bad.text).toContain('value="۰٫۵"');
    const neg = await agent.post('/nominations/weights').type('form').send({ _csrf: csrfFrom(page.text), completeness: '-1', timeliness: '1', quality: '1' });
    expect(neg.status).toBe(422);
    expect(neg.text).toContain('نمی‌تواند منفی باشد');
    const ok = await agent.post('/nominations/weights').type('form').send({ _csrf: csrfFrom(page.text), completeness: '۰٫۵', timeliness: '۰٫۳', quality: '۰٫۲' });
    expect(ok.status).toBe(303);
    const row = await t.knex('settings').where({ key: 'exemplary_weights' }).first();
    expect(row.value).toEqual({ completeness: 0.5, timeliness: 0.3, quality: 0.2 });
    await setSetting('exemplary_weights', { completeness: 0.4, timeliness: 0.4, quality: 0.2 });
  });
});
