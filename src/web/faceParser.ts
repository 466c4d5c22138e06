/**
 * The browser FaceParser: the shared pipeline (src/pipeline, FaceParser.fromLoaded) on the browser
 * platform (src/platform/web), with browser inputs and outputs. Decoding rules, the Pillow-exact
 * resize, preprocessing, test-time augmentation and the fused upsample + arg-max are Node's own
 * code, so label maps agree; the model runs in a Web Worker so the page never freezes.
 *
 *     import { FaceParser } from './faceparse.js';
 *     const parser = await FaceParser.create({ model: 'https://example.com/models/face-parsing/' });
 *     const result = await parser.parse(file, { faces: 'off' });
 *     result.categoryMask; // Uint8Array of class ids, result.width x result.height
 */
import { FaceParseError } from '../base/errors.js';
import { checkFacesMode, type FacesMode } from '../faces/facesMode.js';
import type { TensorRunner } from '../faces/types.js';
import type { ImageInput, ModelVariant } from '../base/types.js';
import type { PreprocessorConfig } from '../models/segformer/config.js';
import { FaceParser as PipelineFaceParser } from '../pipeline/faceParser.js';
import type { ParseOptions } from '../pipeline/options.js';
import type { SegmentationSession } from '../platform/types.js';
import type { WebImageInput } from '../platform/web/decode.js';
import { webPlatform } from '../platform/web/index.js';
import type { LocalModelFolder, ModelProgress } from '../platform/web/modelSource.js';
import { loadWebModel, type WebLoadedModel } from '../platform/web/webModel.js';
import type { WebDevice } from '../platform/web/workerProtocol.js';
import { WebParseResult } from './result.js';

export interface WebFaceParserOptions {
  /**
   * URL of a model folder in the Hugging Face layout (config.json, preprocessor_config.json,
   * onnx/model*.onnx), absolute or relative to the page ('./models/x/', '/models/x/'), or a hub id
   * `owner/name[@revision]` fetched from `endpoint`. Default: the embedded face-parsing-mini model
   * beside the bundle (`assetsUrl` + 'models/face-parsing-mini/', q8). Also a folder the user
   * picked, as files by path (see `localModelFolder`).
   */
  model?: string | LocalModelFolder;
  /** fp32 (onnx/model.onnx), q8 (onnx/model_quantized.onnx), fp16 (onnx/model_fp16.onnx).
   * Default: fp32 for hub ids; for folders the first present of fp32, q8, fp16. */
  variant?: ModelVariant;
  /** For hub ids. Default https://huggingface.co. */
  endpoint?: string;
  /** For hub ids without `@revision`. Default main. */
  revision?: string;
  /** Keep model files in Cache Storage (loads offline next time). Default true. */
  cache?: boolean;
  /** Download progress, per file. */
  onProgress?: (progress: ModelProgress) => void;
  signal?: AbortSignal;
  /**
   * 'wasm' (default) or 'webgpu'. WebGPU falls back to wasm when there is no adapter or it cannot
   * run the model; `parser.device` and `parser.fallbackReason` say what happened.
   */
  device?: WebDevice;
  /**
   * WebAssembly threads. Default: the cores the browser reports (at most 16). Threads need a
   * cross-origin isolated page (headers `Cross-Origin-Opener-Policy: same-origin` and
   * `Cross-Origin-Embedder-Policy: require-corp`); without them one thread runs.
   */
  threads?: number;
  /** Largest accepted input in pixels. Default 100 000 000. */
  maxInputPixels?: number;
  /** Largest encoded input (Blob, bytes, fetched URL) in bytes. Default 1 GiB. */
  maxInputBytes?: number;
  /**
   * Folder of faceparse.worker.js, onnxruntime-web's ort-*.mjs/.wasm and the embedded model.
   * Default: the folder the bundle was loaded from.
   */
  assetsUrl?: string;
}

export interface WebParseOptions extends Pick<ParseOptions, 'keepLogits' | 'flip' | 'scales'> {
  /**
   * Face handling, as in Node: 'auto' (default) finds the faces (BlazeFace, in a worker of its
   * own) and parses the whole photo when it already is a face crop, else face by face, pasted
   * back; 'on' always face by face; 'off' the whole photo, the reference pipeline, no detector.
   */
  faces?: FacesMode;
  /**
   * Model input size (a square side in pixels, a multiple of 32) for this parse instead of the
   * preprocessor's: smaller is faster and coarser, e.g. 256 for live video. Default: the
   * preprocessor's size (what Node uses; label maps agree with Node's only then).
   */
  inputSize?: number;
}

