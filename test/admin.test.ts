import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { createApiToken } from '../src/api/auth.ts';
import type { TestDatabase } from './support/db.ts';
import { freshApp, type App } from './support/app.ts';
import { createUser, signIn, csrfFrom, PASSWORD } from './support/factories.ts';
import { runUserCreate } from '../src/cli/user-create.ts';
import { loadSettings } from '../src/settings.ts';
import { periodOf, addMonths, previousPeriod, jdate } from '../src/calendar.ts';
import { verifyPassword } from '../src/auth/passwords.ts';
import { persianDigits } from '../src/text.ts';
import { captureMail } from '../src/mail.ts';

let t: TestDatabase;
let app: App;
let admin: { id: number; email: string };
beforeAll(async () => {
  ({ t, app } = await freshApp());
  admin = await createUser({ role: 'admin' });
});
afterAll(() => t.close());

const linkIn = (html: string) => /value="(https?:\/\/[^"]+\/activate\/([A-Za-z0-9_-]+))"/.exec(html);

/** Follows an activation link the way its owner would and sets a password. */
async function activate(token: string, password: string) {
  const agent = request.agent(app);
  const page = await agent.get(`/activate/${token}`).expect(200);
  await agent.post(`/activate/${token}`).type('form').send({ _csrf: csrfFrom(page.text), password, confirm: password }).expect(303);
}

