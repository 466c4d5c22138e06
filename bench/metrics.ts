/**
 * Benchmark of `faceparse eval`'s scoring (src/metrics, src/eval): 100 predictions of 512x512 against
 * their ground truth, every metric (confusion matrix, per-image matrices, boundary F1) included.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/metrics.js [--images 100] [--runs 5]
 *
 * Ground truth: the val masks of ../shared/data/celebamask-mini (synthetic face-like maps where
 * ../shared is absent). Predictions: each mask shifted by up to 8 px, left/right swapped on every third
 * image, with a blotch of skin: errors of the kind models make, so boundary matching has work to do.
 * Times are medians, printed beside baselines measured in the same run on the same maps:
 *   hist       one `counts[t * C + p]++` pass over every pair (the floor for any pixel metric),
 *   dense EDT  boundary F1 with a full-image Felzenszwalb-Huttenlocher transform per class and
 *              direction (the textbook way; its numbers are checked equal to ours),
 *   decode     reading the 200 PNGs alone (the floor for scoring from files).
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openPredictionFolders } from '../src/datasets/predictionFolders.js';
import { readLabelMap } from '../src/datasets/readLabelMap.js';
import { evaluate } from '../src/eval/runner.js';
import { predictionFolderSamples } from '../src/eval/sources.js';
import type { EvalSample } from '../src/eval/types.js';
import { boundaryTolerance, classBoundaries } from '../src/metrics/boundaryF1.js';
import { squaredDistanceBelow, squaredDistanceTransform } from '../src/metrics/distanceTransform.js';
import type { LabelMap } from '../src/metrics/labelMap.js';
import { CELEBAMASK_HQ_LABELS } from '../src/base/labels.js';
import { encodeLabelPng } from '../src/platform/node/render.js';
import { medianTime, seededRandom } from './util.js';

const LABELS = [...CELEBAMASK_HQ_LABELS];
const C = LABELS.length;
const SHARED = join(process.cwd(), '../shared/data/celebamask-mini/val/masks');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function syntheticMask(size: number, next: () => number): Uint8Array {
  const data = new Uint8Array(size * size);
  const s = size / 512;
  const j = () => (next() - 0.5) * 30 * s;
  const shapes: Array<[number, number, number, number, number]> = [
    [256, 520, 250, 140, 18],
    [256, 420, 70, 110, 17],
    [256, 220, 190, 210, 13],
    [256, 260, 140, 180, 1],
    [200, 220, 28, 12, 4],
    [312, 220, 28, 12, 5],
    [200, 190, 40, 9, 6],
    [312, 190, 40, 9, 7],
    [256, 280, 22, 45, 2],
    [256, 345, 45, 10, 11],
    [256, 362, 45, 12, 12],
    [112, 260, 18, 40, 8],
    [400, 260, 18, 40, 9],
  ];
  for (const [cx0, cy0, rx0, ry0, c] of shapes) {
    const cx = cx0 * s + j();
    const cy = cy0 * s + j();
    const rx = rx0 * s;
    const ry = ry0 * s;
    for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(size, cy + ry); y++) {
      for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(size, cx + rx); x++) {
        if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) data[y * size + x] = c;
      }
    }
  }
  return data;
}

const SWAP = new Uint8Array(256).map((_, i) => i);
SWAP[4] = 5;
SWAP[5] = 4;
SWAP[6] = 7;
SWAP[7] = 6;
SWAP[8] = 9;
SWAP[9] = 8;

function perturb(target: LabelMap, index: number, next: () => number): LabelMap {
  const { width, height, mask: data } = target;
  const dx = Math.round((next() - 0.5) * 16);
  const dy = Math.round((next() - 0.5) * 16);
  const out = new Uint8Array(data.length);
  const cx = next() * width;
  const cy = next() * height;
  const r2 = (0.05 * width) ** 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sy = Math.min(height - 1, Math.max(0, y - dy));
      const sx = Math.min(width - 1, Math.max(0, x - dx));
      let v = data[sy * width + sx];
      if (index % 3 === 0) v = SWAP[v];
      if ((x - cx) ** 2 + (y - cy) ** 2 < r2) v = 1;
      out[y * width + x] = v;
    }
  }
  return { width, height, mask: out };
}

/** Boundary F1 the textbook way: per class, a full-image exact EDT of each boundary. Same definition. */
function denseBoundaryScore(prediction: Uint8Array, target: Uint8Array, width: number, height: number): number | null {
  const maxSquared = squaredDistanceBelow(boundaryTolerance(width, height));
  const t = classBoundaries(target, width, height);
  const p = classBoundaries(prediction, width, height);
  const mask = new Uint8Array(width * height);
  const matched = (queries: Int32Array, sites: Int32Array) => {
    if (sites.length === 0) return 0;
    mask.fill(0);
    for (const s of sites) mask[s] = 1;
    const d = squaredDistanceTransform(mask, width, height);
    let n = 0;
    for (const q of queries) if (d[q] <= maxSquared) n++;
    return n;
  };
  let sum = 0;
  let present = 0;
  for (let c = 0; c < C; c++) {
    const tb = t.pixels.subarray(t.offsets[c], t.offsets[c + 1]);
    if (tb.length === 0) continue;
    const pb = p.pixels.subarray(p.offsets[c], p.offsets[c + 1]);
    const precision = pb.length === 0 ? 0 : matched(pb, tb) / pb.length;
    const recall = matched(tb, pb) / tb.length;
    sum += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    present++;
  }
  return present === 0 ? null : sum / present;
}

