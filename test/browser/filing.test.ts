import { describe, it, expect } from 'vitest';
import { createUser, createUnit, PASSWORD } from '../support/factories.ts';
import { useBrowserRig, screenshot, signInPage } from '../support/browser.ts';
import { addMonths, periodOf } from '../../src/calendar.ts';


const rig = useBrowserRig();

describe('a unit files a month through the real form', () => {
  it('types Persian digits, confirms the warning, and gets a printable receipt', async () => {
    const period = periodOf(new Date());
    const unit = await createUnit({
      obligation_start: addMonths(period, -6), name: 'صنایع غذایی سپیدان نمونه',
      products: [{ name: 'رب گوجه‌فرنگی', unit_of_measure: 'تن', annual_capacity: 2400 }, { name: 'کنسرو لوبیا', unit_of_measure: 'هزار قوطی', annual_capacity: 1200 }],
    });
    const user = await createUser({ role: 'unit_user', unit_ids: [unit.id], email: 'unit-sepidan@test.ir' });
    const page = await (await rig.browser.newContext({ locale: 'fa-IR', viewport: { width: 1280, height: 900 } })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 422')) errors.push(m.text()); });
    page.on('response', (r) => { if (r.status() === 404) errors.push(`404 ${r.url()}`); });

    await signInPage(page, rig.url, user.email, PASSWORD);
    errors.length = 0; // the sign-in page is not this test's
    expect(page.url()).toBe(`${rig.url}/dashboard`);
    expect(await page.textContent('#countdown')).toMatch(/مانده|گذشته/);
    await screenshot(page, 'filing-dashboard');

    await page.goto(`${rig.url}/filings/${period}`);
    await page.fill('input[name="lines[0][produced]"]', '۳۲۰'); // capacity 200 a month: over 1.5×
    await page.fill('input[name="lines[0][sold]"]', '۲۹۰');
    await page.fill('input[name="lines[0][sales_value]"]', '۱۴٬۵۰۰٬۰۰۰٬۰۰۰');
    await page.fill('input[name="lines[1][produced]"]', '۸۰');
    await page.fill('input[name="lines[1][sold]"]', '۷۵');
    await page.fill('input[name="lines[1][sales_value]"]', '۲٬۲۵۰٬۰۰۰٬۰۰۰');
    await page.fill('input[name="employees"]', '۶۴');
    await page.fill('input[name="production_value"]', '۱۸٬۷۰۰٬۰۰۰٬۰۰۰');
    await page.fill('input[name="intermediate_consumption"]', '۱۱٬۲۰۰٬۰۰۰٬۰۰۰');
    // Value added shown while typing (public/filing.js).
    expect(await page.textContent('#value-added')).toContain('۷٬۵۰۰٬۰۰۰٬۰۰۰');

    await Promise.all([page.waitForNavigation(), page.click('button[name=action][value=submit]')]);
    expect(await page.textContent('#warnings')).toContain('ظرفیت اسمی ماهانه');
    expect(await page.inputValue('input[name="production_value"]')).toBe('۱۸٬۷۰۰٬۰۰۰٬۰۰۰');
    expect(await rig.t.knex('filings').where({ unit_id: unit.id })).toHaveLength(0);
    await screenshot(page, 'filing-form');

    await page.check('#confirm-warnings');
    await Promise.all([page.waitForNavigation(), page.click('button[name=action][value=submit]')]);
    expect(page.url()).toBe(`${rig.url}/filings/${period}/receipt`);
    const f = await rig.t.knex('filings').where({ unit_id: unit.id, period }).first();
    expect(f).toMatchObject({ state: 'submitted', revision: 1, employees: 64 });
    expect(Number(f.production_value)).toBe(18_700_000_000);
    expect(Number(f.value_added)).toBe(7_500_000_000);
    expect(f.warnings.map((w: { code: string }) => w.code)).toEqual(['over_capacity']);
    expect(await page.textContent('#tracking-code')).toBe(f.tracking_code);
    expect(await page.textContent('#timeliness')).toContain('به‌موقع');
    expect(await page.textContent('#submitted-at')).toMatch(/[۰-۹]{4}\/[۰-۹]{2}\/[۰-۹]{2} ساعت/);
    expect(await page.locator('[data-print]').count()).toBe(1);
    await screenshot(page, 'filing-receipt');

    // A correction: a new revision with the changed field, shown in the history.
    await page.goto(`${rig.url}/filings/${period}`);
    await page.fill('input[name="employees"]', '۶۶');
    await page.check('#confirm-warnings');
    await Promise.all([page.waitForNavigation(), page.click('button[name=action][value=submit]')]);
    expect(page.url()).toBe(`${rig.url}/filings/${period}/receipt`);
    await page.goto(`${rig.url}/filings/${period}/revisions`);
    expect(await page.textContent('#revision-2')).toContain('شمار کارکنان');
    await screenshot(page, 'filing-revisions');

    await page.goto(`${rig.url}/filings`);
    expect(await page.locator(`tr[data-period="${period}"][data-state="submitted"]`).count()).toBe(1);
    await screenshot(page, 'filing-periods');

    await page.goto(`${rig.url}/account/tokens`);
    await page.fill('input[name=name]', 'سامانه حسابداری');
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("ساخت کلید")')]);
    expect(await page.textContent('#new-token')).toMatch(/psp_/);
    await screenshot(page, 'account-tokens');
    await page.goto(`${rig.url}/api/docs`);
    await screenshot(page, 'api-docs');
    expect(errors).toEqual([]);
  });
});
