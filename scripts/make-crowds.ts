/**
 * Builds synthetic crowds with ground truth for face detection: 8-30 people a photo, each a
 * labelled face of a set of aligned crops (images/ + masks/, e.g. ../shared/data/celebamask-mini/val)
 * cut out as the person only (mask != background: face, hair, neck, clothes), scaled so the face is
 * 20-90 px wide, tilted up to ±30 degrees, placed in rows like a group photo (back rows smaller and
 * pasted first, so people in front hide bodies behind them) on a background cut at a random scale,
 * flip and tint from face-free photos (../shared/data/backgrounds).
 *
 * Ground truth, per face: its box (the bounding box of its face pixels: skin, nose, eyes, brows,
 * lips, mouth, glasses; no ears, hair or neck) and centre, and the share of those pixels still seen
 * in the finished photo. A face hidden or cut by the border to under VISIBLE_SHARE is marked
 * `ignore`: a detection there is neither right nor wrong (as WIDER FACE's "hard"/occluded faces).
 *
 *   npm run build && node dist/scripts/make-crowds.js --faces ../shared/data/celebamask-mini/val \
 *     --backgrounds ../shared/data/backgrounds --out /tmp/crowds --count 20 --seed 1
 *   (--min-people/--max-people, --min-face/--max-face in px, --max-degrees, --size 960x640)
 *
 * Labels, per pixel: the class of the person on top (nearest label of its crop), background elsewhere;
 * each person ends where its aligned crop did (as the hidden crowds' people do), so
 * `faceparse eval --data <out>` scores the parse of whole crowds.
 *
 * Writes `<out>/images/<id>.jpg`, `<out>/masks/<id>.png` (class ids) and `<out>/crowds.json`. Write them
 * outside the repository: they are derived from CelebAMask-HQ (non-commercial).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { RgbImage } from '../src/base/types.js';
import { decodeImage } from '../src/platform/node/index.js';
import { encodeLabelPng } from '../src/platform/node/render.js';
import { readLabelMap } from '../src/datasets/readLabelMap.js';
import { invertAffine } from '../src/faces/affine.js';
import { warpAffine } from '../src/faces/warp.js';
import type { Affine, Box } from '../src/faces/types.js';
import { seededRandom } from '../bench/util.js';

const { values } = parseArgs({
  options: {
    faces: { type: 'string', default: '../shared/data/celebamask-mini/val' },
    backgrounds: { type: 'string', default: '../shared/data/backgrounds' },
    out: { type: 'string', default: '/tmp/crowds' },
    count: { type: 'string', default: '20' },
    'min-people': { type: 'string', default: '8' },
    'max-people': { type: 'string', default: '30' },
    'min-face': { type: 'string', default: '20' },
    'max-face': { type: 'string', default: '90' },
    'max-degrees': { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    /** WIDTHxHEIGHT for every crowd; default: one of `sizes` at random. */
    size: { type: 'string' },
  },
});

/** CelebAMask-HQ ids of the face proper: skin, nose, glasses, eyes, brows, mouth, lips. */
const FACE_IDS = new Set([1, 2, 3, 4, 5, 6, 7, 10, 11, 12]);
/** A face with less of its pixels seen than this is `ignore` in the ground truth. */
const VISIBLE_SHARE = 0.6;

export interface CrowdFace {
  /** The face pixels' bounding box in the photo, and its centre. */
  box: Box;
  centre: { x: number; y: number };
  /** Share of the face's pixels seen in the finished photo (others hide it, or the border cuts it). */
  visible: number;
  /** Hidden or cut too much to ask a detector for: neither a hit nor a miss. */
  ignore: boolean;
  source: string;
  degrees: number;
}
export interface Crowd {
  id: string;
  width: number;
  height: number;
  faces: CrowdFace[];
}

const random = seededRandom(Number(values.seed));
const uniform = (lo: number, hi: number) => lo + (hi - lo) * random();
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** A background: a random window of a face-free photo, scaled to cover, maybe mirrored, tinted. */
function background(photo: RgbImage, width: number, height: number): Uint8Array {
  const cover = Math.min(photo.width / width, photo.height / height);
  const scale = cover * uniform(0.4, 1); // photo pixels per crowd pixel: a zoomed-in window or the whole
  const ox = uniform(0, photo.width - width * scale);
  const oy = uniform(0, photo.height - height * scale);
  const flip = random() < 0.5;
  const map: Affine = flip ? [-scale, 0, ox + width * scale, 0, scale, oy] : [scale, 0, ox, 0, scale, oy];
  const pixels = warpAffine(photo, map, width, height);
  const tint = [uniform(0.75, 1.2), uniform(0.75, 1.2), uniform(0.75, 1.2)];
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.min(255, Math.round(pixels[i]! * tint[i % 3]!));
  return pixels;
}

