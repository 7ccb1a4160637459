import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { audit } from '../src/audit.ts';
import { startOfJalaliDay } from '../src/calendar.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, createUnit, signIn } from './support/factories.ts';

let t: TestDatabase;
let app: App;
let admin: Awaited<ReturnType<typeof signIn>>;
let adminUser: { id: number; email: string };
let isfahanOfficer: { id: number; email: string };
let unit: Awaited<ReturnType<typeof createUnit>>;

beforeAll(async () => {
  ({ t, app } = await freshApp());
  adminUser = await createUser({ role: 'admin' });
  isfahanOfficer = await createUser({ role: 'province_officer', province_code: '10' });
  unit = await createUnit({ province_code: '10' });
  admin = await signIn(app, adminUser.email);
  await signIn(app, isfahanOfficer.email); // a real sign-in, audited by the auth routes
  await audit({ action: 'filing.view', userId: isfahanOfficer.id, unitId: unit.id, provinceCode: '10', target: 'filing:77', details: { period: '1404-06' } });
  await audit({ action: 'filing.return', userId: isfahanOfficer.id, unitId: unit.id, provinceCode: '10', target: 'filing:77', details: { reason: 'بررسی دوباره' } });
  await audit({ action: 'some.future_action', userId: adminUser.id, target: '=HYPERLINK("http://evil")' });
});
afterAll(() => t.close());

const rowsOf = (html: string) => (html.match(/<tr>\s*<td class="num text-secondary">/g) ?? []).length;

