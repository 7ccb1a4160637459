import fs from 'node:fs';
import { describe, it, expect, beforeAll } from 'vitest';
import { createUser, PASSWORD } from '../support/factories.ts';
import { bulkFixture } from '../support/stats-fixtures.ts';
import { insertRelease, smallCube } from '../support/releases.ts';
import { useBrowserRig, screenshot, signInPage } from '../support/browser.ts';
import { startOfJalaliDay } from '../../src/calendar.ts';

// The statistics office sees its releases, views a table of a stored one, downloads its CSV and
// opens the performance report.

let email: string;
let releaseId: number;

const rig = useBrowserRig();
beforeAll(async () => {
  await bulkFixture({ units: 80, periods: ['1403-10', '1403-11', '1403-12', '1404-01', '1404-02', '1404-03'], seed: 3 });
  const office = await createUser({ role: 'stats_office' });
  email = office.email;
  await insertRelease({ period: '1404-Q1', revision: 1, cells: smallCube(1n) });
  releaseId = await insertRelease({ period: '1404-Q1', revision: 2, cells: smallCube(3n), createdBy: office.id });
});

describe('statistics office in the browser', () => {
  it('sees the releases and the calendar, views a stored release\'s table, downloads its CSV and sees the report with its chart', async () => {
    const context = await rig.browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 }, locale: 'fa-IR' });
    const page = await context.newPage();
    await signInPage(page, rig.url, email, PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/stats');
    expect(await page.locator('#release-list tbody tr').count()).toBe(2);
    expect(await page.locator(`#release-list tr[data-release="${releaseId}"]`).textContent()).toContain('کاربر stats_office');
    expect(await page.locator('#release-calendar td[data-period]').count()).toBeGreaterThan(24);
    expect(await page.locator('#publish-form button', { hasText: 'انتشار جدید' }).count()).toBe(1);
    await screenshot(page, 'stats-releases');

    await page.selectOption('#f-period', '1404-Q1');
    await page.selectOption('#f-rows', 'province');
    await page.selectOption('#f-cols', 'isic_division');
    await page.selectOption('#f-measure', 'production_value');
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("نمایش جدول")')]);
    expect(await page.locator('#aggregate-table table').isVisible()).toBe(true);
    expect(await page.locator('#release-title').textContent()).toContain('ویرایش ۲');
    expect(await page.locator('#aggregate-table th', { hasText: 'کل کشور' }).count()).toBe(1);
    expect(await page.locator('td.suppressed').count()).toBe(2);
    expect(await page.locator('#aggregate-table td.num', { hasText: '۴٬۵۰۰' }).count()).toBe(1); // the national total (1500 × 3)
    expect(await page.locator('#suppression-legend').textContent()).toContain('محرمانه');
    await screenshot(page, 'stats-table');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const file = await download.path();
    const bytes = fs.readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toContain('استان');
    // The table as on the page: the national row with its three cells, its code kept text.
    expect(bytes.toString('utf8')).toContain('\r\nIR,کل کشور,2700,1800,4500\r\n');
    // In millions of Rials the page says so in the table's header.
    await page.selectOption('#f-unit', 'million');
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("نمایش جدول")')]);
    expect(await page.locator('#table-unit').textContent()).toContain('میلیون ریال');

    await page.goto(`${rig.url}/stats/performance?period=1404-03`);
    const svg = page.locator('#trend svg');
    expect(await svg.count()).toBe(1);
    const box = await svg.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(await page.locator('#trend svg polyline').count()).toBeGreaterThan(0);
    expect(await page.locator('#province-table tbody tr').count()).toBe(32);
    await screenshot(page, 'stats-report');
    await context.close();
  });

  it('a province officer nominates a unit; the planning deputy prints the national list', async () => {
    rig.clock.now = () => startOfJalaliDay({ jy: 1405, jm: 2, jd: 20 });
    try {
      const officer = await createUser({ role: 'province_officer', province_code: '23' });
      const deputy = await createUser({ role: 'planning_deputy' });
      const context = await rig.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fa-IR' });
      const page = await context.newPage();
      await signInPage(page, rig.url, officer.email, PASSWORD);
      await page.goto(`${rig.url}/nominations?year=1404`);
      expect(await page.locator('#nomination-window').count()).toBe(1);
      const first = page.locator('#candidates tbody tr').first();
      const name = (await first.locator('th').textContent())!.trim();
      await Promise.all([page.waitForNavigation(), first.locator('button:has-text("نامزد کن")').click()]);
      expect(await page.locator('.alert-success').textContent()).toContain('نامزد شد');
      await screenshot(page, 'nominations-province');
      await context.close();

      const c2 = await rig.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fa-IR' });
      const p2 = await c2.newPage();
      await signInPage(p2, rig.url, deputy.email, PASSWORD);
      await p2.goto(`${rig.url}/nominations/national?year=1404`);
      expect(await p2.locator('main').textContent()).toContain(name);
      await screenshot(p2, 'nominations-national');
      await c2.close();
    } finally {
      rig.clock.now = () => new Date();
    }
  });
});
