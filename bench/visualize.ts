/**
 * Benchmark of the label-map pictures and summaries (src/visualize, src/postprocess/summary.ts).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/visualize.js [--sizes 512,1024,4000] [--samples DIR]
 *
 * Masks: a CelebAMask-HQ mask from ../shared/data/celebamask-mini scaled (nearest) to each size, with
 * its photo; a synthetic face-like mask and gradient photo where ../shared is absent.
 * Every time is the median of several runs, printed beside a baseline measured in the same run over
 * the same pixel count:
 *   fill    one `Uint8Array.fill` pass over the output bytes (the memory-bandwidth floor),
 *   bytes   the obvious per-byte lookup loop,
 *   hist    a plain `counts[mask[i]]++` pass,
 *   sharp   sharp's own PNG encode / decode of the same image.
 * `--samples DIR` also writes the pictures of the first size, to look at.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { CELEBAMASK_HQ_LABELS } from '../src/base/labels.js';
import { summarizeLabels } from '../src/postprocess/summary.js';
import { decodeLabelPng, encodeLabelPng, renderClassMasks, renderColorMap, renderLegend, renderOverlay } from '../src/platform/node/render.js';
import { decodeLabelPngBytes } from '../src/image/labelPng.js';
import { paletteTable } from '../src/visualize/palette.js';
import { classMask, colorize, defaultOutlineThickness, labelEdges, labelHistogram, overlay } from '../src/visualize/pixels.js';
import { medianTime } from './util.js';

const LABELS = [...CELEBAMASK_HQ_LABELS];
const SHARED = join(process.cwd(), '../shared/data/celebamask-mini/val');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const ms = (t: number) => `${t.toFixed(t < 10 ? 2 : 1)} ms`;
const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;

interface Source {
  mask: Uint8Array;
  photo: Uint8Array;
  origin: string;
}

async function loadSource(size: number): Promise<Source> {
  if (existsSync(SHARED)) {
    const id = readdirSync(join(SHARED, 'masks'))
      .sort()[0]
      .replace(/\.png$/, '');
    const small = await decodeLabelPng(join(SHARED, 'masks', `${id}.png`));
    const mask = new Uint8Array(
      await sharp(small.mask, { raw: { width: small.width, height: small.height, channels: 1 } })
        .resize(size, size, { kernel: 'nearest' })
        .toColourspace('b-w')
        .raw()
        .toBuffer(),
    );
    const photo = new Uint8Array(
      await sharp(join(SHARED, 'images', `${id}.jpg`))
        .resize(size, size)
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer(),
    );
    return { mask, photo, origin: `celebamask-mini val/${id} scaled to ${size}x${size}` };
  }
  const mask = new Uint8Array(size * size);
  const photo = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const dx = (x - size / 2) / (size / 3);
      const dy = (y - size / 2) / (size / 2.5);
      const r = dx * dx + dy * dy;
      const i = y * size + x;
      mask[i] = r < 0.05 ? 2 : r < 1 ? 1 : y < size / 4 ? 13 : y > (size * 7) / 8 ? 18 : 0;
      photo[i * 3] = (x * 255) / size;
      photo[i * 3 + 1] = (y * 255) / size;
      photo[i * 3 + 2] = 128;
    }
  return { mask, photo, origin: `synthetic ${size}x${size} (../shared absent)` };
}

function naiveColorize(mask: Uint8Array, table: Uint8Array, out: Uint8Array): void {
  for (let i = 0, j = 0; i < mask.length; i++, j += 3) {
    const k = mask[i] * 3;
    out[j] = table[k];
    out[j + 1] = table[k + 1];
    out[j + 2] = table[k + 2];
  }
}

function plainHistogram(mask: Uint8Array): Uint32Array {
  const counts = new Uint32Array(256);
  for (let i = 0; i < mask.length; i++) counts[mask[i]]++;
  return counts;
}

async function benchSize(size: number, samples: string | undefined): Promise<void> {
  const { mask, photo, origin } = await loadSource(size);
  const n = size * size;
  const fast = n <= 1024 * 1024;
  const runs = fast ? 15 : 5;
  const pngRuns = fast ? 7 : 3;
  console.log(`\n## ${size}x${size} (${(n / 1e6).toFixed(2)} Mpx): ${origin}`);
  const row = (name: string, t: number, base?: [string, number], extra = '') =>
    console.log(`${name.padEnd(46)} ${ms(t).padStart(10)}${base ? `   ${(t / base[1]).toFixed(2)}x ${base[0]}` : ''}${extra ? `   ${extra}` : ''}`);

  // Pure pixel passes.
  const rgb = new Uint8Array(n * 3);
  const fillRgb = await medianTime(() => rgb.fill(7), runs);
  const fillMask = await medianTime(() => new Uint8Array(n).fill(7), runs);
  const table = paletteTable(LABELS);
  const bytes = await medianTime(() => naiveColorize(mask, table, rgb), runs);
  row('baseline: Uint8Array.fill, n*3 bytes', fillRgb);
  row('baseline: per-byte lookup loop (bytes)', bytes, ['fill', fillRgb]);
  const packed = await medianTime(() => colorize(mask, size, size, table, rgb), runs);
  row('colorize (4 px -> 3 words)', packed, ['fill', fillRgb], `${(bytes / packed).toFixed(2)}x faster than bytes`);
  const hist = await medianTime(() => plainHistogram(mask), runs);
  row('baseline: counts[mask[i]]++ (hist)', hist, ['fill', fillMask]);
  row('labelHistogram (4 counters)', await medianTime(() => labelHistogram(mask), runs), ['hist', hist]);
  row('summarizeLabels (counts + bboxes, one pass)', await medianTime(() => summarizeLabels(mask, size, size, LABELS), runs), ['hist', hist]);
  row('classMask (one class)', await medianTime(() => classMask(mask, 1), runs), ['fill', fillMask]);
  row('labelEdges thickness 1', await medianTime(() => labelEdges(mask, size, size, 1), runs), ['fill', fillMask]);
  const thickness = defaultOutlineThickness(size, size);
  row(`labelEdges thickness ${thickness} (outline: true)`, await medianTime(() => labelEdges(mask, size, size, thickness), runs), ['fill', fillMask]);
  row('overlay alpha 0.5', await medianTime(() => overlay(photo, mask, size, size, table), runs), ['fill', fillRgb]);
  row('overlay alpha 0.5 + outline (auto thickness)', await medianTime(() => overlay(photo, mask, size, size, table, { outline: true }), runs), [
    'fill',
    fillRgb,
  ]);

  // Label PNG: compression settings. Baseline: sharp's default PNG settings (level 6, no adaptive filtering).
  console.log('\nencodeLabelPng settings (size; time vs sharp default level 6):');
  const sharpDefault = await medianTime(
    () =>
      sharp(mask, { raw: { width: size, height: size, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer(),
    pngRuns,
  );
  const defaultBytes = (
    await sharp(mask, { raw: { width: size, height: size, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer()
  ).length;
  row('baseline: sharp .png() defaults (sharp)', sharpDefault, undefined, kib(defaultBytes));
  for (const adaptiveFiltering of [false, true]) {
    for (const compressionLevel of [0, 1, 2, 3, 6, 9]) {
      if (!fast && compressionLevel === 9 && adaptiveFiltering) continue;
      const t = await medianTime(() => encodeLabelPng(mask, size, size, { compressionLevel, adaptiveFiltering }), pngRuns);
      const bytesOut = (await encodeLabelPng(mask, size, size, { compressionLevel, adaptiveFiltering })).length;
      row(`  level ${compressionLevel}${adaptiveFiltering ? ' + adaptive filtering' : ''}`, t, ['sharp', sharpDefault], kib(bytesOut));
    }
  }
  const paletteT = await medianTime(() => encodeLabelPng(mask, size, size, { palette: LABELS }), pngRuns);
  const palettePng = await encodeLabelPng(mask, size, size, { palette: LABELS });
  row('  palette PNG (level 2, header rewrite)', paletteT, ['sharp', sharpDefault], kib(palettePng.length));

  console.log('\ndecodeLabelPng:');
  const greyPng = await encodeLabelPng(mask, size, size);
  const sharpDecode = await medianTime(() => sharp(greyPng).toColourspace('b-w').raw().toBuffer(), pngRuns);
  row('baseline: sharp decode of the grey PNG (sharp)', sharpDecode);
  row('decodeLabelPng grey PNG (sharp path)', await medianTime(() => decodeLabelPng(greyPng), pngRuns), ['sharp', sharpDecode]);
  row('decodeLabelPng palette PNG (header rewrite + sharp)', await medianTime(() => decodeLabelPng(palettePng), pngRuns), ['sharp', sharpDecode]);
  row('decodeLabelPngBytes grey PNG (fast-png, pure JS)', await medianTime(() => decodeLabelPngBytes(greyPng), pngRuns), ['sharp', sharpDecode]);
  row('decodeLabelPngBytes palette PNG (fast-png, pure JS)', await medianTime(() => decodeLabelPngBytes(palettePng), pngRuns), ['sharp', sharpDecode]);

  console.log('\nencoded pictures:');
  const colourSharp = await medianTime(
    () =>
      sharp(colorize(mask, size, size, table), { raw: { width: size, height: size, channels: 3 } })
        .png({ compressionLevel: 2 })
        .toBuffer(),
    pngRuns,
  );
  row('baseline: colorize + sharp PNG level 2 (sharp)', colourSharp);
  row(
    'renderColorMap (map + legend)',
    await medianTime(() => renderColorMap(mask, size, size, LABELS), pngRuns),
    ['sharp', colourSharp],
    kib((await renderColorMap(mask, size, size, LABELS)).length),
  );
  const jpegSharp = await medianTime(
    () =>
      sharp(photo, { raw: { width: size, height: size, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    pngRuns,
  );
  row('baseline: sharp JPEG q90 of the photo (sharp)', jpegSharp);
  row(
    'renderOverlay JPEG q90',
    await medianTime(() => renderOverlay(photo, mask, size, size, LABELS, { format: 'jpeg' }), pngRuns),
    ['sharp', jpegSharp],
    kib((await renderOverlay(photo, mask, size, size, LABELS, { format: 'jpeg' })).length),
  );
  const pngSharp = await medianTime(
    () =>
      sharp(photo, { raw: { width: size, height: size, channels: 3 } })
        .png({ compressionLevel: 2 })
        .toBuffer(),
    pngRuns,
  );
  row('baseline: sharp PNG level 2 of the photo (sharp)', pngSharp);
  row(
    'renderOverlay PNG level 2 (default)',
    await medianTime(() => renderOverlay(photo, mask, size, size, LABELS), pngRuns),
    ['sharp', pngSharp],
    kib((await renderOverlay(photo, mask, size, size, LABELS)).length),
  );
  const classes = (await renderClassMasks(mask, size, size, LABELS)).length;
  row(`renderClassMasks (${classes} classes present)`, await medianTime(() => renderClassMasks(mask, size, size, LABELS), pngRuns), ['sharp', sharpDefault]);
  const summary = summarizeLabels(mask, size, size, LABELS);
  row('renderLegend (classes present, shares)', await medianTime(() => renderLegend(LABELS, undefined, { shares: summary }), pngRuns));

  if (samples) {
    mkdirSync(samples, { recursive: true });
    writeFileSync(join(samples, `colormap-${size}.png`), await renderColorMap(mask, size, size, LABELS));
    writeFileSync(join(samples, `overlay-${size}.png`), await renderOverlay(photo, mask, size, size, LABELS, { outline: true }));
    writeFileSync(join(samples, `legend-${size}.png`), await renderLegend(LABELS, undefined, { shares: summary }));
    writeFileSync(join(samples, `labels-${size}.png`), palettePng);
  }
}

async function main(): Promise<void> {
  const sizes = (arg('--sizes') ?? '512,1024,4000').split(',').map(Number);
  const samples = arg('--samples');
  console.log(`# bench/visualize  node ${process.version}, sharp ${sharp.versions.sharp}, libvips threads ${sharp.concurrency()}`);
  for (const size of sizes) await benchSize(size, samples);
}

await main();
