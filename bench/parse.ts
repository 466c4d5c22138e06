/**
 * Parse benchmark: per-stage times of faceparse (decode, preprocess, inference, post-process,
 * encode of the label PNG) as ratios against the bare onnxruntime `session.run` on the same
 * pixel values, in the same process, runs interleaved (the machine is noisy, ratios are not).
 * Optionally the Python reference pipeline on the same images, in the same run.
 *
 *   npm run build && node dist/bench/parse.js --model ~/.cache/faceparse/random-models/b0 \
 *       --model ~/.cache/faceparse/random-models/b5 --runs 5 --python
 *
 * `--variant fp32|fp16|q8` picks the weights file (default fp32). `--flip` adds parse({ flip: true }) (flip test-time augmentation) to the interleaved runs and its
 * end-to-end time as a ratio to the plain parse; `--scales 0.75,1,1.25` does the same for parse({ scales }) (multi-scale
 * test-time augmentation).
 *
 * Models: training/golden/make_random_models.py --arch b0|b5 writes random-weight ones.
 * Photos: ../shared/data/photos, plus a 1024x1024 JPEG made from the first square photo.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { FaceParser } from '../src/node/faceParser.js';
import { optionalFromText } from '../src/options/checkOption.js';
import { scalesOption } from '../src/options/parseOptions.js';
import type { ModelVariant } from '../src/base/types.js';
import { decodeImage } from '../src/platform/node/decode.js';
import { preprocess, normalizationTables } from '../src/models/segformer/preprocess.js';
import { sessionOptionsFor } from '../src/platform/node/session.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    photos: { type: 'string', default: resolve('..', 'shared', 'data', 'photos') },
    runs: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    python: { type: 'boolean', default: false },
    flip: { type: 'boolean', default: false },
    variant: { type: 'string', default: 'fp32' },
    only: { type: 'string' },
    scales: { type: 'string' },
  },
});
const scales = optionalFromText(scalesOption, values.scales, '--scales');
const runs = Number(values.runs);
const threads = Number(values.threads);
const models = values.model ?? [join(process.env.HOME ?? '', '.cache/faceparse/random-models/b0')];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function inputs(): Promise<Array<{ name: string; path: string }>> {
  if (!existsSync(values.photos!)) {
    console.error(`no photos in ${values.photos}; pass --photos DIR`);
    process.exit(2);
  }
  const photos = readdirSync(values.photos!)
    .filter((f) => /\.(jpe?g|png|webp)$/i.test(f))
    .sort()
    .map((f) => ({ name: f, path: join(values.photos!, f) }));
  const tmp = mkdtempSync(join(tmpdir(), 'faceparse-bench-'));
  // A 1024x1024 photo: the size the goal is set at.
  let square = photos[0]!;
  for (const p of photos) {
    const m = await sharp(p.path).metadata();
    if (m.width === m.height && (m.width ?? 0) >= 1024) square = p;
  }
  const path1024 = join(tmp, '1024x1024.jpg');
  writeFileSync(path1024, await sharp(square.path).resize(1024, 1024).jpeg({ quality: 92 }).toBuffer());
  const all = [{ name: `1024x1024.jpg (from ${square.name})`, path: path1024 }, ...photos];
  return values.only ? all.filter((i) => i.name.includes(values.only!)) : all;
}

interface Row {
  name: string;
  size: string;
  bare: number;
  stages: Record<'decode' | 'preprocess' | 'inference' | 'postprocess' | 'encode', number>;
  total: number;
  flip?: number;
  scales?: number;
  python?: number;
}

async function benchModel(modelDir: string, images: Array<{ name: string; path: string }>): Promise<Row[]> {
  const parser = await FaceParser.create({ model: modelDir, variant: values.variant as ModelVariant, threads });
  // The baseline: the bare model with the session options faceparse gives it.
  const session = await ort.InferenceSession.create(parser.resolved!.files.onnx, sessionOptionsFor('cpu', threads));
  const tables = normalizationTables(parser.preprocessor);
  const rows: Row[] = [];
  for (const image of images) {
    const decoded = await decodeImage(image.path);
    const input = preprocess(decoded, parser.preprocessor, tables);
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', input.data, [1, 3, input.height, input.width]) };
    const bareOnce = async () => {
      const t = performance.now();
      await session.run(feeds);
      return performance.now() - t;
    };
    const parseOnce = async () => {
      const t = performance.now();
      const result = await parser.parse(image.path, { keepLogits: false });
      const t1 = performance.now();
      await result.toLabelPng();
      const t2 = performance.now();
      return { timings: result.timings, encode: t2 - t1, total: t2 - t };
    };
    const flipOnce = async () => {
      const t = performance.now();
      const result = await parser.parse(image.path, { keepLogits: false, flip: true });
      await result.toLabelPng();
      return performance.now() - t;
    };
    const scalesOnce = async () => {
      const t = performance.now();
      const result = await parser.parse(image.path, { keepLogits: false, scales });
      await result.toLabelPng();
      return performance.now() - t;
    };
    await bareOnce();
    await parseOnce();
    if (values.flip) await flipOnce();
    if (scales) await scalesOnce();
    const bare: number[] = [];
    const flips: number[] = [];
    const scaled: number[] = [];

    const totals: number[] = [];
    const stages: Record<string, number[]> = { decode: [], preprocess: [], inference: [], postprocess: [], encode: [] };
    for (let r = 0; r < runs; r++) {
      bare.push(await bareOnce());
      const p = await parseOnce();
      totals.push(p.total);
      for (const k of ['decode', 'preprocess', 'inference', 'postprocess'] as const) stages[k]!.push(p.timings[k]);
      stages.encode!.push(p.encode);
      if (values.flip) flips.push(await flipOnce());
      if (scales) scaled.push(await scalesOnce());
    }
    rows.push({
      name: image.name,
      size: `${decoded.width}x${decoded.height}`,
      bare: median(bare),
      total: median(totals),
      flip: values.flip ? median(flips) : undefined,
      scales: scales ? median(scaled) : undefined,
      stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, median(v)])) as Row['stages'],
    });
    process.stderr.write(`  ${basename(modelDir)} ${image.name}: done\n`);
  }
  await session.release();
  await parser.close();
  return rows;
}

function pythonTimes(modelDir: string, images: Array<{ name: string; path: string }>): Map<string, number> {
  const python = resolve('training/.venv/bin/python');
  const times = new Map<string, number>();
  if (!existsSync(python)) {
    console.error(`(no Python reference: ${python} is missing; see training/README.md)`);
    return times;
  }
  const out = mkdtempSync(join(tmpdir(), 'faceparse-bench-py-'));
  const run = spawnSync(
    python,
    [
      'training/golden/reference_labels.py',
      '--model',
      modelDir,
      '--out',
      out,
      '--time',
      '--threads',
      String(threads),
      '--repeat',
      String(Math.min(runs, 3)),
      ...images.map((i) => i.path),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (run.status !== 0) {
    console.error(`(Python reference failed: ${run.stderr.split('\n').slice(-3).join(' ')})`);
    return times;
  }
  for (const line of run.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line) as { image?: string; total_ms?: number };
    if (j.image && j.total_ms !== undefined) times.set(j.image, j.total_ms);
  }
  return times;
}

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

async function main() {
  const images = await inputs();
  console.log(
    `faceparse parse benchmark: ${runs} interleaved runs, medians, ${threads} threads, node ${process.version}, onnxruntime-node ${ort.env.versions.node}`,
  );
  for (const model of models) {
    const rows = await benchModel(model, images);
    if (values.python) {
      const py = pythonTimes(model, images);
      for (const row of rows) row.python = py.get(basename(images.find((i) => i.name === row.name)!.path));
    }
    console.log(`\nmodel ${model}`);
    console.log(
      '| image | size | bare session.run | decode | preprocess | inference | postprocess | encode labels PNG | end to end | e2e / bare | overhead / bare | Python reference | Python / faceparse |' +
        (values.flip ? ' with flip | flip / plain |' : '') +
        (scales ? ` with scales ${scales.join(',')} | scales / plain |` : ''),
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|' + (values.flip ? '---|---|' : '') + (scales ? '---|---|' : ''));
    for (const r of rows) {
      const s = r.stages;
      const rel = (v: number) => `${fmt(v)} (${(v / r.bare).toFixed(3)})`;
      console.log(
        `| ${r.name} | ${r.size} | ${fmt(r.bare)} | ${rel(s.decode)} | ${rel(s.preprocess)} | ${rel(s.inference)} | ${rel(s.postprocess)} | ${rel(s.encode)} | ${fmt(r.total)} | **${(r.total / r.bare).toFixed(3)}x** | ${(1 + (s.decode + s.preprocess + s.postprocess + s.encode) / r.bare).toFixed(3)}x | ${r.python !== undefined ? fmt(r.python) : '-'} | ${r.python !== undefined ? `${(r.python / r.total).toFixed(2)}x` : '-'} |` +
          (r.flip !== undefined ? ` ${fmt(r.flip)} | ${(r.flip / r.total).toFixed(2)}x |` : '') +
          (r.scales !== undefined ? ` ${fmt(r.scales)} | ${(r.scales / r.total).toFixed(2)}x |` : ''),
      );
    }
  }
  console.log('\n(stage figures in brackets: ratio to the bare session.run of the same image; overhead / bare = 1 + everything but the model run,');
  console.log(
    ' over the bare run: the part faceparse adds, less noisy than e2e / bare, whose model run varies run to run; reproduce with the command in bench/parse.ts)',
  );
}

await main();
