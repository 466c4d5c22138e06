/**
 * Model loading in the browser: a hub id resolves to `{endpoint}/{id}/resolve/{revision}/{file}`,
 * progress events arrive, a second load reads Cache Storage (no request reaches the server), a
 * folder without the asked variant names the missing file, a picked local folder loads, and
 * WebGPU asked for where there is none falls back to wasm saying why.
 * Needs /usr/bin/chromium and dist/web/; skips saying so otherwise.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage, chromiumMissing, collectPageErrors, launchChromium } from '../../bench/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../bench/browser/staticServer.js';

const BUNDLE = resolve('dist', 'web', 'faceparse.js');
const TINY = resolve('tests', 'fixtures', 'tiny-segformer');
const missing = chromiumMissing() || (existsSync(BUNDLE) ? '' : 'dist/web/faceparse.js is absent (npm run build)');

type Api = typeof import('../../src/web/index.js');

describe.skipIf(missing !== '')(`web model loading${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const requests: string[] = [];

  beforeAll(async () => {
    server = await startStaticServer({
      mounts: { '/': resolve('dist', 'web'), '/hub/someone/tiny-face/resolve/main/': TINY, '/tiny/': TINY },
      pages: { '/models.html': bundlePage('/faceparse.js') },
    });
    browser = await launchChromium();
    page = await browser.newPage();
    errors = collectPageErrors(page);
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    await page.goto(`${server.url}/models.html`);
    await page.waitForFunction(() => 'faceparse' in globalThis);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a hub id loads from the endpoint with progress, then from Cache Storage', async () => {
    const load = () =>
      page.evaluate(async (endpoint) => {
        const { FaceParser } = (globalThis as unknown as { faceparse: Api }).faceparse;
        const progress: Array<{ file: string; loaded: number; total?: number; cached: boolean }> = [];
        const parser = await FaceParser.create({ model: 'someone/tiny-face', endpoint, threads: 1, onProgress: (p) => progress.push(p) });
        const result = await parser.parse({ data: new Uint8Array(64 * 48 * 3).fill(128), width: 64, height: 48 }, { faces: 'off' });
        await parser.close();
        return { model: parser.model, variant: parser.variant, size: [result.width, result.height], progress };
      }, `${server.url}/hub`);
    const first = await load();
    expect(first).toMatchObject({ model: 'someone/tiny-face', variant: 'fp32', size: [64, 48] });
    const onnx = first.progress.filter((p) => p.file === 'onnx/model.onnx');
    expect(onnx.at(-1)).toMatchObject({ cached: false, loaded: onnx.at(-1)!.total });
    expect(requests).toContain('/hub/someone/tiny-face/resolve/main/onnx/model.onnx');

    requests.length = 0;
    const second = await load();
    expect(second.progress.filter((p) => p.file === 'onnx/model.onnx').every((p) => p.cached)).toBe(true);
    expect(requests.filter((path) => path.startsWith('/hub/'))).toEqual([]);
  });

  it('a picked local folder loads (files by path, as <input webkitdirectory> gives them)', async () => {
    const outcome = await page.evaluate(async () => {
      const { FaceParser, localModelFolder } = (globalThis as unknown as { faceparse: Api }).faceparse;
      const file = async (path: string) => {
        const blob = await (await fetch(`/tiny/${path}`)).blob();
        const f = new File([blob], path.split('/').pop()!);
        Object.defineProperty(f, 'webkitRelativePath', { value: `tiny-segformer/${path}` });
        return f;
      };
      const files = await Promise.all(['config.json', 'preprocessor_config.json', 'onnx/model_quantized.onnx'].map(file));
      const parser = await FaceParser.create({ model: localModelFolder(files), threads: 1 });
      const result = await parser.parse({ data: new Uint8Array(32 * 32 * 3), width: 32, height: 32 }, { faces: 'off' });
      await parser.close();
      return { variant: parser.variant, pixels: result.categoryMask.length };
    });
    expect(outcome).toEqual({ variant: 'q8', pixels: 1024 });
  });

  it('WebGPU without an adapter falls back to wasm and says why', async () => {
    const outcome = await page.evaluate(async () => {
      const { FaceParser } = (globalThis as unknown as { faceparse: Api }).faceparse;
      const parser = await FaceParser.create({ model: '/tiny/', variant: 'fp32', device: 'webgpu', threads: 1 });
      const info = { device: parser.device, reason: parser.fallbackReason };
      await parser.close();
      return info;
    });
    expect(outcome.device).toBe('wasm');
    expect(outcome.reason).toMatch(/WebGPU/);
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });

  it('a missing folder names the file it looked for (a fresh page: the 404s are logged by the browser, on purpose)', async () => {
    const fresh = await browser.newPage();
    await fresh.goto(`${server.url}/models.html`);
    await fresh.waitForFunction(() => 'faceparse' in globalThis);
    const outcome = await fresh.evaluate(async () => {
      const { FaceParser } = (globalThis as unknown as { faceparse: Api }).faceparse;
      const fail = (p: Promise<unknown>) =>
        p.then(
          () => 'loaded',
          (e: { code: string; message: string }) => `${e.code}: ${e.message}`,
        );
      return {
        notFound: await fail(FaceParser.create({ model: '/nowhere/', cache: false })),
        relative: await fail(FaceParser.create({ model: 'models/x/y', cache: false })),
        variant: await fail(FaceParser.create({ model: '/tiny/', variant: 'fp16', cache: false, threads: 1 }).then((p) => p.close())),
        noWorker: await fail(FaceParser.create({ model: '/tiny/', variant: 'fp32', cache: false, assetsUrl: '/tiny/' })),
      };
    });
    expect(outcome.notFound).toMatch(/^MODEL_FILE_MISSING: .*\/nowhere\/config\.json was not found \(HTTP 404\)/);
    // Three parts: a relative path, never a hub id (owner/name has one slash; a folder can be "./owner/name").
    expect(outcome.relative).toMatch(/^MODEL_FILE_MISSING: http:\/\/127\.0\.0\.1:\d+\/models\/x\/y\/config\.json was not found/);
    expect(outcome.variant).toBe('loaded'); // and on the same page, the fp16 file (float16 in and out, converted in the worker) loads
    expect(outcome.noWorker).toMatch(/^DEVICE_UNAVAILABLE: the inference worker failed .*faceparse\.worker\.js/);
    await fresh.close();
  });
});
