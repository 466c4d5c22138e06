/**
 * Bilinear resampling with the exact semantics of Pillow's `Image.resize(size, BILINEAR)`
 * (libImaging/Resample.c), which is what the reference preprocessor
 * (`SegformerImageProcessorPil`) runs: a triangle filter whose support widens by the scale factor
 * when shrinking (antialiasing), coefficients normalised then quantised to 22-bit fixed point,
 * a horizontal pass rounded to 8 bits, then a vertical pass.
 *
 * Written by hand because no library reproduces Pillow bit for bit: libvips (sharp) shrinks with
 * a box pre-filter and rounds differently, and one grey level off is already 0.017 after
 * normalisation, over the 1e-2 the parity tests allow.
 */

import { FaceParseError } from '../base/errors.js';

const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);
const CLIP_HIGH = 255 * 2 ** PRECISION_BITS;

/** Per output index: first source index, tap count, and fixed-point weights (`ksize` per index). */
export interface ResampleCoefficients {
  bounds: Int32Array; // [start0, count0, start1, count1, ...]
  weights: Int32Array; // outSize * ksize
  ksize: number;
}

/** Pillow's resampling filters (`Image.Resampling`), by their numeric ids in preprocessor configs. */
export const PIL_RESAMPLE = { NEAREST: 0, LANCZOS: 1, BILINEAR: 2, BICUBIC: 3, BOX: 4, HAMMING: 5 } as const;

interface Filter {
  support: number;
  weight: (x: number) => number;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

const FILTERS: Record<number, Filter> = {
  [PIL_RESAMPLE.BOX]: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  [PIL_RESAMPLE.BILINEAR]: {
    support: 1,
    weight: (x) => {
      const a = x < 0 ? -x : x;
      return a < 1 ? 1 - a : 0;
    },
  },
  [PIL_RESAMPLE.HAMMING]: {
    support: 1,
    weight: (x) => {
      const a = x < 0 ? -x : x;
      if (a === 0) return 1;
      if (a >= 1) return 0;
      const px = a * Math.PI;
      return (Math.sin(px) / px) * (0.54 + 0.46 * Math.cos(px));
    },
  },
  [PIL_RESAMPLE.BICUBIC]: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const v = x < 0 ? -x : x;
      if (v < 1) return ((a + 2) * v - (a + 3)) * v * v + 1;
      if (v < 2) return (((v - 5) * v + 8) * v - 4) * a;
      return 0;
    },
  },
  [PIL_RESAMPLE.LANCZOS]: { support: 3, weight: (x) => (x > -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis. */
export function resampleCoefficients(inSize: number, outSize: number, resample: number = PIL_RESAMPLE.BILINEAR): ResampleCoefficients {
  const filter = FILTERS[resample];
  if (!filter) throw new FaceParseError('INVALID_ARGUMENT', `no convolution filter for resample=${resample}`);
  const scale = inSize / outSize;
  const filterScale = scale < 1 ? 1 : scale;
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * 2 ** PRECISION_BITS) : Math.trunc(0.5 + w * 2 ** PRECISION_BITS);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { bounds, weights, ksize };
}

/** Accumulators are int32, as Pillow's: `| 0` keeps V8 in integer arithmetic. */
function clip8(ss: number): number {
  if (ss >= CLIP_HIGH) return 255;
  if (ss <= 0) return 0;
  return ss >> PRECISION_BITS;
}

/**
 * Resize interleaved 8-bit pixels (`channels` per pixel) to outWidth x outHeight, bit-exact with
 * Pillow's `Image.resize(size, resample)` (no box, no reducing_gap). Returns interleaved 8-bit
 * pixels (the input itself when the size does not change).
 */
export function resizePil(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
  resample: number = PIL_RESAMPLE.BILINEAR,
): Uint8Array {
  const sizes = [width, height, channels, outWidth, outHeight];
  if (!(src instanceof Uint8Array) || !sizes.every((n) => Number.isInteger(n) && n > 0) || src.length < width * height * channels) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `resizePil takes 8-bit pixels (a Uint8Array of width * height * channels bytes) and positive whole sizes; got ${src instanceof Uint8Array ? `${src.length} bytes` : String(src)} for ${sizes.join(', ')}`,
    );
  }
  if (width === outWidth && height === outHeight) return src;
  return resizePilRows(src, width, height, channels, outWidth, outHeight, resample, 0, outHeight);
}

