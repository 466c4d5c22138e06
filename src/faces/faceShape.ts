/**
 * Whether a detection's six keypoints (eyes, nose, mouth, ears) are laid out as on a face.
 * BlazeFace fires now and then on fists, shoulders, ties and textures; their keypoints keep the
 * anchor's average layout only roughly. Measured in the face's own frame (x along the eye line,
 * y down, in box widths, origin between the eyes) so that tilted heads score as upright ones.
 */
import type { DetectedFace } from './types.js';

export interface FaceShape {
  /** Eye distance / box width. */
  eyes: number;
  /** Nose and mouth below the eyes' midpoint, and across (in box widths). */
  noseX: number;
  noseY: number;
  mouthX: number;
  mouthY: number;
  /** The ears, across from the eyes' midpoint (image-left ear, image-right ear). */
  earLeftX: number;
  earRightX: number;
  /** Degrees the eye line is tilted. */
  roll: number;
}

export function faceShape(face: DetectedFace): FaceShape {
  const [eyeL, eyeR, nose, mouth, earL, earR] = face.keypoints as [(typeof face.keypoints)[0], ...typeof face.keypoints];
  const w = Math.max(face.box.width, 1e-9);
  const ex = (eyeL.x + eyeR!.x) / 2;
  const ey = (eyeL.y + eyeR!.y) / 2;
  const dx = eyeR!.x - eyeL.x;
  const dy = eyeR!.y - eyeL.y;
  const d = Math.hypot(dx, dy) || 1;
  const [c, s] = [dx / d, dy / d];
  const across = (p: { x: number; y: number }) => ((p.x - ex) * c + (p.y - ey) * s) / w;
  const down = (p: { x: number; y: number }) => (-(p.x - ex) * s + (p.y - ey) * c) / w;
  return {
    eyes: Math.hypot(dx, dy) / w,
    noseX: across(nose!),
    noseY: down(nose!),
    mouthX: across(mouth!),
    mouthY: down(mouth!),
    earLeftX: across(earL!),
    earRightX: across(earR!),
    roll: (Math.atan2(dy, dx) * 180) / Math.PI,
  };
}

/**
 * Bounds of a face's layout, from the detector's keypoints on the faces it found, unchecked, on the
 * shared photos and synthetic crowds (make-crowds.ts: heads tilted up to 30 degrees, turned to near
 * profile, 10-3000 px): `node dist/scripts/detector-counts.js --shapes --photos ... --crowds ...`.
 * On 752 such faces the 1st-99th percentiles were: eyes 0.32-0.50 box widths apart (profile down
 * to 0.15), nose 0.14-0.30 below the eyes, mouth 0.40-0.51 below, nose and mouth within 0.18 and
 * 0.11 across. The bounds are wider than all of these but a few outliers of tiny faces; the boxes
 * they drop were on metal, grass and knit, with the nose level with the eyes or the mouth above it.
 */
export const FACE_SHAPE_BOUNDS = {
  eyes: [0.12, 0.7],
  noseY: [-0.05, 0.5],
  mouthY: [0.28, 0.75],
  /** The mouth at least this far below the nose. */
  mouthBelowNose: 0.06,
  /** |across| of nose and mouth at most. */
  noseX: 0.35,
  mouthX: 0.25,
  /** The ears at least this far apart. */
  earSpan: 0.2,
} as const;

/** Whether the keypoints are laid out as a face's (FACE_SHAPE_BOUNDS). */
export function plausibleFace(face: DetectedFace): boolean {
  const s = faceShape(face);
  const b = FACE_SHAPE_BOUNDS;
  const within = (v: number, [lo, hi]: readonly [number, number]) => v >= lo && v <= hi;
  return (
    within(s.eyes, b.eyes) &&
    within(s.noseY, b.noseY) &&
    within(s.mouthY, b.mouthY) &&
    s.mouthY - s.noseY >= b.mouthBelowNose &&
    Math.abs(s.noseX) <= b.noseX &&
    Math.abs(s.mouthX) <= b.mouthX &&
    s.earRightX - s.earLeftX >= b.earSpan
  );
}
