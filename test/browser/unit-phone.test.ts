import { describe, it, expect } from 'vitest';
import { createUser, createUnit, PASSWORD } from '../support/factories.ts';
import { createFiling } from '../support/filings.ts';
import { useBrowserRig, screenshot, signInPage } from '../support/browser.ts';
import { addMonths, latestDuePeriod, currentFilingPeriod } from '../../src/calendar.ts';

const rig = useBrowserRig();

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

describe('the unit user on a desktop and on a phone', () => {
  for (const vp of VIEWPORTS) {
    it(`sees the returned filing first on the dashboard and files a month at ${vp.width}×${vp.height}`, async () => {
      const due = latestDuePeriod(new Date());
      const current = currentFilingPeriod(new Date());
      const unit = await createUnit({
        obligation_start: addMonths(due, -5), name: `صنایع غذایی گلستان ${vp.name}`,
        products: [{ name: 'رب گوجه‌فرنگی', unit_of_measure: 'تن', annual_capacity: 2400 }, { name: 'کنسرو لوبیا', unit_of_measure: 'هزار قوطی', annual_capacity: 1200 }],
      });
      const user = await createUser({ role: 'unit_user', unit_ids: [unit.id], email: `unit-${vp.name}@test.ir` });
      await createFiling({ unitId: unit.id, period: addMonths(due, -1), state: 'returned', returnReason: 'ارزش فروش با مقدار فروش نمی‌خواند' });
      await createFiling({ unitId: unit.id, period: addMonths(due, -2), state: 'verified' });

      const context = await rig.browser.newContext({ locale: 'fa-IR', viewport: { width: vp.width, height: vp.height } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await signInPage(page, rig.url, user.email, PASSWORD);
      expect(page.url()).toBe(`${rig.url}/dashboard`);

      // The next actions, in order: the returned filing, then this month's, then missing months.
      const actions = await page.locator('#next-actions li').allTextContents();
      expect(actions[0]).toContain('۱ اظهارنامه عودت شده — اصلاح کنید');
      expect(actions.findIndex((a) => a.includes('مانده') || a.includes('مهلت'))).toBeGreaterThan(0);
      expect(actions.at(-1)).toContain('ثبت‌نشده');
      // The periods table is newest first.
      const periods = await page.locator('#periods tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-period') ?? ''));
      expect(periods).toEqual([...periods].sort().reverse());
      await screenshot(page, `unit-dashboard-returned-${vp.name}`);

      const menu = page.locator('.menu-toggle');
      if (vp.name === 'phone') {
        await expect(menu.isVisible()).resolves.toBe(true);
        await expect(page.locator('#site-menu').isVisible()).resolves.toBe(false);
        await menu.click();
        await expect(page.locator('#site-menu a[href="/filings"]').isVisible()).resolves.toBe(true);
        expect(await menu.getAttribute('aria-expanded')).toBe('true');
      } else {
        await expect(menu.isVisible()).resolves.toBe(false);
        await expect(page.locator('#site-menu a[href="/filings"]').isVisible()).resolves.toBe(true);
      }

      await page.goto(`${rig.url}/filings/${current}`);
      const rialField = page.locator('input[name="lines[0][sales_value]"]');
      const box = await rialField.boundingBox();
      if (vp.name === 'phone') {
        // A card per product, the field as wide as the card.
        expect(box!.width).toBeGreaterThan(300);
        const submit = page.locator('button[name=action][value=submit]');
        const s = await submit.boundingBox();
        expect(s!.y + s!.height).toBeLessThanOrEqual(vp.height);
      } else {
        expect(box!.width).toBeGreaterThan(150);
      }
      expect(await rialField.getAttribute('inputmode')).toBe('numeric');
      expect(await page.locator('input[name="lines[0][produced]"]').getAttribute('inputmode')).toBe('decimal');
      await rialField.pressSequentially('1200000000');
      expect(await rialField.inputValue()).toBe('۱٬۲۰۰٬۰۰۰٬۰۰۰');
      expect(await page.locator('#f-lines-0-sales_value-words').textContent()).toBe('یک میلیارد و دویست میلیون ریال');
      await page.locator('input[name="production_value"]').pressSequentially('۵۰۰۰۰۰۰');
      await page.locator('input[name="intermediate_consumption"]').pressSequentially('2000000');
      expect(await page.textContent('#value-added')).toContain('۳٬۰۰۰٬۰۰۰ ریال');
      await screenshot(page, `unit-filing-form-${vp.name}`);

      // Sent with a wrong field: the error summary has the focus, and its link takes it to the field.
      await page.locator('input[name="employees"]').fill('چند نفر');
      await Promise.all([page.waitForNavigation(), page.click('button[name=action][value=submit]')]);
      await page.waitForFunction(() => document.activeElement?.id === 'error-summary');
      await page.click('#error-summary a[href="#f-employees"]');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-employees');
      expect(await page.textContent('#f-employees-error')).toContain('شمار کارکنان');
      await screenshot(page, `unit-filing-errors-${vp.name}`);
      expect(errors).toEqual([]);
      await context.close();
    });
  }
});