/**
 * Output rows [rowStart, rowEnd) of `resizePil`, byte for byte: each output row depends only on
 * the source rows under its filter, so bands of rows can be computed apart (on several cores) and
 * laid end to end. Returns (rowEnd - rowStart) * outWidth * channels bytes.
 */
export function resizePilRows(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
  resample: number,
  rowStart: number,
  rowEnd: number,
  srcRowOffset = 0,
): Uint8Array {
  // With srcRowOffset, `src` holds the source rows from that row on (a band's part of the photo).
  if (resample === PIL_RESAMPLE.NEAREST) return resizeNearest(src, width, height, channels, outWidth, outHeight, rowStart, rowEnd, srcRowOffset);
  const needHorizontal = width !== outWidth;
  const needVertical = height !== outHeight;
  const vert = resampleCoefficients(height, outHeight, resample);

  let rows = src;
  let rowWidth = width;
  let firstRow = needVertical ? 0 : rowStart;
  if (needHorizontal) {
    // Only the source rows the vertical pass reads get a horizontal pass (as Pillow does).
    firstRow = needVertical ? vert.bounds[rowStart * 2] : rowStart;
    const lastRow = needVertical ? vert.bounds[rowEnd * 2 - 2] + vert.bounds[rowEnd * 2 - 1] : rowEnd;
    rows = horizontalPass(src, width, channels, firstRow, lastRow, outWidth, resample, srcRowOffset);
    rowWidth = outWidth;
    if (!needVertical) return rows;
  } else if (!needVertical) {
    return src.slice((rowStart - srcRowOffset) * width * channels, (rowEnd - srcRowOffset) * width * channels);
  } else {
    firstRow = srcRowOffset;
  }
  return verticalPass(rows, rowWidth, channels, firstRow, vert, rowStart, rowEnd);
}

function horizontalPass(
  src: Uint8Array,
  width: number,
  channels: number,
  firstRow: number,
  lastRow: number,
  outWidth: number,
  resample: number,
  srcRowOffset: number,
): Uint8Array {
  const { bounds, weights, ksize } = resampleCoefficients(width, outWidth, resample);
  const out = new Uint8Array((lastRow - firstRow) * outWidth * channels);
  const srcStride = width * channels;
  let o = 0;
  for (let y = firstRow; y < lastRow; y++) {
    const rowStart = (y - srcRowOffset) * srcStride;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = bounds[xx * 2];
      const count = bounds[xx * 2 + 1];
      const kOffset = xx * ksize;
      if (channels === 3) {
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        let p = rowStart + xmin * 3;
        for (let x = 0; x < count; x++, p += 3) {
          const w = weights[kOffset + x];
          s0 = (s0 + Math.imul(src[p], w)) | 0;
          s1 = (s1 + Math.imul(src[p + 1], w)) | 0;
          s2 = (s2 + Math.imul(src[p + 2], w)) | 0;
        }
        out[o++] = clip8(s0);
        out[o++] = clip8(s1);
        out[o++] = clip8(s2);
      } else {
        for (let c = 0; c < channels; c++) {
          let s = HALF;
          let p = rowStart + xmin * channels + c;
          for (let x = 0; x < count; x++, p += channels) s = (s + Math.imul(src[p], weights[kOffset + x])) | 0;
          out[o++] = clip8(s);
        }
      }
    }
  }
  return out;
}

