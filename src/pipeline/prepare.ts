/**
 * The preprocess stage: a decoded photo to the model's pixel values, at the model input size and at
 * each other size of multi-scale test-time augmentation. Pure (no platform code), so it runs the same
 * in Node and the browser, and off the model queue (the next photo is prepared while the model runs).
 */
import type { RgbImage } from '../base/types.js';
import type { PreprocessorConfig } from '../models/segformer/config.js';
import { preprocess, type ModelInput } from '../models/segformer/preprocess.js';
import { scaledInputSize } from '../postprocess/multiscale.js';

export interface PreparedInput extends ModelInput {
  /** The photo preprocessed at the other sizes of multi-scale test-time augmentation (scales other than 1). */
  otherScales: ModelInput[];
}

export function prepareInput(image: RgbImage, preprocessor: PreprocessorConfig, tables: Float32Array[], scales: readonly number[] = [1]): PreparedInput {
  const { data, height, width } = preprocess(image, preprocessor, tables);
  const otherScales = scales
    .filter((scale) => scale !== 1)
    .map((scale) => {
      const size = { height: scaledInputSize(height, scale), width: scaledInputSize(width, scale) };
      return preprocess(image, { ...preprocessor, doResize: true, size }, tables);
    });
  return { data, height, width, otherScales };
}
