/**
 * The preprocess stage: a decoded photo to the model's pixel values, at the model input size and at
 * each other size of multi-scale test-time augmentation. Pure (no platform code), so it runs the same
 * in Node and the browser, and off the model queue (the next photo is prepared while the model runs).
 * A platform with threads may lend its row-band resize (`ParallelLoops`); the bytes are the same.
 */
import type { RgbImage } from '../base/types.js';
import { resizePil } from '../image/resize.js';
import type { PreprocessorConfig } from '../models/segformer/config.js';
import { modelInputSize, normalize, type ModelInput } from '../models/segformer/preprocess.js';
import type { ParallelLoops } from '../platform/types.js';
import { scaledInputSize } from '../postprocess/multiscale.js';

export interface PreparedInput extends ModelInput {
  /** The photo preprocessed at the other sizes of multi-scale test-time augmentation (scales other than 1). */
  otherScales: ModelInput[];
}

async function resizeAndNormalize(
  image: RgbImage,
  size: { width: number; height: number },
  resample: number,
  tables: Float32Array[],
  parallel?: ParallelLoops,
): Promise<ModelInput> {
  const { width, height } = size;
  const pixels =
    width === image.width && height === image.height
      ? image.data
      : parallel
        ? await parallel.resize(image.data, image.width, image.height, 3, width, height, resample)
        : resizePil(image.data, image.width, image.height, 3, width, height, resample);
  return normalize(pixels, width, height, tables);
}

export async function prepareInput(
  image: RgbImage,
  preprocessor: PreprocessorConfig,
  tables: Float32Array[],
  scales: readonly number[] = [1],
  parallel?: ParallelLoops,
): Promise<PreparedInput> {
  const size = modelInputSize(image, preprocessor);
  const main = await resizeAndNormalize(image, size, preprocessor.resample, tables, parallel);
  const otherScales: ModelInput[] = [];
  for (const scale of scales) {
    if (scale === 1) continue;
    const scaled = { height: scaledInputSize(main.height, scale), width: scaledInputSize(main.width, scale) };
    otherScales.push(await resizeAndNormalize(image, scaled, preprocessor.resample, tables, parallel));
  }
  return { ...main, otherScales };
}
