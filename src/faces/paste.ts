/**
 * Paste-back: map each face's logits through the inverse of its alignment into the photo, then
 * arg-max, as facer does with `grid_sample`. For each photo pixel centre inside a face's crop,
 * the crop position is taken to the logit grid with the align_corners=False convention of the
 * reference upsampling (g = u * logitSize / cropSize - 0.5) and the logits are sampled
 * bilinearly, clamped at the grid's border (grid_sample's padding_mode='border').
 * Outside every crop: background (class 0). Where crops overlap, a face that labels the pixel
 * (not background) takes it over one that does not, and of two such the more confident (larger
 * softmax maximum at the nearest grid point).
 *
 * Fast path, exact for the same reason as upsampleArgmax's: a sampled logit vector is a convex
 * combination of the four at its cell's corners, so when one class is the strict arg-max at all
 * four (by a margin above float rounding), it is the arg-max of every pixel sampled in the cell.
 * A face in a 4000 px photo samples each cell ~500 times; only cells on class boundaries (and
 * pixels where crops overlap) are interpolated class by class.
 */
import { applyAffine } from './affine.js';
import type { FaceAlignment } from './align.js';

export interface FaceLogits {
  /** classes x height x width for this face (one item of the model's batch). */
  data: Float32Array;
  classes: number;
  height: number;
  width: number;
  alignment: FaceAlignment;
  /**
   * Per grid point, how strongly this face claims the pixels there where crops overlap (the
   * larger claim wins). Default: 1 + the softmax maximum where the point is labelled (not
   * background), the softmax maximum where it is background.
   */
  claim?: Float32Array;
}

export interface PastedLabels {
  /** Class id per photo pixel. */
  categoryMask: Uint8Array;
  /** Face index + 1 per photo pixel; 0 where no face's crop reaches. */
  instanceMask: Uint8Array;
}

/** The photo pixel rows/columns a crop can reach (its corners' bounding box, clipped). */
function footprint(alignment: FaceAlignment, width: number, height: number) {
  const { cropToPhoto: m, width: cw, height: ch } = alignment;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [u, v] of [
    [0, 0],
    [cw, 0],
    [0, ch],
    [cw, ch],
  ] as const) {
    const p = applyAffine(m, { x: u, y: v });
    xs.push(p.x);
    ys.push(p.y);
  }
  return {
    x0: Math.max(0, Math.floor(Math.min(...xs))),
    x1: Math.min(width, Math.ceil(Math.max(...xs))),
    y0: Math.max(0, Math.floor(Math.min(...ys))),
    y1: Math.min(height, Math.ceil(Math.max(...ys))),
  };
}

/**
 * Calls `visit(pixel, values)` for each photo pixel inside the face's crop, with the face's
 * bilinearly sampled logits there (`values` is reused between calls).
 */
export function sampleFaceLogits(face: FaceLogits, width: number, height: number, visit: (pixel: number, values: Float64Array) => void): void {
  const { data, classes, height: lh, width: lw } = face;
  const plane = lw * lh;
  const values = new Float64Array(classes);
  const { rows, dgx, dgy } = gridRows(face, width, height);
  for (const row of rows) {
    let { sx, sy } = row;
    for (let x = row.from, pixel = row.y * width + row.from; x < row.to; x++, pixel++, sx += dgx, sy += dgy) {
      const px = sx < 0 ? 0 : sx > lw - 1 ? lw - 1 : sx;
      const py = sy < 0 ? 0 : sy > lh - 1 ? lh - 1 : sy;
      const ix = Math.min(lw - 2, px | 0);
      const iy = Math.min(lh - 2, py | 0);
      const tx = px - ix;
      const ty = py - iy;
      const w00 = (1 - tx) * (1 - ty);
      const w01 = tx * (1 - ty);
      const w10 = (1 - tx) * ty;
      const w11 = tx * ty;
      for (let c = 0, p = iy * lw + ix; c < classes; c++, p += plane) {
        values[c] = data[p]! * w00 + data[p + 1]! * w01 + data[p + lw]! * w10 + data[p + lw + 1]! * w11;
      }
      visit(pixel, values);
    }
  }
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let c = 1; c < values.length; c++) if (values[c]! > values[best]!) best = c;
  return best;
}

/** Relative top-two margin under which a grid point is not trusted for the whole-cell shortcut. */
const MARGIN = 1e-5;

/**
 * Per cell of the logit grid (cell (i, j) spans grid points i..i+1, j..j+1), the class that is the
 * strict arg-max at all four corners, or 255 where they disagree or are near a tie.
 */
