/**
 * Browser decoding against Node's (src/image/decode.ts) on the same bytes: EXIF orientation, alpha
 * dropped, and every kind of web input (Blob, URL, ImageBitmap, ImageData, <img>, <canvas>,
 * OffscreenCanvas, VideoFrame) giving the same RGB pixels; unreadable and empty inputs fail with
 * the input error codes. Needs /usr/bin/chromium and dist/web/; skips saying so otherwise.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage, chromiumMissing, collectPageErrors, launchChromium } from '../../bench/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../bench/browser/staticServer.js';
import { decodeImage } from '../../src/index.js';
import { decodeLabelPngBytes } from '../../src/image/labelPng.js';
import { resolvePalette } from '../../src/visualize/palette.js';
import { blocks, encodeBmp } from '../helpers/bmp.js';

const BUNDLE = resolve('dist', 'web', 'faceparse.js');
const missing = chromiumMissing() || (existsSync(BUNDLE) ? '' : 'dist/web/faceparse.js is absent (npm run build)');

/** A 48x32 image whose every pixel differs, so a rotation or flip cannot go unnoticed. */
function gradient(width: number, height: number, channels: 3 | 4): Buffer {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * channels;
      data[p] = (x * 5) & 255;
      data[p + 1] = (y * 7) & 255;
      data[p + 2] = (x * 3 + y * 11) & 255;
      if (channels === 4) data[p + 3] = 255; // opaque: a canvas stores premultiplied pixels, so only opaque ones are exact
    }
  }
  return data;
}

