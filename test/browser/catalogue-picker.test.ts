import fs from 'node:fs';
import { describe, it, expect } from 'vitest';
import { useBrowserRig, screenshot } from '../support/browser.ts';
import { legalEntityId } from '../support/factories.ts';
import { importCatalogue } from '../../src/catalogue/import.ts';

const rig = useBrowserRig();

describe('the registration product picker in Chromium', () => {
  it('offers the catalogue with the chosen ISIC class first, and stores the picked code', async () => {
    const imported = await importCatalogue(fs.readFileSync('seeds/sample-catalogue.csv', 'utf8'), { k: rig.t.knex });
    expect(imported.ok).toBe(true);
    const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'fa-IR' });
    await page.goto(`${rig.url}/register`);
    const codes = () => page.$$eval('#catalogue-list option', (opts) => opts.map((o) => (o as HTMLOptionElement).value));
    await page.selectOption('#f-isic_class', '1520');
    expect((await codes())[0]).toBe('1520100010');
    await page.selectOption('#f-isic_class', '1050');
    expect((await codes()).slice(0, 3)).toEqual(['1050100010', '1050100020', '1050100030']);
    expect(await page.getAttribute('#p-0-code', 'list')).toBe('catalogue-list');

    await page.fill('#f-entity_name', 'شرکت لبنیات دشت');
    await page.fill('#f-national_id', legalEntityId(7301));
    await page.fill('#f-licence_no', 'CAT-1');
    await page.fill('#f-licence_issued_on', '۱۴۰۴/۰۲/۱۵');
    await page.check('#kind-industrial', { force: true });
    await page.selectOption('#f-province_code', '10');
    await page.fill('#f-city', 'اصفهان');
    await page.fill('#f-postal_code', '۸۱۵۹۸۱۳۴۵۶');
    await page.fill('#f-address', 'شهرک صنعتی، پلاک ۳');
    await page.fill('#f-phone', '۰۳۱۳۲۲۲۳۳۴۴');
    await page.fill('#f-contact_name', 'مریم احمدی');
    await page.fill('#f-contact_national_code', '۰۴۹۹۳۷۰۸۹۹');
    await page.fill('#p-0-name', 'شیر پرچرب دشت');
    await page.fill('#p-0-uom', 'کیلوگرم');
    await page.fill('#p-0-cap', '۹۰۰۰۰۰');
    await page.fill('#p-0-code', '1050100010');
    await page.fill('#f-email', 'dasht@test.ir');
    await page.fill('#f-password', 'browser-password-1');
    await page.fill('#f-password_confirm', 'browser-password-1');
    await screenshot(page, 'register-catalogue-picker');
    await Promise.all([page.waitForURL(/\/register\/sent/), page.click('button.btn-lg:has-text("ثبت‌نام")')]);

    const unit = await rig.t.knex('units').where({ licence_no: 'CAT-1' }).first('id');
    expect(await rig.t.knex('products').where({ unit_id: unit.id }).select('name', 'catalogue_code', 'unit_of_measure_code'))
      .toEqual([{ name: 'شیر پرچرب دشت', catalogue_code: '1050100010', unit_of_measure_code: 'kg' }]);
    await page.close();
  });
});
