/**
 * Builds in-the-wild scenes with ground truth from a labelled set of aligned faces (images/ +
 * masks/, e.g. ../shared/data/celebamask-mini/val): 1-3 faces a scene, each scaled so its crop is
 * 20-50% of the scene's short side, rotated up to ±25 degrees, pasted either as the whole crop
 * (its own background included) or as the labelled person only (mask != background), into a
 * background that is either made here (gradients, noise, stripes, blobs) or cut from a face-free
 * region of a photo. Writes `<out>/images/<id>.jpg` and `<out>/masks/<id>.png` (class ids), the
 * paired-folder layout `faceparse eval --data <out>` reads.
 *
 *   npm run build && node dist/scripts/make-wild-scenes.js --faces ../shared/data/celebamask-mini/val \
 *     --out /tmp/wild --count 60 --seed 1 [--backgrounds ../shared/data/photos] [--min-size 0.2 --max-size 0.5]
 *
 * Write the scenes outside the repository: they are derived from CelebAMask-HQ (non-commercial).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { RgbImage } from '../src/base/types.js';
import { decodeImage } from '../src/platform/node/index.js';
import { readLabelMap } from '../src/datasets/readLabelMap.js';
import { encodeLabelPng } from '../src/platform/node/render.js';
import { invertAffine } from '../src/faces/affine.js';
import { warpAffine } from '../src/faces/warp.js';
import { loadPhotoRegions, regionBackground, warpLabels } from './scene-parts.js';
import type { Affine } from '../src/faces/types.js';
import { seededRandom } from '../bench/util.js';

const { values } = parseArgs({
  options: {
    faces: { type: 'string', default: '../shared/data/celebamask-mini/val' },
    out: { type: 'string', default: '/tmp/wild' },
    count: { type: 'string', default: '60' },
    'min-size': { type: 'string', default: '0.2' },
    'max-size': { type: 'string', default: '0.5' },
    seed: { type: 'string', default: '1' },
    backgrounds: { type: 'string' },
  },
});

const PHOTO_REGIONS = await loadPhotoRegions();

const random = seededRandom(Number(values.seed));
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** A made background: a two-colour gradient, then stripes or blobs, then grain. */
function madeBackground(width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const a = [uniform(0, 255), uniform(0, 255), uniform(0, 255)];
  const b = [uniform(0, 255), uniform(0, 255), uniform(0, 255)];
  const angle = uniform(0, Math.PI);
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
  const kind = pick(['plain', 'stripes', 'blobs']);
  const period = uniform(20, 200);
  const blobs = Array.from({ length: 12 }, () => ({
    x: uniform(0, width),
    y: uniform(0, height),
    r: uniform(20, 200),
    c: [uniform(0, 255), uniform(0, 255), uniform(0, 255)],
  }));
  const grain = uniform(0, 20);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = Math.min(1, Math.max(0, ((x - width / 2) * dx + (y - height / 2) * dy) / Math.max(width, height) + 0.5));
      let c = a.map((v, i) => v * (1 - t) + b[i]! * t);
      if (kind === 'stripes' && Math.floor((x * dy - y * dx) / period) % 2 === 0) c = c.map((v) => v * 0.7);
      if (kind === 'blobs') for (const blob of blobs) if ((x - blob.x) ** 2 + (y - blob.y) ** 2 < blob.r ** 2) c = blob.c;
      const o = (y * width + x) * 3;
      for (let i = 0; i < 3; i++) out[o + i] = Math.max(0, Math.min(255, Math.round(c[i]! + (random() - 0.5) * grain)));
    }
  }
  return out;
}

async function photoBackground(dir: string, width: number, height: number, cache: Map<string, RgbImage>): Promise<Uint8Array> {
  const [file, rx, ry, rw, rh] = pick(PHOTO_REGIONS);
  if (!cache.has(file)) cache.set(file, await decodeImage(join(dir, file)));
  return regionBackground(cache.get(file)!, [rx, ry, rw, rh], width, height, [random(), random()]);
}