describe.skipIf(missing !== '')(`web decoding${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  let server: StaticServer;
  let dir: string;
  let errors: string[];
  const files: Record<string, Buffer> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'faceparse-web-decode-'));
    const raw = { raw: { width: 48, height: 32, channels: 3 as const } };
    files['plain.png'] = await sharp(gradient(48, 32, 3), raw)
      .png()
      .toBuffer();
    files['exif6.jpg'] = await sharp(gradient(48, 32, 3), raw)
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    files['exif3.png'] = await sharp(gradient(48, 32, 3), raw)
      .png()
      .withMetadata({ orientation: 3 })
      .toBuffer();
    files['alpha.png'] = await sharp(gradient(48, 32, 4), { raw: { width: 48, height: 32, channels: 4 } })
      .png()
      .toBuffer();
    files['broken.jpg'] = Buffer.from('not an image at all');
    // BMPs: the browser's own decoder against faceparse's (Node's libvips has none).
    files['rgb24.bmp'] = Buffer.from(encodeBmp(blocks(29, 7, 200), { bits: 24 }));
    files['bgra32-v5.bmp'] = Buffer.from(encodeBmp(blocks(29, 7, 200), { bits: 32, header: 124, masks: [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000] }));
    files['rgb565.bmp'] = Buffer.from(encodeBmp(blocks(29, 7, 200), { bits: 16, masks: [0xf800, 0x07e0, 0x001f] }));
    files['palette8-rle.bmp'] = Buffer.from(encodeBmp(blocks(29, 7, 200), { bits: 8, rle8: true }));
    files['palette4-topdown.bmp'] = Buffer.from(encodeBmp(blocks(29, 7, 16), { bits: 4, topDown: true }));
    files['palette1.bmp'] = Buffer.from(encodeBmp(blocks(29, 7, 2), { bits: 1 }));
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    server = await startStaticServer({
      mounts: { '/': resolve('dist', 'web'), '/model/': resolve('tests', 'fixtures', 'tiny-segformer'), '/files/': dir },
      pages: { '/decode.html': bundlePage('/faceparse.js') },
    });
    browser = await launchChromium();
    page = await browser.newPage();
    errors = collectPageErrors(page);
    await page.goto(`${server.url}/decode.html`);
    await page.waitForFunction(() => 'faceparse' in globalThis);
    await page.evaluate(async () => {
      const { FaceParser } = (globalThis as unknown as { faceparse: typeof import('../../src/web/index.js') }).faceparse;
      (globalThis as unknown as { parser: unknown }).parser = await FaceParser.create({ model: '/model/', variant: 'fp32', threads: 1 });
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The RGB pixels the page decodes for `file`, given as the input kind `kind`. */
  function decodeInPage(file: string, kind: string): Promise<{ width: number; height: number; data: number[] } | { error: string; code: string }> {
    return page.evaluate(
      async ({ file, kind }) => {
        const parser = (globalThis as unknown as { parser: import('../../src/web/index.js').FaceParser }).parser;
        const url = `/files/${file}`;
        const blob = await (await fetch(url)).blob();
        const bitmap = () => createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
        const onCanvas = async () => {
          const b = await bitmap();
          const canvas = document.createElement('canvas');
          canvas.width = b.width;
          canvas.height = b.height;
          canvas.getContext('2d')!.drawImage(b, 0, 0);
          return canvas;
        };
        let input: import('../../src/web/index.js').WebImageInput;
        if (kind === 'blob') input = blob;
        else if (kind === 'file') input = new File([blob], file, { type: blob.type });
        else if (kind === 'url') input = url;
        else if (kind === 'bitmap') input = await bitmap();
        else if (kind === 'imagedata') {
          const b = await bitmap();
          const c = new OffscreenCanvas(b.width, b.height);
          const ctx = c.getContext('2d')!;
          ctx.drawImage(b, 0, 0);
          input = ctx.getImageData(0, 0, b.width, b.height);
        } else if (kind === 'img') {
          const img = new Image();
          img.src = url;
          await img.decode();
          input = img;
        } else if (kind === 'canvas') input = await onCanvas();
        else if (kind === 'offscreen') {
          const b = await bitmap();
          const c = new OffscreenCanvas(b.width, b.height);
          c.getContext('2d')!.drawImage(b, 0, 0);
          input = c;
        } else if (kind === 'videoframe') input = new VideoFrame(await onCanvas(), { timestamp: 0 });
        else if (kind === 'empty') input = new Blob([]);
        else throw new Error(kind);
        try {
          const result = await parser.parse(input, { faces: 'off' });
          return { width: result.width, height: result.height, data: Array.from(result.image.data) };
        } catch (error) {
          return { error: (error as Error).message, code: (error as { code?: string }).code ?? '' };
        }
      },
      { file, kind },
    );
  }

  it.each([
    ['plain.png', 'blob'],
    ['exif6.jpg', 'blob'],
    ['exif6.jpg', 'file'],
    ['exif3.png', 'url'],
    ['alpha.png', 'blob'],
    ['exif6.jpg', 'bitmap'],
    ['exif6.jpg', 'imagedata'],
    ['exif6.jpg', 'img'],
    ['exif6.jpg', 'canvas'],
    ['exif6.jpg', 'offscreen'],
    ['exif6.jpg', 'videoframe'],
    ['rgb24.bmp', 'blob'],
    ['bgra32-v5.bmp', 'blob'],
    ['rgb565.bmp', 'blob'],
    ['palette8-rle.bmp', 'url'],
    ['palette4-topdown.bmp', 'blob'],
    ['palette1.bmp', 'blob'],
  ])('%s as %s: the RGB pixels Node decodes', async (file, kind) => {
    const node = await decodeImage(files[file]!);
    const web = await decodeInPage(file, kind);
    if ('error' in web) throw new Error(web.error);
    expect([web.width, web.height]).toEqual([node.width, node.height]);
    let differ = 0;
    for (let i = 0; i < node.data.length; i++) if (web.data[i] !== node.data[i]) differ++;
    expect(differ).toBe(0);
  });

  it('an unreadable file fails with INPUT_UNREADABLE, an empty blob with INPUT_EMPTY', async () => {
    expect(await decodeInPage('broken.jpg', 'blob')).toMatchObject({ code: 'INPUT_UNREADABLE' });
    expect(await decodeInPage('broken.jpg', 'empty')).toMatchObject({ code: 'INPUT_EMPTY' });
  });

  it('a value that is no image is refused with the kinds the browser takes', async () => {
    const outcome = await page.evaluate(async () => {
      const parser = (globalThis as unknown as { parser: import('../../src/web/index.js').FaceParser }).parser;
      return parser.parse(42 as unknown as Blob).then(
        () => 'parsed',
        (error: { code: string; message: string }) => `${error.code}: ${error.message}`,
      );
    });
    expect(outcome).toMatch(/^INVALID_ARGUMENT: the input is .*; in the browser also a Blob\/File, ImageBitmap/);
  });

  it('maxInputBytes and maxInputPixels refuse large inputs with INPUT_TOO_LARGE', async () => {
    const outcome = await page.evaluate(async () => {
      const { FaceParser } = (globalThis as unknown as { faceparse: typeof import('../../src/web/index.js') }).faceparse;
      const small = await FaceParser.create({ model: '/model/', variant: 'fp32', threads: 1, maxInputBytes: 100, maxInputPixels: 1000 });
      const fail = (p: Promise<unknown>) =>
        p.then(
          () => 'parsed',
          (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
        );
      const blob = await (await fetch('/files/plain.png')).blob();
      const outcome = {
        bytes: await fail(small.parse(blob)),
        url: await fail(small.parse('/files/exif6.jpg')),
        pixels: await fail(small.parse(new ImageData(48, 32))),
      };
      await small.close();
      return outcome;
    });
    expect(outcome.bytes).toMatch(/^INPUT_TOO_LARGE: blob of \d+ bytes \(image\/png\) is \d+ bytes, over maxInputBytes \(100\)/);
    expect(outcome.url).toMatch(/^INPUT_TOO_LARGE: \/files\/exif6\.jpg is \d+ bytes, over maxInputBytes/);
    expect(outcome.pixels).toMatch(/^INPUT_TOO_LARGE: ImageData is 48x32 = 1536 pixels, over maxInputPixels \(1000\)/);
  });

  it("faces 'on' runs the detector (a plain image has no face: all background, with a note); an unknown mode is refused", async () => {
    const outcome = await page.evaluate(async () => {
      const parser = (globalThis as unknown as { parser: import('../../src/web/index.js').FaceParser }).parser;
      const result = await parser.parse('/files/plain.png', { faces: 'on' });
      const refused = await parser.parse('/files/plain.png', { faces: 'always' as 'on' }).then(
        () => 'parsed',
        (error: { code: string; message: string }) => `${error.code}: ${error.message}`,
      );
      return {
        parsedAs: result.parsedAs,
        faces: result.faces.length,
        note: result.note ?? null,
        background: result.categoryMask.every((v) => v === 0),
        refused,
      };
    });
    expect(outcome).toMatchObject({ parsedAs: 'faces', faces: 0, background: true });
    expect(outcome.note).toMatch(/no face/i);
    expect(outcome.refused).toMatch(/^INVALID_ARGUMENT: faces: expected one of auto, on, off, got 'always'/);
  });

  it('toLabelPng({ palette }) gives a palette PNG of the same ids in the browser (no Buffer there)', async () => {
    const outcome = await page.evaluate(async () => {
      const parser = (globalThis as unknown as { parser: import('../../src/web/index.js').FaceParser }).parser;
      const result = await parser.parse('/files/plain.png', { faces: 'off' });
      try {
        const blob = await result.toLabelPng({ palette: result.labels });
        const grey = await result.toLabelPng();
        return {
          type: blob.type,
          bytes: Array.from(new Uint8Array(await blob.arrayBuffer())),
          grey: grey.size,
          mask: Array.from(result.categoryMask),
          labels: [...result.labels],
        };
      } catch (error) {
        return { error: String(error) };
      }
    });
    if ('error' in outcome) throw new Error(outcome.error);
    expect(outcome.type).toBe('image/png');
    const decoded = decodeLabelPngBytes(Uint8Array.from(outcome.bytes));
    expect(Array.from(decoded.mask)).toEqual(outcome.mask);
    expect(decoded.palette).toEqual(resolvePalette(outcome.labels));
    expect(outcome.grey).toBeGreaterThan(0);
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});