describe('the admin audit page', () => {
  it('is for admins only: every other role gets 404, a visitor is sent to sign in', async () => {
    for (const role of ['unit_user', 'province_officer', 'stats_office', 'planning_deputy'] as const) {
      const u = await createUser({ role, province_code: role === 'province_officer' ? '23' : null, unit_ids: role === 'unit_user' ? [unit.id] : [] });
      const { agent } = await signIn(app, u.email);
      expect((await agent.get('/admin/audit')).status, role).toBe(404);
      expect((await agent.get('/admin/audit.csv')).status, role).toBe(404);
    }
    const anon = await request(app).get('/admin/audit');
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toMatch(/^\/login(\?next=|$)/);
    expect((await request(app).get('/admin/audit.csv')).status).toBe(303);
  });

  it('lists sign-ins, decisions and officers’ views of a unit’s filing with Persian labels, newest first', async () => {
    const res = await admin.agent.get('/admin/audit');
    expect(res.status).toBe(200);
    expect(res.text).toContain('گزارش رویدادها');
    expect(res.text).toContain('ورود به سامانه');
    expect(res.text).toContain('مشاهده اظهارنامه واحد توسط کارشناس');
    expect(res.text).toContain('عودت اظهارنامه برای اصلاح');
    expect(res.text).toContain('some.future_action'); // unknown actions show their code
    expect(res.text).toContain(isfahanOfficer.email);
    expect(res.text).toContain('اصفهان');
    expect(res.text).toContain('=HYPERLINK(&#34;http://evil&#34;)'); // escaped
    const table = res.text.slice(res.text.indexOf('<table'));
    expect(table.indexOf('some.future_action')).toBeLessThan(table.indexOf('عودت اظهارنامه برای اصلاح'));
    expect(res.text).toMatch(/[۰-۹]{4}\/[۰-۹]{2}\/[۰-۹]{2} ساعت/);
  });

  it('filters by action, user, unit and province (a province includes its officers’ sign-ins)', async () => {
    const byAction = await admin.agent.get('/admin/audit').query({ action: 'filing.view' });
    expect(rowsOf(byAction.text)).toBe(1);
    const byUser = await admin.agent.get('/admin/audit').query({ user: isfahanOfficer.email.toUpperCase() });
    expect(rowsOf(byUser.text)).toBe(3);
    const byId = await admin.agent.get('/admin/audit').query({ user: String(isfahanOfficer.id).replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[Number(d)]) });
    expect(rowsOf(byId.text)).toBe(3);
    const byUnit = await admin.agent.get('/admin/audit').query({ unit: String(unit.id) });
    expect(rowsOf(byUnit.text)).toBe(2);
    const isfahan = await admin.agent.get('/admin/audit').query({ province: '10' });
    expect(rowsOf(isfahan.text)).toBe(3);
    expect(isfahan.text).toContain('ورود به سامانه');
    const tehran = await admin.agent.get('/admin/audit').query({ province: '23', action: 'filing.view' });
    expect(rowsOf(tehran.text)).toBe(0);
    expect(tehran.text).toContain('رویدادی با این شرط‌ها نیست.');
    const wildcard = await admin.agent.get('/admin/audit').query({ user: '%' });
    expect(rowsOf(wildcard.text)).toBe(0);
  });

  it('filters by a Jalali date range typed with Persian digits, by Tehran days', async () => {
    const day1 = startOfJalaliDay({ jy: 1404, jm: 8, jd: 1 });
    const day3 = startOfJalaliDay({ jy: 1404, jm: 8, jd: 3 });
    await t.knex('audit_log').insert([
      { action: 'range.test', at: new Date(day1.getTime() - 60_000), target: 'before' },
      { action: 'range.test', at: new Date(day1.getTime() + 60_000), target: 'first-day' },
      { action: 'range.test', at: new Date(day3.getTime() - 60_000), target: 'last-minute-of-second-day' },
      { action: 'range.test', at: new Date(day3.getTime() + 60_000), target: 'after' },
    ]);
    const res = await admin.agent.get('/admin/audit').query({ action: 'range.test', from: '۱۴۰۴/۰۸/۰۱', to: '۱۴۰۴/۰۸/۰۲' });
    expect(res.status).toBe(200);
    expect(rowsOf(res.text)).toBe(2);
    for (const inside of ['first-day', 'last-minute-of-second-day']) expect(res.text).toContain(inside);
    for (const outside of ['>before<', '>after<']) expect(res.text).not.toContain(outside);
    expect(res.text).toContain('value="۱۴۰۴/۰۸/۰۱"');
  });

  it('refuses a malformed date with a Persian message next to the field and keeps what was typed (422)', async () => {
    const res = await admin.agent.get('/admin/audit').query({ from: '۱۴۰۴/۱۳/۴۰', user: 'someone' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('تاریخ شروع باید تاریخ شمسی معتبر باشد');
    expect(res.text).toContain('value="۱۴۰۴/۱۳/۴۰"');
    expect(res.text).toContain('value="someone"');
    const reversed = await admin.agent.get('/admin/audit').query({ from: '1404/08/10', to: '1404/08/01' });
    expect(reversed.status).toBe(422);
    expect(reversed.text).toContain('تاریخ پایان پیش از تاریخ شروع است.');
    const hostile = await admin.agent.get('/admin/audit').query({ action: "x' OR 1=1 --", unit: '1e9', page: '-1' });
    expect(hostile.status).toBe(422);
  });

  it('pages 50 rows at a time, keeping the filters in the page links', async () => {
    await t.knex('audit_log').insert(Array.from({ length: 120 }, (_, i) => ({ action: 'page.test', target: `row-${i}` })));
    const p1 = await admin.agent.get('/admin/audit').query({ action: 'page.test' });
    expect(rowsOf(p1.text)).toBe(50);
    expect(p1.text).toContain('row-119');
    expect(p1.text).toContain('href="/admin/audit?action=page.test&amp;page=2"');
    expect(p1.text).not.toContain('rel="prev"');
    const p3 = await admin.agent.get('/admin/audit').query({ action: 'page.test', page: '3' });
    expect(rowsOf(p3.text)).toBe(20);
    expect(p3.text).toContain('row-0<');
    expect(p3.text).not.toContain('rel="next"');
  });

  it('exports the filtered rows as CSV with a BOM, Persian labels, formulas defused — and the export is logged', async () => {
    const res = await admin.agent.get('/admin/audit.csv').query({ user: String(adminUser.id) }).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(res.headers['content-disposition']).toContain('attachment');
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = body.toString('utf8').slice(1);
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0]).toBe('شناسه,زمان (تهران),زمان (UTC),رویداد,کد رویداد,شناسه کاربر,پست الکترونیکی کاربر,نقش,استان,شناسه واحد,واحد,هدف,جزئیات,نشانی IP');
    // The admin's sign-in (its user is the account signed in to) and the unknown action.
    const actions = lines.slice(1).map((l) => l.split(',')[4]);
    expect(actions).toEqual(expect.arrayContaining(['auth.sign_in', 'some.future_action']));
    expect(lines.some((l) => l.includes('ورود به سامانه') && l.includes('مدیر سامانه'))).toBe(true);
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    const logged = await t.knex('audit_log').where({ action: 'audit.export', user_id: adminUser.id });
    expect(logged).toHaveLength(1);
    expect(logged[0].details).toEqual({ user: String(adminUser.id) });
  });

  it('exports every matching row, across batches', async () => {
    const res = await admin.agent.get('/admin/audit.csv').query({ action: 'page.test' });
    const lines = String(res.text).replace(/^\ufeff/, '').trimEnd().split('\r\n');
    expect(lines).toHaveLength(121);
  });
});
