/**
 * The model's answer is checked before it becomes a mask: an empty map (0 x 0) or a non-finite
 * score (NaN, +-Infinity: a broken export, an fp16 overflow) would otherwise arg-max to an
 * all-background mask that looks like a valid result.
 */
import { FaceParseError } from '../base/errors.js';
import type { Logits } from '../base/types.js';

export function checkLogits(logits: Logits, model: string, input: string): void {
  const { data, classes, height, width } = logits;
  if (height <= 0 || width <= 0 || classes <= 0 || data.length === 0) {
    throw new FaceParseError(
      'MODEL_OUTPUT_INVALID',
      `model ${model} returned an empty logits map (${classes} classes, ${height}x${width}) for ${input}; the model is broken or does not fit this input size: re-export it, or pass another --model`,
    );
  }
  for (let i = 0; i < data.length; i++) {
    // x - x is 0 for every finite x and NaN for NaN and +-Infinity: one test for both.
    if (data[i]! - data[i]! !== 0) {
      throw new FaceParseError(
        'MODEL_OUTPUT_INVALID',
        `model ${model} returned non-finite logits (${String(data[i])} at index ${i} of ${data.length}) for ${input}, so its result would be meaningless; ` +
          'the model is broken (or overflows in fp16: try --variant fp32), pass another --model',
      );
    }
  }
}