export interface WebBatchItem {
  index: number;
  input: WebImageInput;
  result?: WebParseResult;
  error?: FaceParseError;
}

const EMBEDDED_MODEL = { folder: 'models/face-parsing-mini/', variant: 'q8' as ModelVariant };

function defaultAssetsUrl(): string {
  return new URL('./', import.meta.url).href;
}

function defaultThreads(): number {
  // One per core, as onnxruntime-node's default in the Node library (so the two compare like for like).
  const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1;
  return Math.min(16, Math.max(1, cores));
}

function checkParseOptions(options: WebParseOptions): void {
  checkFacesMode(options.faces);
  const size = options.inputSize;
  if (size !== undefined && !(Number.isInteger(size) && size >= 32 && size <= 2048 && size % 32 === 0)) {
    throw new FaceParseError('INVALID_ARGUMENT', `inputSize must be a multiple of 32 from 32 to 2048; got ${String(size)}`);
  }
}

/**
 * One face detector for the parser and its other-size parsers (inputSize), started by the
 * platform on the first parse that needs it (faces 'off' never starts it); a failed start is
 * retried by the next parse.
 */
function lazyDetector(create: () => Promise<TensorRunner>): TensorRunner & { start(): Promise<TensorRunner> } {
  let runner: Promise<TensorRunner> | undefined;
  const start = () =>
    (runner ??= create().catch((error: unknown) => {
      runner = undefined;
      throw error;
    }));
  return {
    start,
    run: (input, dims) => start().then((r) => r.run(input, dims)),
    async release() {
      const started = await runner?.catch(() => undefined);
      runner = undefined;
      await started?.release?.();
    },
  };
}

/** A session shared with the main parser: runs go through, release is the main parser's job. */
function shared(session: SegmentationSession): SegmentationSession {
  return {
    modelPath: session.modelPath,
    inputName: session.inputName,
    outputName: session.outputName,
    inputType: session.inputType,
    device: session.device,
    run: (pixelValues, batch, height, width) => session.run(pixelValues, batch, height, width),
    release: async () => undefined,
  };
}

export class FaceParser {
  /** The model's class names, index = class id. */
  readonly labels: readonly string[];
  /** The model URL or hub id it was loaded from. */
  readonly model: string;
  readonly variant: ModelVariant;
  readonly preprocessor: Readonly<PreprocessorConfig>;
  /** Where inference runs ('wasm' when WebGPU was asked for and fell back). */
  readonly device: WebDevice;
  /** Why WebGPU was not used, when it was asked for and is not. */
  readonly fallbackReason: string | undefined;
  /** WebAssembly threads in use (1 unless the page is cross-origin isolated). */
  readonly threads: number;
  readonly #loaded: WebLoadedModel;
  readonly #core: PipelineFaceParser;
  /** Parsers at other input sizes (inputSize), over the same session. */
  readonly #sized = new Map<number, PipelineFaceParser>();
  readonly #limits: { maxInputPixels?: number; maxInputBytes?: number; detector: ReturnType<typeof lazyDetector> };
  #closed = false;

  private constructor(loaded: WebLoadedModel, limits: { maxInputPixels?: number; maxInputBytes?: number }) {
    this.#loaded = loaded;
    const platform = loaded.platform;
    this.#limits = { ...limits, detector: lazyDetector(() => platform.createFaceDetector({ threads: platform.options.threads })) };
    this.#core = PipelineFaceParser.fromLoaded(loaded, this.#limits);
    this.model = loaded.model;
    this.variant = loaded.variant;
    this.labels = loaded.labels;
    this.preprocessor = loaded.preprocessor;
    const info = loaded.sessions[0]!.info;
    this.device = info.device;
    this.fallbackReason = info.fallbackReason;
    this.threads = info.threads;
  }

