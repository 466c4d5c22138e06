/**
 * Multi-scale test-time augmentation: run the model on the photo preprocessed at several multiples
 * of the model's input size, resize each pass's logits to the grid of the scale-1 logits and
 * average them. The same as, in PyTorch (training/golden/reference_pipeline.py, multiscale_logits):
 *
 *     parts = [model(processor(img, size=floor(size * s + 0.5))).logits for s in scales]
 *     logits = mean(F.interpolate(p, size=parts[scales.index(1)].shape[-2:], mode='bilinear',
 *                                 align_corners=False) for p in parts)
 *
 * With flip, each pass is itself the flip-merged logits of the scaled photo and its mirror image.
 */
import { FaceParseError } from '../base/errors.js';
import { checkOption } from '../options/checkOption.js';
import { MAX_SCALE, MAX_SCALE_COUNT, MIN_SCALE, scalesOption } from '../options/parseOptions.js';
import { axisWeights } from './upsampleArgmax.js';

export { MAX_SCALE, MAX_SCALE_COUNT, MIN_SCALE };

/** Model input side for one scale: size * scale rounded to the nearest pixel (halves up), at least 32. */
export function scaledInputSize(size: number, scale: number): number {
  return Math.max(32, Math.floor(size * scale + 0.5));
}

/**
 * Checks a list of scales against the option's schema (src/options/parseOptions.ts): numbers from
 * MIN_SCALE to MAX_SCALE, no repeats, and 1 among them (the model's own input size, whose logits grid
 * the others are resized to), at most MAX_SCALE_COUNT of them (checked first, so a list of thousands
 * is refused at once). Throws INVALID_ARGUMENT.
 */
export function checkScales(scales: readonly number[]): readonly number[] {
  return checkOption(scalesOption, scales, 'scales');
}

/**
 * Adds `src` (classes x height x width), bilinearly resized as torch's
 * `F.interpolate(mode='bilinear', align_corners=False)` to outHeight x outWidth, into `into`
 * (classes x outHeight x outWidth).
 */
export function addResized(into: Float32Array, src: Float32Array, classes: number, height: number, width: number, outHeight: number, outWidth: number): void {
  if (src.length !== classes * height * width) throw new FaceParseError('INVALID_ARGUMENT', `expected ${classes}x${height}x${width} logits, got ${src.length}`);
  const outPlane = outHeight * outWidth;
  if (into.length !== classes * outPlane)
    throw new FaceParseError('INVALID_ARGUMENT', `expected ${classes}x${outHeight}x${outWidth} values to add into, got ${into.length}`);
  if (height === outHeight && width === outWidth) {
    for (let i = 0; i < into.length; i++) into[i]! += src[i]!;
    return;
  }
  const plane = height * width;
  const xs = axisWeights(width, outWidth);
  const ys = axisWeights(height, outHeight);
  for (let c = 0; c < classes; c++) {
    const base = c * plane;
    const outBase = c * outPlane;
    for (let y = 0; y < outHeight; y++) {
      const r0 = base + ys.i0[y]! * width;
      const r1 = base + ys.i1[y]! * width;
      const h0 = ys.l0[y]!;
      const h1 = ys.l1[y]!;
      const row = outBase + y * outWidth;
      for (let x = 0; x < outWidth; x++) {
        const a = xs.i0[x]!;
        const b = xs.i1[x]!;
        const w0 = xs.l0[x]!;
        const w1 = xs.l1[x]!;
        into[row + x]! += (src[r0 + a]! * w0 + src[r0 + b]! * w1) * h0 + (src[r1 + a]! * w0 + src[r1 + b]! * w1) * h1;
      }
    }
  }
}
