/**
 * The web app (the browser build's dist/app) served by the service at `/` loads in headless
 * Chromium under the service's headers: cross-origin isolated (threaded WebAssembly), its model
 * loaded, no CSP violation or page error. Skips, saying why, without dist/app (npm run build of
 * the web app) or /usr/bin/chromium.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAppDir } from '../../src/server/options.js';
import { startServer, type TestServer } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const APP = defaultAppDir();
const missing = !existsSync(join(APP, 'index.html')) ? `no web app at ${APP}` : !existsSync(CHROMIUM) ? `no ${CHROMIUM}` : '';

describe.skipIf(missing !== '')(`the web app at /${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('loads its model in Chromium, cross-origin isolated, with no console error', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
      page.on('pageerror', (e) => void problems.push(e.message));
      await page.goto(`${t.url}/`);
      await page.waitForSelector('body[data-model-ready="true"]', { timeout: 60_000 });
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
