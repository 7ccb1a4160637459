import { describe, it, expect } from 'vitest';
import { createUser, createUnit, PASSWORD } from '../support/factories.ts';
import { audit } from '../../src/audit.ts';
import { useBrowserRig, screenshot, signInPage } from '../support/browser.ts';

const rig = useBrowserRig();

describe('the audit page in a browser', () => {
  it('an admin filters the log by province and action and sees Persian labels and dates', async () => {
    const admin = await createUser({ role: 'admin' });
    const officer = await createUser({ role: 'province_officer', province_code: '10' });
    const unit = await createUnit({ province_code: '10', name: 'شرکت فولاد نمونه' });
    for (const action of ['filing.view', 'filing.verify', 'filing.return']) {
      await audit({ action, userId: officer.id, unitId: unit.id, provinceCode: '10', target: 'filing:1', details: { period: '1404-06' } });
    }
    const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fa-IR' });
    await signInPage(page, rig.url, admin.email, PASSWORD);
    await page.goto(`${rig.url}/admin/audit`);
    await page.selectOption('#q-province', '10');
    await page.selectOption('#q-action', 'filing.view');
    await Promise.all([page.waitForNavigation(), page.click('#audit-filter button')]);
    const rows = page.locator('#audit tbody tr');
    expect(await rows.count()).toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('مشاهده اظهارنامه واحد توسط کارشناس');
    await expect(rows.first().textContent()).resolves.toContain('شرکت فولاد نمونه');
    expect(await page.getAttribute('#audit-csv', 'href')).toBe('/admin/audit.csv?action=filing.view&province=10');
    await page.goto(`${rig.url}/admin/audit`);
    await screenshot(page, 'ops-audit');
    await page.fill('#q-from', '۱۴۰۴/۱۳/۰۱');
    await Promise.all([page.waitForNavigation(), page.click('#audit-filter button')]);
    await expect(page.locator('#q-from + .invalid-feedback').textContent()).resolves.toContain('تاریخ شمسی معتبر');
    await screenshot(page, 'ops-audit-error');
  });
});