const facesDir = values.faces!;
const names = (await readdir(join(facesDir, 'images'))).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort();
await mkdir(join(values.out!, 'images'), { recursive: true });
await mkdir(join(values.out!, 'masks'), { recursive: true });
const cache = new Map<string, RgbImage>();
const sizes: Array<[number, number]> = [
  [1024, 768],
  [768, 1024],
  [1280, 720],
  [900, 900],
  [800, 600],
];
let faceCount = 0;
const manifest: Array<{
  id: string;
  width: number;
  height: number;
  faces: Array<{ source: string; centre: [number, number]; side: number; degrees: number; personOnly: boolean; cropToScene: Affine; cropSize: number }>;
}> = [];
for (let s = 0; s < Number(values.count); s++) {
  const [width, height] = pick(sizes);
  const pixels = values.backgrounds && random() < 0.5 ? await photoBackground(values.backgrounds, width, height, cache) : madeBackground(width, height);
  const labels = new Uint8Array(width * height);
  const n = 1 + Math.floor(random() * 3);
  const placed: Array<{ x: number; y: number; r: number }> = [];
  const sceneFaces: (typeof manifest)[number]['faces'] = [];
  for (let k = 0; k < n; k++) {
    const name = pick(names);
    const face = await decodeImage(join(facesDir, 'images', name));
    const mask = (await readLabelMap(join(facesDir, 'masks', name.replace(/\.\w+$/, '.png')))).mask;
    const side = uniform(Number(values['min-size']), Number(values['max-size'])) * Math.min(width, height);
    const angle = (uniform(-25, 25) * Math.PI) / 180;
    // Place the crop's centre so that it lies inside the scene and overlaps earlier faces little.
    let cx = 0;
    let cy = 0;
    for (let attempt = 0; attempt < 30; attempt++) {
      cx = uniform(side / 2, width - side / 2);
      cy = uniform(side / 2, height - side / 2);
      if (placed.every((p) => Math.hypot(p.x - cx, p.y - cy) > 0.8 * (p.r + side / 2))) break;
    }
    placed.push({ x: cx, y: cy, r: side / 2 });
    const scale = side / face.width;
    const cos = Math.cos(angle) * scale;
    const sin = Math.sin(angle) * scale;
    // crop -> scene: rotate and scale about the crop centre, then move it to (cx, cy)
    const toScene: Affine = [cos, -sin, cx - (cos * face.width) / 2 + (sin * face.height) / 2, sin, cos, cy - (sin * face.width) / 2 - (cos * face.height) / 2];
    const toCrop = invertAffine(toScene);
    const warped = warpAffine(face, toCrop, width, height, { outside: 'black' });
    const warpedLabels = warpLabels(mask, face.width, face.height, toCrop, width, height);
    const personOnly = random() < 0.5;
    for (let i = 0; i < labels.length; i++) {
      const id = warpedLabels[i]!;
      if (id === 255 || (personOnly && id === 0)) continue;
      labels[i] = id;
      pixels[3 * i] = warped[3 * i]!;
      pixels[3 * i + 1] = warped[3 * i + 1]!;
      pixels[3 * i + 2] = warped[3 * i + 2]!;
    }
    faceCount++;
    sceneFaces.push({
      source: name,
      centre: [Math.round(cx), Math.round(cy)],
      side: Math.round(side),
      degrees: Math.round((angle * 180) / Math.PI),
      personOnly,
      cropToScene: toScene,
      cropSize: face.width,
    });
  }
  const id = `scene${String(s).padStart(3, '0')}`;
  manifest.push({ id, width, height, faces: sceneFaces });
  await writeFile(
    join(values.out!, 'images', `${id}.jpg`),
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 92 })
      .toBuffer(),
  );
  await writeFile(join(values.out!, 'masks', `${id}.png`), await encodeLabelPng(labels, width, height));
}
// Beside images/ and masks/ (the eval layout), the placements: for detection recall.
await writeFile(join(values.out!, 'scenes.json'), JSON.stringify(manifest, null, 1) + '\n');
console.log(`wrote ${values.count} scenes with ${faceCount} faces to ${values.out}`);
