import { describe, it, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { createUser, createUnit, PASSWORD } from '../support/factories.ts';
import { createFiling } from '../support/filings.ts';
import { useBrowserRig, screenshot, signInPage } from '../support/browser.ts';
import { latestDuePeriod, addMonths, jalaliDateOf } from '../../src/calendar.ts';
import { nominate } from '../../src/nominations/model.ts';
import { db } from '../../src/db.ts';

// Issue 24 §4: the officer's day on a phone (390 × 844). The queue is a list of cards (unit,
// period, score and reason, the action) with 44 px targets and a bulk selection that works; no
// page any role reaches here is wider than the screen: wide tables scroll in their own box.

const rig = useBrowserRig();
const PHONE = { width: 390, height: 844 };

/** The page's own width: wider than the screen means the whole page scrolls sideways. */
const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

async function phonePage(email: string): Promise<Page> {
  const context = await rig.browser.newContext({ locale: 'fa-IR', viewport: PHONE, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  await signInPage(page, rig.url, email, PASSWORD);
  return page;
}

describe('the officer on a phone', () => {
  it('works the queue as cards, ticks filings with 44 px targets and verifies them in bulk; no page is wider than 390 px', async () => {
    const period = latestDuePeriod(new Date());
    const officer = await createUser({ role: 'province_officer', province_code: '13', email: 'officer-hamadan-phone@test.ir' });
    const filings: number[] = [];
    let firstUnit = 0;
    for (let i = 0; i < 3; i++) {
      const unit = await createUnit({
        province_code: '13', obligation_start: addMonths(period, -14), name: `شرکت صنایع غذایی و بسته‌بندی همدان شماره ${i + 1} (سهامی خاص)`,
        products: [{ name: 'کنسرو لوبیا چیتی با سس گوجه‌فرنگی', unit_of_measure: 'هزار قوطی', annual_capacity: 12000 }],
      });
      if (i === 0) firstUnit = unit.id;
      for (let m = 1; m <= 4; m++) {
        await createFiling({ unitId: unit.id, period: addMonths(period, -m), state: 'verified', productionValue: 40_000_000_000 + i, intermediateConsumption: 28_000_000_000,
          lines: [{ product_id: unit.productIds[0], produced: 900, sold: 880, sales_value: 30_000_000_000 }] });
      }
      filings.push(await createFiling({ unitId: unit.id, period, productionValue: 41_000_000_000 * (i === 2 ? 1000 : 1), intermediateConsumption: 29_000_000_000,
        lines: [{ product_id: unit.productIds[0], produced: 950, sold: 900, sales_value: 31_000_000_000 }] }));
    }
    const page = await phonePage(officer.email);
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'officer-phone-home');

    await page.goto(`${rig.url}/province/queue`);
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);
    // The ×1,000 filing heads the queue, its card shows unit, period, score and reason within the screen.
    const first = page.locator('tr[data-filing-id]').first();
    expect(Number(await first.getAttribute('data-filing-id'))).toBe(filings[2]);
    for (const part of ['td.unit', 'td.period', 'td.score', 'td.action a']) {
      const box = (await first.locator(part).boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    }
    expect(await first.locator('td.score').textContent()).toContain('برابر میانه ماه‌های قبل');
    // Every target of the queue is at least 44 × 44 px.
    for (const target of await page.locator('#queue .touch, #queue .touch-check, .bulk-actions .btn, #queue-order .btn').all()) {
      const box = (await target.boundingBox())!;
      expect(box.height).toBeGreaterThanOrEqual(44);
      expect(box.width).toBeGreaterThanOrEqual(44);
    }
    await screenshot(page, 'officer-phone-queue');

    // Bulk selection: tick the two ordinary filings by tapping their labels, verify them.
    for (const id of filings.slice(0, 2)) await page.locator(`tr[data-filing-id="${id}"] .touch-check`).tap();
    page.once('dialog', (d) => d.accept());
    await Promise.all([page.waitForNavigation(), page.locator('button:has-text("تأیید موارد انتخاب‌شده")').tap()]);
    expect(await page.locator('.alert-success').textContent()).toContain('۲ اظهارنامه تأیید شد');
    const states = await db()('filings').whereIn('id', filings).orderBy('id').pluck('state');
    expect(states).toEqual(['verified', 'verified', 'submitted']);

    // The filing page, the unit page and the facility page fit the screen.
    for (const path of [`/province/filings/${filings[2]}`, `/province/units/${firstUnit}`, `/province/units/${firstUnit}/facility`, '/province/units']) {
      await page.goto(`${rig.url}${path}`);
      expect(await page.locator('h1').count()).toBeGreaterThan(0);
      expect(await pageWidth(page), path).toBeLessThanOrEqual(PHONE.width);
    }
    await screenshot(page, 'officer-phone-facility');
  });

  it('the unit\'s receipt and the planning deputy\'s national nominations fit a phone too', async () => {
    const period = latestDuePeriod(new Date());
    const unit = await createUnit({
      province_code: '13', obligation_start: addMonths(period, -14), name: 'شرکت تولیدی و صنعتی فرآورده‌های لبنی و بستنی کوهستان الوند همدان',
      products: [{ name: 'شیر پاستوریزه کم‌چرب در بسته‌بندی یک لیتری', unit_of_measure: 'تن', annual_capacity: 12000 }],
    });
    const unitUser = await createUser({ role: 'unit_user', unit_ids: [unit.id], email: 'unit-receipt-phone@test.ir' });
    await createFiling({ unitId: unit.id, period, productionValue: 987_654_321_000, intermediateConsumption: 123_456_789_000,
      lines: [{ product_id: unit.productIds[0], produced: 123456.789, sold: 123400.5, sales_value: 987_654_321_000 }] });
    const page = await phonePage(unitUser.email);
    await page.goto(`${rig.url}/filings/${period}/receipt`);
    expect(await pageWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'unit-phone-receipt');

    const officer = await createUser({ role: 'province_officer', province_code: '13', email: 'officer-hamadan-nominations@test.ir' });
    // This year's nominations are open until 31 Ordibehesht of the next.
    const year = jalaliDateOf(new Date()).jy;
    await nominate({ year, unitId: unit.id, provinceCode: '13', userId: officer.id, at: new Date() });
    const planner = await createUser({ role: 'planning_deputy', email: 'planning-phone@test.ir' });
    const deputy = await phonePage(planner.email);
    await deputy.goto(`${rig.url}/nominations/national?year=${year}`);
    expect(await deputy.locator('h1').textContent()).toContain('فهرست واحدهای برگزیده');
    expect(await deputy.locator('main table').count()).toBe(1);
    expect(await pageWidth(deputy)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(deputy, 'planning-phone-nominations');
  });
});
