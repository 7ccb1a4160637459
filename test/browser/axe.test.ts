import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it, expect, beforeAll } from 'vitest';
import type { Page } from 'playwright-core';
import { createUser, createUnit, PASSWORD } from '../support/factories.ts';
import { createFiling } from '../support/filings.ts';
import { useBrowserRig, signInPage, screenshot } from '../support/browser.ts';
import { addMonths, latestDuePeriod } from '../../src/calendar.ts';

// Issue 14, item 10: every page each role reaches by following links, run through axe-core.
// The CSP allows no inline script, so axe goes in through page.evaluate (the DevTools protocol,
// outside the page's CSP), never a <script> tag.

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const rig = useBrowserRig();
const PER_ROLE = 30;

interface Found { page: string; id: string; impact: string; help: string; nodes: string[] }

async function axeOf(page: Page): Promise<Found[]> {
  await page.evaluate(AXE);
  const results = await page.evaluate(() => (window as unknown as { axe: { run(o: unknown): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[]; any: { data?: { fgColor?: string; bgColor?: string } }[] }[] }[] }> } })
    .axe.run({ resultTypes: ['violations'] }));
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ page: new URL(page.url()).pathname, id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}${n.any[0]?.data?.fgColor ? ` ${n.any[0].data.fgColor} on ${n.any[0].data.bgColor}` : ''}`) }));
}

// Latin words a Persian page may show: format and standard names ("CSV" beside a Persian label).
const LATIN_OK = new Set(['CSV', 'XLSX', 'Excel', 'JSON', 'API', 'OpenAPI', 'PDF', 'QR', 'ISIC', 'UTF', 'BOM', 'HTML', 'Bearer', 'Authorization', 'REST']);

/** Latin words in the page's own text (not in LTR values such as emails, codes and licence numbers). */
async function latinWordsOf(page: Page): Promise<string[]> {
  const words = await page.evaluate(() => {
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('script, style, code, pre, [dir="ltr"], .ltr, .site-account, option, [data-free-text]')) continue;
      for (const m of (n.textContent ?? '').matchAll(/[A-Za-z][A-Za-z_.]{2,}/g)) out.push(m[0]);
    }
    return out;
  });
  return [...new Set(words)].filter((w) => !LATIN_OK.has(w.replace(/\.$/, '')));
}

/** Same-origin GET pages linked from here: no downloads, no sign-out, one page per path shape. */
async function linksOf(page: Page, base: string): Promise<string[]> {
  const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
  return hrefs.filter((h) => h.startsWith(base) && !/\.(csv|xlsx|json|pdf|ics)(\?|$)|\/api\/v|\/logout|#/.test(h));
}

const shape = (u: string) => new URL(u).pathname.replace(/\d{4}-\d{2}|\d+/g, 'N');

async function crawl(page: Page, base: string, start: string[]): Promise<{ visited: string[]; found: Found[] }> {
  const queue = [...start.map((s) => base + s)];
  const seen = new Set<string>();
  const visited: string[] = [];
  const found: Found[] = [];
  while (queue.length && visited.length < PER_ROLE) {
    const url = queue.shift()!;
    if (seen.has(shape(url))) continue;
    seen.add(shape(url));
    const res = await page.goto(url);
    if (!res || res.status() >= 500) throw new Error(`${url} answered ${res?.status()}`);
    if (!(res.headers()['content-type'] ?? '').includes('text/html')) continue;
    visited.push(new URL(page.url()).pathname);
    found.push(...await axeOf(page));
    // Issue 24: on a phone no page is wider than the screen; a wide table scrolls in its own box.
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    const screen = page.viewportSize()?.width ?? 0;
    if (screen <= 400 && width > screen) {
      // Name what sticks out, so that the failure says what to mend: the innermost elements, and runs
      // of text that overflow a box of the right width (a long unbreakable path in a sentence).
      const culprits = await page.evaluate((w) => {
        const out = [...document.querySelectorAll('body *')]
          .filter((el) => { const r = el.getBoundingClientRect(); return (r.width > w || r.right > w + 1 || r.left < -1) && ![...el.children].some((c) => { const q = c.getBoundingClientRect(); return q.width > w || q.right > w + 1 || q.left < -1; }); })
          .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}: ${(el.textContent ?? '').trim().slice(0, 60)}`);
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const range = document.createRange();
          range.selectNodeContents(n);
          if ([...range.getClientRects()].some((r) => r.right > w + 1 || r.left < -1)) out.push(`text in ${n.parentElement?.tagName.toLowerCase()}: ${(n.textContent ?? '').trim().slice(0, 60)}`);
        }
        return out.slice(0, 3);
      }, screen);
      found.push({ page: new URL(page.url()).pathname, id: `wider-than-screen:${width}px ${culprits.join(' | ')}`, impact: 'layout', help: 'page wider than the phone', nodes: [] });
    }
    // The API reference documents an English-keyed API: its field names are the API itself.
    if (!url.includes('/api/docs')) for (const w of await latinWordsOf(page)) found.push({ page: new URL(page.url()).pathname, id: `latin-text:${w}`, impact: 'ui-text', help: 'English in the UI', nodes: [] });
    for (const l of await linksOf(page, base)) if (!seen.has(shape(l))) queue.push(l);
  }
  return { visited, found };
}