interface Source {
  name: string;
  image: RgbImage;
  mask: Uint8Array;
  /** Face pixels' bounding box in the crop. */
  face: Box;
}

async function loadSource(dir: string, name: string): Promise<Source> {
  const image = await decodeImage(join(dir, 'images', name));
  const mask = (await readLabelMap(join(dir, 'masks', name.replace(/\.\w+$/, '.png')))).mask;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (!FACE_IDS.has(mask[y * image.width + x]!)) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1);
      y1 = Math.max(y1, y + 1);
    }
  }
  return { name, image, mask, face: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } };
}

const facesDir = values.faces!;
const names = (await readdir(join(facesDir, 'images'))).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort();
const backgroundNames = (await readdir(values.backgrounds!)).filter((n) => /\.(jpe?g|png)$/i.test(n)).sort();
const sources = new Map<string, Source>();
const backgrounds = new Map<string, RgbImage>();
await mkdir(join(values.out!, 'images'), { recursive: true });
await mkdir(join(values.out!, 'masks'), { recursive: true });
const sizes: Array<[number, number]> = [
  [960, 640],
  [1280, 853],
  [1024, 768],
  [800, 600],
  [1600, 1067],
];
const [minFace, maxFace] = [Number(values['min-face']), Number(values['max-face'])];
if (values.size && !/^\d+x\d+$/.test(values.size)) throw new Error(`--size ${values.size}: give WIDTHxHEIGHT in pixels, e.g. 960x640`);
const crowds: Crowd[] = [];
let faceCount = 0;
for (let s = 0; s < Number(values.count); s++) {
  const [width, height] = values.size ? (values.size.split('x').map(Number) as [number, number]) : pick(sizes);
  const bgName = pick(backgroundNames);
  if (!backgrounds.has(bgName)) backgrounds.set(bgName, await decodeImage(join(values.backgrounds!, bgName)));
  const pixels = background(backgrounds.get(bgName)!, width, height);
  // owner[i]: 1 + index of the person whose pixel is on top, 0 = background.
  const owner = new Uint16Array(width * height);
  const labels = new Uint8Array(width * height);
  const people = Math.round(uniform(Number(values['min-people']), Number(values['max-people']) + 0.999) - 0.5);
  // Rows from the back (top, small faces) to the front (lower, bigger faces).
  const rows = Math.max(1, Math.min(4, Math.round(people / uniform(5, 9))));
  const backFace = uniform(minFace, Math.min(maxFace, minFace * 2.2));
  const frontFace = uniform(Math.max(backFace, maxFace * 0.55), maxFace);
  const placed: Array<{ source: Source; toScene: Affine; faceSide: number; degrees: number; box: Box }> = [];
  for (let r = 0; r < rows; r++) {
    const t = rows === 1 ? 0.5 : r / (rows - 1);
    const rowFace = backFace + (frontFace - backFace) * t;
    const rowY = height * (0.15 + 0.6 * t) + uniform(-0.05, 0.05) * height;
    const inRow = Math.round(people / rows) + (r === rows - 1 ? people - rows * Math.round(people / rows) : 0);
    for (let k = 0; k < inRow; k++) {
      const faceSide = Math.max(minFace, Math.min(maxFace, rowFace * uniform(0.8, 1.2)));
      // Faces of one row do not overlap each other (a face hidden by a face is not a group photo).
      let cx = 0;
      let cy = 0;
      let ok = false;
      for (let attempt = 0; attempt < 40 && !ok; attempt++) {
        cx = uniform(0.02, 0.98) * width;
        cy = rowY + uniform(-0.6, 0.6) * faceSide;
        ok = placed.every(
          (p) =>
            Math.abs(p.box.x + p.box.width / 2 - cx) > 0.55 * (p.box.width + faceSide) ||
            Math.abs(p.box.y + p.box.height / 2 - cy) > 0.6 * (p.box.height + faceSide * 1.3),
        );
      }
      if (!ok) continue;
      const name = pick(names);
      if (!sources.has(name)) sources.set(name, await loadSource(facesDir, name));
      const source = sources.get(name)!;
      const scale = faceSide / source.face.width;
      const degrees = uniform(-Number(values['max-degrees']), Number(values['max-degrees']));
      const angle = (degrees * Math.PI) / 180;
      const cos = Math.cos(angle) * scale;
      const sin = Math.sin(angle) * scale;
      // crop -> scene: rotate and scale about the face centre, then move it to (cx, cy)
      const fx = source.face.x + source.face.width / 2;
      const fy = source.face.y + source.face.height / 2;
      const toScene: Affine = [cos, -sin, cx - cos * fx + sin * fy, sin, cos, cy - sin * fx - cos * fy];
      placed.push({
        source,
        toScene,
        faceSide,
        degrees,
        box: {
          x: cx - faceSide / 2,
          y: cy - (faceSide * source.face.height) / source.face.width / 2,
          width: faceSide,
          height: (faceSide * source.face.height) / source.face.width,
        },
      });
    }
  }
  // Paste back to front: within the bounding box of each person's crop in the scene.
  const faceTotals: number[] = [];
  const faceBoxes: Box[] = [];
  placed.forEach((p, index) => {
    const { image, mask } = p.source;
    const corners = [
      [0, 0],
      [image.width, 0],
      [0, image.height],
      [image.width, image.height],
    ].map(([x, y]) => [p.toScene[0] * x! + p.toScene[1] * y! + p.toScene[2], p.toScene[3] * x! + p.toScene[4] * y! + p.toScene[5]] as const);
    const x0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[0]))));
    const y0 = Math.max(0, Math.floor(Math.min(...corners.map((c) => c[1]))));
    const x1 = Math.min(width, Math.ceil(Math.max(...corners.map((c) => c[0]))));
    const y1 = Math.min(height, Math.ceil(Math.max(...corners.map((c) => c[1]))));
    const box = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    let total = 0;
    // Face pixels of the whole person, also those the border cuts off: the visible share's denominator.
    const toCrop = invertAffine(p.toScene);
    const scale = Math.hypot(p.toScene[0], p.toScene[3]);
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        if (!FACE_IDS.has(mask[y * image.width + x]!)) continue;
        const sx = p.toScene[0] * (x + 0.5) + p.toScene[1] * (y + 0.5) + p.toScene[2];
        const sy = p.toScene[3] * (x + 0.5) + p.toScene[4] * (y + 0.5) + p.toScene[5];
        total += scale * scale;
        box.x0 = Math.min(box.x0, sx);
        box.y0 = Math.min(box.y0, sy);
        box.x1 = Math.max(box.x1, sx);
        box.y1 = Math.max(box.y1, sy);
      }
    }
    faceTotals.push(total);
    faceBoxes.push({ x: box.x0, y: box.y0, width: box.x1 - box.x0, height: box.y1 - box.y0 });
    if (x1 <= x0 || y1 <= y0) return;
    const w = x1 - x0;
    const h = y1 - y0;
    const local: Affine = [
      toCrop[0],
      toCrop[1],
      toCrop[0] * x0 + toCrop[1] * y0 + toCrop[2],
      toCrop[3],
      toCrop[4],
      toCrop[3] * x0 + toCrop[4] * y0 + toCrop[5],
    ];
    const warped = warpAffine(image, local, w, h, { outside: 'black' });
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // The person by its mask, nearest label (ids stay ids).
        const u = Math.floor(local[0] * (x + 0.5) + local[1] * (y + 0.5) + local[2]);
        const v = Math.floor(local[3] * (x + 0.5) + local[4] * (y + 0.5) + local[5]);
        if (u < 0 || v < 0 || u >= image.width || v >= image.height || mask[v * image.width + u] === 0) continue;
        const o = (y0 + y) * width + x0 + x;
        owner[o] = FACE_IDS.has(mask[v * image.width + u]!) ? 2 * index + 2 : 2 * index + 1;
        labels[o] = mask[v * image.width + u]!;
        for (let c = 0; c < 3; c++) pixels[3 * o + c] = warped[3 * (y * w + x) + c]!;
      }
    }
  });
  const seen = new Float64Array(placed.length);
  for (let i = 0; i < owner.length; i++) if (owner[i]! > 0 && owner[i]! % 2 === 0) seen[owner[i]! / 2 - 1]!++;
  const faces: CrowdFace[] = placed.map((p, i) => {
    const box = faceBoxes[i]!;
    const visible = Math.min(1, seen[i]! / Math.max(1, faceTotals[i]!));
    const r = (v: number) => Math.round(v * 10) / 10;
    return {
      box: { x: r(box.x), y: r(box.y), width: r(box.width), height: r(box.height) },
      centre: { x: r(box.x + box.width / 2), y: r(box.y + box.height / 2) },
      visible: Math.round(visible * 100) / 100,
      ignore: visible < VISIBLE_SHARE,
      source: p.source.name,
      degrees: Math.round(p.degrees),
    };
  });
  const id = `crowd${String(s).padStart(3, '0')}`;
  crowds.push({ id, width, height, faces });
  faceCount += faces.filter((f) => !f.ignore).length;
  await writeFile(
    join(values.out!, 'images', `${id}.jpg`),
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
  await writeFile(join(values.out!, 'masks', `${id}.png`), await encodeLabelPng(labels, width, height));
}
await writeFile(join(values.out!, 'crowds.json'), JSON.stringify(crowds, null, 1) + '\n');
console.log(
  `wrote ${crowds.length} crowds with ${faceCount} faces (and ${crowds.reduce((n, c) => n + c.faces.filter((f) => f.ignore).length, 0)} mostly hidden, ignored) to ${values.out}`,
);
