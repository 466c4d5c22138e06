/**
 * The arg-max tie rule: where classes tie for the largest logit, the first (lowest class id) wins,
 * as torch.argmax and numpy.argmax decide. The parity tests leave near-ties aside (float rounding
 * may order them either way), so exact ties are checked here, on every arg-max of the label map:
 * the fused upsample + arg-max (whole photos, its per-cell shortcut and its per-pixel path) and
 * the faces' paste-back (one face, and overlapping faces).
 */
import { describe, expect, it } from 'vitest';
import { invertAffine } from '../../src/faces/affine.js';
import { pasteLogits, type FaceLogits } from '../../src/faces/paste.js';
import type { Affine } from '../../src/faces/types.js';
import { axisWeights, upsampleArgmax } from '../../src/postprocess/upsampleArgmax.js';

const f = Math.fround;

/** torch's interpolate(bilinear, align_corners=False) in float32, then the first maximum: one pixel at a time. */
function referenceArgmax(logits: Float32Array, classes: number, h: number, w: number, outH: number, outW: number): Uint8Array {
  const xs = axisWeights(w, outW);
  const ys = axisWeights(h, outH);
  const out = new Uint8Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let best = 0;
      let top = -Infinity;
      for (let k = 0; k < classes; k++) {
        const at = (yy: number, xx: number) => logits[k * h * w + yy * w + xx]!;
        const top0 = f(f(at(ys.i0[y]!, xs.i0[x]!) * xs.l0[x]!) + f(at(ys.i0[y]!, xs.i1[x]!) * xs.l1[x]!));
        const bottom = f(f(at(ys.i1[y]!, xs.i0[x]!) * xs.l0[x]!) + f(at(ys.i1[y]!, xs.i1[x]!) * xs.l1[x]!));
        const v = f(f(top0 * ys.l0[y]!) + f(bottom * ys.l1[y]!));
        if (v > top) {
          top = v;
          best = k;
        }
      }
      out[y * outW + x] = best;
    }
  }
  return out;
}

/** A seeded generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('arg-max ties: the first maximum wins (torch.argmax, numpy.argmax)', () => {
  it('upsampleArgmax: all-equal logits give class 0 at every size', () => {
    for (const [outH, outW] of [
      [4, 4],
      [16, 12],
      [3, 2],
    ] as const) {
      const mask = upsampleArgmax(new Float32Array(5 * 4 * 4), 5, 4, 4, outH, outW);
      expect(new Set(mask)).toEqual(new Set([0]));
    }
  });

  it('upsampleArgmax: two classes tied on top everywhere give the lower id, on the per-cell shortcut and per pixel', () => {
    const classes = 6;
    const logits = new Float32Array(classes * 3 * 3).fill(-2);
    logits.fill(4, 2 * 9, 3 * 9); // class 2
    logits.fill(4, 5 * 9, 6 * 9); // class 5, the same
    expect(new Set(upsampleArgmax(logits, classes, 3, 3, 12, 12))).toEqual(new Set([2]));
    expect(new Set(upsampleArgmax(logits, classes, 3, 3, 3, 3))).toEqual(new Set([2]));
  });

  it('upsampleArgmax equals the one-pixel-at-a-time rule on logits full of exact ties', () => {
    const next = random(35);
    for (const [classes, h, w, outH, outW] of [
      [4, 5, 6, 20, 24],
      [19, 8, 8, 30, 17],
      [3, 4, 4, 4, 4],
    ] as const) {
      // Whole numbers from a range of three: most pixels tie between two or more classes.
      const logits = Float32Array.from({ length: classes * h * w }, () => Math.floor(next() * 3));
      expect(Array.from(upsampleArgmax(logits, classes, h, w, outH, outW))).toEqual(Array.from(referenceArgmax(logits, classes, h, w, outH, outW)));
    }
  });

  const identity: Affine = [1, 0, 0, 0, 1, 0];
  const face = (data: Float32Array, classes: number): FaceLogits => ({
    data,
    classes,
    height: 2,
    width: 2,
    alignment: { photoToCrop: identity, cropToPhoto: invertAffine(identity), width: 8, height: 8 },
  });

  it('pasteLogits: a tie in one face, and in faces that overlap, gives the lower id', () => {
    const classes = 4;
    const tied = new Float32Array(classes * 4);
    tied.fill(3, 1 * 4, 2 * 4); // class 1
    tied.fill(3, 3 * 4, 4 * 4); // class 3, the same
    expect(new Set(pasteLogits([face(tied, classes)], 8, 8).categoryMask)).toEqual(new Set([1]));
    // Overlapping crops go through the per-pixel arg-max that compares the faces' confidences.
    expect(new Set(pasteLogits([face(tied, classes), face(tied.slice(), classes)], 8, 8).categoryMask)).toEqual(new Set([1]));
    // Ties that vary across the cell (the per-pixel path of one face).
    const varying = new Float32Array(classes * 4);
    varying.set([3, 3, 0, 0], 0 * 4); // class 0 ties class 2 on the top row
    varying.set([3, 3, 0, 0], 2 * 4);
    varying.set([0, 0, 3, 3], 1 * 4); // class 1 ties class 3 on the bottom row
    varying.set([0, 0, 3, 3], 3 * 4);
    const mask = pasteLogits([face(varying, classes)], 8, 8).categoryMask;
    expect(new Set(mask)).toEqual(new Set([0, 1]));
  });
});
