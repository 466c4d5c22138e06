/**
 * Fusion of a face's ladder (ladder.ts) into one logit map: a canvas in the face's own frame (the
 * aligned crop's rotation) over the widest rung, clipped to the photo, at the aligned crop's logit
 * resolution. Each canvas cell takes the rungs' logits, sampled bilinearly, widest first, and
 * each finer rung is laid over what is there with a feathered weight that falls smoothly to 0
 * towards its own border, so no rung leaves a straight edge: the crop decides the face's parts,
 * the wider rungs the hair, neck, clothes and hat around it. A border that lies outside the photo
 * is not feathered (nothing is cut there). The widest rung, unless it is the whole photo or the
 * crop alone, fades into background the same way: the not-background logits drop by FADE x ln(weight), so a label
 * that reaches its edge ends in a soft contour, not a line, and stays where the rung is sure.
 * Labels not connected to the face are dropped (keepConnected): the person stops where they do.
 * The result is a FaceLogits, pasted into the photo as any crop's logits (paste.ts).
 */
import { applyAffine, composeAffine, invertAffine } from './affine.js';
import type { Ladder, Rung } from './ladder.js';
import type { FaceLogits } from './paste.js';
import type { Affine } from './types.js';

export interface RungLogits {
  rung: Rung;
  /** classes x height x width, the model's output for this rung's input. */
  data: Float32Array;
  classes: number;
  height: number;
  width: number;
}

/** The feathered band of a crop rung: this share of its side on each edge. */
export const FEATHER = 0.15;
/** How steeply the widest crop rung's labels fade into background at its border. */
const FADE = 4;
/** The canvas's largest cell count (20 MB of float32 logits for 19 classes). */
export const MAX_CANVAS_CELLS = 512 * 512;
/** Photo pixels outside the photo a border may lie and still count as inside (rounding). */
const EDGE_SLACK = 1;

/** Weight of a rung at rung-unit point (x, y): 1 inside, smoothly to 0 at a border that lies in the photo, 0 outside. */
function rungWeight(x: number, y: number, unitToPhoto: Affine, photoWidth: number, photoHeight: number): number {
  if (x < 0 || y < 0 || x > 1 || y > 1) return 0;
  let d = Infinity;
  const inPhoto = (u: number, v: number) => {
    const p = applyAffine(unitToPhoto, { x: u, y: v });
    return p.x >= -EDGE_SLACK && p.y >= -EDGE_SLACK && p.x <= photoWidth + EDGE_SLACK && p.y <= photoHeight + EDGE_SLACK;
  };
  if (x < FEATHER && inPhoto(0, y)) d = Math.min(d, x);
  if (1 - x < FEATHER && inPhoto(1, y)) d = Math.min(d, 1 - x);
  if (y < FEATHER && inPhoto(x, 0)) d = Math.min(d, y);
  if (1 - y < FEATHER && inPhoto(x, 1)) d = Math.min(d, 1 - y);
  if (d >= FEATHER) return 1;
  const t = d / FEATHER;
  return t * t * (3 - 2 * t); // smoothstep: no kink where the band begins
}

/** Bilinear sample of all classes at grid point (gx, gy), clamped at the grid's border, into `out`. */
function sample(l: RungLogits, gx: number, gy: number, out: Float32Array): void {
  const { data, classes, height: lh, width: lw } = l;
  const px = gx < 0 ? 0 : gx > lw - 1 ? lw - 1 : gx;
  const py = gy < 0 ? 0 : gy > lh - 1 ? lh - 1 : gy;
  const ix = Math.min(Math.max(0, lw - 2), px | 0);
  const iy = Math.min(Math.max(0, lh - 2), py | 0);
  const ix1 = Math.min(lw - 1, ix + 1);
  const iy1 = Math.min(lh - 1, iy + 1);
  const tx = px - ix;
  const ty = py - iy;
  const plane = lw * lh;
  const o00 = iy * lw + ix;
  const o01 = iy * lw + ix1;
  const o10 = iy1 * lw + ix;
  const o11 = iy1 * lw + ix1;
  const w00 = (1 - tx) * (1 - ty);
  const w01 = tx * (1 - ty);
  const w10 = (1 - tx) * ty;
  const w11 = tx * ty;
  for (let c = 0, p = 0; c < classes; c++, p += plane) {
    out[c] = data[p + o00]! * w00 + data[p + o01]! * w01 + data[p + o10]! * w10 + data[p + o11]! * w11;
  }
}