  /** Fetch (or read from Cache Storage) the model, check its configs, start the worker's session. */
  static async create(options: WebFaceParserOptions = {}): Promise<FaceParser> {
    const assetsUrl = options.assetsUrl ? new URL(options.assetsUrl, globalThis.location?.href).href.replace(/\/?$/, '/') : defaultAssetsUrl();
    const device = options.device ?? 'wasm';
    if (device !== 'wasm' && device !== 'webgpu') throw new FaceParseError('INVALID_ARGUMENT', `device "${String(device)}" is not one of wasm, webgpu`);
    const threads = options.threads ?? defaultThreads();
    if (!Number.isInteger(threads) || threads < 1) throw new FaceParseError('INVALID_ARGUMENT', `threads must be a positive integer; got ${String(threads)}`);
    const source = options.model ?? assetsUrl + EMBEDDED_MODEL.folder;
    const variant = options.variant ?? (options.model === undefined ? EMBEDDED_MODEL.variant : undefined);
    const platform = webPlatform({ assetsUrl, device, threads });
    const loaded = await loadWebModel(platform, source, { ...options, variant });
    return new FaceParser(loaded, { maxInputPixels: options.maxInputPixels, maxInputBytes: options.maxInputBytes });
  }

  /** Milliseconds inside onnxruntime's session.run for the last model pass (the rest of `inference` is the worker round trip). */
  get lastModelRunMs(): number {
    return this.#loaded.sessions[0]!.lastRunMs;
  }

  /**
   * Fetch the face detector and start its worker now rather than on the first parse with faces
   * 'auto' / 'on' (an app that must work offline later loads it while online).
   */
  async loadFaceDetector(): Promise<void> {
    this.#checkOpen();
    await this.#limits.detector.start();
  }

  /** Parse one photo: Blob/File, URL, ImageBitmap, ImageData, image, canvas, video, VideoFrame, encoded bytes or raw pixels. */
  async parse(input: WebImageInput, options: WebParseOptions = {}): Promise<WebParseResult> {
    this.#checkOpen();
    checkParseOptions(options);
    return new WebParseResult(await this.#parserFor(options.inputSize).parse(input as ImageInput, options));
  }

  /** Parse many photos, one result or error per input, in input order; a bad input does not stop the others. */
  async parseBatch(inputs: readonly WebImageInput[], options: WebParseOptions & { onItem?: (item: WebBatchItem) => void } = {}): Promise<WebBatchItem[]> {
    const items: WebBatchItem[] = [];
    for await (const item of this.parseEach(inputs, options)) {
      items.push(item);
      options.onItem?.(item);
    }
    return items;
  }

  /** parseBatch as a stream; the next photos are decoded while the worker runs the model. */
  async *parseEach(inputs: Iterable<WebImageInput> | AsyncIterable<WebImageInput>, options: WebParseOptions = {}): AsyncGenerator<WebBatchItem> {
    this.#checkOpen();
    checkParseOptions(options);
    for await (const item of this.#parserFor(options.inputSize).parseEach(inputs as AsyncIterable<ImageInput>, options)) {
      yield {
        index: item.index,
        input: item.input as WebImageInput,
        ...(item.result ? { result: new WebParseResult(item.result) } : {}),
        ...(item.error ? { error: item.error } : {}),
      };
    }
  }

  #parserFor(inputSize: number | undefined): PipelineFaceParser {
    const size = this.preprocessor.size;
    if (inputSize === undefined || (this.preprocessor.doResize && size.height === inputSize && size.width === inputSize)) return this.#core;
    let parser = this.#sized.get(inputSize);
    if (!parser) {
      const preprocessor = { ...this.#loaded.preprocessor, doResize: true, size: { height: inputSize, width: inputSize } };
      parser = PipelineFaceParser.fromLoaded({ ...this.#loaded, preprocessor, sessions: this.#loaded.sessions.map(shared) }, this.#limits);
      this.#sized.set(inputSize, parser);
    }
    return parser;
  }

  /** The model input size for an image of this size. */
  inputSizeFor(width: number, height: number): { width: number; height: number } {
    return this.#core.inputSizeFor(width, height);
  }

  /** Release the model and its worker. Parses in flight finish first; later calls fail with code CLOSED. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#sized.values()].map((parser) => parser.close())); // their sessions are shared: nothing released
    await this.#core.close();
    await this.#limits.detector.release?.();
  }

  #checkOpen(): void {
    if (this.#closed) throw new FaceParseError('CLOSED', 'this FaceParser was closed; create a new one with FaceParser.create()');
  }
}