export function agreeingCells(data: Float32Array, classes: number, lh: number, lw: number): Uint8Array {
  const plane = lh * lw;
  const pointClass = new Int16Array(plane);
  for (let p = 0; p < plane; p++) {
    let best = 0;
    let top = data[p]!;
    let second = -Infinity;
    for (let c = 1, o = p + plane; c < classes; c++, o += plane) {
      const v = data[o]!;
      if (v > top) {
        second = top;
        top = v;
        best = c;
      } else if (v > second) second = v;
    }
    pointClass[p] = top - second > MARGIN * Math.max(1, Math.abs(top)) ? best : -1;
  }
  const cw = Math.max(1, lw - 1);
  const ch = Math.max(1, lh - 1);
  const cells = new Uint8Array(cw * ch).fill(255);
  for (let j = 0; j < ch; j++) {
    for (let i = 0; i < cw; i++) {
      const a = pointClass[j * lw + i]!;
      const i1 = Math.min(i + 1, lw - 1);
      const j1 = Math.min(j + 1, lh - 1);
      if (a >= 0 && a === pointClass[j * lw + i1] && a === pointClass[j1 * lw + i] && a === pointClass[j1 * lw + i1]) cells[j * cw + i] = a;
    }
  }
  return cells;
}

/**
 * The x range [from, to) of photo row `y` whose pixel centres the crop contains: u and v are
 * linear in x, so each of 0 <= u < cw, 0 <= v < ch bounds x on one side.
 */
function rowSpan(m: FaceLogits['alignment']['photoToCrop'], cw: number, ch: number, y: number, x0: number, x1: number): [number, number] {
  let lo = x0;
  let hi = x1;
  for (const [a, b, size] of [
    [m[0], m[1] * (y + 0.5) + m[2], cw],
    [m[3], m[4] * (y + 0.5) + m[5], ch],
  ] as const) {
    // 0 <= a (x + 0.5) + b < size
    if (a === 0) {
      if (b < 0 || b >= size) return [0, 0];
      continue;
    }
    const r0 = -b / a - 0.5;
    const r1 = (size - b) / a - 0.5;
    const [from, to] = a > 0 ? [r0, r1] : [r1, r0];
    lo = Math.max(lo, Math.ceil(from - 1e-9));
    hi = Math.min(hi, Math.ceil(to + 1e-9));
  }
  return [lo, Math.max(lo, hi)];
}

/** A photo row's pixels inside a crop, [from, to), and the logit-grid coordinates of its first pixel centre. */
interface GridRow {
  y: number;
  from: number;
  to: number;
  sx: number;
  sy: number;
}

/**
 * The photo rows a face's crop covers, each with where its first pixel centre falls on the face's
 * logit grid (the align_corners=False convention: g = u * logitSize / cropSize - 0.5); grid
 * coordinates are affine in the photo's x, so a row steps them by (dgx, dgy) per pixel.
 */
function gridRows(face: FaceLogits, width: number, height: number): { rows: GridRow[]; dgx: number; dgy: number } {
  const { height: lh, width: lw, alignment } = face;
  const { photoToCrop: m, width: cw, height: ch } = alignment;
  const { x0, x1, y0, y1 } = footprint(alignment, width, height);
  const gx = lw / cw;
  const gy = lh / ch;
  const rows: GridRow[] = [];
  for (let y = y0; y < y1; y++) {
    const [from, to] = rowSpan(m, cw, ch, y, x0, x1);
    if (from >= to) continue;
    const sx = (m[0] * (from + 0.5) + m[1] * (y + 0.5) + m[2]) * gx - 0.5;
    const sy = (m[3] * (from + 0.5) + m[4] * (y + 0.5) + m[5]) * gy - 0.5;
    rows.push({ y, from, to, sx, sy });
  }
  return { rows, dgx: m[0] * gx, dgy: m[3] * gy };
}

/**
 * One face on the pixels it owns (all of its crop when `owner` is undefined, else where
 * owner[pixel] is index + 1): arg-max only, whole cells at once where their corners agree.
 */
function pasteAlone(
  face: FaceLogits,
  index: number,
  width: number,
  height: number,
  owner: Uint8Array | undefined,
  categoryMask: Uint8Array,
  instanceMask: Uint8Array,
): void {
  const { data, classes, height: lh, width: lw } = face;
  const cells = agreeingCells(data, classes, lh, lw);
  const cellsWide = Math.max(1, lw - 1);
  const plane = lw * lh;
  const { rows, dgx, dgy } = gridRows(face, width, height);
  for (const row of rows) {
    let { sx, sy } = row;
    for (let x = row.from, pixel = row.y * width + row.from; x < row.to; x++, pixel++, sx += dgx, sy += dgy) {
      if (owner !== undefined && owner[pixel] !== index + 1) continue;
      const px = sx < 0 ? 0 : sx > lw - 1 ? lw - 1 : sx;
      const py = sy < 0 ? 0 : sy > lh - 1 ? lh - 1 : sy;
      const ix = Math.min(lw - 2, px | 0);
      const iy = Math.min(lh - 2, py | 0);
      instanceMask[pixel] = index + 1;
      const agreed = cells[iy * cellsWide + ix]!;
      if (agreed !== 255) {
        categoryMask[pixel] = agreed;
        continue;
      }
      const tx = px - ix;
      const ty = py - iy;
      const w00 = (1 - tx) * (1 - ty);
      const w01 = tx * (1 - ty);
      const w10 = (1 - tx) * ty;
      const w11 = tx * ty;
      let best = 0;
      let top = -Infinity;
      for (let c = 0, p = iy * lw + ix; c < classes; c++, p += plane) {
        const value = data[p]! * w00 + data[p + 1]! * w01 + data[p + lw]! * w10 + data[p + lw + 1]! * w11;
        if (value > top) {
          top = value;
          best = c;
        }
      }
      categoryMask[pixel] = best;
    }
  }
}

