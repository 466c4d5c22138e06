/**
 * The faces of a photo parsed whole. `faces: 'auto'` parses a photo that already is a face crop
 * (a close portrait, an aligned crop) whole, as the reference pipeline does, but the detector
 * has found its faces all the same, and a user counting faces, cropping them or asking for one
 * face's region needs them whatever the parse. Each face gets its aligned crop (as a per-face
 * parse would give it: `transform`, `crop`) with the photo's logits resampled into that crop's
 * logit grid, so its `labelMap()` and `probabilities()` are the whole-photo parse seen through
 * the crop; and an instance map gives each labelled pixel to the face it lies nearest, in units
 * of that face's crop (the portrait's subject takes its hair and clothes, a small face behind it
 * what is around that face).
 * Pure (no platform code): Node and the browser run it.
 */
import { applyAffine } from './affine.js';
import { alignFace, type FaceAlignment, type FaceTemplate } from './align.js';
import { FaceResult } from './faceResult.js';
import type { FaceLogits } from './paste.js';
import type { DetectedFace } from './types.js';

/** The logit of every class but background where a crop reaches past the photo (background's is 0). */
const OUTSIDE_LOGIT = -30;

/** The photo's logits (classes x lh x lw over the whole photo, as the model gave them). */
export interface PhotoLogits {
  data: Float32Array;
  classes: number;
  height: number;
  width: number;
}

/** The photo's logits sampled bilinearly (clamped at the border; background beyond the photo) at the centres of `alignment`'s logit grid, 1/4 of its crop. */
export function logitsInCrop(photo: PhotoLogits, photoWidth: number, photoHeight: number, alignment: FaceAlignment): FaceLogits {
  const { classes, width: lw, height: lh, data } = photo;
  const width = Math.max(1, Math.ceil(alignment.width / 4));
  const height = Math.max(1, Math.ceil(alignment.height / 4));
  const out = new Float32Array(classes * width * height);
  const plane = lw * lh;
  const sx = alignment.width / width;
  const sy = alignment.height / height;
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const p = applyAffine(alignment.cropToPhoto, { x: (i + 0.5) * sx, y: (j + 0.5) * sy });
      const o = j * width + i;
      if (p.x < 0 || p.y < 0 || p.x > photoWidth || p.y > photoHeight) {
        // Beyond the photo: background, sure of it (nothing was parsed there).
        for (let c = 1; c < classes; c++) out[c * width * height + o] = OUTSIDE_LOGIT;
        continue;
      }
      // Photo -> the photo's logit grid, align_corners=False (as the upsampling that made the label map).
      const gx = Math.min(lw - 1, Math.max(0, (p.x * lw) / photoWidth - 0.5));
      const gy = Math.min(lh - 1, Math.max(0, (p.y * lh) / photoHeight - 0.5));
      const x0 = Math.min(lw - 1, Math.floor(gx));
      const y0 = Math.min(lh - 1, Math.floor(gy));
      const x1 = Math.min(lw - 1, x0 + 1);
      const y1 = Math.min(lh - 1, y0 + 1);
      const tx = gx - x0;
      const ty = gy - y0;
      for (let c = 0; c < classes; c++) {
        const base = c * plane;
        const top = data[base + y0 * lw + x0]! * (1 - tx) + data[base + y0 * lw + x1]! * tx;
        const bottom = data[base + y1 * lw + x0]! * (1 - tx) + data[base + y1 * lw + x1]! * tx;
        out[c * width * height + o] = top * (1 - ty) + bottom * ty;
      }
    }
  }
  return { data: out, classes, width, height, alignment };
}

/**
 * The faces found in a photo parsed whole, with an instance map (face index + 1 per labelled
 * pixel, 0 on background). `cropSide` is the crop's side (the model's input size).
 */
export function wholePhotoFaces(
  detected: readonly DetectedFace[],
  categoryMask: Uint8Array,
  photo: PhotoLogits,
  photoWidth: number,
  photoHeight: number,
  cropSide: number,
  template?: FaceTemplate,
): { faces: FaceResult[]; instanceMask: Uint8Array } {
  const alignments = detected.map((face) => alignFace(face, cropSide, cropSide, template));
  const instanceMask = new Uint8Array(photoWidth * photoHeight);
  const pixels = new Array<number>(detected.length).fill(0);
  if (detected.length > 0) {
    // Nearest face in crop units: the distance to a face's crop centre, in that crop's sides.
    const centres = alignments.map((a) => applyAffine(a.cropToPhoto, { x: a.width / 2, y: a.height / 2 }));
    const inverseSquares = alignments.map((a) => 1 / (Math.hypot(a.cropToPhoto[0], a.cropToPhoto[3]) * a.width) ** 2);
    for (let y = 0, p = 0; y < photoHeight; y++) {
      for (let x = 0; x < photoWidth; x++, p++) {
        if (categoryMask[p] === 0) continue;
        if (centres.length === 1) {
          instanceMask[p] = 1;
          pixels[0]!++;
          continue;
        }
        let best = 0;
        let bestDistance = Infinity;
        for (let f = 0; f < centres.length; f++) {
          const dx = x + 0.5 - centres[f]!.x;
          const dy = y + 0.5 - centres[f]!.y;
          const d = (dx * dx + dy * dy) * inverseSquares[f]!; // squared: the same order, no square root per pixel
          if (d < bestDistance) {
            bestDistance = d;
            best = f;
          }
        }
        instanceMask[p] = best + 1;
        pixels[best]!++;
      }
    }
  }
  const faces = detected.map((face, index) => {
    const logits = logitsInCrop(photo, photoWidth, photoHeight, alignments[index]!);
    return new FaceResult({ index, score: face.score, box: face.box, keypoints: face.keypoints, logits, pixels: pixels[index]! });
  });
  return { faces, instanceMask };
}
