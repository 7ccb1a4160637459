import fs from 'node:fs';
import { describe, it, expect, beforeAll } from 'vitest';
import type { Page } from 'playwright-core';
import { useBrowserRig, screenshot } from '../support/browser.ts';
import { legalEntityId } from '../support/factories.ts';
import { importCatalogue } from '../../src/catalogue/import.ts';

const rig = useBrowserRig();

beforeAll(async () => {
  const imported = await importCatalogue(fs.readFileSync('seeds/sample-catalogue.csv', 'utf8'), { k: rig.t.knex });
  expect(imported.ok).toBe(true);
});

async function fillUnit(page: Page, o: { nationalId: string; licence: string; email: string }) {
  await page.fill('#f-entity_name', 'شرکت لبنیات دشت');
  await page.fill('#f-national_id', o.nationalId);
  await page.fill('#f-licence_no', o.licence);
  await page.fill('#f-licence_issued_on', '۱۴۰۴/۰۲/۱۵');
  await page.check('#kind-industrial', { force: true });
  await page.selectOption('#f-province_code', '10');
  await page.fill('#f-city', 'اصفهان');
  await page.fill('#f-postal_code', '۸۱۵۹۸۱۳۴۵۶');
  await page.fill('#f-address', 'شهرک صنعتی، پلاک ۳');
  await page.fill('#f-phone', '۰۳۱۳۲۲۲۳۳۴۴');
  await page.fill('#f-contact_name', 'مریم احمدی');
  await page.fill('#f-contact_national_code', '۰۴۹۹۳۷۰۸۹۹');
  await page.fill('#f-email', o.email);
  await page.fill('#f-password', 'browser-password-1');
  await page.fill('#f-password_confirm', 'browser-password-1');
}

const codes = (page: Page) => page.$$eval('#catalogue-list option', (opts) => opts.map((o) => (o as HTMLOptionElement).value));

/** Types into a product code field key by key, as a visitor does, and waits for the search it makes. */
async function typeCode(page: Page, field: string, text: string): Promise<URL> {
  await page.fill(field, '');
  const [res] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === '/catalogue/search'),
    page.locator(field).pressSequentially(text),
  ]);
  expect(res.status()).toBe(200);
  return new URL(res.url());
}

/** What Chromium does when an option of the field's datalist is chosen: the value replaced, one input event. */
async function pick(page: Page, field: string, code: string) {
  expect(await codes(page)).toContain(code);
  await page.$eval(field, (el, value) => {
    const input = el as HTMLInputElement;
    input.value = value;
    input.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertReplacementText', data: value }));
  }, code);
}

