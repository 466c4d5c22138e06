/**
 * The keypoint-layout check: faces as the detector lays them out (upright, tilted, turned) pass;
 * layouts it gives on textures and fists (nose level with the eyes, mouth above the nose, eyes on
 * one spot) do not. Layouts are built in the face's frame, in box widths, then tilted.
 */
import { describe, expect, it } from 'vitest';
import { faceShape, plausibleFace } from '../../src/faces/faceShape.js';
import type { DetectedFace, Point } from '../../src/faces/types.js';

interface Layout {
  eyes: number;
  nose: [number, number];
  mouth: [number, number];
  ears: [number, number];
}
/** The median layout of the faces the detector found on the shared photos and synthetic crowds. */
const UPRIGHT: Layout = { eyes: 0.43, nose: [-0.01, 0.24], mouth: [0, 0.44], ears: [-0.46, 0.48] };

function face(layout: Layout, degrees = 0, width = 40): DetectedFace {
  const a = (degrees * Math.PI) / 180;
  const origin = { x: 100, y: 100 };
  const at = (across: number, down: number): Point => ({
    x: origin.x + width * (across * Math.cos(a) - down * Math.sin(a)),
    y: origin.y + width * (across * Math.sin(a) + down * Math.cos(a)),
  });
  const keypoints = [
    at(-layout.eyes / 2, 0),
    at(layout.eyes / 2, 0),
    at(...layout.nose),
    at(...layout.mouth),
    at(layout.ears[0], 0.1),
    at(layout.ears[1], 0.1),
  ];
  return { score: 0.9, box: { x: origin.x - width / 2, y: origin.y - 0.3 * width, width, height: width }, keypoints };
}

describe('faceShape', () => {
  it('measures in the face frame: the same numbers for a tilted face', () => {
    const upright = faceShape(face(UPRIGHT));
    const tilted = faceShape(face(UPRIGHT, 35));
    for (const key of ['eyes', 'noseX', 'noseY', 'mouthX', 'mouthY', 'earLeftX', 'earRightX'] as const) expect(tilted[key]).toBeCloseTo(upright[key], 10);
    expect(tilted.roll).toBeCloseTo(35, 10);
    expect(upright.noseY).toBeCloseTo(0.24, 10);
  });
});

describe('plausibleFace', () => {
  it.each([
    ['upright', UPRIGHT, 0],
    ['tilted 35 degrees', UPRIGHT, 35],
    ['tilted -40 degrees', UPRIGHT, -40],
    [
      'turned to near profile (eyes close, nose and ears to one side)',
      { eyes: 0.2, nose: [-0.27, 0.14], mouth: [-0.21, 0.41], ears: [0.11, 0.7] } as Layout,
      0,
    ],
    ['a small, noisy one', { eyes: 0.33, nose: [0.1, 0.15], mouth: [0.06, 0.4], ears: [-0.6, 0.25] } as Layout, 10],
  ])('keeps a face: %s', (_, layout, degrees) => {
    expect(plausibleFace(face(layout, degrees))).toBe(true);
  });

  it.each([
    ['the nose level with the eyes, the mouth just below', { eyes: 0.14, nose: [-0.02, -0.11], mouth: [-0.03, 0.09], ears: [-0.12, 0.16] } as Layout],
    ['the mouth above the nose', { eyes: 0.14, nose: [-0.01, 0.26], mouth: [-0.03, 0.23], ears: [-0.16, 0.14] } as Layout],
    ['the eyes on one spot', { eyes: 0.07, nose: [0.16, -0.05], mouth: [0.14, 0.15], ears: [-0.34, -0.24] } as Layout],
    ['the mouth far off to one side', { eyes: 0.4, nose: [0.05, 0.24], mouth: [0.4, 0.44], ears: [-0.46, 0.48] } as Layout],
  ])('drops a layout the detector gave on no face: %s', (_, layout) => {
    expect(plausibleFace(face(layout))).toBe(false);
    expect(plausibleFace(face(layout, 30))).toBe(false);
  });
});