describe('admin manages accounts', () => {
  it('creates a province officer whose mailed one-time link works and whose role works once a second admin confirms it', async () => {
    const outbox = captureMail();
    try {
      const { agent, csrf } = await signIn(app, admin.email);
      const res = await agent.post('/admin/users').type('form').send({ _csrf: csrf, email: 'New.Officer@Test.ir', full_name: 'كارشناس تازه', role: 'province_officer', province_code: '10' });
      expect(res.status).toBe(201);
      expect(linkIn(res.text)).toBeNull(); // issue 23 F1: never on the admin's screen
      const link = /\/activate\/([A-Za-z0-9_-]+)/.exec(outbox.find((m) => m.to === 'new.officer@test.ir')!.text);
      const user = await t.knex('users').where({ email: 'new.officer@test.ir' }).first();
      expect(user).toMatchObject({ role: 'province_officer', province_code: '10', password_hash: null, active: true, full_name: 'کارشناس تازه', role_confirmed_at: null });
      expect(await t.knex('audit_log').where({ action: 'user.created', target: `user:${user.id}`, user_id: admin.id })).toHaveLength(1);

      await activate(link![1], 'officer-password-1');
      expect(await verifyPassword((await t.knex('users').where({ id: user.id }).first()).password_hash, 'officer-password-1')).toBe(true);
      const officer = await signIn(app, 'new.officer@test.ir', 'officer-password-1');
      expect((await officer.agent.get('/province/registrations')).status).toBe(403);
      const second = await createUser({ role: 'admin' });
      const s = await signIn(app, second.email);
      await s.agent.post(`/admin/users/${user.id}/role-confirmation`).type('form').send({ _csrf: s.csrf }).expect(303);
      expect((await officer.agent.get('/province/registrations')).status).toBe(200);
    } finally {
      captureMail(false);
    }
  });

  it('creates statistics-office and planning-deputy accounts without a province', async () => {
    const { agent, csrf } = await signIn(app, admin.email);
    for (const role of ['stats_office', 'planning_deputy']) {
      const email = `${role}-made@test.ir`;
      const res = await agent.post('/admin/users').type('form').send({ _csrf: csrf, email, full_name: 'کارشناس', role, province_code: '23' });
      expect(res.status).toBe(201);
      expect(await t.knex('users').where({ email }).first()).toMatchObject({ role, province_code: null });
    }
  });

  it('refuses an officer without a province, an unknown role and a used email, keeping what was typed', async () => {
    const { agent, csrf } = await signIn(app, admin.email);
    const noProvince = await agent.post('/admin/users').type('form').send({ _csrf: csrf, email: 'p@test.ir', full_name: 'بی‌استان', role: 'province_officer', province_code: '' });
    expect(noProvince.status).toBe(422);
    expect(noProvince.text).toContain('برای کارشناس استان، استان را انتخاب کنید');
    expect(noProvince.text).toContain('value="p@test.ir"');
    expect(noProvince.text).toContain('value="بی‌استان"');
    const badRole = await agent.post('/admin/users').type('form').send({ _csrf: csrf, email: 'r@test.ir', full_name: 'x', role: 'unit_user' });
    expect(badRole.status).toBe(422);
    expect(badRole.text).toContain('نقش را انتخاب کنید');
    const used = await agent.post('/admin/users').type('form').send({ _csrf: csrf, email: admin.email.toUpperCase(), full_name: 'x', role: 'admin' });
    expect(used.status).toBe(422);
    expect(used.text).toContain('پیش‌تر در سامانه ثبت شده است');
    expect(await t.knex('users').whereIn('email', ['p@test.ir', 'r@test.ir'])).toHaveLength(0);
  });

  it('lists users filtered by role and province', async () => {
    const isfahan = await createUser({ role: 'province_officer', province_code: '10', email: 'isf-list@test.ir' });
    const tehran = await createUser({ role: 'province_officer', province_code: '23', email: 'teh-list@test.ir' });
    const stats = await createUser({ role: 'stats_office', email: 'stats-list@test.ir' });
    const { agent } = await signIn(app, admin.email);
    const all = await agent.get('/admin/users').expect(200);
    for (const u of [isfahan, tehran, stats]) expect(all.text).toContain(u.email);
    const officers10 = await agent.get('/admin/users?role=province_officer&province=10').expect(200);
    expect(officers10.text).toContain(isfahan.email);
    expect(officers10.text).not.toContain(tehran.email);
    expect(officers10.text).not.toContain(stats.email);
  });

  it('resets a password: the old one stops working, API tokens are revoked, and a new link is issued', async () => {
    const victim = await createUser({ role: 'stats_office' });
    const { token } = await createApiToken(victim.id, 'office tools');
    await request(app).get('/api/v1/stats/performance').set('authorization', `Bearer ${token}`).expect((r) => expect(r.status).not.toBe(401));
    const { agent, csrf } = await signIn(app, admin.email);
    const res = await agent.post(`/admin/users/${victim.id}/password-reset`).type('form').send({ _csrf: csrf });
    expect(res.status).toBe(200);
    const link = linkIn(res.text);
    expect(link).not.toBeNull();
    expect((await t.knex('users').where({ id: victim.id }).first()).password_hash).toBeNull();
    await expect(signIn(app, victim.email, PASSWORD)).rejects.toThrow(/401/);
    expect(await t.knex('audit_log').where({ action: 'user.password_reset', target: `user:${victim.id}` })).toHaveLength(1);
    await request(app).get('/api/v1/stats/performance').set('authorization', `Bearer ${token}`).expect(401);
    await activate(link![2], 'a-brand-new-password');
    await signIn(app, victim.email, 'a-brand-new-password');
  });

  it('deactivates and reactivates an account; a deactivated user cannot sign in and loses the session', async () => {
    const user = await createUser({ role: 'planning_deputy' });
    const theirs = await signIn(app, user.email);
    const { agent, csrf } = await signIn(app, admin.email);
    await agent.post(`/admin/users/${user.id}/deactivation`).type('form').send({ _csrf: csrf, confirm: 'yes' }).expect(303);
    expect((await t.knex('users').where({ id: user.id }).first()).active).toBe(false);
    expect((await theirs.agent.get('/account')).status).toBe(303);
    await expect(signIn(app, user.email)).rejects.toThrow(/401/);
    await agent.post(`/admin/users/${user.id}/reactivation`).type('form').send({ _csrf: csrf }).expect(303);
    await signIn(app, user.email);
    expect(await t.knex('audit_log').where({ target: `user:${user.id}` }).whereIn('action', ['user.deactivated', 'user.reactivated'])).toHaveLength(2);
    // an admin cannot lock themselves out
    await agent.post(`/admin/users/${admin.id}/deactivation`).type('form').send({ _csrf: csrf }).expect(303);
    expect((await t.knex('users').where({ id: admin.id }).first()).active).toBe(true);
  });

  it('every admin page and action is 404 for other roles', async () => {
    const target = await createUser({ role: 'stats_office' });
    for (const role of ['province_officer', 'stats_office', 'planning_deputy', 'unit_user'] as const) {
      const u = await createUser({ role, province_code: role === 'province_officer' ? '23' : null });
      const { agent, csrf } = await signIn(app, u.email);
      expect((await agent.get('/admin/users')).status).toBe(404);
      expect((await agent.get('/admin/settings')).status).toBe(404);
      expect((await agent.post('/admin/users').type('form').send({ _csrf: csrf, email: `x-${role}@test.ir`, full_name: 'x', role: 'admin' })).status).toBe(404);
      expect((await agent.post(`/admin/users/${target.id}/password-reset`).type('form').send({ _csrf: csrf })).status).toBe(404);
      expect((await agent.post(`/admin/users/${target.id}/deactivation`).type('form').send({ _csrf: csrf })).status).toBe(404);
      expect((await agent.post('/admin/settings').type('form').send({ _csrf: csrf, key: 'deadline_day', value: '12', effective_from: '1499-01' })).status).toBe(404);
    }
    const row = await t.knex('users').where({ id: target.id }).first();
    expect(row.active).toBe(true);
    expect(row.password_hash).not.toBeNull();
    expect(await t.knex('users').where('email', 'like', 'x-%@test.ir')).toHaveLength(0);
    expect((await request(app).get('/admin/users')).status).toBe(303);
  });

  it('admin forms without the CSRF token are refused with 403', async () => {
    const target = await createUser({ role: 'stats_office' });
    const { agent } = await signIn(app, admin.email);
    expect((await agent.post('/admin/users').type('form').send({ email: 'nocsrf@test.ir', full_name: 'x', role: 'admin' })).status).toBe(403);
    expect((await agent.post(`/admin/users/${target.id}/password-reset`).type('form').send({})).status).toBe(403);
    expect((await agent.post(`/admin/users/${target.id}/deactivation`).type('form').send({})).status).toBe(403);
    expect((await agent.post('/admin/settings').type('form').send({ key: 'suppression_min_units', value: '5' })).status).toBe(403);
    expect(await t.knex('users').where({ email: 'nocsrf@test.ir' })).toHaveLength(0);
  });
});

