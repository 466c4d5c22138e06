/** Similarity fit, alignment to the template, and the warp into the crop and back. */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/platform/node/index.js';
import { applyAffine, composeAffine, invertAffine } from '../../src/faces/affine.js';
import { alignFace, DEFAULT_FACE_TEMPLATE } from '../../src/faces/align.js';
import { detectFaces } from '../../src/faces/detectFaces.js';
import { createNodeDetectorRunner } from '../../src/platform/node/faceDetector.js';
import { fitSimilarity } from '../../src/faces/similarity.js';
import type { Affine, DetectedFace, TensorRunner } from '../../src/faces/types.js';
import { warpAffine } from '../../src/faces/warp.js';

const VAL = resolve('..', 'shared', 'data', 'celebamask-mini', 'val', 'images');

/** A similarity: rotate by `degrees` and scale about the origin, then translate. */
function similarity(scale: number, degrees: number, tx: number, ty: number): Affine {
  const r = (degrees * Math.PI) / 180;
  return [scale * Math.cos(r), -scale * Math.sin(r), tx, scale * Math.sin(r), scale * Math.cos(r), ty];
}

/** Intensity-weighted centre of the brightest blob of a grey channel of RGB pixels. */
function centroid(rgb: Uint8Array, width: number, height: number) {
  let sx = 0;
  let sy = 0;
  let s = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = rgb[(y * width + x) * 3]!;
      if (v < 8) continue;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
      s += v;
    }
  }
  return { x: sx / s, y: sy / s };
}

describe('fitSimilarity', () => {
  it('recovers a known similarity exactly from its points, and is the least-squares one with noise', () => {
    const truth = similarity(1.7, 25, 12, -4);
    const from = [
      { x: 3, y: 4 },
      { x: 40, y: 2 },
      { x: 22, y: 30 },
      { x: 20, y: 45 },
    ];
    const to = from.map((p) => applyAffine(truth, p));
    const fit = fitSimilarity(from, to);
    fit.forEach((v, i) => expect(v).toBeCloseTo(truth[i]!, 10));
    // a zero-weight outlier changes nothing
    const withOutlier = fitSimilarity([...from, { x: 0, y: 0 }], [...to, { x: 999, y: 999 }], [1, 1, 1, 1, 0]);
    withOutlier.forEach((v, i) => expect(v).toBeCloseTo(truth[i]!, 10));
  });
});

