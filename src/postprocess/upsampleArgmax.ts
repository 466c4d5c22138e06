/**
 * Bilinear upsampling of SegFormer logits (C x h x w, 1/4 of the model input) to the photo's size
 * fused with the arg-max over classes, with the results of
 * `F.interpolate(logits, size, mode='bilinear', align_corners=False).argmax(1)`,
 * without materialising the C x H x W upsampled tensor.
 *
 * Why it is exact and fast: an output pixel is a convex combination of the four logit vectors at
 * the corners of its cell. If one class is the strict arg-max at all four corners, it wins every
 * interpolated pixel of the cell, so the cell is filled at once; only cells whose corners
 * disagree (class boundaries) are interpolated class by class. Corners whose top-two margin is
 * within float32 rounding are sent down the per-pixel path too, so the float32 arithmetic there
 * (the order torch uses: across width, then height) decides as torch would.
 */

import { FaceParseError } from '../base/errors.js';

const f = Math.fround;

/** Source index and weights per output coordinate, as torch computes them in float32. */
export interface AxisWeights {
  i0: Int32Array;
  i1: Int32Array;
  l0: Float32Array;
  l1: Float32Array;
}

export function axisWeights(inSize: number, outSize: number): AxisWeights {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const l0 = new Float32Array(outSize);
  const l1 = new Float32Array(outSize);
  const scale = f(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    let src = f(f(scale * f(d + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const index = Math.min(Math.floor(src), inSize - 1);
    const lambda = Math.min(Math.max(f(src - index), 0), 1);
    i0[d] = index;
    i1[d] = index + (index < inSize - 1 ? 1 : 0);
    l1[d] = lambda;
    l0[d] = f(1 - lambda);
  }
  return { i0, i1, l0, l1 };
}

/** Relative top-two margin under which a corner is not trusted for the whole-cell shortcut. */
const MARGIN = 1e-5;

export interface UpsampleArgmaxOptions {
  /** Write into this array (length outWidth * outHeight) instead of a new one. */
  out?: Uint8Array;
  /**
   * Only output rows [start, end) (written at their place in `out`): rows are independent, so bands
   * of rows can be computed on several cores. Default: every row.
   */
  rows?: readonly [number, number];
  /** With `rows`: `out` holds only those rows (length (end - start) * outWidth), not the whole map. */
  bandOnly?: boolean;
}

/**
 * @param logits one image's logits, classes x height x width (row-major), e.g. a subarray of a batch
 * @returns class ids, outHeight x outWidth
 */
export function upsampleArgmax(
  logits: Float32Array,
  classes: number,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
  options: UpsampleArgmaxOptions = {},
): Uint8Array {
  if (!(logits instanceof Float32Array) || ![classes, height, width, outHeight, outWidth].every((n) => Number.isInteger(n) && n > 0)) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `upsampleArgmax takes Float32Array logits and positive whole sizes; got ${logits instanceof Float32Array ? `${logits.length} values` : String(logits)} for ${[classes, height, width, outHeight, outWidth].join(', ')}`,
    );
  }
  if (classes > 256) throw new FaceParseError('INVALID_ARGUMENT', `upsampleArgmax writes 8-bit class ids; got ${classes} classes`);
  if (logits.length < classes * height * width) {
    throw new FaceParseError('INVALID_ARGUMENT', `logits have ${logits.length} values; ${classes}x${height}x${width} needs ${classes * height * width}`);
  }
  const [rowStart, rowEnd] = options.rows ?? [0, outHeight];
  const firstOutRow = options.bandOnly ? rowStart : 0;
  const out = options.out ?? new Uint8Array(outWidth * (options.bandOnly ? rowEnd - rowStart : outHeight));
  const plane = height * width;

  // Arg-max at the logit grid, and whether its margin is safe for the shortcut.
  const best = new Uint8Array(plane);
  const safe = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) {
    let top = logits[p]!;
    let second = -Infinity;
    let arg = 0;
    for (let c = 1, q = p + plane; c < classes; c++, q += plane) {
      const v = logits[q]!;
      if (v > top) {
        second = top;
        top = v;
        arg = c;
      } else if (v > second) {
        second = v;
      }
    }
    best[p] = arg;
    safe[p] = classes === 1 || top - second > MARGIN * (Math.abs(top) + 1) ? 1 : 0;
  }

  const xs = axisWeights(width, outWidth);
  const ys = axisWeights(height, outHeight);
  // Output columns come in runs that share their source columns (x0, x1).
  const runStart: number[] = [];
  for (let x = 0; x < outWidth; x++) {
    if (x === 0 || xs.i0[x] !== xs.i0[x - 1] || xs.i1[x] !== xs.i1[x - 1]) runStart.push(x);
  }
  runStart.push(outWidth);

  // Candidate classes per cell of the current pair of source rows (count -1: not computed yet).
  const candidates = new Int32Array(width * classes);
  const candidateCount = new Int32Array(width);
  let cachedRows = -1;
  for (let y = rowStart; y < rowEnd; y++) {
    const r0 = ys.i0[y]! * width;
    const r1 = ys.i1[y]! * width;
    if (r0 * (height + 1) + r1 !== cachedRows) {
      candidateCount.fill(-1);
      cachedRows = r0 * (height + 1) + r1;
    }
    const h0 = ys.l0[y]!;
    const h1 = ys.l1[y]!;
    const rowOut = (y - firstOutRow) * outWidth;
    for (let r = 0; r < runStart.length - 1; r++) {
      const xStart = runStart[r]!;
      const xEnd = runStart[r + 1]!;
      const c0 = xs.i0[xStart]!;
      const c1 = xs.i1[xStart]!;
      const a = r0 + c0;
      const b = r0 + c1;
      const c = r1 + c0;
      const d = r1 + c1;
      const cls = best[a]!;
      if (cls === best[b] && cls === best[c] && cls === best[d] && safe[a] & safe[b] & safe[c] & safe[d]) {
        out.fill(cls, rowOut + xStart, rowOut + xEnd);
        continue;
      }
      // Classes that can win somewhere in this cell: an interpolated value lies between the
      // class's smallest and largest corner values, so a class whose largest corner value is
      // below some other class's smallest one never wins here. Computed once per cell.
      const listStart = c0 * classes;
      let count = candidateCount[c0]!;
      if (count < 0) {
        let floor = -Infinity;
        for (let k = 0, o = 0; k < classes; k++, o += plane) {
          const low = Math.min(logits[o + a]!, logits[o + b]!, logits[o + c]!, logits[o + d]!);
          if (low > floor) floor = low;
        }
        floor -= MARGIN * (Math.abs(floor) + 1);
        count = 0;
        for (let k = 0, o = 0; k < classes; k++, o += plane) {
          if (Math.max(logits[o + a]!, logits[o + b]!, logits[o + c]!, logits[o + d]!) >= floor) candidates[listStart + count++] = k;
        }
        candidateCount[c0] = count;
      }
      for (let x = xStart; x < xEnd; x++) {
        const w0 = xs.l0[x]!;
        const w1 = xs.l1[x]!;
        let arg = 0;
        let top = -Infinity;
        for (let j = 0; j < count; j++) {
          const k = candidates[listStart + j]!;
          const o = k * plane;
          const v = f(f(f(f(logits[o + a]! * w0) + f(logits[o + b]! * w1)) * h0) + f(f(f(logits[o + c]! * w0) + f(logits[o + d]! * w1)) * h1));
          // Candidates ascend by class id, so strict > keeps torch's first-maximum rule.
          if (v > top) {
            top = v;
            arg = k;
          }
        }
        out[rowOut + x] = arg;
      }
    }
  }
  return out;
}

