/** The files of a model folder in the Hugging Face / transformers.js layout. */
import type { ModelVariant } from '../base/types.js';
import { FaceParseError } from '../base/errors.js';
import { variantOption } from '../options/parserOptions.js';

export type { ModelVariant };

export const CONFIG_FILE = 'config.json';
export const PREPROCESSOR_FILE = 'preprocessor_config.json';

export const VARIANTS: readonly ModelVariant[] = variantOption.options;

/** Where each variant's weights live (transformers.js names). */
export const VARIANT_FILES: Readonly<Record<ModelVariant, string>> = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q8: 'onnx/model_quantized.onnx',
};

/** Name of the external-data file some exports keep next to the graph. */
export function externalDataFile(onnxFile: string): string {
  return `${onnxFile}_data`;
}

export function isVariant(value: unknown): value is ModelVariant {
  return typeof value === 'string' && (VARIANTS as readonly string[]).includes(value);
}

export function parseVariant(value: string | undefined): ModelVariant {
  if (value === undefined || value === '') return 'fp32';
  if (isVariant(value)) return value;
  throw new FaceParseError(
    'INVALID_ARGUMENT',
    `unknown model variant "${value}": expected one of ${VARIANTS.join(', ')} (fp32 is onnx/model.onnx, ` +
      'fp16 onnx/model_fp16.onnx, q8 onnx/model_quantized.onnx)',
  );
}
