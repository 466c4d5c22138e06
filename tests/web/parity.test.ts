/**
 * The browser bundle against the Node library, loaded as a user would: dist/web/ served statically
 * with COOP/COEP, `import { FaceParser } from '<url>/faceparse.js'`, a model folder by URL and the
 * shared photos as blobs. Label maps must equal Node's on >= 99.9% of pixels with a random-weight
 * fp32 model; for the embedded int8 model the figure is reported (int8 kernels differ between
 * onnxruntime builds, so a few arg-max flips are expected). Needs /usr/bin/chromium and
 * dist/web/ (npm run build); skips saying so when either is absent.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage, chromiumMissing, collectPageErrors, launchChromium } from '../../bench/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../bench/browser/staticServer.js';
import { FaceParser } from '../../src/index.js';

const PHOTOS = resolve('..', 'shared', 'data', 'photos');
const BUNDLE = resolve('dist', 'web', 'faceparse.js');
const TINY = resolve('tests', 'fixtures', 'tiny-segformer');
const EMBEDDED = resolve('models', 'face-parsing-mini');
const B0 = join(process.env.FACEPARSE_PARITY_DIR ?? join(homedir(), '.cache', 'faceparse'), 'random-models', 'b0');
const THREADS = 2;

const missing =
  chromiumMissing() ||
  (existsSync(BUNDLE) ? '' : 'dist/web/faceparse.js is absent (npm run build)') ||
  (existsSync(PHOTOS) ? '' : '../shared/data/photos is absent');
const photos = existsSync(PHOTOS)
  ? readdirSync(PHOTOS)
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort()
  : [];

interface PageOutcome {
  width: number;
  height: number;
  same: number;
  total: number;
  ms: number;
  timings: Record<string, number>;
}

/** Parse one photo in the page and compare with Node's mask (served as raw bytes). */
function parseInPage(page: Page, photoUrl: string, expectedUrl: string): Promise<PageOutcome> {
  return page.evaluate(
    async ({ photoUrl, expectedUrl }) => {
      const parser = (
        globalThis as unknown as {
          parser: { parse(b: Blob, o: object): Promise<{ width: number; height: number; categoryMask: Uint8Array; timings: Record<string, number> }> };
        }
      ).parser;
      const blob = await (await fetch(photoUrl)).blob();
      const t0 = performance.now();
      const result = await parser.parse(blob, { faces: 'off', keepLogits: false });
      const ms = performance.now() - t0;
      const modelRun = (parser as unknown as { lastModelRunMs: number }).lastModelRunMs;
      const expected = new Uint8Array(await (await fetch(expectedUrl)).arrayBuffer());
      let same = 0;
      const mask = result.categoryMask;
      for (let i = 0; i < expected.length; i++) if (mask[i] === expected[i]) same++;
      return { width: result.width, height: result.height, same, total: expected.length, ms, timings: { ...result.timings, modelRun } };
    },
    { photoUrl, expectedUrl },
  );
}

function parityCases(name: string, modelDir: string, variant: 'fp32' | 'q8', minAgreement: number | undefined) {
  describe(name, () => {
    let browser: Browser;
    let page: Page;
    let server: StaticServer;
    let expectedDir: string;
    let errors: string[];
    const nodeMs = new Map<string, number>();

    beforeAll(async () => {
      expectedDir = mkdtempSync(join(tmpdir(), 'faceparse-web-parity-'));
      const node = await FaceParser.create({ model: modelDir, variant, threads: THREADS });
      try {
        for (const photo of photos) {
          const bytes = await readFile(join(PHOTOS, photo));
          await node.parse(bytes, { faces: 'off', keepLogits: false }); // warm-up, as the page gets below
          const t0 = performance.now();
          const result = await node.parse(bytes, { faces: 'off', keepLogits: false });
          nodeMs.set(photo, performance.now() - t0);
          writeFileSync(join(expectedDir, `${photo}.bin`), result.categoryMask);
        }
      } finally {
        await node.close();
      }
      server = await startStaticServer({
        mounts: { '/': resolve('dist', 'web'), '/model/': modelDir, '/photos/': PHOTOS, '/expected/': expectedDir },
        pages: { '/parity.html': bundlePage('/faceparse.js') },
      });
      browser = await launchChromium();
      page = await browser.newPage();
      errors = collectPageErrors(page);
      await page.goto(`${server.url}/parity.html`);
      await page.waitForFunction(() => 'faceparse' in globalThis);
      const info = await page.evaluate(
        async ({ model, variant, threads }) => {
          const { FaceParser: WebFaceParser } = (globalThis as unknown as { faceparse: typeof import('../../src/web/index.js') }).faceparse;
          const parser = await WebFaceParser.create({ model, variant, threads });
          (globalThis as unknown as { parser: unknown }).parser = parser;
          return { isolated: crossOriginIsolated, threads: parser.threads, device: parser.device, labels: parser.labels.length };
        },
        { model: `${server.url}/model/`, variant, threads: THREADS },
      );
      console.log(`${name}: page isolated ${info.isolated}, ${info.threads} threads, ${info.device}, ${info.labels} classes`);
      // Warm-up run in the page too (the first run compiles kernels).
      await parseInPage(page, `${server.url}/photos/${photos[0]}`, `${server.url}/expected/${photos[0]}.bin`);
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      if (expectedDir) rmSync(expectedDir, { recursive: true, force: true });
    });

    it.each(photos)('%s', async (photo) => {
      const outcome = await parseInPage(page, `${server.url}/photos/${photo}`, `${server.url}/expected/${photo}.bin`);
      const agreement = outcome.same / outcome.total;
      const node = nodeMs.get(photo)!;
      console.log(
        `${name} ${photo} ${outcome.width}x${outcome.height}: ${(agreement * 100).toFixed(4)}% agree (${outcome.total - outcome.same} px differ); ` +
          `browser ${outcome.ms.toFixed(0)} ms, node ${node.toFixed(0)} ms (${(outcome.ms / node).toFixed(2)}x; ` +
          Object.entries(outcome.timings)
            .map(([stage, ms]) => `${stage} ${ms.toFixed(0)}`)
            .join(', ') +
          ')',
      );
      expect(outcome.total).toBe(outcome.width * outcome.height);
      if (minAgreement !== undefined) expect(agreement).toBeGreaterThanOrEqual(minAgreement);
    });

    it('logged no console errors', () => {
      expect(errors).toEqual([]);
    });
  });
}

describe.skipIf(missing !== '')(`web bundle against Node${missing ? ` (skipped: ${missing})` : ''}`, () => {
  parityCases('random-weight tiny SegFormer, fp32', TINY, 'fp32', 0.999);
  if (existsSync(join(B0, 'onnx', 'model.onnx'))) parityCases('random-weight SegFormer-B0, fp32', B0, 'fp32', 0.999);
  parityCases('embedded model, q8', EMBEDDED, 'q8', undefined);
});