/**
 * How far a person goes from their face, in face units (the aligned crop is [0, 1]²): arms
 * spread two crops to each side, a standing body six crops down. The canvas stops there even
 * where the whole photo is a rung, so a face in a crowd does not pay for the whole photo.
 */
export const PERSON_EXTENT = { x0: -2, x1: 3, y0: -1.5, y1: 6.5 };

/** The canvas's extent in face units: the rungs' union, clipped to the photo's bounding box and to PERSON_EXTENT. */
function canvasExtent(ladder: Ladder, rungs: readonly RungLogits[], photoWidth: number, photoHeight: number) {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const { rung } of rungs) {
    const unitToFace = invertAffine(rung.fromFace);
    for (const [u, v] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ] as const) {
      const p = applyAffine(unitToFace, { x: u, y: v });
      x0 = Math.min(x0, p.x);
      y0 = Math.min(y0, p.y);
      x1 = Math.max(x1, p.x);
      y1 = Math.max(y1, p.y);
    }
  }
  let px0 = Infinity;
  let py0 = Infinity;
  let px1 = -Infinity;
  let py1 = -Infinity;
  for (const [u, v] of [
    [0, 0],
    [photoWidth, 0],
    [0, photoHeight],
    [photoWidth, photoHeight],
  ] as const) {
    const p = applyAffine(ladder.photoToFace, { x: u, y: v });
    px0 = Math.min(px0, p.x);
    py0 = Math.min(py0, p.y);
    px1 = Math.max(px1, p.x);
    py1 = Math.max(py1, p.y);
  }
  return {
    x0: Math.max(x0, px0, PERSON_EXTENT.x0),
    y0: Math.max(y0, py0, PERSON_EXTENT.y0),
    x1: Math.min(x1, px1, PERSON_EXTENT.x1),
    y1: Math.min(y1, py1, PERSON_EXTENT.y1),
  };
}

/**
 * The face's fused logits on its canvas. `rungs` are the ladder's rungs with their logits, finest
 * first (the aligned crop first); their class counts must agree.
 */