async function main(): Promise<void> {
  const count = arg('--images', 100);
  const runs = arg('--runs', 5);
  const next = seededRandom(42);
  let targets: LabelMap[];
  let origin: string;
  try {
    const files = readdirSync(SHARED)
      .filter((f) => f.endsWith('.png'))
      .sort()
      .slice(0, count);
    targets = await Promise.all(files.map((f) => readLabelMap(join(SHARED, f))));
    origin = `${targets.length} val masks of ../shared/data/celebamask-mini`;
  } catch {
    targets = Array.from({ length: count }, () => ({ width: 512, height: 512, mask: syntheticMask(512, next) }));
    origin = `${count} synthetic 512x512 face-like maps (../shared absent)`;
  }
  const predictions = targets.map((t, i) => perturb(t, i, next));
  const pixels = targets.reduce((n, t) => n + t.mask.length, 0);
  console.log(`faceparse bench: metrics (${origin}; ${(pixels / 1e6).toFixed(1)} Mpx per set; node ${process.version})`);

  const memorySamples: EvalSample[] = targets.map((target, i) => ({
    id: String(i),
    predictionSource: `prediction ${i}`,
    targetSource: `target ${i}`,
    loadPrediction: async () => predictions[i],
    loadTarget: async () => target,
  }));
  let result = await evaluate(memorySamples, { labels: LABELS });
  const scoreTime = await medianTime(async () => {
    result = await evaluate(memorySamples, { labels: LABELS });
  }, runs);

  const histTime = await medianTime(() => {
    const counts = new Float64Array(C * C);
    for (let k = 0; k < targets.length; k++) {
      const t = targets[k].mask;
      const p = predictions[k].mask;
      for (let i = 0; i < t.length; i++) counts[t[i] * C + p[i]]++;
    }
    return counts;
  }, runs);

  // One timed run: it takes seconds, so a median buys nothing.
  const denseStart = performance.now();
  let denseSum = 0;
  for (let k = 0; k < targets.length; k++) {
    const { width, height, mask: data } = targets[k];
    denseSum += denseBoundaryScore(predictions[k].mask, data, width, height) ?? 0;
  }
  const denseTime = performance.now() - denseStart;
  const denseScore = denseSum / targets.length;
  if (Math.abs(denseScore - (result.summary.boundaryF1 ?? NaN)) > 1e-12) {
    throw new Error(`dense EDT boundary F1 ${denseScore} differs from faceparse's ${result.summary.boundaryF1}`);
  }

  // From files: write the predictions and ground truths as PNGs, then score them as `eval --pred --gt` does.
  const dir = mkdtempSync(join(tmpdir(), 'faceparse-bench-'));
  try {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(join(dir, 'pred'));
    mkdirSync(join(dir, 'gt'));
    for (let k = 0; k < targets.length; k++) {
      const { width, height } = targets[k];
      writeFileSync(join(dir, 'gt', `${k}.png`), await encodeLabelPng(targets[k].mask, width, height));
      writeFileSync(join(dir, 'pred', `${k}.png`), await encodeLabelPng(predictions[k].mask, width, height));
    }
    const pairs = await openPredictionFolders(join(dir, 'pred'), join(dir, 'gt'));
    const fileSamples = predictionFolderSamples(pairs, { labels: LABELS });
    const decodeTime = await medianTime(async () => {
      for (const pair of pairs) await Promise.all([readLabelMap(pair.prediction), readLabelMap(pair.target)]);
    }, runs);
    let fromFiles = result;
    const filesTime = await medianTime(async () => {
      fromFiles = await evaluate(fileSamples, { labels: LABELS });
    }, runs);
    if (fromFiles.summary.meanF1 !== result.summary.meanF1) throw new Error('scores from files differ from scores in memory');

    const row = (name: string, t: number, note: string) => console.log(`  ${name.padEnd(44)} ${t.toFixed(0).padStart(6)} ms  ${note}`);
    console.log(`\n${targets.length} pairs, all metrics (median of ${runs}):`);
    row('faceparse, in memory (evaluate)', scoreTime, `${(scoreTime / histTime).toFixed(1)}x hist`);
    row('  baseline hist: counts[t*C+p]++ only', histTime, '1.0x');
    row('  baseline dense EDT boundary F1 only (1 run)', denseTime, `${(denseTime / scoreTime).toFixed(1)}x faceparse (all metrics)`);
    row('faceparse, from PNG files (eval --pred --gt)', filesTime, `${(filesTime / decodeTime).toFixed(2)}x decode`);
    row('  baseline decode: read the 2 PNGs of each pair', decodeTime, '1.0x');
    console.log(
      `\nscores: pixel accuracy ${result.summary.pixelAccuracy?.toFixed(4)}, mIoU ${result.summary.meanIoU?.toFixed(4)}, ` +
        `mean F1 ${result.summary.meanF1?.toFixed(4)}, boundary F1 ${result.summary.boundaryF1?.toFixed(4)} (dense EDT agrees)`,
    );
    console.log(`target: under 2000 ms for 100 pairs from files; measured ${filesTime.toFixed(0)} ms for ${targets.length}.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
