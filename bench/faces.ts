/**
 * Per-face parsing against whole-photo parsing, in the same process, runs interleaved (the
 * machine is noisy; the ratios are what to read). Per photo: end to end (decode to label map) with
 * faces 'off' (whole photo) and 'on' (detect, align, warp, model per face, paste back), the
 * per-face stages, and the detector's share of a per-face parse.
 *
 *   npm run build && node dist/bench/faces.js [--model models/face-parsing-mini] [--runs 3] [--threads 2] [--only NAME]
 *
 * Photos: ../shared/data/photos (or --photos DIR).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { FaceParser } from '../src/node/faceParser.js';
import type { StageTimings } from '../src/pipeline/result.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: resolve('models', 'face-parsing-mini') },
    photos: { type: 'string', default: resolve('..', 'shared', 'data', 'photos') },
    runs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    only: { type: 'string' },
  },
});
if (!existsSync(values.photos!)) {
  console.error(`no photos in ${values.photos}; pass --photos DIR`);
  process.exit(2);
}
const runs = Number(values.runs);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);

const parser = await FaceParser.create({ model: values.model, threads: Number(values.threads) });
const photos = readdirSync(values.photos!)
  .filter((f) => /\.(jpe?g|png|webp)$/i.test(f) && (!values.only || f.includes(values.only)))
  .sort();
console.log(`# faces on vs off: ${parser.model} (${parser.variant}), ${values.threads} threads, median of ${runs} interleaved runs\n`);
console.log('| photo | size | faces | whole photo (off) | per face (on) | on / off | on per face / off | detect | warp | model | paste | detect / on |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const name of photos) {
  const path = join(values.photos!, name);
  const once = async (faces: 'on' | 'off') => {
    const t = performance.now();
    const result = await parser.parse(path, { faces, keepLogits: false });
    return { total: performance.now() - t, timings: result.timings, faces: result.faces.length, size: `${result.width}x${result.height}` };
  };
  await once('off'); // warm-up: file cache, sessions
  await once('on');
  const off: number[] = [];
  const on: Array<Awaited<ReturnType<typeof once>>> = [];
  for (let r = 0; r < runs; r++) {
    off.push((await once('off')).total);
    on.push(await once('on'));
  }
  const stage = (k: keyof StageTimings) => median(on.map((o) => o.timings[k] ?? 0));
  const offMs = median(off);
  const onMs = median(on.map((o) => o.total));
  const n = on[0]!.faces;
  console.log(
    `| ${name} | ${on[0]!.size} | ${n} | ${ms(offMs)} | ${ms(onMs)} | **${(onMs / offMs).toFixed(2)}x** | ${n ? (onMs / n / offMs).toFixed(2) + 'x' : '-'} | ${ms(stage('detect'))} | ${ms(stage('preprocess'))} | ${ms(stage('inference'))} | ${ms(stage('postprocess'))} | **${((100 * stage('detect')) / onMs).toFixed(1)}%** |`,
  );
}
await parser.close();
