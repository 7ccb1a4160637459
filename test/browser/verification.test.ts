import { describe, it, expect } from 'vitest';
import { createUser, createUnit, PASSWORD } from '../support/factories.ts';
import { createFiling } from '../support/filings.ts';
import { useBrowserRig, screenshot, signInPage } from '../support/browser.ts';
import { latestDuePeriod, addMonths } from '../../src/calendar.ts';


const rig = useBrowserRig();

describe('an officer returns a filing, the unit corrects it, the officer verifies it', () => {
  it('goes through the whole loop in Chromium', async () => {
    const period = latestDuePeriod(new Date());
    const officer = await createUser({ role: 'province_officer', province_code: '23', email: 'officer-tehran@test.ir' });
    const unit = await createUnit({
      province_code: '23', obligation_start: addMonths(period, -14), name: 'صنایع لبنی البرز نمونه',
      products: [{ name: 'شیر پاستوریزه', unit_of_measure: 'تن', annual_capacity: 12000 }, { name: 'ماست', unit_of_measure: 'تن', annual_capacity: 6000 }],
    });
    const unitUser = await createUser({ role: 'unit_user', unit_ids: [unit.id], email: 'unit-dairy@test.ir' });
    const other = await createUnit({ province_code: '23', name: 'کاشی و سرامیک نمونه', isic_class: '2392' });
    await createFiling({ unitId: other.id, period, warnings: [{ code: 'above_capacity', field: 'lines.0.produced', message: 'تولید بیش از ۱٫۵ برابر ظرفیت اسمی ماهانه است.' }] });
    for (let i = 1; i <= 3; i++) {
      await createFiling({ unitId: unit.id, period: addMonths(period, -i), state: 'verified', productionValue: 40_000_000_000, intermediateConsumption: 28_000_000_000,
        lines: [{ product_id: unit.productIds[0], produced: 900, sold: 880, sales_value: 30_000_000_000 }, { product_id: unit.productIds[1], produced: 400, sold: 390, sales_value: 10_000_000_000 }] });
    }
    const filingId = await createFiling({
      unitId: unit.id, period, productionValue: 41_000_000_000, intermediateConsumption: 29_000_000_000, userId: unitUser.id,
      lines: [{ product_id: unit.productIds[0], produced: 950, sold: 1400, sales_value: 31_000_000_000 }, { product_id: unit.productIds[1], produced: 410, sold: 400, sales_value: 10_000_000_000 }],
    });

    // 1. The officer's queue.
    const officerPage = await (await rig.browser.newContext({ locale: 'fa-IR' })).newPage();
    await signInPage(officerPage, rig.url, officer.email, PASSWORD);
    expect(officerPage.url()).toBe(`${rig.url}/province`);
    await officerPage.goto(`${rig.url}/province/queue`);
    await officerPage.fill('#q-search', 'البرز');
    await Promise.all([officerPage.waitForNavigation(), officerPage.click('button:has-text("اعمال فیلتر")')]);
    await expect(officerPage.locator(`tr[data-filing-id="${filingId}"]`).count()).resolves.toBe(1);
    await expect(officerPage.locator('tr[data-filing-id]').count()).resolves.toBe(1);
    const searchedQueue = officerPage.url();
    await screenshot(officerPage, 'verify-1-queue');

    // 2. Open it, try returning without a reason (refused), then with one.
    await Promise.all([officerPage.waitForNavigation(), officerPage.click(`tr[data-filing-id="${filingId}"] a:has-text("بررسی")`)]);
    await Promise.all([officerPage.waitForNavigation(), officerPage.click('button:has-text("عودت برای اصلاح")')]);
    expect(await officerPage.textContent('#decision')).toContain('دلیل را بنویسید');
    // The address of the refusal answers a reload as a GET: the filing, its return form open.
    const refusedAt = officerPage.url();
    const again = await officerPage.goto(refusedAt);
    expect(again?.status()).toBe(200);
    expect(await officerPage.locator('#f-return-reason').count()).toBe(1);
    const reason = 'فروش شیر پاستوریزه (۱٬۴۰۰ تن) از تولید (۹۵۰ تن) بیشتر است؛ لطفاً مقدار فروش را اصلاح کنید.';
    await officerPage.fill('#f-return-reason', reason);
    await Promise.all([officerPage.waitForNavigation(), officerPage.click('button:has-text("عودت برای اصلاح")')]);
    expect(await officerPage.textContent('main')).toContain('عودت داده شد');
    // Back on the queue as it was searched.
    const landed = new URL(officerPage.url());
    expect(landed.pathname).toBe('/province/queue');
    expect(landed.searchParams.get('q')).toBe(new URL(searchedQueue).searchParams.get('q'));
    expect((await rig.t.knex('filings').where({ id: filingId }).first()).state).toBe('returned');
    await officerPage.goto(`${rig.url}/province/filings/${filingId}`);
    expect(await officerPage.textContent('#return-reason')).toContain('لطفاً مقدار فروش را اصلاح کنید');
    await screenshot(officerPage, 'verify-2-returned');

    // 3. The unit signs in, sees the reason on its dashboard and in the form, corrects and resubmits.
    const unitPage = await (await rig.browser.newContext({ locale: 'fa-IR' })).newPage();
    await signInPage(unitPage, rig.url, unitUser.email, PASSWORD);
    await unitPage.goto(`${rig.url}/dashboard`);
    expect(await unitPage.textContent('main')).toContain('لطفاً مقدار فروش را اصلاح کنید');
    await unitPage.goto(`${rig.url}/filings/${period}`);
    expect(await unitPage.textContent('#return-reason')).toContain(reason);
    await screenshot(unitPage, 'verify-3-unit-sees-reason');
    await unitPage.fill('input[name="lines[0][sold]"]', '۹۳۰');
    await Promise.all([unitPage.waitForNavigation(), unitPage.click('button[name=action][value=submit]')]);
    if (await unitPage.locator('#confirm-warnings').count()) {
      await unitPage.check('#confirm-warnings');
      await Promise.all([unitPage.waitForNavigation(), unitPage.click('button[name=action][value=submit]')]);
    }
    const resubmitted = await rig.t.knex('filings').where({ id: filingId }).first();
    expect(resubmitted).toMatchObject({ state: 'submitted', return_reason: null, revision: 2 });
    expect(Number((await rig.t.knex('filing_lines').where({ filing_id: filingId, product_id: unit.productIds[0] }).first()).sold)).toBe(930);

    // 4. Back in the officer's queue; the officer verifies it.
    await officerPage.goto(`${rig.url}/province/queue`);
    await expect(officerPage.locator(`tr[data-filing-id="${filingId}"]`).count()).resolves.toBe(1);
    await officerPage.goto(`${rig.url}/province/filings/${filingId}`);
    expect(await officerPage.textContent('#revisions')).toContain('فروش شیر پاستوریزه');
    await Promise.all([officerPage.waitForNavigation(), officerPage.click('button:has-text("تأیید اظهارنامه")')]);
    expect(await officerPage.textContent('main')).toContain('اظهارنامه تأیید شد');
    await officerPage.goto(`${rig.url}/province/filings/${filingId}`);
    expect(await officerPage.textContent('#filing-state')).toContain('تأییدشده');
    await screenshot(officerPage, 'verify-4-verified');

    const reviews = await rig.t.knex('filing_reviews').where({ filing_id: filingId }).orderBy('id');
    expect(reviews.map((r) => [r.action, r.user_id])).toEqual([['return', officer.id], ['verify', officer.id]]);
    expect(reviews[0].reason).toBe(reason);
  });
});