describe('the registration product picker in Chromium', () => {
  it('searches /catalogue/search as the code is typed, the chosen ISIC class first, and a pick fills the code and its unit', async () => {
    const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fa-IR' });
    await page.goto(`${rig.url}/register`);
    // The page carries no catalogue (issue 23 F12): the list is filled by the search only.
    expect(await codes(page)).toEqual([]);
    expect(await page.getAttribute('#p-0-code', 'list')).toBe('catalogue-list');
    await fillUnit(page, { nationalId: legalEntityId(7301), licence: 'CAT-1', email: 'dasht@test.ir' });

    // «oo» is in «Leather footwear» (class 1520) and «Doogh» (1050): the unit's class comes first.
    await page.selectOption('#f-isic_class', '1520');
    const asked = await typeCode(page, '#p-0-code', 'oo');
    expect(Object.fromEntries(asked.searchParams)).toEqual({ q: 'oo', isic: '1520' });
    await expect.poll(() => codes(page)).toEqual(['1520100010', '1050100030']);
    await page.selectOption('#f-isic_class', '1050');
    await typeCode(page, '#p-0-code', 'oo');
    await expect.poll(() => codes(page)).toEqual(['1050100030', '1520100010']);

    // Part of a Persian name finds it; picking it fills the code and, as none was written, its unit.
    expect(Object.fromEntries((await typeCode(page, '#p-0-code', 'شیر')).searchParams)).toEqual({ q: 'شیر', isic: '1050' });
    await expect.poll(() => codes(page)).toEqual(['1050100010']);
    expect(await page.textContent('#catalogue-list option')).toBe('۱۰۵۰۱۰۰۰۱۰ — شیر پاستوریزه (تن)');
    await pick(page, '#p-0-code', '1050100010');
    expect(await page.inputValue('#p-0-code')).toBe('1050100010');
    expect(await page.inputValue('#p-0-uom')).toBe('تن');
    await page.fill('#p-0-name', 'شیر پرچرب دشت');
    await page.fill('#p-0-cap', '۹۰۰۰');

    // A unit the visitor wrote is kept.
    await page.fill('#p-1-name', 'ماست دشت');
    await page.fill('#p-1-uom', 'کیلوگرم');
    await page.fill('#p-1-cap', '۴۰۰۰۰۰');
    await typeCode(page, '#p-1-code', 'ماس');
    await expect.poll(() => codes(page)).toEqual(['1050100020']);
    await pick(page, '#p-1-code', '1050100020');
    expect(await page.inputValue('#p-1-uom')).toBe('کیلوگرم');

    await screenshot(page, 'register-catalogue-picker');
    await Promise.all([page.waitForURL(/\/register\/sent/), page.click('button.btn-lg:has-text("ثبت‌نام")')]);

    const unit = await rig.t.knex('units').where({ licence_no: 'CAT-1' }).first('id');
    expect(await rig.t.knex('products').where({ unit_id: unit.id }).orderBy('position').select('name', 'catalogue_code', 'unit_of_measure_code')).toEqual([
      { name: 'شیر پرچرب دشت', catalogue_code: '1050100010', unit_of_measure_code: 't' },
      { name: 'ماست دشت', catalogue_code: '1050100020', unit_of_measure_code: 'kg' },
    ]);
    await page.close();
  });

  it('without JavaScript the code is typed by hand, checked on sending and shown back with its name', async () => {
    const context = await rig.browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, locale: 'fa-IR' });
    const page = await context.newPage();
    await page.goto(`${rig.url}/register`);
    expect(await codes(page)).toEqual([]);
    await fillUnit(page, { nationalId: legalEntityId(7302), licence: 'CAT-2', email: 'dasht2@test.ir' });
    await page.selectOption('#f-isic_class', '1050');
    await page.fill('#p-0-name', 'دوغ دشت');
    await page.fill('#p-0-uom', 'هزار لیتر');
    await page.fill('#p-0-cap', '۵۰۰');
    await page.fill('#p-0-code', '۱۰۵۰۱۰۰۰۳۰');
    await page.fill('#p-1-name', 'کشک');
    await page.fill('#p-1-uom', 'تن');
    await page.fill('#p-1-cap', '۱۰');
    await page.fill('#p-1-code', '1050999999');
    await Promise.all([page.waitForLoadState('load'), page.click('button.btn-lg:has-text("ثبت‌نام")')]);

    // The unknown code is refused on its row; the known one comes back with its name in the list.
    expect(await page.locator('#p-1-code').getAttribute('class')).toContain('is-invalid');
    expect(await page.inputValue('#p-1-name')).toBe('کشک');
    expect(await codes(page)).toEqual(['1050100030']);
    expect(await page.textContent('#catalogue-list option')).toContain('دوغ');
    await screenshot(page, 'register-catalogue-nojs-error');

    await page.fill('#p-1-code', '');
    await page.fill('#f-password', 'browser-password-1');
    await page.fill('#f-password_confirm', 'browser-password-1');
    await Promise.all([page.waitForURL(/\/register\/sent/), page.click('button.btn-lg:has-text("ثبت‌نام")')]);
    const unit = await rig.t.knex('units').where({ licence_no: 'CAT-2' }).first('id');
    expect(await rig.t.knex('products').where({ unit_id: unit.id }).orderBy('position').select('name', 'catalogue_code')).toEqual([
      { name: 'دوغ دشت', catalogue_code: '1050100030' },
      { name: 'کشک', catalogue_code: null },
    ]);
    await context.close();
  });
});
