/**
 * Region masks from a selection of pixels: grown or shrunk by a distance, then feathered, as an
 * 8-bit alpha mask. Pure code (no Node or DOM imports), shared by Node and the browser.
 *
 * The geometry is exact and round: distances are Euclidean, from the exact distance transform of
 * metrics/distanceTransform.ts (no square or diamond structuring elements, no repeated 3x3 passes).
 * A selection's edge lies half a pixel beyond its outermost pixel centres; each pixel gets the signed
 * distance of its centre to that edge (positive inside), `grow` moves the edge outwards (negative:
 * inwards) and `feather` spreads a smooth ramp over that many pixels centred on the moved edge.
 * The photo's border is not an edge: a region cut by the frame is not shrunk from the frame.
 * Only the selection's bounding box, widened by the reach of grow and feather, is transformed.
 */
import { FaceParseError } from '../base/errors.js';
import { squaredDistanceTransform } from '../metrics/distanceTransform.js';

export interface RegionShapeOptions {
  /** Pixels to move the edge outwards (positive) or inwards (negative). Default 0. */
  grow?: number;
  /** Width in pixels of the soft edge (a smooth 0..255 ramp centred on the edge). Default 0: a hard 0/255 edge. */
  feather?: number;
}

/** The largest grow or feather taken: beyond it a mask is all or nothing on any photo faceparse accepts. */
export const MAX_REGION_DISTANCE = 10_000;

export function checkRegionShape(options: RegionShapeOptions, where = 'regionMask'): { grow: number; feather: number } {
  const grow = options.grow ?? 0;
  const feather = options.feather ?? 0;
  if (typeof grow !== 'number' || !Number.isFinite(grow) || Math.abs(grow) > MAX_REGION_DISTANCE) {
    throw new FaceParseError('INVALID_ARGUMENT', `${where}: grow must be a number of pixels from -${MAX_REGION_DISTANCE} to ${MAX_REGION_DISTANCE} (negative shrinks); got ${String(grow)}`);
  }
  if (typeof feather !== 'number' || !Number.isFinite(feather) || feather < 0 || feather > MAX_REGION_DISTANCE) {
    throw new FaceParseError('INVALID_ARGUMENT', `${where}: feather must be a number of pixels from 0 to ${MAX_REGION_DISTANCE}; got ${String(feather)}`);
  }
  return { grow, feather };
}

/**
 * The alpha mask (0..255, width * height) of the pixels where `selected` is non-zero, grown or shrunk
 * by `grow` px and feathered over `feather` px. With neither, exactly 255 on the selection and 0 elsewhere.
 */
export function shapeRegion(selected: Uint8Array, width: number, height: number, options: RegionShapeOptions = {}): Uint8Array {
  const { grow, feather } = checkRegionShape(options);
  if (selected.length !== width * height) {
    throw new FaceParseError('INVALID_ARGUMENT', `shapeRegion: the selection has ${selected.length} pixels, not ${width}x${height}`);
  }
  const alpha = new Uint8Array(width * height);
  if (grow === 0 && feather === 0) {
    for (let i = 0; i < alpha.length; i++) alpha[i] = selected[i] ? 255 : 0;
    return alpha;
  }
  // Bounding box of the selection.
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++) {
      if (selected[row + x]) {
        if (first < 0) first = x;
        last = x;
      }
    }
    if (first < 0) continue;
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
    if (y < y0) y0 = y;
    y1 = y;
  }
  if (x1 < 0) return alpha; // nothing selected: nothing to grow, shrink or feather
  // Reach beyond the box: where the grown or feathered edge can put any alpha, plus a ring of
  // unselected pixels for the inside distances.
  const reach = Math.ceil(Math.max(grow, 0) + feather / 2) + 2;
  const cx0 = Math.max(0, x0 - reach);
  const cy0 = Math.max(0, y0 - reach);
  const cx1 = Math.min(width - 1, x1 + reach);
  const cy1 = Math.min(height - 1, y1 + reach);
  const cw = cx1 - cx0 + 1;
  const ch = cy1 - cy0 + 1;
  const crop = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    const from = (cy0 + y) * width + cx0;
    for (let x = 0; x < cw; x++) crop[y * cw + x] = selected[from + x] ? 1 : 0;
  }
  const needOutside = grow > 0 || feather > 0;
  const needInside = grow < 0 || feather > 0;
  // Squared distance of outside pixels to the nearest selected pixel, of inside ones to the nearest unselected one.
  const outside = needOutside ? squaredDistanceTransform(crop, cw, ch) : undefined;
  let inside: Float64Array | undefined;
  if (needInside) {
    const complement = new Uint8Array(crop.length);
    for (let i = 0; i < crop.length; i++) complement[i] = crop[i] ? 0 : 1;
    inside = squaredDistanceTransform(complement, cw, ch);
  }
  const halfRamp = feather / 2;
  for (let y = 0; y < ch; y++) {
    const row = (cy0 + y) * width + cx0;
    for (let x = 0; x < cw; x++) {
      const i = y * cw + x;
      // Signed distance of the pixel centre to the edge (moved by grow): positive inside.
      const t = crop[i] ? (inside ? Math.sqrt(inside[i]!) - 0.5 : Infinity) + grow : grow + 0.5 - (outside ? Math.sqrt(outside[i]!) : Infinity);
      let a: number;
      if (feather === 0) a = t > 0 ? 255 : 0;
      else if (t >= halfRamp) a = 255;
      else if (t <= -halfRamp) a = 0;
      else {
        const u = t / feather + 0.5; // 0..1 across the ramp
        a = Math.round(u * u * (3 - 2 * u) * 255); // smoothstep: no kink where the ramp meets 0 and 255
      }
      alpha[row + x] = a;
    }
  }
  return alpha;
}
