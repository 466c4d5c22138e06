/**
 * SegFormer preprocessing, with the arithmetic of transformers' `SegformerImageProcessorPil`:
 * Pillow resize on 8-bit RGB, then `x * rescale_factor` (float64, stored as float32), then
 * `(x - mean) / std` in float32, laid out NCHW. The last two steps depend only on the 8-bit value
 * and the channel, so they are one 256-entry table per channel.
 */
import type { RgbImage } from '../../base/types.js';
import { resizePil } from '../../image/resize.js';
import type { PreprocessorConfig } from './config.js';

export interface ModelInput {
  /** 3 x height x width float32, NCHW for one image. */
  data: Float32Array;
  height: number;
  width: number;
}

/** Per channel, the float32 value each 8-bit level becomes. */
export function normalizationTables(config: PreprocessorConfig): Float32Array[] {
  const f = Math.fround;
  return [0, 1, 2].map((c) => {
    const table = new Float32Array(256);
    const mean = f(config.imageMean[c]!);
    const std = f(config.imageStd[c]!);
    for (let v = 0; v < 256; v++) {
      let x = config.doRescale ? f(v * config.rescaleFactor) : v;
      if (config.doNormalize) x = f(f(x - mean) / std);
      table[v] = x;
    }
    return table;
  });
}

export function modelInputSize(image: { width: number; height: number }, config: PreprocessorConfig) {
  return config.doResize ? config.size : { height: image.height, width: image.width };
}

/**
 * Preprocess one RGB image into `out` (length 3*h*w, may be a view into a batch tensor) or a new
 * array. `tables` come from normalizationTables(config) and are reused across images.
 */
export function preprocess(image: RgbImage, config: PreprocessorConfig, tables: Float32Array[], out?: Float32Array): ModelInput {
  const { height, width } = modelInputSize(image, config);
  const pixels = resizePil(image.data, image.width, image.height, 3, width, height, config.resample);
  return normalize(pixels, width, height, tables, out);
}

/** The second half of `preprocess`: resized 8-bit RGB to normalised NCHW float32 through the tables. */
export function normalize(pixels: Uint8Array, width: number, height: number, tables: Float32Array[], out?: Float32Array): ModelInput {
  const plane = width * height;
  const data = out ?? new Float32Array(3 * plane);
  const [t0, t1, t2] = tables as [Float32Array, Float32Array, Float32Array];
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    data[i] = t0[pixels[p]];
    data[plane + i] = t1[pixels[p + 1]];
    data[2 * plane + i] = t2[pixels[p + 2]];
  }
  return { data, height, width };
}