export function fuseLadder(ladder: Ladder, rungs: readonly RungLogits[], photoWidth: number, photoHeight: number): FaceLogits {
  const classes = rungs[0]!.classes;
  const first = rungs[0]!;
  // Cells per face unit: the aligned crop's logit resolution, lowered only where the canvas would be too large.
  let density = first.width * Math.hypot(first.rung.fromFace[0], first.rung.fromFace[3]);
  const extent = canvasExtent(ladder, rungs, photoWidth, photoHeight);
  const spanX = Math.max(1e-6, extent.x1 - extent.x0);
  const spanY = Math.max(1e-6, extent.y1 - extent.y0);
  if (spanX * spanY * density * density > MAX_CANVAS_CELLS) density = Math.sqrt(MAX_CANVAS_CELLS / (spanX * spanY));
  // Cell edges on the crop's own logit grid where the density is the crop's, so its logits are not resampled off-grid.
  const x0 = Math.floor(extent.x0 * density) / density;
  const y0 = Math.floor(extent.y0 * density) / density;
  const width = Math.max(2, Math.ceil((extent.x1 - x0) * density));
  const height = Math.max(2, Math.ceil((extent.y1 - y0) * density));
  const faceToCanvas: Affine = [density, 0, -x0 * density, 0, density, -y0 * density];
  const photoToCrop = composeAffine(faceToCanvas, ladder.photoToFace);
  const alignment = { photoToCrop, cropToPhoto: invertAffine(photoToCrop), width, height };

  const plane = width * height;
  const data = new Float32Array(classes * plane);
  const order = [...rungs].reverse(); // widest first
  const unitToPhoto = order.map(({ rung }) => composeAffine(ladder.faceToPhoto, invertAffine(rung.fromFace)));
  const values = new Float32Array(classes);
  const mixed = new Float32Array(classes);
  const nearness = new Float32Array(plane);
  const weights = new Float64Array(order.length);
  const us = new Float64Array(order.length);
  const vs = new Float64Array(order.length);
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const fx = x0 + (i + 0.5) / density;
      const fy = y0 + (j + 0.5) / density;
      let near = 0;
      for (let k = 0; k < order.length; k++) {
        const l = order[k]!;
        const m = l.rung.fromFace;
        const ux = m[0] * fx + m[1] * fy + m[2];
        const uy = m[3] * fx + m[4] * fy + m[5];
        us[k] = ux;
        vs[k] = uy;
        // The photo has no border inside itself; a crop alone (its ladder not trusted) keeps its labels to its edge, as a plain crop paste does.
        weights[k] =
          l.rung.kind === 'photo' || order.length === 1
            ? ux >= 0 && uy >= 0 && ux <= 1 && uy <= 1
              ? 1
              : 0
            : rungWeight(ux, uy, unitToPhoto[k]!, photoWidth, photoHeight);
        near = Math.max(near, weights[k]! / Math.max(1, l.rung.zoom));
      }
      // The base: the finest rung that fully covers the cell (what is under it is hidden), else the
      // widest that reaches it, faded into background towards its border; finer rungs laid over it.
      let start = order.length - 1;
      while (start > 0 && weights[start]! < 1) start--;
      if (weights[start]! < 1) {
        start = 0;
        while (start < order.length - 1 && weights[start]! <= 0) start++;
      }
      for (let k = start; k < order.length; k++) {
        const l = order[k]!;
        const weight = weights[k]!;
        if (k === start) {
          sample(l, us[k]! * l.width - 0.5, vs[k]! * l.height - 0.5, mixed);
          if (weight < 1) {
            const fade = FADE * Math.log(Math.max(weight, 1e-4));
            for (let c = 1; c < classes; c++) mixed[c] = mixed[c]! + fade;
          }
          continue;
        }
        if (weight <= 0) continue;
        sample(l, us[k]! * l.width - 0.5, vs[k]! * l.height - 0.5, values);
        for (let c = 0; c < classes; c++) mixed[c] = weight * values[c]! + (1 - weight) * mixed[c]!;
      }
      const o = j * width + i;
      for (let c = 0, p = o; c < classes; c++, p += plane) data[p] = mixed[c]!;
      nearness[o] = near;
    }
  }
  keepConnected(data, classes, width, height, (i, j) => {
    const fx = x0 + (i + 0.5) / density;
    const fy = y0 + (j + 0.5) / density;
    return fx >= SEED.x0 && fx <= SEED.x1 && fy >= SEED.y0 && fy <= SEED.y1;
  });
  return { data, classes, height, width, alignment, claim: claims(data, classes, nearness) };
}

/**
 * Where canvases of several faces overlap, the pixel goes to a face that labels it, and of those
 * to the one it is nearest in ladder terms: inside a face's own crop its claim is 1 (+1 for a
 * label), in its rung of zoom k 1/k, so each person's crop decides that person's face and a
 * neighbour's wider rungs only fill in what no nearer face labels.
 */
function claims(data: Float32Array, classes: number, nearness: Float32Array): Float32Array {
  const plane = nearness.length;
  const claim = new Float32Array(plane);
  for (let p = 0; p < plane; p++) {
    const bg = data[p]!;
    let labelled = 0;
    for (let c = 1, o = p + plane; c < classes; c++, o += plane) {
      if (data[o]! > bg) {
        labelled = 1;
        break;
      }
    }
    claim[p] = labelled + nearness[p]!;
  }
  return claim;
}

/** The face itself in face units (the aligned crop's middle: eyes, nose, mouth): where the person's labels start. */
const SEED = { x0: 0.3, x1: 0.7, y0: 0.3, y1: 0.75 };

/**
 * A person is one connected piece: labelled (not background) cells that no 8-connected path of
 * labelled cells joins to the face (`seed` cells) belong to something else, a wall the model took
 * for hair or another person's sleeve, and become background (their background logit raised just
 * above their best class).
 */