describe('admin edits settings', () => {
  it('a periodic rule gets a new step from a future period; earlier steps stay and the page lists the history', async () => {
    const { agent, csrf } = await signIn(app, admin.email);
    const current = periodOf(new Date());
    const from = addMonths(current, 2);
    // Typed as ۱۴۰۵/۰۱ (Persian digits, a slash): read as 1405-01.
    const res = await agent.post('/admin/settings').type('form').send({ _csrf: csrf, key: 'deadline_day', value: '۱۰', effective_from: from.replace('-', '/').replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d))) });
    expect(res.status).toBe(303);
    const steps = await t.knex('settings').where({ key: 'deadline_day' }).orderBy('effective_from');
    expect(steps.map((s) => [s.effective_from, Number(s.value)])).toEqual([['0001-01', 8], [from, 10]]);
    const rules = (await loadSettings(t.knex)).rules;
    expect(rules.deadlineDay).toEqual([{ from: '0001-01', value: 8 }, { from, value: 10 }]);
    // The page offers a Jalali month picker, its options in Persian.
    const page = await agent.get('/admin/settings').expect(200);
    expect(page.text).toMatch(/<select class="form-select" id="s-deadline_day-from" name="effective_from"/);
    expect(page.text).toContain(`<option value="${current}" selected>`);
    expect(page.text).toMatch(/setting-history[\s\S]*آغاز[\s\S]*۸[\s\S]*۱۰/);
    const log = await t.knex('audit_log').where({ action: 'settings.changed', target: 'setting:deadline_day' }).first();
    expect(log.details).toMatchObject({ key: 'deadline_day', value: 10, effective_from: from });
  });

  it('refuses a step in a period already judged, and a value out of range, in Persian', async () => {
    const { agent, csrf } = await signIn(app, admin.email);
    const current = periodOf(new Date());
    const past = await agent.post('/admin/settings').type('form').send({ _csrf: csrf, key: 'inactivity_months', value: '6', effective_from: previousPeriod(current) });
    expect(past.status).toBe(422);
    expect(past.text).toContain('نمی‌تواند دوره‌های گذشته را عوض کند');
    const range = await agent.post('/admin/settings').type('form').send({ _csrf: csrf, key: 'inactivity_months', value: '40', effective_from: current });
    expect(range.status).toBe(422);
    expect(range.text).toContain('حداکثر ۲۴ است');
    expect(range.text).toContain('value="40"');
    const notNumber = await agent.post('/admin/settings').type('form').send({ _csrf: csrf, key: 'suppression_min_units', value: 'سه' });
    expect(notNumber.status).toBe(422);
    expect(notNumber.text).toContain('عدد وارد کنید');
    expect(await t.knex('settings').where({ key: 'inactivity_months' })).toHaveLength(1);
    expect((await loadSettings(t.knex)).get('suppression_min_units')).toBe(3);
  });

  it('edits plain and composite settings', async () => {
    const { agent, csrf } = await signIn(app, admin.email);
    await agent.post('/admin/settings').type('form').send({ _csrf: csrf, key: 'suppression_dominance', value: '۰٫۹' }).expect(303);
    await agent.post('/admin/settings').type('form').send({ _csrf: csrf, key: 'exemplary_weights', 'value[completeness]': '0.5', 'value[timeliness]': '0.3', 'value[quality]': '0.2' }).expect(303);
    await agent.post('/admin/settings').type('form').send({ _csrf: csrf, key: 'legacy_start_period', value: '۱۳۸۷-۰۹' }).expect(303);
    const s = await loadSettings(t.knex);
    expect(s.get('suppression_dominance')).toBe(0.9);
    expect(s.get('exemplary_weights')).toEqual({ completeness: 0.5, timeliness: 0.3, quality: 0.2 });
    expect(s.obligation.legacyStart).toBe('1387-09');
    const bad = await agent.post('/admin/settings').type('form').send({ _csrf: csrf, key: 'exemplary_weights', 'value[completeness]': '-1', 'value[timeliness]': '0.3', 'value[quality]': '0.2' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('باید دست‌کم ۰ باشد');
    const badPeriod = await agent.post('/admin/settings').type('form').send({ _csrf: csrf, key: 'system_start_period', value: '1387-13' });
    expect(badPeriod.status).toBe(422);
    expect(badPeriod.text).toContain('دوره را به شکل سال-ماه بنویسید');
    expect(await t.knex('audit_log').where({ action: 'settings.changed' }).whereIn('target', ['setting:suppression_dominance', 'setting:exemplary_weights', 'setting:legacy_start_period'])).toHaveLength(3);
    const unknown = await agent.post('/admin/settings').type('form').send({ _csrf: csrf, key: 'no_such_setting', value: '1' });
    expect(unknown.status).toBe(404);
  });
});

