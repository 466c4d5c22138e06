/**
 * What a crowd costs against single faces, as a user runs it: whole `faceparse parse` runs (a
 * fresh process each: start, model load, decode, detect, parse, write) on a folder of synthetic
 * crowds and on a folder of single 512x512 face crops, interleaved, default flags. Prints the time
 * per crowd face over the time per single-crop photo (issue 31: at most 0.35), and with --memory
 * the peak RSS of a parse of the largest crowd with `--faces on` (`/usr/bin/time -v`).
 *
 * Crowds: people (the labelled val faces, the person only: mask != background) scaled so their
 * faces are 20-90 px, in rows, back rows smaller and first, on a made background; 8, 20 and 30
 * people by default. Written to a temp folder (they are derived from CelebAMask-HQ), removed after.
 *
 *   npm run build && node dist/bench/crowd.js [--model DIR] [--variant fp32] [--runs 3] [--crowds 8,20,30]
 *     [--crops 8] [--memory] [--keep DIR] [--bin OTHER/dist/src/cli/main.js]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { readLabelMap } from '../src/datasets/readLabelMap.js';
import { decodeImage } from '../src/platform/node/index.js';
import { seededRandom } from './util.js';

const { values } = parseArgs({
  options: {
    faces: { type: 'string', default: resolve('..', 'shared', 'data', 'celebamask-mini', 'val') },
    model: { type: 'string' },
    variant: { type: 'string' },
    runs: { type: 'string', default: '3' },
    crowds: { type: 'string', default: '8,20,30' },
    crops: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    memory: { type: 'boolean', default: false },
    keep: { type: 'string' },
    bin: { type: 'string', default: 'dist/src/cli/main.js' },
  },
});
const bin = resolve(values.bin!); // another build's CLI to compare, e.g. ../main/dist/src/cli/main.js
const random = seededRandom(Number(values.seed));
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
const names = readdirSync(join(values.faces!, 'images'))
  .filter((n) => n.endsWith('.jpg'))
  .sort();
/** In an aligned CelebA-HQ crop the detector's face box is about this share of the crop's side. */
const BOX_SHARE = 0.45;

async function makeCrowd(people: number, path: string): Promise<void> {
  // Rows of people, back to front; faces from 20 px (back) to 90 px (front).
  const rows = Math.max(2, Math.round(Math.sqrt(people / 2.5)));
  const perRow = Math.ceil(people / rows);
  const width = Math.round((perRow * 90 * 1.6) / BOX_SHARE / 2.2) + 200;
  const height = Math.round(width * 0.62);
  const pixels = new Uint8Array(width * height * 3);
  const a = [uniform(60, 200), uniform(60, 200), uniform(60, 200)];
  const b = [uniform(20, 120), uniform(20, 120), uniform(20, 120)];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) pixels[(y * width + x) * 3 + c] = a[c]! + ((b[c]! - a[c]!) * y) / height + uniform(-6, 6);
  let placed = 0;
  for (let row = 0; row < rows && placed < people; row++) {
    const face = 20 + ((90 - 20) * row) / Math.max(1, rows - 1);
    const side = Math.round(face / BOX_SHARE);
    const count = Math.min(perRow, people - placed);
    const top = Math.round(height * 0.08 + (height * 0.62 * row) / Math.max(1, rows - 1) - side * 0.3);
    for (let k = 0; k < count; k++, placed++) {
      const name = names[Math.floor(random() * names.length)]!;
      const photo = await decodeImage(join(values.faces!, 'images', name));
      const mask = (await readLabelMap(join(values.faces!, 'masks', name.replace(/\.jpg$/, '.png')))).mask;
      const small = await sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } })
        .resize(side, side)
        .raw()
        .toBuffer();
      const smallMask = await sharp(Buffer.from(mask), { raw: { width: photo.width, height: photo.height, channels: 1 } })
        .resize(side, side, { kernel: 'nearest' })
        .extractChannel(0)
        .raw()
        .toBuffer();
      const x0 = Math.round(((k + 0.5) * width) / count - side / 2 + uniform(-side * 0.15, side * 0.15));
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const px = x0 + x;
          const py = top + y;
          if (px < 0 || py < 0 || px >= width || py >= height || smallMask[y * side + x] === 0) continue;
          for (let c = 0; c < 3; c++) pixels[(py * width + px) * 3 + c] = small[(y * side + x) * 3 + c]!;
        }
      }
    }
  }
  writeFileSync(
    path,
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 92 })
      .toBuffer(),
  );
}

