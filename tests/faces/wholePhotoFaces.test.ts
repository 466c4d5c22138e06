/** The faces of a photo parsed whole: each labelled pixel goes to the face it lies nearest, in that face's crop sizes. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FACE_TEMPLATE } from '../../src/faces/align.js';
import type { DetectedFace } from '../../src/faces/types.js';
import { wholePhotoFaces } from '../../src/faces/wholePhotoFaces.js';

/** A face whose keypoints are the template's, its crop `side` photo pixels wide with its corner at (x, y). */
function faceAt(x: number, y: number, side: number): DetectedFace {
  return {
    score: 0.9,
    box: { x, y, width: side, height: side },
    keypoints: DEFAULT_FACE_TEMPLATE.points.map((p) => ({ x: x + p.x * side, y: y + p.y * side })),
  };
}

describe('wholePhotoFaces', () => {
  it('gives each labelled pixel to the nearest face in crop units, background to none, and counts them', () => {
    const width = 300;
    const height = 100;
    const mask = new Uint8Array(width * height).fill(1);
    for (let x = 0; x < width; x++) mask[x] = 0; // the top row is background
    const logits = { data: new Float32Array(2 * 25 * 75), classes: 2, height: 25, width: 75 };
    // A large face on the left, a small one on the right: the point between them by pixels is the large face's.
    const { faces, instanceMask } = wholePhotoFaces([faceAt(0, 0, 100), faceAt(260, 40, 30)], mask, logits, width, height, 64);
    expect(faces.map((f) => [f.cropWidth, f.cropHeight])).toEqual([
      [64, 64],
      [64, 64],
    ]);
    expect(instanceMask[50 * width + 20]).toBe(1);
    expect(instanceMask[55 * width + 275]).toBe(2);
    expect(instanceMask[50 * width + 200]).toBe(1); // 150 px from the large face's centre (1.5 crops), 75 from the small one's (2.5 crops)
    expect(instanceMask[10]).toBe(0);
    expect(faces[0]!.pixels + faces[1]!.pixels).toBe(width * (height - 1));
    expect(faces[1]!.pixels).toBeGreaterThan(0);
  });
});