describe('npm run user:create', () => {
  it('creates an officer with an activation link, or an admin with a password who can sign in', async () => {
    const officer = await runUserCreate(['--', '--email', 'cli.officer@test.ir', '--role', 'province_officer', '--province', '23', '--name', 'کارشناس خط فرمان'], t.knex);
    expect(officer.code).toBe(0);
    expect(officer.out.join('\n')).toMatch(/activate\/[A-Za-z0-9_-]+/);
    expect(await t.knex('users').where({ email: 'cli.officer@test.ir' }).first()).toMatchObject({ role: 'province_officer', province_code: '23', password_hash: null });
    const boss = await runUserCreate(['--email', 'cli.admin@test.ir', '--role', 'admin', '--password', 'cli-password-123'], t.knex);
    expect(boss.code).toBe(0);
    const { agent } = await signIn(app, 'cli.admin@test.ir', 'cli-password-123');
    expect((await agent.get('/admin/users')).status).toBe(200);
  });

  it('fails with a clear message on bad input and creates nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--email', 'a1@test.ir', '--role', 'province_officer'], /--province CODE is required/],
      [['--email', 'a2@test.ir', '--role', 'king'], /unknown role "king"/],
      [['--role', 'admin'], /--email and --role are required/],
      [['--email', 'a3@test.ir', '--role', 'admin', '--colour', 'blue'], /Unknown option/],
      [['--email', 'a4@test.ir', '--role', 'province_officer', '--province', '99'], /province_code/],
      [['--email', 'not-an-email', '--role', 'admin'], /email/],
      [['--email', 'a5@test.ir', '--role', 'admin', '--password', 'short'], /at least 10/],
      [['--email', 'cli.admin@test.ir', '--role', 'admin'], /email/],
    ];
    for (const [argv, message] of cases) {
      const r = await runUserCreate(argv, t.knex);
      expect(r.code, argv.join(' ')).not.toBe(0);
      expect(r.err.join('\n')).toMatch(message);
    }
    expect(await t.knex('users').whereIn('email', ['a1@test.ir', 'a2@test.ir', 'a3@test.ir', 'a4@test.ir', 'a5@test.ir'])).toHaveLength(0);
  });
});