/**
 * Each grid point's claim on the pixels around it: 1 + the softmax maximum where the face labels
 * the point (not background), the softmax maximum where it says background, so a face that sees
 * its person there wins over one that sees nothing, and the surer of two faces wins.
 */
function claims(data: Float32Array, classes: number, plane: number): Float32Array {
  const out = new Float32Array(plane);
  for (let p = 0; p < plane; p++) {
    let best = 0;
    let top = data[p]!;
    for (let c = 1, o = p + plane; c < classes; c++, o += plane) {
      if (data[o]! > top) {
        top = data[o]!;
        best = c;
      }
    }
    let sum = 0;
    for (let c = 0, o = p; c < classes; c++, o += plane) sum += Math.exp(data[o]! - top);
    out[p] = (best === 0 ? 0 : 1) + 1 / sum;
  }
  return out;
}

/** Where crops overlap, which face owns each pixel: the largest claim of its nearest grid point. */
function claimPixels(faces: readonly FaceLogits[], width: number, height: number, owner: Uint8Array): void {
  const best = new Float32Array(width * height).fill(-1);
  faces.forEach((face, index) => {
    const { data, classes, height: lh, width: lw } = face;
    const claim = face.claim ?? claims(data, classes, lw * lh);
    const { rows, dgx, dgy } = gridRows(face, width, height);
    for (const row of rows) {
      let { sx, sy } = row;
      for (let x = row.from, pixel = row.y * width + row.from; x < row.to; x++, pixel++, sx += dgx, sy += dgy) {
        const ix = sx < 0 ? 0 : sx > lw - 1 ? lw - 1 : Math.round(sx);
        const iy = sy < 0 ? 0 : sy > lh - 1 ? lh - 1 : Math.round(sy);
        const c = claim[iy * lw + ix]!;
        if (c > best[pixel]!) {
          best[pixel] = c;
          owner[pixel] = index + 1;
        }
      }
    }
  });
}

/** The photo's label map and instance map from every face's logits. */
export function pasteLogits(faces: readonly FaceLogits[], width: number, height: number): PastedLabels {
  if (faces.length > 255) throw new RangeError('pasteLogits: at most 255 faces per photo');
  const categoryMask = new Uint8Array(width * height);
  const instanceMask = new Uint8Array(width * height);
  if (faces.length === 1) {
    pasteAlone(faces[0]!, 0, width, height, undefined, categoryMask, instanceMask);
    return { categoryMask, instanceMask };
  }
  // Owners first, from the grid points (cheap), then each face pastes only its own pixels.
  claimPixels(faces, width, height, instanceMask);
  faces.forEach((face, index) => pasteAlone(face, index, width, height, instanceMask, categoryMask, instanceMask));
  return { categoryMask, instanceMask };
}

/**
 * Softmax maps of the pasted result: the chosen class's probability, and the probability of each
 * class in `ids`, taken from the face that owns each pixel (instanceMask); 0 outside every face
 * except for class 0 (background), which is 1 there, as the label map says.
 */
export function pasteSoftmax(faces: readonly FaceLogits[], instanceMask: Uint8Array, width: number, height: number, ids: readonly number[]) {
  const confidence = new Float32Array(width * height);
  const probabilities = new Map<number, Float32Array>(ids.map((id) => [id, new Float32Array(width * height)]));
  for (let i = 0; i < instanceMask.length; i++) {
    if (instanceMask[i] !== 0) continue;
    confidence[i] = 1;
    const background = probabilities.get(0);
    if (background) background[i] = 1;
  }
  faces.forEach((face, index) => {
    sampleFaceLogits(face, width, height, (pixel, values) => {
      if (instanceMask[pixel] !== index + 1) return;
      const best = argmax(values);
      const top = values[best]!;
      let sum = 0;
      for (let c = 0; c < values.length; c++) sum += Math.exp(values[c]! - top);
      confidence[pixel] = 1 / sum;
      for (const [id, map] of probabilities) map[pixel] = Math.exp(values[id]! - top) / sum;
    });
  });
  return { confidence, probabilities };
}
