import fs from 'node:fs';
import { describe, it, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { useBrowserRig, screenshot, signInPage } from '../support/browser.ts';
import { legalEntityId, createUser, PASSWORD } from '../support/factories.ts';
import { importUnits } from '../../src/units/import.ts';

const rig = useBrowserRig();

async function fillForm(page: Page, o: { nationalId: string; licence: string; email: string }) {
  await page.fill('#f-entity_name', 'شرکت لبنیات کوهپایه');
  await page.fill('#f-national_id', o.nationalId.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d))));
  await page.fill('#f-licence_no', o.licence);
  await page.fill('#f-licence_issued_on', '۱۴۰۴/۰۲/۱۵');
  await page.check('#kind-industrial', { force: true });
  await page.selectOption('#f-isic_class', '1050');
  await page.selectOption('#f-province_code', '10');
  await page.fill('#f-city', 'اصفهان');
  await page.fill('#f-postal_code', '۸۱۵۹۸۱۳۴۵۶');
  await page.fill('#f-address', 'شهرک صنعتی جی، خیابان یکم، پلاک ۱۲');
  await page.fill('#f-phone', '۰۳۱۳۲۲۲۳۳۴۴');
  await page.fill('#f-contact_name', 'مریم احمدی');
  await page.fill('#f-contact_national_code', '۰۴۹۹۳۷۰۸۹۹');
  await page.fill('#p-0-name', 'شیر پاستوریزه');
  await page.fill('#p-0-uom', 'تن');
  await page.fill('#p-0-cap', '۱۲٬۰۰۰');
  await page.fill('#p-1-name', 'ماست');
  await page.fill('#p-1-uom', 'تن');
  await page.fill('#p-1-cap', '۴۵۰۰');
  await page.fill('#f-email', o.email);
  await page.fill('#f-password', 'browser-password-1');
  await page.fill('#f-password_confirm', 'browser-password-1');
}

describe('registering a unit in Chromium', () => {
  it('fills the real form, submits, and lands on the pending page', async () => {
    const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fa-IR' });
    await page.goto(`${rig.url}/register`);
    expect(await page.getAttribute('html', 'dir')).toBe('rtl');

    // the ISIC search narrows the list (JavaScript enhancement)
    await page.fill('#isic-filter', 'لبنی');
    const visible = await page.$$eval('#f-isic_class option', (opts) => opts.filter((o) => !(o as HTMLOptionElement).hidden && (o as HTMLOptionElement).value).map((o) => (o as HTMLOptionElement).value));
    expect(visible).toEqual(['1050']);
    await page.fill('#isic-filter', '');

    await fillForm(page, { nationalId: legalEntityId(7001), licence: '۱۰/۲۳۴۵۶', email: 'kouhpayeh@test.ir' });
    await page.click('#add-product-row');
    expect(await page.locator('.product-row').count()).toBe(6);
    await screenshot(page, 'register-form');

    // Nobody is signed in before the email is proven (issue 12 §2): the page says how to prove it.
    await Promise.all([page.waitForURL(/\/register\/sent/), page.click('button.btn-lg:has-text("ثبت‌نام")')]);
    const body = await page.textContent('main');
    expect(body).toContain('ثبت‌نام دریافت شد');
    expect(body).toContain('سازمان صنعت، معدن و تجارت استان');
    await screenshot(page, 'register-done');

    const unit = await rig.t.knex('units').where({ licence_no: '10/23456' }).first();
    expect(unit).toMatchObject({ registration: 'pending', province_code: '10', obligation_start: '1404-05', postal_code: '8159813456' });
    expect(await rig.t.knex('products').where({ unit_id: unit.id })).toHaveLength(2);
    await page.close();
  });

  it('works without JavaScript on a phone-sized screen, refusals included', async () => {
    const context = await rig.browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, locale: 'fa-IR' });
    const page = await context.newPage();
    await page.goto(`${rig.url}/register`);
    await screenshot(page, 'register-form-mobile');
    await page.screenshot({ path: 'screenshots/register-form-mobile-top.png' });
    await page.locator('#product-rows').scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'screenshots/register-form-mobile-products.png' });
    await fillForm(page, { nationalId: legalEntityId(7002), licence: 'M-44', email: 'mobile@test.ir' });
    await page.fill('#f-postal_code', '۱۲۳');
    await Promise.all([page.waitForLoadState('load'), page.click('#add-product-row')]);
    await page.waitForSelector('#p-9-name');
    expect(await page.inputValue('#p-0-name')).toBe('شیر پاستوریزه');
    await page.fill('#f-password', 'browser-password-1');
    await page.fill('#f-password_confirm', 'browser-password-1');
    await Promise.all([page.waitForLoadState('load'), page.click('button.btn-lg:has-text("ثبت‌نام")')]);
    expect(await page.textContent('.invalid-feedback')).toContain('کد پستی باید ۱۰ رقم باشد');
    expect(await page.inputValue('#f-email')).toBe('mobile@test.ir');
    await screenshot(page, 'register-error-mobile');
    await page.locator('#f-postal_code').scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'screenshots/register-error-mobile-field.png' });
    await page.fill('#f-postal_code', '1234567890');
    await page.fill('#f-password', 'browser-password-1');
    await page.fill('#f-password_confirm', 'browser-password-1');
    await Promise.all([page.waitForURL(/\/register\/sent/), page.click('button.btn-lg:has-text("ثبت‌نام")')]);
    expect(await page.textContent('main')).toContain('ثبت‌نام دریافت شد');
    await context.close();
  });

  it('the Isfahan officer reviews the registration and approves it; the admin pages render', async () => {
    await importUnits(fs.readFileSync('seeds/sample-units.csv', 'utf8'), { k: rig.t.knex });
    const officer = await createUser({ role: 'province_officer', province_code: '10' });
    const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fa-IR' });
    await signInPage(page, rig.url, officer.email, PASSWORD);
    await page.goto(`${rig.url}/province/registrations`);
    expect(await page.textContent('#pending-registrations')).toContain('شرکت لبنیات کوهپایه');
    expect(await page.textContent('#pending-activations')).toContain('steel.mobarakeh@example.ir');
    await screenshot(page, 'province-registrations');
    await Promise.all([page.waitForURL(/\/province\/registrations\/\d+$/), page.click('#pending-registrations a:has-text("بررسی")')]);
    await screenshot(page, 'province-registration');
    await Promise.all([page.waitForURL(/\/province\/registrations$/), page.click('button:has-text("تأیید ثبت‌نام")')]);
    expect(await page.textContent('main')).toContain('ثبت‌نام واحد تأیید شد');

    const admin = await createUser({ role: 'admin' });
    const adminPage = await rig.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fa-IR' });
    await signInPage(adminPage, rig.url, admin.email, PASSWORD);
    await adminPage.goto(`${rig.url}/admin/users`);
    await screenshot(adminPage, 'admin-users');
    await adminPage.goto(`${rig.url}/admin/settings`);
    await screenshot(adminPage, 'admin-settings');
    await page.close();
    await adminPage.close();
  });
});
