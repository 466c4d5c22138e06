/**
 * Alignment: the similarity transform that puts a detected face where the model's training crops
 * have it. The template (celebaTemplate.ts) gives each keypoint's mean position in an aligned
 * CelebA-HQ crop; points that spread more there (the ears, then the nose) say less about the
 * framing, so each point weighs 1/spread² in the least-squares fit.
 */
import { applyAffine, invertAffine } from './affine.js';
import { CELEBA_HQ_TEMPLATE } from './celebaTemplate.js';
import { fitSimilarity } from './similarity.js';
import type { Affine, DetectedFace, Point } from './types.js';

export interface FaceTemplate {
  /** Keypoint positions in units of the crop side (0..1), in FACE_KEYPOINTS order. */
  points: readonly Point[];
  /** Least-squares weight of each point. */
  weights: readonly number[];
}

export const DEFAULT_FACE_TEMPLATE: FaceTemplate = {
  points: CELEBA_HQ_TEMPLATE.map(({ x, y }) => ({ x, y })),
  weights: CELEBA_HQ_TEMPLATE.map(({ spread }) => 1 / (spread * spread)),
};

export interface FaceAlignment {
  /** Photo coordinates -> crop coordinates (the model input grid). */
  photoToCrop: Affine;
  /** Crop coordinates -> photo coordinates. */
  cropToPhoto: Affine;
  width: number;
  height: number;
}

/**
 * The alignment of one face into a width x height crop. For a non-square crop the template is
 * stretched to it, as the model's preprocessing stretches its square training crops.
 */
export function alignFace(face: DetectedFace, width: number, height: number, template: FaceTemplate = DEFAULT_FACE_TEMPLATE): FaceAlignment {
  if (face.keypoints.length !== template.points.length) {
    throw new RangeError(`alignFace: the face has ${face.keypoints.length} keypoints, the template ${template.points.length}`);
  }
  // Fit in a square of the crop's mean side, then stretch: keeps the fit a similarity.
  const side = Math.sqrt(width * height);
  const target = template.points.map((p) => ({ x: p.x * side, y: p.y * side }));
  const fit = fitSimilarity(face.keypoints, target, template.weights);
  const sx = width / side;
  const sy = height / side;
  const photoToCrop: Affine = [fit[0] * sx, fit[1] * sx, fit[2] * sx, fit[3] * sy, fit[4] * sy, fit[5] * sy];
  return { photoToCrop, cropToPhoto: invertAffine(photoToCrop), width, height };
}

/** The crop's four corners in photo coordinates (clockwise from top-left). */
export function cropCorners(alignment: FaceAlignment): Point[] {
  const { cropToPhoto, width, height } = alignment;
  return [
    { x: 0, y: 0 },
    { x: width, y: 0 },
    { x: width, y: height },
    { x: 0, y: height },
  ].map((p) => applyAffine(cropToPhoto, p));
}