describe('the users list (issue 14 §14)', () => {
  it('pages by 50 with Persian page numbers; search, role and province are kept in every page link', async () => {
    for (let i = 0; i < 55; i++) await createUser({ role: 'province_officer', province_code: '05', email: `zanjan-${String(i).padStart(2, '0')}@test.ir` });
    await createUser({ role: 'stats_office', email: 'zanjan-stats@test.ir' });
    const { agent } = await signIn(app, admin.email);
    const emails = (html: string) => [...html.matchAll(/<td dir="ltr" class="text-end">([^<]+)<\/td>/g)].map((m) => m[1]);
    const first = await agent.get('/admin/users?q=zanjan&role=province_officer&province=05').expect(200);
    expect(emails(first.text)).toHaveLength(50);
    expect(first.text).toContain('۵۵ حساب، صفحه ۱ از ۲');
    expect(first.text).toContain('href="/admin/users?q=zanjan&amp;role=province_officer&amp;province=05&amp;page=2">۲</a>');
    const second = await agent.get('/admin/users?q=zanjan&role=province_officer&province=05&page=۲').expect(200);
    expect(emails(second.text)).toEqual(['zanjan-50@test.ir', 'zanjan-51@test.ir', 'zanjan-52@test.ir', 'zanjan-53@test.ir', 'zanjan-54@test.ir']);
    expect(second.text).toContain('name="q" type="search" maxlength="100" value="zanjan"');
    expect(second.text).toContain('<option value="05" selected');
    // A role filter leaves the other roles out; the search finds by name too, and by id.
    expect(emails((await agent.get('/admin/users?q=zanjan&role=stats_office').expect(200)).text)).toEqual(['zanjan-stats@test.ir']);
    const named = await createUser({ role: 'planning_deputy', email: 'deputy-x@test.ir' });
    await t.knex('users').where({ id: named.id }).update({ full_name: 'مریم کاظمی' });
    expect(emails((await agent.get(`/admin/users?q=${encodeURIComponent('كاظمي')}`).expect(200)).text)).toEqual(['deputy-x@test.ir']);
    // By id: the account itself (and any whose email or name holds the same digits, as factories' emails may).
    const byId = emails((await agent.get(`/admin/users?q=${named.id}`).expect(200)).text);
    expect(byId).toContain('deputy-x@test.ir');
    for (const e of byId) if (e !== 'deputy-x@test.ir') expect(e).toContain(String(named.id));
    // Nonsense in the query string is no filter, not an error.
    await agent.get('/admin/users?page=abc&role=emperor&province=xx').expect(200);
  });

  it('deactivation asks first, on a page that works without JavaScript; without the box ticked nothing changes', async () => {
    const user = await createUser({ role: 'stats_office', email: 'to-deactivate@test.ir' });
    const { agent, csrf } = await signIn(app, admin.email);
    const back = '/admin/users?q=to-deactivate&role=stats_office';
    const list = await agent.get(back).expect(200);
    expect(list.text).toContain(`href="/admin/users/${user.id}/deactivation?back=${encodeURIComponent(back)}"`);
    expect(list.text).not.toContain(`action="/admin/users/${user.id}/deactivation"`);
    const page = await agent.get(`/admin/users/${user.id}/deactivation?back=${encodeURIComponent(back)}`).expect(200);
    expect(page.text).toContain('to-deactivate@test.ir');
    expect(page.text).toContain('name="confirm" value="yes"');
    const refused = await agent.post(`/admin/users/${user.id}/deactivation`).type('form').send({ _csrf: csrf, back }).expect(422);
    expect(refused.text).toContain('id="f-confirm-error">برای غیرفعال کردن، تأیید کنید');
    expect((await t.knex('users').where({ id: user.id }).first()).active).toBe(true);
    expect(await t.knex('audit_log').where({ action: 'user.deactivated', target: `user:${user.id}` })).toHaveLength(0);
    const done = await agent.post(`/admin/users/${user.id}/deactivation`).type('form').send({ _csrf: csrf, back, confirm: 'yes' }).expect(303);
    expect(done.headers.location).toBe(back);
    expect((await t.knex('users').where({ id: user.id }).first()).active).toBe(false);
    // A back address elsewhere is the plain list.
    const again = await agent.post(`/admin/users/${user.id}/reactivation`).type('form').send({ _csrf: csrf, back: 'https://evil.example/admin/users' }).expect(303);
    expect(again.headers.location).toBe('/admin/users');
    await agent.get('/admin/users/999999/deactivation').expect(404);
    // A role change, too, returns to the list as it was.
    const moved = await agent.post(`/admin/users/${user.id}/role`).type('form').send({ _csrf: csrf, back, role: 'planning_deputy' }).expect(303);
    expect(moved.headers.location).toBe(back);
  });
});