describe('axe over every page each role reaches (no serious or critical violation)', () => {
  const accounts: Record<string, { email: string; start: string[] }> = {};
  beforeAll(async () => {
    const due = latestDuePeriod(new Date());
    const unit = await createUnit({ province_code: '23', obligation_start: addMonths(due, -6), name: 'لبنیات دشت نمونه' });
    await createFiling({ unitId: unit.id, period: addMonths(due, -1), state: 'returned', lines: [{ product_id: unit.productIds[0], produced: 90, sold: 80, sales_value: 1_000_000_000 }] });
    await createFiling({ unitId: unit.id, period: addMonths(due, -2), state: 'verified', lines: [{ product_id: unit.productIds[0], produced: 90, sold: 80, sales_value: 1_000_000_000 }] });
    await createFiling({ unitId: unit.id, period: due, state: 'submitted', lines: [{ product_id: unit.productIds[0], produced: 95, sold: 80, sales_value: 1_100_000_000 }] });
    await createUnit({ province_code: '23', registration: 'pending', name: 'کاشی نمونه در انتظار' });
    const mk = async (key: string, role: Parameters<typeof createUser>[0]['role'], start: string[], extra: Partial<Parameters<typeof createUser>[0]> = {}) => {
      const u = await createUser({ role, email: `axe-${key}@test.ir`, ...extra });
      accounts[key] = { email: u.email, start };
    };
    await mk('unit', 'unit_user', ['/dashboard', `/filings/${due}`, `/filings/${addMonths(due, -1)}`], { unit_ids: [unit.id] });
    await mk('officer', 'province_officer', ['/province', '/province/queue'], { province_code: '23' });
    await mk('stats', 'stats_office', ['/stats']);
    await mk('planning', 'planning_deputy', ['/nominations/national']);
    await mk('admin', 'admin', ['/admin/users', '/admin/settings', '/admin/audit']);
    accounts.anon = { email: '', start: ['/', '/login', '/register', '/verify'] };
    // The factories name users after their role code; real names are Persian.
    await rig.t.knex('users').update({ full_name: 'کاربر آزمون' });
  });

  for (const role of ['anon', 'unit', 'officer', 'stats', 'planning', 'admin']) {
    for (const vp of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
      it(`${role} at ${vp.width}×${vp.height}`, async () => {
        const context = await rig.browser.newContext({ locale: 'fa-IR', viewport: vp });
        const page = await context.newPage();
        if (role !== 'anon') await signInPage(page, rig.url, accounts[role].email, PASSWORD);
        const { visited, found } = await crawl(page, rig.url, accounts[role].start);
        if (vp.width === 390) await screenshot(page, `axe-last-${role}-phone`);
        expect(visited.length).toBeGreaterThan(role === 'anon' ? 2 : 3);
        console.log(`${role} ${vp.width}: ${visited.length} pages: ${visited.join(' ')}`);
        if (found.length) console.log(JSON.stringify(found, null, 1));
        expect(found.map((f) => `${f.page} ${f.id}`)).toEqual([]);
        await context.close();
      });
    }
  }

  it('the home page is under 150 KB transferred, compressed, its assets fingerprinted and cached for a year', async () => {
    const context = await rig.browser.newContext({ locale: 'fa-IR' });
    const page = await context.newPage();
    const assets: { url: string; cache: string; encoding: string }[] = [];
    page.on('response', (r) => { if (r.url().includes('/assets/')) assets.push({ url: r.url(), cache: r.headers()['cache-control'] ?? '', encoding: r.headers()['content-encoding'] ?? '' }); });
    const res = await page.goto(`${rig.url}/`, { waitUntil: 'networkidle' });
    expect(res!.headers()['content-encoding']).toMatch(/^(gzip|br)$/);
    const bytes = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return nav.transferSize + (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).reduce((s, r) => s + r.transferSize, 0);
    });
    console.log(`home page: ${bytes} bytes transferred, ${assets.length} assets`);
    expect(bytes).toBeLessThan(150 * 1024);
    expect(assets.length).toBeGreaterThan(3);
    for (const a of assets) {
      expect(a.url).toMatch(/\/assets\/[0-9a-f]{12}\//);
      expect(a.cache).toContain('max-age=31536000');
      expect(a.cache).toContain('immutable');
      if (/\.(css|js)$/.test(a.url)) expect(a.encoding).toMatch(/^(gzip|br)$/);
    }
    await context.close();
  });
});
