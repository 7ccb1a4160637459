import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Page } from 'playwright-core';
import { createUser, PASSWORD } from '../support/factories.ts';
import { bulkFixture } from '../support/stats-fixtures.ts';
import { useBrowserRig, screenshot, signInPage } from '../support/browser.ts';
import { startJobWorker, type JobWorker } from '../../src/stats/jobs/worker.ts';

// The repro in a browser (issue 20): the summer's preliminary release, then the finals of
// Tir and Shahrivar — each queued from «انتشار جدید», followed on the page while it builds, and
// published; none refused.

let email: string;
let worker: JobWorker;
const rig = useBrowserRig();
beforeAll(async () => {
  await bulkFixture({ units: 60, periods: ['1404-04', '1404-05', '1404-06'], seed: 7 });
  email = (await createUser({ role: 'stats_office' })).email;
  worker = startJobWorker({ pollMs: 200 });
});
afterAll(async () => { await worker?.stop(); });

async function publish(page: Page, period: string, preliminary: boolean): Promise<string> {
  await page.goto(`${rig.url}/stats`);
  await page.selectOption('#p-period', period);
  if (preliminary) await page.check('#p-preliminary'); else await page.uncheck('#p-preliminary');
  await Promise.all([page.waitForNavigation(), page.click('#publish-form button')]);
  expect(new URL(page.url()).hash).toBe('#jobs');
  const row = page.locator('#job-list tbody tr').first();
  const id = await row.getAttribute('data-job');
  expect(['queued', 'running', 'done']).toContain(await row.getAttribute('data-state'));
  // app.js follows the job and loads the page again when it ends.
  await page.waitForSelector(`#job-list tr[data-job="${id}"][data-state="done"], #job-list tr[data-job="${id}"][data-state="refused"]`, { timeout: 110_000 });
  return (await page.locator(`#job-list tr[data-job="${id}"]`).textContent()) ?? '';
}

describe('the statistics office runs its routine from the page', () => {
  it('the summer preliminary, then the finals of Tir and Shahrivar: each queued, followed and published', async () => {
    const context = await rig.browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'fa-IR' });
    const page = await context.newPage();
    await signInPage(page, rig.url, email, PASSWORD);
    const summer = await publish(page, '1404-Q2', true);
    expect(summer).toContain('انتشار شماره');
    await screenshot(page, 'stats-jobs');
    for (const month of ['1404-04', '1404-06']) {
      const text = await publish(page, month, false);
      expect(text, month).toContain('انتشار شماره');
    }
    expect(await page.locator('#release-list tbody tr').count()).toBe(3);
    // A preliminary of Tir now, after its final: refused at once beside the form, nothing queued.
    await page.selectOption('#p-period', '1404-04');
    await page.check('#p-preliminary');
    await Promise.all([page.waitForNavigation(), page.click('#publish-form button')]);
    expect(await page.locator('#publish-refused').textContent()).toContain('مقدماتی پس از انتشار نهایی');
    expect(await page.locator('#job-list tbody tr').count()).toBe(3);
    await context.close();
  }, 300_000);
});
