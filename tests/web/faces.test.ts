/**
 * The face stage in the browser bundle against the Node library: dist/web/ served statically with
 * COOP/COEP, the shared photos parsed with faces 'auto' (BlazeFace on onnxruntime-web in its own
 * worker, alignment, warp and paste-back in the shared TypeScript) must find the faces Node finds
 * (same count, boxes within 2 px) and give Node's label map on >= 99.9% of pixels with a
 * random-weight fp32 model; for the embedded int8 model the figure is reported. Needs
 * /usr/bin/chromium and dist/web/ (npm run build); skips saying so when either is absent.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage, chromiumMissing, collectPageErrors, launchChromium } from '../../bench/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../bench/browser/staticServer.js';
import { FaceParser } from '../../src/index.js';

const PHOTOS = resolve('..', 'shared', 'data', 'photos');
const BUNDLE = resolve('dist', 'web', 'faceparse.js');
const DETECTOR = resolve('dist', 'web', 'models', 'blazeface', 'face_detection_back_256x256.onnx');
const TINY = resolve('tests', 'fixtures', 'tiny-segformer');
const EMBEDDED = resolve('models', 'face-parsing-mini');
const THREADS = 2;
const BOX_TOLERANCE_PX = 2;

const missing =
  chromiumMissing() ||
  (existsSync(BUNDLE) && existsSync(DETECTOR) ? '' : 'dist/web/faceparse.js or its models/blazeface/ is absent (npm run build)') ||
  (existsSync(PHOTOS) ? '' : '../shared/data/photos is absent');
const photos = existsSync(PHOTOS)
  ? readdirSync(PHOTOS)
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort()
  : [];

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
interface NodeFaces {
  parsedAs: string;
  note: string | null;
  boxes: Box[];
  scores: number[];
}
interface PageOutcome {
  width: number;
  height: number;
  same: number;
  total: number;
  parsedAs: string;
  note: string | null;
  boxes: Box[];
  scores: number[];
  instanceFaces: number;
}

/** Parse one photo in the page with faces 'auto' and compare with Node's mask (served as raw bytes). */
function parseInPage(page: Page, photoUrl: string, expectedUrl: string): Promise<PageOutcome> {
  return page.evaluate(
    async ({ photoUrl, expectedUrl }) => {
      type Result = {
        width: number;
        height: number;
        categoryMask: Uint8Array;
        parsedAs: string;
        note?: string;
        instanceMask?: Uint8Array | Uint16Array;
        faces: { box: Box; score: number }[];
      };
      const parser = (globalThis as unknown as { parser: { parse(b: Blob, o: object): Promise<Result> } }).parser;
      const blob = await (await fetch(photoUrl)).blob();
      const result = await parser.parse(blob, { faces: 'auto', keepLogits: false });
      const expected = new Uint8Array(await (await fetch(expectedUrl)).arrayBuffer());
      let same = 0;
      const mask = result.categoryMask;
      for (let i = 0; i < expected.length; i++) if (mask[i] === expected[i]) same++;
      let instanceFaces = 0;
      if (result.instanceMask) for (const v of result.instanceMask) instanceFaces = Math.max(instanceFaces, v);
      return {
        width: result.width,
        height: result.height,
        same,
        total: expected.length,
        parsedAs: result.parsedAs,
        note: result.note ?? null,
        boxes: result.faces.map((f) => ({ x: f.box.x, y: f.box.y, width: f.box.width, height: f.box.height })),
        scores: result.faces.map((f) => f.score),
        instanceFaces,
      };
    },
    { photoUrl, expectedUrl },
  );
}