export function keepConnected(data: Float32Array, classes: number, width: number, height: number, seed: (i: number, j: number) => boolean): void {
  const plane = width * height;
  const labelled = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) {
    const bg = data[p]!;
    for (let c = 1, o = p + plane; c < classes; c++, o += plane) {
      if (data[o]! > bg) {
        labelled[p] = 1;
        break;
      }
    }
  }
  const reached = new Uint8Array(plane);
  const stack: number[] = [];
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      const p = j * width + i;
      if (labelled[p] && seed(i, j)) {
        reached[p] = 1;
        stack.push(p);
      }
    }
  }
  while (stack.length > 0) {
    const p = stack.pop()!;
    const i = p % width;
    const j = (p - i) / width;
    for (let dj = -1; dj <= 1; dj++) {
      const y = j + dj;
      if (y < 0 || y >= height) continue;
      for (let di = -1; di <= 1; di++) {
        const x = i + di;
        if (x < 0 || x >= width) continue;
        const q = y * width + x;
        if (labelled[q] && !reached[q]) {
          reached[q] = 1;
          stack.push(q);
        }
      }
    }
  }
  for (let p = 0; p < plane; p++) {
    if (!labelled[p] || reached[p]) continue;
    let top = -Infinity;
    for (let c = 1, o = p + plane; c < classes; c++, o += plane) top = Math.max(top, data[o]!);
    data[p] = top + 1;
  }
}

/** Per grid point: 1 where the arg-max is not background. */
function personCells(l: { data: Float32Array; classes: number; height: number; width: number }): Uint8Array {
  const plane = l.width * l.height;
  const out = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) {
    const bg = l.data[p]!;
    for (let c = 1, o = p + plane; c < l.classes; c++, o += plane) {
      if (l.data[o]! > bg) {
        out[p] = 1;
        break;
      }
    }
  }
  return out;
}

export interface RungAgreement {
  /** Of the finer rung's background points, the share the wider rung also calls background. */
  background: number | undefined;
  /** Of the finer rung's person points (any class but background), the share the wider rung also calls person. */
  person: number | undefined;
}

/**
 * How far a wider rung agrees with a finer one on what the finer one sees (in the photo): person
 * or background, point by point on the finer grid. A model
 * that has not learnt faces zoomed out (the embedded model before v2) calls walls and skies hair
 * in its wider rungs; there they disagree with the crop on the crop's own background, and the
 * ladder stops below them (see LADDER_MIN_AGREEMENT).
 */
export function rungAgreement(finer: RungLogits, wider: RungLogits, faceToPhoto: Affine, photoWidth: number, photoHeight: number): RungAgreement {
  const innerPerson = personCells(finer);
  const outerPerson = personCells(wider);
  const finerToFace = invertAffine(finer.rung.fromFace);
  const toWider = composeAffine(wider.rung.fromFace, finerToFace);
  const finerToPhoto = composeAffine(faceToPhoto, finerToFace);
  let bg = 0;
  let bgSame = 0;
  let fg = 0;
  let fgSame = 0;
  for (let y = 0; y < finer.height; y++) {
    for (let x = 0; x < finer.width; x++) {
      const u = (x + 0.5) / finer.width;
      const v = (y + 0.5) / finer.height;
      const p = applyAffine(finerToPhoto, { x: u, y: v });
      if (p.x < 0 || p.y < 0 || p.x >= photoWidth || p.y >= photoHeight) continue;
      const w = applyAffine(toWider, { x: u, y: v });
      const gx = Math.min(wider.width - 1, Math.max(0, Math.round(w.x * wider.width - 0.5)));
      const gy = Math.min(wider.height - 1, Math.max(0, Math.round(w.y * wider.height - 0.5)));
      const outer = outerPerson[gy * wider.width + gx]!;
      if (innerPerson[y * finer.width + x]) {
        fg++;
        fgSame += outer;
      } else {
        bg++;
        bgSame += 1 - outer;
      }
    }
  }
  const total = bg + fg;
  // A share over a handful of points says nothing: below 2% of the points, no verdict.
  return { background: bg >= 0.02 * total && bg > 0 ? bgSame / bg : undefined, person: fg >= 0.02 * total && fg > 0 ? fgSame / fg : undefined };
}