function verticalPass(
  rows: Uint8Array,
  width: number,
  channels: number,
  firstRow: number,
  coefficients: ResampleCoefficients,
  rowStart: number,
  rowEnd: number,
): Uint8Array {
  const { bounds, weights, ksize } = coefficients;
  const stride = width * channels;
  const out = new Uint8Array((rowEnd - rowStart) * stride);
  const acc = new Int32Array(stride);
  for (let yy = rowStart; yy < rowEnd; yy++) {
    const ymin = bounds[yy * 2] - firstRow;
    const count = bounds[yy * 2 + 1];
    const kOffset = yy * ksize;
    const o = (yy - rowStart) * stride;
    const base = ymin * stride;
    if (count === 2) {
      // Upscaling and mild downscaling: two taps, the common case, without the inner loop.
      const w0 = weights[kOffset];
      const w1 = weights[kOffset + 1];
      for (let i = 0; i < stride; i++) out[o + i] = clip8((HALF + Math.imul(rows[base + i], w0) + Math.imul(rows[base + stride + i], w1)) | 0);
      continue;
    }
    if (count === 4) {
      // A 2x reduction: four taps.
      const w0 = weights[kOffset];
      const w1 = weights[kOffset + 1];
      const w2 = weights[kOffset + 2];
      const w3 = weights[kOffset + 3];
      const b1 = base + stride;
      const b2 = b1 + stride;
      const b3 = b2 + stride;
      for (let i = 0; i < stride; i++) {
        out[o + i] = clip8(
          (HALF + Math.imul(rows[base + i], w0) + Math.imul(rows[b1 + i], w1) + Math.imul(rows[b2 + i], w2) + Math.imul(rows[b3 + i], w3)) | 0,
        );
      }
      continue;
    }
    // Many taps (strong reductions): accumulate whole source rows, which walks memory linearly.
    acc.fill(HALF);
    for (let y = 0; y < count; y++) {
      const w = weights[kOffset + y];
      const r = base + y * stride;
      for (let i = 0; i < stride; i++) acc[i] = (acc[i] + Math.imul(rows[r + i], w)) | 0;
    }
    for (let i = 0; i < stride; i++) out[o + i] = clip8(acc[i]);
  }
  return out;
}

/**
 * Pillow's NEAREST resize (ImagingScaleAffine): source index = trunc of a coordinate that starts
 * at scale/2 and grows by `scale` per pixel, accumulated in doubles exactly as Pillow does.
 */
function resizeNearest(
  src: Uint8Array,
  width: number,
  height: number,
  channels: number,
  outWidth: number,
  outHeight: number,
  rowStart = 0,
  rowEnd = outHeight,
  srcRowOffset = 0,
): Uint8Array {
  const xIndex = new Int32Array(outWidth);
  const sx = width / outWidth;
  let xo = sx * 0.5;
  for (let x = 0; x < outWidth; x++, xo += sx) xIndex[x] = Math.min(width - 1, Math.trunc(xo));
  const out = new Uint8Array(outWidth * (rowEnd - rowStart) * channels);
  const sy = height / outHeight;
  let yo = sy * 0.5;
  let o = 0;
  for (let y = 0; y < rowEnd; y++, yo += sy) {
    if (y < rowStart) continue; // the coordinate is accumulated from row 0, as Pillow does
    const row = (Math.min(height - 1, Math.trunc(yo)) - srcRowOffset) * width * channels;
    for (let x = 0; x < outWidth; x++) {
      const p = row + xIndex[x] * channels;
      for (let c = 0; c < channels; c++) out[o++] = src[p + c];
    }
  }
  return out;
}

/** The source rows [first, end) that output rows [rowStart, rowEnd) of `resizePilRows` read. */
export function sourceRowsFor(height: number, outHeight: number, resample: number, rowStart: number, rowEnd: number): [number, number] {
  if (height === outHeight) return [rowStart, rowEnd];
  if (resample === PIL_RESAMPLE.NEAREST) {
    const sy = height / outHeight;
    let yo = sy * 0.5;
    let first = height;
    let last = 0;
    for (let y = 0; y < rowEnd; y++, yo += sy) {
      if (y < rowStart) continue;
      const row = Math.min(height - 1, Math.trunc(yo));
      first = Math.min(first, row);
      last = Math.max(last, row + 1);
    }
    return [first, last];
  }
  const { bounds } = resampleCoefficients(height, outHeight, resample);
  let first = height;
  let last = 0;
  for (let yy = rowStart; yy < rowEnd; yy++) {
    first = Math.min(first, bounds[yy * 2]);
    last = Math.max(last, bounds[yy * 2] + bounds[yy * 2 + 1]);
  }
  return [first, last];
}
