/**
 * One face's model input: the photo warped straight into the aligned crop (one resampling, no
 * resize of the whole photo first), then the SegFormer normalisation of the 8-bit values (the
 * same per-channel tables as the whole-photo preprocessing), laid out NCHW.
 */
import type { RgbImage } from '../base/types.js';
import type { FaceAlignment } from './align.js';
import { warpAffine, type WarpOptions } from './warp.js';

/** Writes 3 x height x width values into `out` (a view into a batch tensor) or a new array. */
export function warpToModelInput(
  image: RgbImage,
  alignment: FaceAlignment,
  tables: readonly Float32Array[],
  out?: Float32Array,
  options: WarpOptions = {},
): Float32Array {
  const { width, height } = alignment;
  const pixels = warpAffine(image, alignment.cropToPhoto, width, height, { outside: 'edge', ...options });
  const plane = width * height;
  const data = out ?? new Float32Array(3 * plane);
  const [t0, t1, t2] = tables as [Float32Array, Float32Array, Float32Array];
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    data[i] = t0[pixels[p]!]!;
    data[plane + i] = t1[pixels[p + 1]!]!;
    data[2 * plane + i] = t2[pixels[p + 2]!]!;
  }
  return data;
}

/** The aligned crop as RGB pixels (for the `faces` output: `<stem>.face0.png`). */
export function warpFaceCrop(image: RgbImage, alignment: FaceAlignment, options: WarpOptions = {}): RgbImage {
  return {
    data: warpAffine(image, alignment.cropToPhoto, alignment.width, alignment.height, { outside: 'edge', ...options }),
    width: alignment.width,
    height: alignment.height,
  };
}
