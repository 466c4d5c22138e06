/**
 * Benchmark of region masks (src/masks): `result.regionMask` and `toRegionPng` on a 12-megapixel
 * photo against the parse of the same photo, in the same run (ratios: a region mask should cost a
 * small fraction of its parse).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/region.js [--photo FILE] [--model DIR] [--runs N]
 *
 * Photo: ../shared/data/photos/pexels-kevin-bidwell-2380794.jpg cropped to 4000x3000 (12 MP), else
 * --photo as given, else a synthetic 4000x3000 gradient (then the label map is whatever the model
 * makes of it, and the numbers say less). Model: the embedded one unless --model. Parse options: the
 * CLI's defaults (faces auto). Times are medians of --runs runs (default 3).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { FaceParser } from '../src/node/faceParser.js';
import type { RegionMaskOptions } from '../src/pipeline/result.js';
import { medianTime } from './util.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const SHARED = join(process.cwd(), '../shared/data/photos/pexels-kevin-bidwell-2380794.jpg');

async function photo(): Promise<{ bytes: Buffer; origin: string }> {
  const given = arg('--photo');
  if (given) return { bytes: await sharp(given).jpeg({ quality: 92 }).toBuffer(), origin: given };
  if (existsSync(SHARED)) {
    const bytes = await sharp(SHARED).extract({ left: 0, top: 500, width: 4000, height: 3000 }).jpeg({ quality: 92 }).toBuffer();
    return { bytes, origin: `${SHARED} cropped to 4000x3000` };
  }
  const width = 4000;
  const height = 3000;
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.set([(x * 255) / width, (y * 255) / height, 128], (y * width + x) * 3);
  return {
    bytes: await sharp(rgb, { raw: { width, height, channels: 3 } })
      .jpeg()
      .toBuffer(),
    origin: 'synthetic 4000x3000 gradient (no ../shared)',
  };
}

const runs = Number(arg('--runs') ?? 3);
const { bytes, origin } = await photo();
const parser = await FaceParser.create({ model: arg('--model') });
const result = await parser.parse(bytes);
const parseMs = await medianTime(() => parser.parse(bytes), runs);
console.log(
  `photo: ${origin}, ${result.width}x${result.height} (${((result.width * result.height) / 1e6).toFixed(1)} MP), ${result.parsedAs === 'faces' ? `${result.faces.length} face(s)` : 'whole photo'}; model ${parser.model}`,
);
console.log(`parse (decode to label map, faces auto): ${parseMs.toFixed(0)} ms, median of ${runs}\n`);

const cases: Array<[string, RegionMaskOptions]> = [
  ['face', { classes: 'face' }],
  ['face --grow 6', { classes: 'face', grow: 6 }],
  ['face --grow -4', { classes: 'face', grow: -4 }],
  ['face --feather 8', { classes: 'face', feather: 8 }],
  ['face --grow 20 --feather 40', { classes: 'face', grow: 20, feather: 40 }],
  ['hair --grow 6 --feather 8', { classes: 'hair', grow: 6, feather: 8 }],
  ['head --feather 8', { classes: 'head', feather: 8 }],
];
console.log(`${'region'.padEnd(30)} ${'regionMask'.padStart(11)} ${'/ parse'.padStart(8)} ${'+ PNG'.padStart(9)} ${'/ parse'.padStart(8)}`);
for (const [name, options] of cases) {
  const maskMs = await medianTime(() => result.regionMask(options), runs);
  const pngMs = await medianTime(() => result.toRegionPng(options), runs);
  console.log(
    `${name.padEnd(30)} ${`${maskMs.toFixed(0)} ms`.padStart(11)} ${(maskMs / parseMs).toFixed(3).padStart(8)} ${`${pngMs.toFixed(0)} ms`.padStart(9)} ${(pngMs / parseMs).toFixed(3).padStart(8)}`,
  );
}
await parser.close();
