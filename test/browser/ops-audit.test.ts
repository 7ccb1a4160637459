import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { freshDatabase, type TestDatabase } from '../support/db.ts';
import { createUser, createUnit, PASSWORD } from '../support/factories.ts';
import { audit } from '../../src/audit.ts';
import { startServer, launchChromium, screenshot, signInPage } from '../support/browser.ts';

let t: TestDatabase;
let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
beforeAll(async () => {
  t = await freshDatabase();
  server = await startServer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await t.close();
});

describe('the audit page in a browser', () => {
  it('an admin filters the log by province and action and sees Persian labels and dates', async () => {
    const admin = await createUser({ role: 'admin' });
    const officer = await createUser({ role: 'province_officer', province_code: '10' });
    const unit = await createUnit({ province_code: '10', name: 'شرکت فولاد نمونه' });
    for (const action of ['filing.view', 'filing.verify', 'filing.return']) {
      await audit({ action, userId: officer.id, unitId: unit.id, provinceCode: '10', target: 'filing:1', details: { period: '1404-06' } });
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fa-IR' });
    await signInPage(page, server.url, admin.email, PASSWORD);
    await page.goto(`${server.url}/admin/audit`);
    await page.selectOption('#q-province', '10');
    await page.selectOption('#q-action', 'filing.view');
    await Promise.all([page.waitForNavigation(), page.click('#audit-filter button')]);
    const rows = page.locator('#audit tbody tr');
    expect(await rows.count()).toBe(1);
    await expect(rows.first().textContent()).resolves.toContain('مشاهده اظهارنامه واحد توسط کارشناس');
    await expect(rows.first().textContent()).resolves.toContain('شرکت فولاد نمونه');
    expect(await page.getAttribute('#audit-csv', 'href')).toBe('/admin/audit.csv?action=filing.view&province=10');
    await page.goto(`${server.url}/admin/audit`);
    await screenshot(page, 'ops-audit');
    await page.fill('#q-from', '۱۴۰۴/۱۳/۰۱');
    await Promise.all([page.waitForNavigation(), page.click('#audit-filter button')]);
    await expect(page.locator('#q-from + .invalid-feedback').textContent()).resolves.toContain('تاریخ شمسی معتبر');
    await screenshot(page, 'ops-audit-error');
  });
});