/**
 * Per-pixel softmax over the upsampled logits. With `classIds`, writes one probability map per
 * listed class; always returns the confidence map (the top class's probability).
 */
export function upsampleSoftmax(
  logits: Float32Array,
  classes: number,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
  classIds: readonly number[] = [],
): { confidence: Float32Array; probabilities: Map<number, Float32Array> } {
  const plane = height * width;
  const xs = axisWeights(width, outWidth);
  const ys = axisWeights(height, outHeight);
  const confidence = new Float32Array(outWidth * outHeight);
  const probabilities = new Map(classIds.map((id) => [id, new Float32Array(outWidth * outHeight)] as const));
  const wanted = classIds.map((id) => [id, probabilities.get(id)!] as const);
  const values = new Float64Array(classes);
  for (let y = 0; y < outHeight; y++) {
    const r0 = ys.i0[y]! * width;
    const r1 = ys.i1[y]! * width;
    const h0 = ys.l0[y]!;
    const h1 = ys.l1[y]!;
    for (let x = 0; x < outWidth; x++) {
      const a = r0 + xs.i0[x]!;
      const b = r0 + xs.i1[x]!;
      const c = r1 + xs.i0[x]!;
      const d = r1 + xs.i1[x]!;
      const w0 = xs.l0[x]!;
      const w1 = xs.l1[x]!;
      let top = -Infinity;
      for (let k = 0, o = 0; k < classes; k++, o += plane) {
        const v = (logits[o + a]! * w0 + logits[o + b]! * w1) * h0 + (logits[o + c]! * w0 + logits[o + d]! * w1) * h1;
        values[k] = v;
        if (v > top) top = v;
      }
      let sum = 0;
      for (let k = 0; k < classes; k++) sum += Math.exp(values[k]! - top);
      const p = y * outWidth + x;
      confidence[p] = 1 / sum;
      for (const [id, map] of wanted) map[p] = Math.exp(values[id]! - top) / sum;
    }
  }
  return { confidence, probabilities };
}
