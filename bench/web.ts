/**
 * The browser bundle against the Node library in one run, on the same model, photo and thread
 * count: dist/web served with COOP/COEP to headless Chromium, runs alternated between the two so
 * that other load on the machine hits both alike; medians per stage and the ratio. Then the live
 * mode's frames per second (fake camera, 640x480) at 256 and 512 px input, and WebGPU where an
 * adapter exists. With `--transformers-js DIR` (an installed @huggingface/transformers package, not
 * a dependency of faceparse: `npm install @huggingface/transformers --prefix /tmp/tjs`), its
 * image-segmentation pipeline runs on the same model folder, photo and threads in the same browser.
 *
 *   npm run build && node dist/bench/web.js [--model DIR] [--variant fp32|q8] [--photo FILE] [--runs 7] [--threads 1,2] [--live-seconds 5]
 *                                           [--transformers-js /tmp/tjs/node_modules/@huggingface/transformers]
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import type { ModelVariant } from '../src/base/types.js';
import { FaceParser } from '../src/index.js';
import { bundlePage, chromiumMissing, collectPageErrors, launchChromium } from './browser/chromium.js';
import { startStaticServer } from './browser/staticServer.js';

const randomB0 = join(homedir(), '.cache', 'faceparse', 'random-models', 'b0');
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: existsSync(join(randomB0, 'onnx', 'model.onnx')) ? randomB0 : 'models/face-parsing-mini' },
    variant: { type: 'string' },
    photo: { type: 'string', default: resolve('..', 'shared', 'data', 'photos', 'pexels-ingrid-santana-2100063.jpg') },
    runs: { type: 'string', default: '7' },
    threads: { type: 'string', default: '1,2' },
    'live-seconds': { type: 'string', default: '5' },
    'transformers-js': { type: 'string' },
  },
});

const problem = chromiumMissing() || (existsSync('dist/web/faceparse.js') ? '' : 'dist/web/faceparse.js is absent (npm run build)');
if (problem) {
  console.error(`bench/web: ${problem}`);
  process.exit(1);
}
const modelDir = resolve(values.model!);
const variant = (values.variant ?? (existsSync(join(modelDir, 'onnx', 'model.onnx')) ? 'fp32' : 'q8')) as ModelVariant;
const runs = Number(values.runs);
const threadCounts = values.threads!.split(',').map(Number);
const liveSeconds = Number(values['live-seconds']);
const photoBytes = await readFile(values.photo!);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
type Timings = Record<string, number>;
const medianTimings = (list: Timings[]) => Object.fromEntries(Object.keys(list[0]!).map((k) => [k, median(list.map((t) => t[k]!))]));

const server = await startStaticServer({
  mounts: { '/': resolve('dist', 'web'), '/model/': modelDir, '/photo/': dirname(resolve(values.photo!)) },
  pages: { '/bench.html': bundlePage('/faceparse.js') },
});
const browser = await launchChromium({ fakeCamera: true });
const page: Page = await browser.newPage();
const errors = collectPageErrors(page);
await page.goto(`${server.url}/bench.html`);
await page.waitForFunction(() => 'faceparse' in globalThis);

type PageApi = { faceparse: typeof import('../src/web/index.js'); parser?: import('../src/web/index.js').FaceParser; photo?: Blob };

async function createInPage(threads: number, device: 'wasm' | 'webgpu' = 'wasm') {
  return page.evaluate(
    async ({ threads, device, variant, photoUrl }) => {
      const g = globalThis as unknown as PageApi;
      await g.parser?.close();
      const t0 = performance.now();
      g.parser = await g.faceparse.FaceParser.create({ model: '/model/', variant, threads, device, cache: false });
      const createMs = performance.now() - t0;
      g.photo = await (await fetch(photoUrl)).blob();
      const t1 = performance.now();
      await g.parser.parse(g.photo, { faces: 'off', keepLogits: false });
      return {
        createMs,
        firstMs: performance.now() - t1,
        threads: g.parser.threads,
        device: g.parser.device,
        fallbackReason: g.parser.fallbackReason,
        isolated: crossOriginIsolated,
      };
    },
    { threads, device, variant, photoUrl: `/photo/${basename(values.photo!)}` },
  );
}

async function parseInPage(): Promise<Timings> {
  return page.evaluate(async () => {
    const g = globalThis as unknown as PageApi;
    const t0 = performance.now();
    const result = await g.parser!.parse(g.photo!, { faces: 'off', keepLogits: false });
    const total = performance.now() - t0;
    const t = result.timings;
    const model = g.parser!.lastModelRunMs;
    return { total, decode: t.decode, preprocess: t.preprocess, model, transfer: t.inference - model, postprocess: t.postprocess };
  });
}

const lines: string[] = [];
const say = (line: string) => {
  lines.push(line);
  console.log(line);
};

say(`model ${values.model} (${variant}), photo ${basename(values.photo!)}, ${runs} runs each, alternated; medians in ms`);
say('');
say('| threads | where | total | decode | preprocess | model run | worker transfer | upsample + arg-max | browser / node |');
say('|---|---|---|---|---|---|---|---|---|');
for (const threads of threadCounts) {
  const info = await createInPage(threads);
  const node = await FaceParser.create({ model: modelDir, variant, threads });
  await node.parse(photoBytes, { keepLogits: false });
  const web: Timings[] = [];
  const native: Timings[] = [];
  for (let r = 0; r < runs; r++) {
    web.push(await parseInPage());
    const t0 = performance.now();
    const result = await node.parse(photoBytes, { keepLogits: false });
    const t = result.timings;
    native.push({ total: performance.now() - t0, decode: t.decode, preprocess: t.preprocess, model: t.inference, transfer: 0, postprocess: t.postprocess });
  }
  await node.close();
  const w = medianTimings(web);
  const n = medianTimings(native);
  const f = (x: number) => x.toFixed(0);
  say(
    `| ${threads} | browser (${info.threads} threads${info.isolated ? '' : ', not isolated'}) | ${f(w.total!)} | ${f(w.decode!)} | ${f(w.preprocess!)} | ${f(w.model!)} | ${f(w.transfer!)} | ${f(w.postprocess!)} | ${(w.total! / n.total!).toFixed(2)}x |`,
  );
  say(`| ${threads} | node | ${f(n.total!)} | ${f(n.decode!)} | ${f(n.preprocess!)} | ${f(n.model!)} | - | ${f(n.postprocess!)} | |`);
  say(`|   | browser session create / first parse | ${f(info.createMs)} / ${f(info.firstMs)} | | | | | | |`);
}

// Live mode: the fake camera (640x480) through parse + LiveSmoother, as the app runs it.
say('');
say(`live mode, fake camera 640x480, ${liveSeconds} s each, ${threadCounts[threadCounts.length - 1]} threads`);
say('');
say('| input | frames per second | model run (median ms) |');
say('|---|---|---|');
await createInPage(threadCounts[threadCounts.length - 1]!);
for (const inputSize of [256, 512]) {
  const live = await page.evaluate(
    async ({ inputSize, seconds }) => {
      const g = globalThis as unknown as PageApi;
      const video = document.createElement('video');
      video.muted = true;
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
      await video.play();
      const smoother = new g.faceparse.LiveSmoother();
      await g.parser!.parse(video, { faces: 'off', inputSize }); // warm-up at this size
      const runs: number[] = [];
      let frames = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) {
        const result = await g.parser!.parse(video, { faces: 'off', inputSize });
        smoother.push(result);
        runs.push(g.parser!.lastModelRunMs);
        frames++;
      }
      const fps = (frames * 1000) / (performance.now() - t0);
      for (const track of (video.srcObject as MediaStream).getTracks()) track.stop();
      runs.sort((a, b) => a - b);
      return { fps, model: runs[Math.floor(runs.length / 2)]!, width: video.videoWidth };
    },
    { inputSize, seconds: liveSeconds },
  );
  say(`| ${inputSize} px | ${live.fps.toFixed(1)} | ${live.model.toFixed(0)} |`);
}

const gpu = await createInPage(threadCounts[threadCounts.length - 1]!, 'webgpu');
say('');
say(
  gpu.device === 'webgpu'
    ? `WebGPU: create ${gpu.createMs.toFixed(0)} ms, first parse ${gpu.firstMs.toFixed(0)} ms`
    : `WebGPU: not measured (${gpu.fallbackReason}); fell back to wasm`,
);
if (gpu.device === 'webgpu') {
  const t: Timings[] = [];
  for (let r = 0; r < runs; r++) t.push(await parseInPage());
  say(`WebGPU median total ${median(t.map((x) => x.total!)).toFixed(0)} ms, model run ${median(t.map((x) => x.model!)).toFixed(0)} ms`);
}
const transformersJs = values['transformers-js'];
if (transformersJs) {
  // transformers.js bundles its own onnxruntime-web; its .wasm files come from that package (no CDN).
  const threads = threadCounts[threadCounts.length - 1]!;
  const tjsServer = await startStaticServer({
    mounts: {
      '/tjs/': join(resolve(transformersJs), 'dist'),
      '/ortdist/': join(resolve(transformersJs), '..', '..', 'onnxruntime-web', 'dist'),
      '/models/bench-model/': modelDir,
      '/photo/': dirname(resolve(values.photo!)),
    },
    pages: {
      '/tjs.html':
        '<!doctype html><link rel="icon" href="data:,"><script type="module">import * as t from "/tjs/transformers.min.js"; globalThis.tjs = t;</script>',
    },
  });
  const tjsPage = await browser.newPage();
  await tjsPage.goto(`${tjsServer.url}/tjs.html`);
  await tjsPage.waitForFunction(() => 'tjs' in globalThis);
  const tjs = await tjsPage.evaluate(
    async ({ threads, variant, photoUrl, runs }) => {
      type Segmenter = (url: string) => Promise<unknown>;
      type Env = {
        allowRemoteModels: boolean;
        allowLocalModels: boolean;
        localModelPath: string;
        backends: { onnx: { wasm: { wasmPaths: string; numThreads: number } } };
      };
      const { pipeline, env } = (globalThis as unknown as { tjs: { pipeline: (task: string, model: string, options: object) => Promise<Segmenter>; env: Env } })
        .tjs;
      env.allowRemoteModels = false;
      env.allowLocalModels = true;
      env.localModelPath = '/models/';
      env.backends.onnx.wasm.wasmPaths = '/ortdist/';
      env.backends.onnx.wasm.numThreads = threads;
      const segment = await pipeline('image-segmentation', 'bench-model', { dtype: variant === 'q8' ? 'q8' : 'fp32', device: 'wasm' });
      await segment(photoUrl);
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        await segment(photoUrl);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)]!;
    },
    { threads, variant, photoUrl: `/photo/${basename(values.photo!)}`, runs: Math.min(runs, 3) },
  );
  await createInPage(threads);
  const ours: number[] = [];
  for (let r = 0; r < 3; r++) ours.push((await parseInPage()).total!);
  say('');
  say(
    `transformers.js (image-segmentation pipeline, its own onnxruntime-web, ${threads} threads) on the same model and photo: ${tjs.toFixed(0)} ms median; faceparse/web ${median(ours).toFixed(0)} ms (transformers.js / faceparse: ${(tjs / median(ours)).toFixed(1)}x)`,
  );
  await tjsServer.close();
}
if (errors.length) say(`console errors: ${errors.join(' | ')}`);
await browser.close();
await server.close();