describe('the audit log (issue 14 §14)', () => {
  it('Persian labels for actions and objects, objects linked, details folded', async () => {
    const officer = await createUser({ role: 'province_officer', province_code: '23', email: 'audit-officer@test.ir' });
    await t.knex('audit_log').insert([
      { action: 'user.role_changed', user_id: admin.id, target: `user:${officer.id}`, details: JSON.stringify({ from: 'stats_office', to: 'province_officer' }) },
      { action: 'filing.verify', user_id: officer.id, province_code: '23', target: 'filing:4242', details: JSON.stringify({ period: '1404-07' }) },
      { action: 'stats.view', user_id: admin.id, target: 'release:77', details: JSON.stringify({ format: 'csv' }) },
    ]);
    const { agent } = await signIn(app, admin.email);
    const res = await agent.get('/admin/audit').expect(200);
    expect(res.text).toContain('تغییر نقش حساب');
    expect(res.text).not.toContain('>user.role_changed<');
    expect(res.text).toContain(`<a href="/admin/users?q=${officer.id}">حساب کاربری ${persianDigits(String(officer.id))}</a>`);
    expect(res.text).toContain('<a href="/admin/audit?target=filing%3A4242">اظهارنامه ۴۲۴۲</a>');
    expect(res.text).toContain('انتشار آمار ۷۷');
    expect(res.text).toMatch(/<details class="mt-1"><summary class="text-secondary">جزئیات<\/summary>[\s\S]*?دوره<\/dt><dd[^>]*><bdi dir="ltr">۱۴۰۴-۰۷<\/bdi>/);
    // One object's events.
    const one = await agent.get('/admin/audit?target=filing:4242').expect(200);
    expect(one.text).toContain('id="audit-target">تنها رویدادهای <strong>اظهارنامه ۴۲۴۲</strong>');
    expect(one.text.match(/<tr>/g)?.length).toBe(2); // the header and the one event
  });

  it('dates from/to accept Jalali dates in Persian, Arabic or Latin digits, with / or -', async () => {
    // 1405/02/10 Tehran = 2026-04-30; 1405/02/11 = 2026-05-01.
    await t.knex('audit_log').insert([
      { action: 'settings.changed', user_id: admin.id, target: 'setting:dated-in', at: new Date('2026-04-30T08:00:00Z') },
      { action: 'settings.changed', user_id: admin.id, target: 'setting:dated-out', at: new Date('2026-05-01T08:00:00Z') },
    ]);
    const { agent } = await signIn(app, admin.email);
    for (const [from, to] of [['۱۴۰۵/۰۲/۱۰', '۱۴۰۵/۰۲/۱۰'], ['١٤٠٥-٠٢-١٠', '١٤٠٥-٠٢-١٠'], ['1405/2/10', '1405-02-10']]) {
      const res = await agent.get(`/admin/audit?action=settings.changed&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`).expect(200);
      expect(res.text, from).toContain('تنظیم dated-in');
      expect(res.text, from).not.toContain('تنظیم dated-out');
    }
    // The picker: the last 90 days offered to both inputs, today first, each a value the filter takes.
    const page = await agent.get('/admin/audit').expect(200);
    expect(page.text).toContain('list="q-recent-days"');
    const today = jdate(new Date());
    expect(page.text).toContain(`<option value="${today}">امروز</option>`);
    expect([...page.text.matchAll(/<datalist id="q-recent-days">([\s\S]*?)<\/datalist>/g)][0][1].match(/<option /g)).toHaveLength(90);
    await agent.get(`/admin/audit?from=${encodeURIComponent(today)}&to=${encodeURIComponent(today)}`).expect(200);
    const bad = await agent.get('/admin/audit?from=1405/13/40');
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('تاریخ شروع باید تاریخ شمسی معتبر باشد');
  });
});
