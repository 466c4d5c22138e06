/**
 * The budget of test-time augmentation: every pass of a parse (the model input at each scale,
 * twice with flip) costs the model time and memory in proportion to its pixels, and a single large
 * pass costs more than that (SegFormer's first-stage attention grows with the square of the pixels:
 * on the embedded model a parse of a 300x200 photo peaked at 0.33 GiB with scales [1], 0.79 GiB
 * with [1, 2], 1.7 GiB with [1, 3] and 4.7 GiB with [1, 3.9, 4]; `/usr/bin/time -v faceparse parse
 * --faces off --scales ...`). So the model-input pixels of all passes of one parse are counted and
 * bounded by `maxModelPixels`, and the service counts them in its pixel budget and its pace.
 */
import { FaceParseError } from '../base/errors.js';
import { DEFAULT_MAX_MODEL_PIXELS } from '../options/parserOptions.js';
import { scaledInputSize } from '../postprocess/multiscale.js';

/**
 * Default bound on the model-input pixels of all passes of one parse (src/options): eight passes of
 * a 512x512 model (e.g. scales 0.75,1,1.25 with flip, or 1,2), which keeps one parse of the embedded
 * model under about 1.3 GiB whatever the scales ([1, 2.6], about the most it allows: 1.21 GiB).
 */
export { DEFAULT_MAX_MODEL_PIXELS };

/**
 * Memory of a model-input pixel of an extra pass, in photo pixels (a parse holds about 15 bytes per
 * photo pixel, an extra pass about 460 bytes per model-input pixel: the [1, 2] run above), so the
 * service's pixel budget counts augmentation in the same unit as photos.
 */
export const AUGMENTED_PIXEL_WEIGHT = 32;

export interface AugmentationCost {
  /** Model-input pixels of every pass (each scale; twice with flip). */
  modelPixels: number;
  /** Model-input pixels of the plain pass (scale 1, no flip). */
  plainPixels: number;
  /** Passes through the model. */
  passes: number;
}

/** What the passes of a parse at this model input size cost. */
export function augmentationCost(inputSize: { width: number; height: number }, scales: readonly number[] = [1], flip = false): AugmentationCost {
  const plainPixels = inputSize.width * inputSize.height;
  let modelPixels = 0;
  for (const scale of scales) modelPixels += scale === 1 ? plainPixels : scaledInputSize(inputSize.width, scale) * scaledInputSize(inputSize.height, scale);
  const mirror = flip ? 2 : 1;
  return { modelPixels: modelPixels * mirror, plainPixels, passes: scales.length * mirror };
}

const mp = (pixels: number) => `${(pixels / 1e6).toFixed(pixels < 1e7 ? 2 : 0)} MP`;

/**
 * Throws when the passes of a parse at this model input size are over `maxModelPixels`. A plain
 * parse (scale 1, no flip) is never refused here: its size is the photo's or the model's, bounded
 * by maxInputPixels. `perPhoto`: the input size is the photo's own (do_resize false), so the error
 * is the photo's (INPUT_TOO_LARGE), not the options'.
 */
export function checkAugmentation(
  inputSize: { width: number; height: number },
  scales: readonly number[] | undefined,
  flip: boolean | undefined,
  maxModelPixels: number,
  perPhoto = false,
): void {
  const cost = augmentationCost(inputSize, scales, flip === true);
  if (cost.passes === 1 || cost.modelPixels <= maxModelPixels) return;
  const what = `${scales && scales.length > 1 ? `scales ${scales.join(',')}` : 'scale 1'}${flip ? ' with flip' : ''}`;
  const where = perPhoto
    ? `this photo (the model parses it at its own size, ${inputSize.width}x${inputSize.height})`
    : `the model input of ${inputSize.width}x${inputSize.height}`;
  throw new FaceParseError(
    perPhoto ? 'INPUT_TOO_LARGE' : 'INVALID_ARGUMENT',
    `${what} on ${where} run ${cost.passes} passes of ${mp(cost.modelPixels)} of model input together, over the limit of ${mp(maxModelPixels)} ` +
      `(each pass's memory grows with its pixels); use fewer or smaller scales (e.g. 0.75,1,1.25)${flip ? ', drop flip' : ''}, or raise maxModelPixels (--max-model-pixels)`,
  );
}
