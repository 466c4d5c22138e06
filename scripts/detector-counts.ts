/**
 * Counts what the face detector finds, as a parse detects (detectForMode, `--faces on`): recall and precision of its
 * boxes against true faces (matching in face-matching.ts), detector runs and time per photo, on
 *   --crowds DIR  synthetic crowds of make-crowds.ts (DIR/crowds.json + DIR/images/),
 *   --photos DIR  ../shared/data/photos, with the faces counted by eye in shared-photo-faces.ts,
 *   --wild DIR    in-the-wild scenes of make-wild-scenes.ts (DIR/scenes.json: a pasted face's centre
 *                 is its crop's point (0.5, 0.58), about the nose of a CelebA-HQ crop),
 *   --grids       with --photos: real faces at crowd sizes: the crowd photo shrunk 4x (faces 13-50 px)
 *                 in a 3x3 grid (960x639, 153 faces), the three-faces photo shrunk 6x (faces about
 *                 20 px) in a 6x4 grid (900x600, 72 faces).
 * --shapes: detect without the keypoint-layout check and second look (checkShape false) and print
 * the layouts (faceShape.ts) of the boxes on faces, as percentiles, and of the wrong boxes.
 * --overlays DIR writes each photo with its boxes (green: a face, red: wrong) and a yellow cross
 * on each missed face, to look at.
 *
 *   npm run build && node dist/scripts/detector-counts.js --photos ../shared/data/photos --crowds /tmp/crowds
 */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import type { RgbImage } from '../src/base/types.js';
import { decodeImage } from '../src/platform/node/index.js';
import { applyAffine } from '../src/faces/affine.js';
import { detectForMode } from '../src/faces/facesMode.js';
import { createNodeDetectorRunner } from '../src/platform/node/faceDetector.js';
import { warpAffine } from '../src/faces/warp.js';
import { faceShape, type FaceShape } from '../src/faces/faceShape.js';
import type { Affine, Box, TensorRunner } from '../src/faces/types.js';
import { addCounts, countMatches, matchFaces, NO_COUNTS, precision, recall, type FaceCounts, type TrueFace } from './face-matching.js';
import { SHARED_PHOTO_FACES } from './shared-photo-faces.js';

