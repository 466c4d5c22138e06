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
import { checkFacesMode } from '../faces/facesMode.js';
import type { TensorRunner } from '../faces/types.js';
import type { ImageInput, ModelVariant } from '../base/types.js';
import type { PreprocessorConfig } from '../models/segformer/config.js';
import { FaceParser as PipelineFaceParser } from '../pipeline/faceParser.js';
import { checkParserOptions, type ParseOptions, type SharedParserOptions } from '../pipeline/options.js';
import { cappedThreads } from '../options/parserOptions.js';
import type { SegmentationSession } from '../platform/types.js';
import type { WebImageInput } from '../platform/web/decode.js';
import { webPlatform } from '../platform/web/index.js';
import type { LocalModelFolder, ModelProgress, WebModelSourceOptions } from '../platform/web/modelSource.js';
import { loadWebModel, type WebLoadedModel } from '../platform/web/webModel.js';
import type { WebDevice } from '../platform/web/workerProtocol.js';
import { WebParseResult } from './result.js';

/**
 * The browser's `FaceParser.create` options: the options every platform shares (model, variant,
 * revision, endpoint, onProgress, signal, device, threads, maxInputPixels, maxInputBytes,
 * maxModelPixels; src/pipeline/options.ts, with their docs), with the browser's model sources,
 * devices and progress, and the browser's own below.
 */
export interface WebFaceParserOptions extends SharedParserOptions<string | LocalModelFolder, WebDevice, ModelProgress>, Pick<WebModelSourceOptions, 'cache'> {
  /**
   * Folder of faceparse.worker.js, onnxruntime-web's ort-*.mjs/.wasm and the embedded model.
   * Default: the folder the bundle was loaded from.
   */
  assetsUrl?: string;
}

export interface WebParseOptions extends Pick<ParseOptions, 'keepLogits' | 'flip' | 'scales' | 'faces'> {
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

/** What the pipeline's parsers keep of the options (src/pipeline/faceParser.ts). */
type ParserLimits = Pick<SharedParserOptions, 'maxInputPixels' | 'maxInputBytes' | 'maxModelPixels'>;

const EMBEDDED_MODEL = { folder: 'models/face-parsing-mini/', variant: 'q8' as ModelVariant };

function defaultAssetsUrl(): string {
  return new URL('./', import.meta.url).href;
}

/** The cores the browser reports. */
function browserCores(): number {
  return Math.max(1, typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1);
}

/** Most threads the browser's default takes (one per core, as onnxruntime-node's default in the Node library). */
const MAX_DEFAULT_WEB_THREADS = 16;

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
  readonly #limits: ParserLimits & { detector: ReturnType<typeof lazyDetector> };
  #closed = false;

  private constructor(loaded: WebLoadedModel, limits: ParserLimits) {
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
    checkParserOptions(options);
    const cores = browserCores();
    const threads = cappedThreads(options.threads ?? Math.min(MAX_DEFAULT_WEB_THREADS, cores), cores)!;
    const source = options.model ?? assetsUrl + EMBEDDED_MODEL.folder;
    const variant = options.variant ?? (options.model === undefined ? EMBEDDED_MODEL.variant : undefined);
    const platform = webPlatform({ assetsUrl, device, threads });
    const loaded = await loadWebModel(platform, source, { ...options, variant });
    return new FaceParser(loaded, { maxInputPixels: options.maxInputPixels, maxInputBytes: options.maxInputBytes, maxModelPixels: options.maxModelPixels });
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