function faceCases(name: string, modelDir: string, variant: 'fp32' | 'q8', minAgreement: number | undefined) {
  describe(name, () => {
    let browser: Browser;
    let page: Page;
    let server: StaticServer;
    let expectedDir: string;
    let errors: string[];
    const nodeFaces = new Map<string, NodeFaces>();

    beforeAll(async () => {
      expectedDir = mkdtempSync(join(tmpdir(), 'faceparse-web-faces-'));
      const node = await FaceParser.create({ model: modelDir, variant, threads: THREADS });
      try {
        for (const photo of photos) {
          const result = await node.parse(await readFile(join(PHOTOS, photo)), { faces: 'auto', keepLogits: false });
          writeFileSync(join(expectedDir, `${photo}.bin`), result.categoryMask);
          nodeFaces.set(photo, {
            parsedAs: result.parsedAs,
            note: result.note ?? null,
            boxes: result.faces.map((f) => ({ ...f.box })),
            scores: result.faces.map((f) => f.score),
          });
        }
      } finally {
        await node.close();
      }
      server = await startStaticServer({
        mounts: { '/': resolve('dist', 'web'), '/model/': modelDir, '/photos/': PHOTOS, '/expected/': expectedDir },
        pages: { '/faces.html': bundlePage('/faceparse.js') },
      });
      browser = await launchChromium();
      page = await browser.newPage();
      errors = collectPageErrors(page);
      await page.goto(`${server.url}/faces.html`);
      await page.waitForFunction(() => 'faceparse' in globalThis);
      await page.evaluate(
        async ({ model, variant, threads }) => {
          const { FaceParser: WebFaceParser } = (globalThis as unknown as { faceparse: typeof import('../../src/web/index.js') }).faceparse;
          (globalThis as unknown as { parser: unknown }).parser = await WebFaceParser.create({ model, variant, threads });
        },
        { model: `${server.url}/model/`, variant, threads: THREADS },
      );
    });

    afterAll(async () => {
      await page?.evaluate(() => (globalThis as unknown as { parser?: { close(): Promise<void> } }).parser?.close());
      await browser?.close();
      await server?.close();
      if (expectedDir) rmSync(expectedDir, { recursive: true, force: true });
    });

    it.each(photos)('%s', async (photo) => {
      const outcome = await parseInPage(page, `${server.url}/photos/${photo}`, `${server.url}/expected/${photo}.bin`);
      const node = nodeFaces.get(photo)!;
      const agreement = outcome.same / outcome.total;
      const boxError = Math.max(
        0,
        ...outcome.boxes.flatMap((b, i) => {
          const n = node.boxes[i];
          return n ? [Math.abs(b.x - n.x), Math.abs(b.y - n.y), Math.abs(b.width - n.width), Math.abs(b.height - n.height)] : [Infinity];
        }),
      );
      console.log(
        `${name} ${photo} ${outcome.width}x${outcome.height}: parsed as ${outcome.parsedAs} (node ${node.parsedAs}), ${outcome.boxes.length} faces (node ${node.boxes.length}), ` +
          `box error ${boxError.toExponential(2)} px; ${(agreement * 100).toFixed(4)}% agree (${outcome.total - outcome.same} px differ)${outcome.note ? `; note: ${outcome.note}` : ''}`,
      );
      expect(outcome.total).toBe(outcome.width * outcome.height);
      expect(outcome.parsedAs).toBe(node.parsedAs);
      expect(outcome.boxes.length).toBe(node.boxes.length);
      expect(boxError).toBeLessThanOrEqual(BOX_TOLERANCE_PX);
      expect(outcome.note).toBe(node.note);
      if (outcome.parsedAs === 'faces') expect(outcome.instanceFaces).toBeLessThanOrEqual(outcome.boxes.length);
      if (minAgreement !== undefined) expect(agreement).toBeGreaterThanOrEqual(minAgreement);
    });

    it("refuses a faces value other than 'auto', 'on', 'off' with INVALID_ARGUMENT", async () => {
      const code = await page.evaluate(async (photoUrl) => {
        const parser = (globalThis as unknown as { parser: { parse(b: Blob, o: object): Promise<unknown> } }).parser;
        const blob = await (await fetch(photoUrl)).blob();
        return parser.parse(blob, { faces: 'always' }).then(
          () => 'resolved',
          (error: { code?: string }) => error.code ?? String(error),
        );
      }, `${server.url}/photos/${photos[0]}`);
      expect(code).toBe('INVALID_ARGUMENT');
    });

    it('logged no console errors', () => {
      expect(errors).toEqual([]);
    });
  });
}

describe.skipIf(missing !== '')(`web face stage against Node${missing ? ` (skipped: ${missing})` : ''}`, () => {
  faceCases('random-weight tiny SegFormer, fp32, faces auto', TINY, 'fp32', 0.999);
  faceCases('embedded model, q8, faces auto', EMBEDDED, 'q8', undefined);
});