const { values } = parseArgs({
  options: {
    crowds: { type: 'string' },
    photos: { type: 'string' },
    wild: { type: 'string' },
    overlays: { type: 'string' },
    grids: { type: 'boolean', default: false },
    shapes: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

interface Sample {
  file: string;
  faces: TrueFace[];
  /** Made here rather than read from `file`. */
  image?: RgbImage;
}

async function crowdSamples(dir: string): Promise<Sample[]> {
  const crowds = JSON.parse(await readFile(join(dir, 'crowds.json'), 'utf8')) as Array<{ id: string; faces: TrueFace[] }>;
  return crowds.map((c) => ({ file: join(dir, 'images', `${c.id}.jpg`), faces: c.faces }));
}

function photoSamples(dir: string): Sample[] {
  return Object.entries(SHARED_PHOTO_FACES).map(([name, faces]) => ({ file: join(dir, name), faces }));
}

/** `name` shrunk `shrink`x, cols x rows copies side by side, with its true faces moved along. */
async function gridSample(dir: string, name: string, shrink: number, cols: number, rows: number): Promise<Sample> {
  const photo = await decodeImage(join(dir, name));
  const [w, h] = [Math.round(photo.width / shrink), Math.round(photo.height / shrink)];
  const [width, height] = [w * cols, h * rows];
  const cell = warpAffine(photo, [photo.width / w, 0, 0, 0, photo.height / h, 0], w, h);
  const data = new Uint8Array(width * height * 3);
  const faces: TrueFace[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      for (let y = 0; y < h; y++) data.set(cell.subarray(3 * y * w, 3 * (y + 1) * w), 3 * ((r * h + y) * width + c * w));
      for (const f of SHARED_PHOTO_FACES[name]!)
        faces.push({ ...f, centre: { x: c * w + (f.centre.x * w) / photo.width, y: r * h + (f.centre.y * h) / photo.height } });
    }
  }
  return { file: `${name.replace(/\.\w+$/, '')}-shrunk${shrink}x-${cols}x${rows}.png`, faces, image: { data, width, height } };
}

async function wildSamples(dir: string): Promise<Sample[]> {
  const scenes = JSON.parse(await readFile(join(dir, 'scenes.json'), 'utf8')) as Array<{ id: string; faces: Array<{ cropToScene: Affine; cropSize: number }> }>;
  return scenes.map((s) => ({
    file: join(dir, 'images', `${s.id}.jpg`),
    faces: s.faces.map((f) => ({ centre: applyAffine(f.cropToScene, { x: 0.5 * f.cropSize, y: 0.58 * f.cropSize }) })),
  }));
}

/** Boxes, centre crosses: drawn into a copy of the photo, 2 px wide (more on large photos). */
function drawOverlay(image: RgbImage, boxes: Array<{ box: Box; hit: boolean }>, missed: TrueFace[]): Uint8Array {
  const { width, height } = image;
  const out = Uint8Array.from(image.data);
  const line = Math.max(2, Math.round(Math.max(width, height) / 600));
  const paint = (x: number, y: number, rgb: readonly number[]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    out.set(rgb, 3 * (Math.floor(y) * width + Math.floor(x)));
  };
  const rect = (b: Box, rgb: readonly number[]) => {
    for (let t = 0; t < line; t++) {
      for (let x = b.x; x <= b.x + b.width; x++) {
        paint(x, b.y - t, rgb);
        paint(x, b.y + b.height + t, rgb);
      }
      for (let y = b.y; y <= b.y + b.height; y++) {
        paint(b.x - t, y, rgb);
        paint(b.x + b.width + t, y, rgb);
      }
    }
  };
  for (const { box, hit } of boxes) rect(box, hit ? [0, 255, 0] : [255, 0, 0]);
  for (const face of missed) {
    for (let d = -4 * line; d <= 4 * line; d++) {
      for (let t = 0; t < line; t++) {
        paint(face.centre.x + d, face.centre.y + t, face.ignore ? [128, 128, 128] : [255, 255, 0]);
        paint(face.centre.x + t, face.centre.y + d, face.ignore ? [128, 128, 128] : [255, 255, 0]);
      }
    }
  }
  return out;
}

/** The runner, counting its runs. */
function counting(runner: TensorRunner): TensorRunner & { runs: number } {
  const counted = {
    runs: 0,
    run(input: Float32Array, dims: readonly number[]) {
      counted.runs++;
      return runner.run(input, dims);
    },
    release: () => runner.release?.() ?? Promise.resolve(),
  };
  return counted;
}

const shapes = { onFaces: [] as FaceShape[], wrong: [] as FaceShape[] };

function printShapes(): void {
  const keys = ['eyes', 'noseX', 'noseY', 'mouthX', 'mouthY', 'earLeftX', 'earRightX', 'roll'] as const;
  const percentiles = [0, 0.01, 0.05, 0.5, 0.95, 0.99, 1];
  console.log(`layouts of ${shapes.onFaces.length} boxes on faces, percentiles ${percentiles.join(' / ')}:`);
  for (const key of keys) {
    const v = shapes.onFaces.map((s) => s[key]).sort((a, b) => a - b);
    console.log(`  ${key.padEnd(10)} ${percentiles.map((p) => v[Math.min(v.length - 1, Math.floor(p * v.length))]?.toFixed(2)).join(' / ')}`);
  }
  console.log(`layouts of ${shapes.wrong.length} wrong boxes:`);
  for (const s of shapes.wrong) console.log(`  ${keys.map((k) => `${k} ${s[k].toFixed(2)}`).join(', ')}`);
}

async function score(name: string, samples: Sample[], runner: TensorRunner & { runs: number }): Promise<void> {
  let total: FaceCounts = NO_COUNTS;
  let ms = 0;
  let runs = 0;
  for (const sample of samples) {
    const image = sample.image ?? (await decodeImage(sample.file));
    const before = runner.runs;
    const t = performance.now();
    // As FaceParser detects (hints for the auto rule included), its faces as `--faces on` keeps them.
    const { faces } = await detectForMode('on', image, runner, { checkShape: !values.shapes }, { width: 512, height: 512 });
    ms += performance.now() - t;
    runs += runner.runs - before;
    const boxes = faces.map((f) => f.box);
    const counts = countMatches(boxes, sample.faces);
    if (values.shapes) {
      const boxFace = matchFaces(boxes, sample.faces);
      faces.forEach((face, b) => (boxFace[b]! >= 0 ? shapes.onFaces : shapes.wrong).push(faceShape(face)));
    }
    total = addCounts(total, counts);
    if (values.verbose || counts.misses > 0 || counts.wrong > 0) {
      console.log(
        `  ${basename(sample.file)} ${image.width}x${image.height}: ${counts.hits}/${counts.faces} faces, ${counts.wrong} wrong, ${runner.runs - before} detector runs`,
      );
    }
    if (values.overlays) {
      const boxFace = matchFaces(boxes, sample.faces);
      const missed = sample.faces.filter((_, f) => !boxFace.includes(f));
      const hit = boxes.map((box, b) => ({ box, hit: boxFace[b]! >= 0 }));
      const file = join(values.overlays, `${name.replace(/ /g, '-')}-${basename(sample.file).replace(/\.\w+$/, '')}.png`);
      await sharp(drawOverlay(image, hit, missed), { raw: { width: image.width, height: image.height, channels: 3 } })
        .png()
        .toFile(file);
    }
  }
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  console.log(
    `${name}: ${samples.length} photos, ${total.faces} faces: ${total.hits} found, ${total.misses} missed, ${total.wrong} wrong boxes (${total.ignored} on ignored faces); ` +
      `recall ${pct(recall(total))}, precision ${pct(precision(total))}; ${(runs / samples.length).toFixed(1)} detector runs and ${(ms / samples.length).toFixed(0)} ms per photo`,
  );
}

if (!values.crowds && !values.photos && !values.wild) {
  console.error('Nothing to count: pass --crowds DIR (make-crowds.ts), --photos DIR (../shared/data/photos) and/or --wild DIR (make-wild-scenes.ts).');
  process.exit(2);
}
if (values.overlays) await mkdir(values.overlays, { recursive: true });
const runner = counting(await createNodeDetectorRunner());
if (values.photos) await score('photos', photoSamples(values.photos), runner);
if (values.photos && values.grids) {
  const grids = [
    await gridSample(values.photos, 'pexels-davide-de-giovanni-3171822.jpg', 4, 3, 3),
    await gridSample(values.photos, 'pakutaso-graduation-three-faces.jpg', 6, 6, 4),
  ];
  await score('photo grids', grids, runner);
}
if (values.crowds) await score('crowds', await crowdSamples(values.crowds), runner);
if (values.wild) await score('wild', await wildSamples(values.wild), runner);
if (values.shapes) printShapes();
await runner.release?.();
