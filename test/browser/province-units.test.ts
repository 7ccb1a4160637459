import { describe, it, expect } from 'vitest';
import { createUser, createUnit, PASSWORD } from '../support/factories.ts';
import { createFiling } from '../support/filings.ts';
import { useBrowserRig, screenshot, signInPage } from '../support/browser.ts';
import { addMonths, latestDuePeriod } from '../../src/calendar.ts';

const rig = useBrowserRig();

describe('the officer\'s chase list in Chromium', () => {
  for (const vp of [{ name: 'desktop', width: 1280, height: 900 }, { name: 'phone', width: 390, height: 844 }]) {
    it(`filters the province's units to the returned ones and calls one at ${vp.width}×${vp.height}`, async () => {
      const due = latestDuePeriod(new Date());
      const returned = await createUnit({ province_code: '23', name: `ریخته‌گری البرز ${vp.name}`, obligation_start: addMonths(due, -3) });
      await createFiling({ unitId: returned.id, period: due, state: 'returned' });
      await createUnit({ province_code: '23', name: `چینی زرین ${vp.name}`, obligation_start: addMonths(due, -3) });
      const officer = await createUser({ role: 'province_officer', province_code: '23', email: `chase-${vp.name}@test.ir` });
      const context = await rig.browser.newContext({ locale: 'fa-IR', viewport: { width: vp.width, height: vp.height } });
      const page = await context.newPage();
      await signInPage(page, rig.url, officer.email, PASSWORD);
      await page.goto(`${rig.url}/province/units`);
      await page.selectOption('#q-filter', 'returned');
      await Promise.all([page.waitForNavigation(), page.click('#units-filter button')]);
      expect(new URL(page.url()).searchParams.get('filter')).toBe('returned');
      const rows = page.locator('#province-units tbody tr');
      expect(await rows.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining(`ریخته‌گری البرز ${vp.name}`)]));
      expect(await page.locator(`tr[data-unit-id="${returned.id}"] a[href^="tel:"]`).textContent()).toBe('۰۲۱۱۲۳۴۵۶۷۸');
      await screenshot(page, `province-units-${vp.name}`);
      await context.close();
    });
  }
});
