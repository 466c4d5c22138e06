/**
 * Flip test-time augmentation: run the model on the photo and on its mirror image, mirror the
 * second logits back with every left/right class pair swapped (l_eye <-> r_eye, ...), and average.
 * The same as, in PyTorch,
 * `(model(x).logits + model(x.flip(-1)).logits.flip(-1)[:, swap]) / 2`.
 */
import { FaceParseError } from '../base/errors.js';
import { leftRightPairs } from '../base/labels.js';

/** swap[c] = the class c becomes in a mirror image (c itself for classes without a side). */
export function mirrorClassTable(labels: readonly string[]): Int32Array {
  const table = Int32Array.from(labels, (_, i) => i);
  for (const [l, r] of leftRightPairs(labels)) {
    table[l] = r;
    table[r] = l;
  }
  return table;
}

/** Planes (channels x height x width, row-major) mirrored left to right, into a new array. */
export function mirrorPlanes(data: Float32Array, channels: number, height: number, width: number): Float32Array {
  if (data.length !== channels * height * width)
    throw new FaceParseError('INVALID_ARGUMENT', `expected ${channels}x${height}x${width} values, got ${data.length}`);
  const out = new Float32Array(data.length);
  for (let row = 0; row < channels * height; row++) {
    const start = row * width;
    const end = start + width - 1;
    for (let x = 0; x < width; x++) out[start + x] = data[end - x]!;
  }
  return out;
}

/**
 * Average of `logits` and the mirror image's logits taken back to the photo's frame:
 * out[c, y, x] = (logits[c, y, x] + mirrored[swap[c], y, width - 1 - x]) / 2.
 */
export function mergeMirrored(logits: Float32Array, mirrored: Float32Array, swap: Int32Array, height: number, width: number): Float32Array {
  const classes = swap.length;
  const plane = height * width;
  if (logits.length !== classes * plane || mirrored.length !== classes * plane) {
    throw new FaceParseError('INVALID_ARGUMENT', `expected ${classes}x${height}x${width} logits, got ${logits.length} and ${mirrored.length}`);
  }
  const out = new Float32Array(logits.length);
  for (let c = 0; c < classes; c++) {
    const src = swap[c]! * plane;
    const dst = c * plane;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      const last = src + row + width - 1;
      for (let x = 0; x < width; x++) out[dst + row + x] = (logits[dst + row + x]! + mirrored[last - x]!) * 0.5;
    }
  }
  return out;
}