describe('alignFace and the warp', () => {
  const template = DEFAULT_FACE_TEMPLATE.points;
  // A face whose keypoints are the template placed in the photo by a known similarity.
  const placement = similarity(0.6, -20, 300, 140); // crop (512) -> photo
  const face: DetectedFace = {
    score: 0.9,
    box: { x: 0, y: 0, width: 1, height: 1 },
    keypoints: template.map((p) => applyAffine(placement, { x: p.x * 512, y: p.y * 512 })),
  };

  it('maps the keypoints onto the template, and photoToCrop and cropToPhoto are inverses', () => {
    const a = alignFace(face, 512, 512);
    for (const [k, p] of face.keypoints.entries()) {
      const q = applyAffine(a.photoToCrop, p);
      expect(q.x).toBeCloseTo(template[k]!.x * 512, 6);
      expect(q.y).toBeCloseTo(template[k]!.y * 512, 6);
    }
    const id = composeAffine(a.cropToPhoto, a.photoToCrop);
    [1, 0, 0, 0, 1, 0].forEach((v, i) => expect(id[i]).toBeCloseTo(v, 10));
    // the rotation of the face is undone: the crop's x axis runs along the face's -20 degrees
    expect((Math.atan2(a.cropToPhoto[3], a.cropToPhoto[0]) * 180) / Math.PI).toBeCloseTo(-20, 6);
  });

  it('warp then inverse warp moves a point by less than 0.5 px', () => {
    const width = 640;
    const height = 480;
    const a = alignFace(face, 512, 512);
    // points well inside the crop (a spot cut by the crop's edge would move its centroid)
    for (const target of [applyAffine(a.cropToPhoto, { x: 256.3, y: 255.1 }), applyAffine(a.cropToPhoto, { x: 140.7, y: 380.2 })]) {
      // a small bright Gaussian spot at `target` in the photo
      const photo = new Uint8Array(width * height * 3);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const v = Math.round(255 * Math.exp(-((x + 0.5 - target.x) ** 2 + (y + 0.5 - target.y) ** 2) / (2 * 2.5 ** 2)));
          photo.fill(v, (y * width + x) * 3, (y * width + x) * 3 + 3);
        }
      }
      const crop = warpAffine({ data: photo, width, height }, a.cropToPhoto, 512, 512, { antialias: false });
      const inCrop = centroid(crop, 512, 512);
      const back = applyAffine(a.cropToPhoto, inCrop);
      expect(Math.hypot(back.x - target.x, back.y - target.y)).toBeLessThan(0.5);
      // and back into a photo-sized grid through the inverse map
      const restored = warpAffine({ data: crop, width: 512, height: 512 }, a.photoToCrop, width, height, { outside: 'black', antialias: false });
      const again = centroid(restored, width, height);
      expect(Math.hypot(again.x - target.x, again.y - target.y)).toBeLessThan(0.5);
    }
  });

  it('area-averages when the warp shrinks: a 1-px checkerboard becomes flat grey', () => {
    const width = 64;
    const data = new Uint8Array(width * width * 3);
    for (let i = 0; i < width * width; i++) data.fill(((i % width) + Math.floor(i / width)) % 2 ? 255 : 0, i * 3, i * 3 + 3);
    // 3x smaller: without the area average each output pixel centre lands on one input pixel
    const shrink: Affine = [3, 0, 0, 0, 3, 0];
    const smooth = warpAffine({ data, width, height: width }, shrink, 21, 21);
    const sharp = warpAffine({ data, width, height: width }, shrink, 21, 21, { antialias: false });
    for (const v of smooth) expect(Math.abs(v - 127.5)).toBeLessThanOrEqual(255 / 9 / 2 + 1); // 4 or 5 of 9 white
    expect(new Set(sharp)).toEqual(new Set([0, 255]));
  });
});

describe.skipIf(!existsSync(VAL))(`a rotated face${existsSync(VAL) ? '' : ' (skipped: ../shared/data/celebamask-mini is absent)'}`, () => {
  let runner: TensorRunner;
  beforeAll(async () => {
    runner = await createNodeDetectorRunner({ threads: 1 });
  });
  afterAll(() => runner?.release?.());

  it.each([-25, 20])('a CelebA-HQ face rotated by %d degrees in a bigger photo is found and aligned upright', async (degrees) => {
    const name = readdirSync(VAL).sort()[3]!;
    const face = await decodeImage(join(VAL, name));
    const upright = alignFace((await detectFaces(face, runner))[0]!, 512, 512);
    // Put the 512 crop, rotated and at 0.8x, in the middle of a 900x700 photo.
    const toPhoto = similarity(0.8, degrees, 0, 0);
    const centre = applyAffine(toPhoto, { x: 256, y: 256 });
    const placed: Affine = [toPhoto[0], toPhoto[1], 450 - centre.x, toPhoto[3], toPhoto[4], 350 - centre.y];
    const photo = { data: warpAffine(face, invertAffine(placed), 900, 700, { outside: 'black' }), width: 900, height: 700 };
    const faces = await detectFaces(photo, runner);
    expect(faces).toHaveLength(1);
    const a = alignFace(faces[0]!, 512, 512);
    // Its crop-to-photo map is the placement of the upright crop, within a few degrees and pixels.
    const expected = composeAffine(placed, upright.cropToPhoto);
    const angle = (m: Affine) => (Math.atan2(m[3], m[0]) * 180) / Math.PI;
    expect(Math.abs(angle(a.cropToPhoto) - angle(expected))).toBeLessThan(5);
    const c1 = applyAffine(a.cropToPhoto, { x: 256, y: 256 });
    const c2 = applyAffine(expected, { x: 256, y: 256 });
    expect(Math.hypot(c1.x - c2.x, c1.y - c2.y)).toBeLessThan(0.05 * 512 * 0.8);
  });
});
