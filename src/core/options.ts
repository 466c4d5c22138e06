/** Options of FaceParser, in layers: where the model comes from, how it runs, what parse returns. */
import type { HubOptions } from '../hub/index.js';
import type { Device, ModelVariant } from './types.js';

/** Where the model comes from: `model`, plus the hub options of `resolveModel` (src/hub). */
export interface ModelSourceOptions
  extends Pick<HubOptions, 'revision' | 'cacheDir' | 'endpoint' | 'token' | 'offline' | 'onProgress' | 'signal' | 'fetch'> {
  /**
   * A model folder in the Hugging Face layout (config.json, preprocessor_config.json, onnx/*.onnx)
   * or a hub id `owner/name[@revision]`. Default: the embedded `face-parsing-mini` model.
   */
  model?: string;
  /** Weights variant: fp32 (onnx/model.onnx), fp16 (onnx/model_fp16.onnx), q8 (onnx/model_quantized.onnx).
   * Default: fp32 for hub ids; for folders the first present of fp32, q8, fp16. */
  variant?: ModelVariant;
}

export interface RuntimeOptions {
  /** Where the model runs. Default 'cpu'; 'cuda' needs onnxruntime-node's CUDA provider. */
  device?: Device;
  /** Inference threads. Default: onnxruntime's choice (one per core). */
  threads?: number;
  /**
   * Let onnxruntime's idle worker threads spin between operators. Default true (onnxruntime's
   * default, ~10% faster on an idle machine); false is faster when other processes share the cores.
   */
  spinning?: boolean;
  /** Largest accepted input in pixels (decompression-bomb guard). Default 100 000 000. */
  maxInputPixels?: number;
}

export type FaceParserOptions = ModelSourceOptions & RuntimeOptions;

export interface ParseOptions {
  /** Keep what the confidence and probability maps need (the logits). Default true. */
  keepLogits?: boolean;
  /**
   * Flip test-time augmentation: also run the mirror image of the photo and average the two
   * logits (left/right classes swapped back). About twice the inference time for a little more
   * accuracy (see the model card). Default false.
   */
  flip?: boolean;
}
