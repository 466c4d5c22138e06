/**
 * Headless Chromium for browser tests and benchmarks: Debian's /usr/bin/chromium driven by
 * playwright-core (never a downloaded browser). Console errors and page errors are collected so
 * tests can require none.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.FACEPARSE_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or '' when they can. */
export function chromiumMissing(): string {
  return existsSync(CHROMIUM_PATH) ? '' : `${CHROMIUM_PATH} is absent (apt-get install -y chromium)`;
}

export interface LaunchOptions {
  /** A fake camera (a test pattern) that needs no permission prompt. */
  fakeCamera?: boolean;
  extraArgs?: string[];
}

export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
  if (options.fakeCamera) args.push('--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...args, ...(options.extraArgs ?? [])] });
}

/** Every console error and uncaught page error, as text. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  return errors;
}

/** A blank page, for pages the tests script themselves. */
export const BLANK_PAGE =
  '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>faceparse test</title></head><body></body></html>';

/**
 * A page that loads the faceparse bundle as users do (`import { FaceParser } from '<url>'`) and
 * exposes the module as `globalThis.faceparse` (scripts evaluated by tests cannot `import()`
 * themselves: test runners rewrite it).
 */
export function bundlePage(bundleUrl: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>faceparse test</title></head><body>
<script type="module">
import * as faceparse from ${JSON.stringify(bundleUrl)};
globalThis.faceparse = faceparse;
</script></body></html>`;
}