const dir = values.keep ? resolve(values.keep) : mkdtempSync(join(tmpdir(), 'faceparse-crowd-'));
const crowdsDir = join(dir, 'crowds');
const cropsDir = join(dir, 'crops');
mkdirSync(crowdsDir, { recursive: true });
mkdirSync(cropsDir, { recursive: true });
const sizes = values.crowds!.split(',').map(Number);
const totalFaces = sizes.reduce((s, n) => s + n, 0);
for (const n of sizes) await makeCrowd(n, join(crowdsDir, `crowd-${n}.jpg`));
for (const name of names.slice(0, Number(values.crops)))
  writeFileSync(
    join(cropsDir, name),
    await sharp(join(values.faces!, 'images', name))
      .jpeg({ quality: 92 })
      .toBuffer(),
  );

const modelArgs = [...(values.model ? ['--model', values.model] : []), ...(values.variant ? ['--variant', values.variant] : [])];
/** Wall time and CPU time (user + system, ms) of one whole CLI run. */
function parseRun(input: string, extra: string[] = []): { wall: number; cpu: number } {
  const out = join(dir, 'out');
  rmSync(out, { recursive: true, force: true });
  const t = performance.now();
  const run = spawnSync(
    '/usr/bin/time',
    ['-f', 'cpu %U %S', process.execPath, bin, 'parse', input, '--out', out, '--outputs', 'labels,json', '-q', ...modelArgs, ...extra],
    { encoding: 'utf8' },
  );
  const wall = performance.now() - t;
  if (run.status !== 0) throw new Error(`faceparse parse ${input} failed: ${run.stderr}`);
  const [, user, sys] = /cpu ([\d.]+) ([\d.]+)/.exec(run.stderr) ?? [];
  return { wall, cpu: (Number(user) + Number(sys)) * 1000 };
}
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor((xs.length - 1) / 2)]!;
const crops: Array<{ wall: number; cpu: number }> = [];
const crowds: Array<{ wall: number; cpu: number }> = [];
for (let r = 0; r < Number(values.runs); r++) {
  crops.push(parseRun(cropsDir));
  crowds.push(parseRun(crowdsDir));
}
// Wall time is what a user waits; CPU time is steadier on a shared machine. Both, per photo and per face.
for (const kind of ['wall', 'cpu'] as const) {
  const crop = median(crops.map((r) => r[kind])) / Number(values.crops);
  const face = median(crowds.map((r) => r[kind])) / totalFaces;
  console.log(
    `${kind}: single 512x512 crops ${crop.toFixed(0)} ms per photo (${values.crops} a run); crowds of ${sizes.join(', ')} people ${face.toFixed(0)} ms per face (${totalFaces} a run); median of ${values.runs}`,
  );
  console.log(`${kind}: time per crowd face / time per single-crop photo: ${(face / crop).toFixed(3)}`);
}
if (values.memory) {
  const largest = join(crowdsDir, `crowd-${Math.max(...sizes)}.jpg`);
  const run = spawnSync(
    '/usr/bin/time',
    ['-v', process.execPath, bin, 'parse', largest, '--out', join(dir, 'out'), '--outputs', 'labels,json', '-q', '--faces', 'on', ...modelArgs],
    { encoding: 'utf8' },
  );
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1]);
  console.log(`peak RSS, crowd of ${Math.max(...sizes)} with --faces on: ${(kb / 1024).toFixed(0)} MB (exit ${run.status})`);
}
if (!values.keep) rmSync(dir, { recursive: true, force: true });
