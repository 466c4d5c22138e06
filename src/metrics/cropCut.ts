/**
 * Crop-cut share: how much of a face's labelled region stops dead on its crop's (or a wider
 * rectangle's) straight edge. Along the crop rectangle and the same rectangle grown about its
 * centre (1.25x to 2.5x), the points whose label a short step inside (1% of the crop's side) is
 * not background are counted, and of those the share whose label as far outside is background.
 * A face parsed inside its crop only scores 1 on the crop rectangle; labels that follow the person
 * past it score what the person's own outline does where it crosses the rectangle (about 0.1).
 * The face's score is the largest share over the rectangles (a cut on any of them shows).
 */
import { applyAffine, invertAffine } from '../faces/affine.js';
import type { Affine } from '../faces/types.js';

/** The rectangles: the crop grown by these factors about its centre. */
export const CROP_CUT_GROWTHS: readonly number[] = [1, 1.25, 1.5, 1.75, 2, 2.25, 2.5];
/** The step inside and outside, as a share of the crop's side. */
export const CROP_CUT_STEP = 0.01;

export interface CropCutFace {
  /** Photo -> crop (the JSON's `transform`). */
  transform: Affine;
  crop: { width: number; height: number };
}

export interface CropCutScore {
  /** The largest share over the rectangles; undefined when no rectangle had a labelled point in the photo. */
  share: number | undefined;
  /** Per rectangle (CROP_CUT_GROWTHS order): the share, or undefined where nothing was labelled along it. */
  perRectangle: Array<number | undefined>;
  /** The crop's side in photo pixels (mean of its two sides). */
  span: number;
}

/** The crop-cut score of one face on a label map (class ids, width x height; 0 is background). */
export function cropCutShare(labels: Uint8Array, width: number, height: number, face: CropCutFace): CropCutScore {
  const toPhoto = invertAffine(face.transform);
  const { width: cw, height: ch } = face.crop;
  const centre = { x: cw / 2, y: ch / 2 };
  const sideX = Math.hypot(toPhoto[0], toPhoto[3]) * cw;
  const sideY = Math.hypot(toPhoto[1], toPhoto[4]) * ch;
  const span = (sideX + sideY) / 2;
  const step = CROP_CUT_STEP * span;
  const labelAt = (x: number, y: number): number | undefined => {
    const i = Math.floor(x);
    const j = Math.floor(y);
    if (i < 0 || j < 0 || i >= width || j >= height) return undefined;
    return labels[j * width + i];
  };
  const perRectangle = CROP_CUT_GROWTHS.map((growth) => {
    // Corners in crop coordinates, grown about the centre, then mapped to the photo.
    const corners = [
      [0, 0],
      [cw, 0],
      [cw, ch],
      [0, ch],
    ].map(([u, v]) => applyAffine(toPhoto, { x: centre.x + (u! - centre.x) * growth, y: centre.y + (v! - centre.y) * growth }));
    const mid = applyAffine(toPhoto, centre);
    let labelled = 0;
    let cut = 0;
    for (let s = 0; s < 4; s++) {
      const a = corners[s]!;
      const b = corners[(s + 1) % 4]!;
      const length = Math.hypot(b.x - a.x, b.y - a.y);
      // Outward normal of this side (away from the centre).
      let nx = (b.y - a.y) / length;
      let ny = -(b.x - a.x) / length;
      if (nx * (a.x - mid.x) + ny * (a.y - mid.y) < 0) {
        nx = -nx;
        ny = -ny;
      }
      const points = Math.max(1, Math.round(length)); // about one point per photo pixel
      for (let k = 0; k < points; k++) {
        const t = (k + 0.5) / points;
        const x = a.x + (b.x - a.x) * t;
        const y = a.y + (b.y - a.y) * t;
        const inside = labelAt(x - nx * step, y - ny * step);
        const outside = labelAt(x + nx * step, y + ny * step);
        if (inside === undefined || outside === undefined || inside === 0) continue;
        labelled++;
        if (outside === 0) cut++;
      }
    }
    return labelled === 0 ? undefined : cut / labelled;
  });
  const defined = perRectangle.filter((s): s is number => s !== undefined);
  return { share: defined.length === 0 ? undefined : Math.max(...defined), perRectangle, span };
}
