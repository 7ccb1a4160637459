import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { beforeAll, afterAll } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freshDatabase, type TestDatabase } from './db.ts';
import { createApp } from '../../src/app.ts';

export const SCREENSHOTS = path.resolve('.tmp/screenshots');

/** The app on a random loopback port (database already set up by freshDatabase()). */
export async function startServer(opts: Parameters<typeof createApp>[0] = {}): Promise<{ url: string; close(): Promise<void> }> {
  const app = createApp({ loginLimit: 1000, ...opts });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/** Debian's Chromium, headless, with the flags this closed network needs. Never downloads a browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function signInPage(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('button:has-text("ورود")')]);
}

/** `clock.now`: the instant the app's nomination pages judge at; a test may move it. */
export interface BrowserRig { t: TestDatabase; url: string; browser: Browser; clock: { now: () => Date } }

/** For one browser test file: a fresh database, the app on a loopback port and Chromium, all closed after it. */
export function useBrowserRig(): BrowserRig {
  const rig = { clock: { now: () => new Date() } } as BrowserRig;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  beforeAll(async () => {
    rig.t = await freshDatabase();
    server = await startServer({ now: () => rig.clock.now() });
    rig.url = server.url;
    rig.browser = await launchChromium();
  });
  afterAll(async () => {
    await rig.browser?.close();
    await server?.close();
    await rig.t?.close();
  });
  return rig;
}
