/**
 * Builds the views of a labelled set of aligned faces (images/ + masks/, e.g.
 * ../shared/data/celebamask-mini/val) that the embedded model is judged on with `--faces off`:
 *
 * - `zoomout`: the person (mask != background) shrunk to 40-70% of a 512x512 frame, pasted by its mask
 *   at a random place (the crop inside the frame) onto a face-free photo: a random square of a picture
 *   in --backgrounds (`none`: no pictures) or of a face-free region of --photos (--regions, a JSON list
 *   like scripts/photo-regions.json, which it defaults to; training's composites use that list, so a
 *   held-out list measures backgrounds the model never saw). Everything outside the person is background.
 * - `small`: the aligned crop brought down to a 96-160 px face and back up to 512 (as a small face in
 *   a photo parsed at the model's size); the masks stay the original 512x512 ones.
 *
 * The aligned view is the set itself. Writes `<out>/images/<id>.jpg` (quality 95) and
 * `<out>/masks/<id>.png`, the layout `faceparse eval --data <out>` reads. Write outside the repository:
 * the views are derived from CelebAMask-HQ (non-commercial research only).
 *
 *   npm run build && node dist/scripts/make-views.js --view zoomout --faces ../shared/data/celebamask-mini/val \
 *     --out /tmp/views/zoomout --seed 1 --backgrounds ../shared/data/backgrounds --photos ../shared/data/photos
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { RgbImage } from '../src/base/types.js';
import { decodeImage } from '../src/platform/node/index.js';
import { readLabelMap } from '../src/datasets/readLabelMap.js';
import { encodeLabelPng } from '../src/platform/node/render.js';
import { invertAffine } from '../src/faces/affine.js';
import { warpAffine } from '../src/faces/warp.js';
import type { Affine } from '../src/faces/types.js';
import { seededRandom } from '../bench/util.js';
import { loadPhotoRegions, regionBackground, warpLabels, type PhotoRegion } from './scene-parts.js';

const { values } = parseArgs({
  options: {
    view: { type: 'string' },
    faces: { type: 'string', default: '../shared/data/celebamask-mini/val' },
    out: { type: 'string' },
    seed: { type: 'string', default: '1' },
    backgrounds: { type: 'string', default: '../shared/data/backgrounds' },
    photos: { type: 'string', default: '../shared/data/photos' },
    regions: { type: 'string' },
    'min-zoom': { type: 'string', default: '0.4' },
    'max-zoom': { type: 'string', default: '0.7' },
    'min-face': { type: 'string', default: '96' },
    'max-face': { type: 'string', default: '160' },
  },
});
if (values.view !== 'zoomout' && values.view !== 'small') throw new Error(`--view ${values.view}: expected zoomout or small`);
if (!values.out) throw new Error('--out DIR: where to write images/ and masks/ (outside the repository)');

const random = seededRandom(Number(values.seed));
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
const SIZE = 512;

/** Face-free pictures: every picture in --backgrounds (whole) and every region of --photos. */
type Source = { file: string; region?: [number, number, number, number] };
const sources: Source[] = [];
if (values.view === 'zoomout') {
  if (values.backgrounds !== 'none') {
    for (const name of (await readdir(values.backgrounds!)).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort())
      sources.push({ file: join(values.backgrounds!, name) });
  }
  const regions = values.regions ? (JSON.parse(await readFile(values.regions, 'utf8')) as PhotoRegion[]) : await loadPhotoRegions();
  for (const [file, x, y, w, h] of regions) sources.push({ file: join(values.photos!, file), region: [x, y, w, h] });
}
const cache = new Map<string, RgbImage>();
async function background(): Promise<Uint8Array> {
  const source = sources[Math.floor(random() * sources.length)]!;
  if (!cache.has(source.file)) cache.set(source.file, await decodeImage(source.file));
  const picture = cache.get(source.file)!;
  const [rx, ry, rw, rh] = source.region ?? [0, 0, picture.width, picture.height];
  // A random square of 50-100% of the region's short side, so each scene shows another part.
  const side = uniform(0.5, 1) * Math.min(rw, rh);
  const region: [number, number, number, number] = [rx + random() * (rw - side), ry + random() * (rh - side), side, side];
  return regionBackground(picture, region, SIZE, SIZE, [0, 0]);
}

const facesDir = values.faces!;
const names = (await readdir(join(facesDir, 'images'))).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort();
await mkdir(join(values.out, 'images'), { recursive: true });
await mkdir(join(values.out, 'masks'), { recursive: true });
for (const name of names) {
  const stem = name.replace(/\.\w+$/, '');
  const face = await decodeImage(join(facesDir, 'images', name));
  const mask = (await readLabelMap(join(facesDir, 'masks', `${stem}.png`))).mask;
  let pixels: Uint8Array;
  let labels: Uint8Array;
  if (values.view === 'small') {
    const side = Math.round(uniform(Number(values['min-face']), Number(values['max-face'])));
    const small = await sharp(face.data, { raw: { width: face.width, height: face.height, channels: 3 } })
      .resize(side, side)
      .raw()
      .toBuffer();
    pixels = new Uint8Array(
      await sharp(small, { raw: { width: side, height: side, channels: 3 } })
        .resize(SIZE, SIZE, { kernel: 'linear' })
        .raw()
        .toBuffer(),
    );
    labels =
      face.width === SIZE && face.height === SIZE
        ? mask
        : warpLabels(mask, face.width, face.height, [face.width / SIZE, 0, 0, 0, face.height / SIZE, 0], SIZE, SIZE);
  } else {
    pixels = await background();
    const side = uniform(Number(values['min-zoom']), Number(values['max-zoom'])) * SIZE;
    const scale = side / face.width;
    const toFrame: Affine = [scale, 0, uniform(0, SIZE - side), 0, scale, uniform(0, SIZE - side)];
    const toCrop = invertAffine(toFrame);
    const warped = warpAffine(face, toCrop, SIZE, SIZE, { outside: 'black' });
    const warpedLabels = warpLabels(mask, face.width, face.height, toCrop, SIZE, SIZE);
    labels = new Uint8Array(SIZE * SIZE);
    for (let i = 0; i < labels.length; i++) {
      const id = warpedLabels[i]!;
      if (id === 255 || id === 0) continue;
      labels[i] = id;
      pixels[3 * i] = warped[3 * i]!;
      pixels[3 * i + 1] = warped[3 * i + 1]!;
      pixels[3 * i + 2] = warped[3 * i + 2]!;
    }
  }
  await writeFile(
    join(values.out, 'images', `${stem}.jpg`),
    await sharp(pixels, { raw: { width: SIZE, height: SIZE, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer(),
  );
  await writeFile(join(values.out, 'masks', `${stem}.png`), await encodeLabelPng(labels, SIZE, SIZE));
}
console.log(`wrote ${names.length} ${values.view} views to ${values.out}`);
