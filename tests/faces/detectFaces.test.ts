/**
 * The detector on the shared in-the-wild photos. Expected faces were read by eye from the photos
 * (nose position as a share of width/height, face width as a share of the photo width), not taken
 * from the detector's output; tolerances are loose because a box is a convention, not a fact.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/platform/node/index.js';
import { blazeFaceAnchors, iou, weightedNms } from '../../src/faces/blazeFace.js';
import { detectFaces, letterboxView, tileViews } from '../../src/faces/detectFaces.js';
import { createNodeDetectorRunner } from '../../src/platform/node/faceDetector.js';
import type { DetectedFace, TensorRunner } from '../../src/faces/types.js';

const PHOTOS = resolve('..', 'shared', 'data', 'photos');

/** [nose x, nose y] as shares of the photo, face width as a share of the photo width. */
const PORTRAITS: Record<string, { nose: [number, number]; width: number }> = {
  'mona-lisa.jpg': { nose: [0.4, 0.5], width: 0.55 },
  'pexels-andrea-piacquadio-733872.jpg': { nose: [0.525, 0.4], width: 0.225 },
  'pexels-ingrid-santana-2100063.jpg': { nose: [0.475, 0.55], width: 0.325 },
  'pexels-kevin-bidwell-2380794.jpg': { nose: [0.52, 0.5], width: 0.675 },
  'pexels-min-an-732425.jpg': { nose: [0.49, 0.5], width: 0.45 },
};
const THREE_FACES_NOSES: Array<[number, number]> = [
  [165, 322],
  [428, 292],
  [682, 457],
];

function centre(face: DetectedFace) {
  return { x: face.box.x + face.box.width / 2, y: face.box.y + face.box.height / 2 };
}

describe('BlazeFace decoding', () => {
  it('has the 512 + 384 anchors of the back model, centred in their cells', () => {
    const anchors = blazeFaceAnchors();
    expect(anchors.length).toBe(2 * 896);
    expect([anchors[0], anchors[1]]).toEqual([0.5 / 16, 0.5 / 16]);
    expect([anchors[2 * 512], anchors[2 * 512 + 1]]).toEqual([0.5 / 8, 0.5 / 8]);
    expect([anchors[2 * 895], anchors[2 * 895 + 1]]).toEqual([7.5 / 8, 7.5 / 8]);
  });

  it('weighted NMS blends overlapping detections by score and keeps separate ones', () => {
    const face = (x: number, score: number): DetectedFace => ({ score, box: { x, y: 0, width: 10, height: 10 }, keypoints: [{ x, y: 0 }] });
    const kept = weightedNms([face(0, 0.9), face(2, 0.6), face(50, 0.7)]);
    expect(kept).toHaveLength(2);
    expect(kept[0]!.score).toBe(0.9);
    expect(kept[0]!.box.x).toBeCloseTo((0 * 0.9 + 2 * 0.6) / 1.5, 10);
    expect(kept[0]!.keypoints[0]!.x).toBeCloseTo(0.8, 10);
    expect(kept[1]!.box.x).toBe(50);
    expect(iou(kept[0]!.box, kept[1]!.box)).toBe(0);
  });

  it('weighted NMS ends on degenerate boxes (zero or negative area) and keeps each', () => {
    const flat = (x: number, width: number): DetectedFace => ({ score: 0.6, box: { x, y: 0, width, height: 0 }, keypoints: [{ x, y: 0 }] });
    expect(weightedNms([flat(0, 0), flat(0, -5), flat(3, 0)])).toHaveLength(3);
  });

  it('letterboxes into 256 and tiles only photos that the letterbox shrinks more than 2x', () => {
    const view = letterboxView(1000, 500);
    expect(view.toPhoto[0]).toBeCloseTo(1000 / 256, 10);
    expect(view.toPhoto[5]).toBeCloseTo(-64 * (1000 / 256), 10); // 128 px of bars above
    expect(tileViews(500, 400)).toHaveLength(0);
    const tiles = tileViews(1280, 853);
    expect(tiles.length).toBeGreaterThan(2);
    for (const t of tiles) {
      expect(t.region.x).toBeGreaterThanOrEqual(0);
      expect(t.region.x + t.region.width).toBeLessThanOrEqual(1280 + 1e-9);
    }
  });

  it('a detector that sees nothing gives no faces', async () => {
    const blank: TensorRunner = {
      run: async () => ({
        'Identity:0': new Float32Array(512).fill(-20),
        'Identity_1:0': new Float32Array(384).fill(-20),
        'Identity_2:0': new Float32Array(512 * 16),
        'Identity_3:0': new Float32Array(384 * 16),
      }),
    };
    const image = { data: new Uint8Array(600 * 400 * 3).fill(128), width: 600, height: 400 };
    expect(await detectFaces(image, blank)).toEqual([]);
  });
});

describe.skipIf(!existsSync(PHOTOS))(`faces in the shared photos${existsSync(PHOTOS) ? '' : ' (skipped: ../shared/data/photos is absent)'}`, () => {
  let runner: TensorRunner;
  beforeAll(async () => {
    runner = await createNodeDetectorRunner({ threads: 1 });
  });
  afterAll(() => runner?.release?.());

  it.each(Object.entries(PORTRAITS))('%s: one face, where it is', async (name, expected) => {
    const image = await decodeImage(join(PHOTOS, name));
    const faces = await detectFaces(image, runner);
    expect(faces).toHaveLength(1);
    const c = centre(faces[0]!);
    expect(Math.abs(c.x / image.width - expected.nose[0])).toBeLessThan(0.06);
    expect(Math.abs(c.y / image.height - expected.nose[1])).toBeLessThan(0.06);
    const ratio = faces[0]!.box.width / image.width / expected.width;
    expect(ratio).toBeGreaterThan(0.7);
    expect(ratio).toBeLessThan(1.6);
    // Keypoints of an upright face: eyes above the nose above the mouth, inside the box.
    const [eyeL, eyeR, nose, mouth] = faces[0]!.keypoints as [typeof c, typeof c, typeof c, typeof c];
    expect(eyeL.x).toBeLessThan(eyeR.x);
    expect(Math.max(eyeL.y, eyeR.y)).toBeLessThan(nose.y);
    expect(nose.y).toBeLessThan(mouth.y);
  });

  it('pakutaso-graduation-three-faces.jpg: the three faces', async () => {
    const image = await decodeImage(join(PHOTOS, 'pakutaso-graduation-three-faces.jpg'));
    const faces = await detectFaces(image, runner);
    expect(faces).toHaveLength(3);
    for (const [x, y] of THREE_FACES_NOSES) {
      const near = faces.filter((f) => Math.hypot(centre(f).x - x, centre(f).y - y) < 0.35 * f.box.width);
      expect(near).toHaveLength(1);
    }
  });

  it('pexels-davide-de-giovanni-3171822.jpg: most of the ~19 faces of the crowd (the tiled pass)', async () => {
    const image = await decodeImage(join(PHOTOS, 'pexels-davide-de-giovanni-3171822.jpg'));
    const withTiles = await detectFaces(image, runner);
    const letterboxOnly = await detectFaces(image, runner, { smallFaces: false });
    expect(withTiles.length).toBeGreaterThanOrEqual(15);
    expect(withTiles.length).toBeLessThanOrEqual(21);
    expect(withTiles.length).toBeGreaterThan(letterboxOnly.length);
  });
});
