/**
 * The browser FaceParser: the Node API (create, parse, parseEach, parseBatch, close) on browser
 * inputs, with the model in a Web Worker (onnxruntime-web) and the same pure decode rules,
 * Pillow-exact resize, preprocessing and fused upsample + arg-max as Node, so label maps agree.
 *
 *     import { FaceParser } from './faceparse.js';
 *     const parser = await FaceParser.create({ model: 'https://example.com/models/face-parsing/' });
 *     const result = await parser.parse(file, { faces: 'off' });
 *     result.categoryMask; // Uint8Array of class ids, result.width x result.height
 */
import { FaceParseError } from '../core/errors.js';
import type { ModelVariant } from '../core/types.js';
import type { RgbImage } from '../image/decode.js';
import { parseModelConfig, parsePreprocessorConfig, type PreprocessorConfig } from '../models/segformer/config.js';
import { modelInputSize, normalizationTables, preprocess, type ModelInput } from '../models/segformer/preprocess.js';
import { decodeWebImage, type WebImageInput } from '../platform/web/decode.js';
import { fetchModelFiles, type LocalModelFolder, type ModelProgress } from '../platform/web/modelSource.js';
import { WorkerSession } from '../platform/web/workerSession.js';
import type { WebDevice } from '../platform/web/workerProtocol.js';
import { mergeMirrored, mirrorClassTable, mirrorPlanes } from '../postprocess/flip.js';
import { addResized, checkScales, scaledInputSize } from '../postprocess/multiscale.js';
import { upsampleArgmax } from '../postprocess/upsampleArgmax.js';
import type { Logits } from '../runtime/onnx.js';
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
  /**
   * Folder of faceparse.worker.js, onnxruntime-web's ort-*.mjs/.wasm and the embedded model.
   * Default: the folder the bundle was loaded from.
   */
  assetsUrl?: string;
}

export interface WebParseOptions {
  /**
   * Face handling. 'off' parses the whole photo as one face image (what Node does today). Face
   * detection and alignment come with the face stage; until then other values are refused.
   */
  faces?: 'off';
  /** Keep what the confidence and probability maps need (the logits). Default true. */
  keepLogits?: boolean;
  /** Flip test-time augmentation, as in Node (about twice the model time). Default false. */
  flip?: boolean;
  /** Multi-scale test-time augmentation, as in Node: must include 1. Default [1]. */
  scales?: readonly number[];
  /**
   * Model input size (a square side in pixels, a multiple of 32) for this parse instead of the
   * preprocessor's: smaller is faster and coarser, e.g. 256 for live video. Default: the
   * preprocessor's size (what Node uses, so label maps agree only then).
   */
  inputSize?: number;
}

export interface WebBatchItem {
  index: number;
  input: WebImageInput;
  result?: WebParseResult;
  error?: FaceParseError;
}

interface Prepared {
  image: RgbImage;
  input: ModelInput;
  otherScales: ModelInput[];
  decodeMs: number;
  preprocessMs: number;
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

function isInputError(error: unknown): error is FaceParseError {
  return error instanceof FaceParseError && (error.code.startsWith('INPUT_') || error.code === 'INVALID_ARGUMENT');
}

function checkParseOptions(options: WebParseOptions): void {
  if (options.faces !== undefined && options.faces !== 'off') {
    throw new FaceParseError('INVALID_ARGUMENT', `faces: ${JSON.stringify(options.faces)} is not available in this build; use faces: 'off' (the whole photo)`);
  }
  if (options.scales !== undefined) checkScales(options.scales);
  const size = options.inputSize;
  if (size !== undefined && !(Number.isInteger(size) && size >= 32 && size <= 2048 && size % 32 === 0)) {
    throw new FaceParseError('INVALID_ARGUMENT', `inputSize must be a multiple of 32 from 32 to 2048; got ${String(size)}`);
  }
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
  readonly #session: WorkerSession;
  readonly #tables: Float32Array[];
  readonly #mirrorClasses: Int32Array;
  readonly #maxInputPixels: number | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(init: { model: string; variant: ModelVariant; labels: string[]; preprocessor: PreprocessorConfig; session: WorkerSession; maxInputPixels?: number }) {
    this.model = init.model;
    this.variant = init.variant;
    this.labels = init.labels;
    this.preprocessor = init.preprocessor;
    this.#session = init.session;
    this.device = init.session.info.device;
    this.fallbackReason = init.session.info.fallbackReason;
    this.threads = init.session.info.threads;
    this.#tables = normalizationTables(init.preprocessor);
    this.#mirrorClasses = mirrorClassTable(init.labels);
    this.#maxInputPixels = init.maxInputPixels;
  }

  /** Fetch (or read from Cache Storage) the model, check its configs, start the worker's session. */
  static async create(options: WebFaceParserOptions = {}): Promise<FaceParser> {
    const assetsUrl = options.assetsUrl ? new URL(options.assetsUrl, globalThis.location?.href).href.replace(/\/?$/, '/') : defaultAssetsUrl();
    const source = options.model ?? assetsUrl + EMBEDDED_MODEL.folder;
    const variant = options.variant ?? (options.model === undefined ? EMBEDDED_MODEL.variant : undefined);
    const device = options.device ?? 'wasm';
    if (device !== 'wasm' && device !== 'webgpu') throw new FaceParseError('INVALID_ARGUMENT', `device "${String(device)}" is not one of wasm, webgpu`);
    const threads = options.threads ?? defaultThreads();
    if (!Number.isInteger(threads) || threads < 1) throw new FaceParseError('INVALID_ARGUMENT', `threads must be a positive integer; got ${String(threads)}`);
    const files = await fetchModelFiles(source, { ...options, variant });
    const config = parseModelConfig(files.config, files.baseUrl + 'config.json');
    const preprocessor = parsePreprocessorConfig(files.preprocessor, files.baseUrl + 'preprocessor_config.json');
    const session = await WorkerSession.create({
      workerUrl: assetsUrl + 'faceparse.worker.js',
      ortBaseUrl: assetsUrl,
      model: files.onnx,
      modelName: files.baseUrl + `(${files.variant})`,
      numLabels: config.labels.length,
      device,
      threads,
    });
    return new FaceParser({ model: files.id ?? files.baseUrl, variant: files.variant, labels: config.labels, preprocessor, session, maxInputPixels: options.maxInputPixels });
  }

  /** Parse one photo: Blob/File, URL, ImageBitmap, ImageData, image, canvas, video or VideoFrame. */
  async parse(input: WebImageInput, options: WebParseOptions = {}): Promise<WebParseResult> {
    this.#checkOpen();
    checkParseOptions(options);
    return this.#infer(await this.#prepare(input, options), options);
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

  /** parseBatch as a stream; the next photo is decoded while the worker runs the model on this one. */
  async *parseEach(inputs: Iterable<WebImageInput> | AsyncIterable<WebImageInput>, options: WebParseOptions = {}): AsyncGenerator<WebBatchItem> {
    this.#checkOpen();
    checkParseOptions(options);
    let index = 0;
    let pending: { index: number; input: WebImageInput; prepared: Promise<Prepared> } | undefined;
    const finish = async (job: NonNullable<typeof pending>): Promise<WebBatchItem> => {
      try {
        return { index: job.index, input: job.input, result: await this.#infer(await job.prepared, options) };
      } catch (error) {
        if (isInputError(error)) return { index: job.index, input: job.input, error };
        throw error;
      }
    };
    for await (const input of inputs as AsyncIterable<WebImageInput>) {
      const prepared = this.#prepare(input, options);
      prepared.catch(() => undefined); // handled in finish
      const next = { index: index++, input, prepared };
      if (pending) yield await finish(pending);
      pending = next;
    }
    if (pending) yield await finish(pending);
  }

  async #prepare(input: WebImageInput, options: WebParseOptions): Promise<Prepared> {
    const scales = options.scales ?? [1];
    const t0 = performance.now();
    const image = await decodeWebImage(input, { maxInputPixels: this.#maxInputPixels });
    const t1 = performance.now();
    const size = options.inputSize;
    const config = size === undefined ? this.preprocessor : { ...this.preprocessor, doResize: true, size: { height: size, width: size } };
    const main = preprocess(image, config, this.#tables);
    const otherScales = scales
      .filter((scale) => scale !== 1)
      .map((scale) => {
        const size = { height: scaledInputSize(main.height, scale), width: scaledInputSize(main.width, scale) };
        return preprocess(image, { ...config, doResize: true, size }, this.#tables);
      });
    return { image, input: main, otherScales, decodeMs: t1 - t0, preprocessMs: performance.now() - t1 };
  }

  /** One pass on preprocessed pixels (transferred to the worker); with flip, merged with the mirror image's pass. */
  async #runPass(input: ModelInput, flip: boolean | undefined): Promise<{ logits: Logits; runMs: number }> {
    const { height, width } = input;
    const mirrored = flip ? mirrorPlanes(input.data, 3, height, width) : undefined; // before the transfer empties input.data
    const logits = await this.#session.run(input.data, 1, height, width);
    let runMs = this.#session.lastRunMs;
    if (!mirrored) return { logits, runMs };
    const other = await this.#session.run(mirrored, 1, height, width);
    runMs += this.#session.lastRunMs;
    return { logits: { ...logits, data: mergeMirrored(logits.data, other.data, this.#mirrorClasses, logits.height, logits.width) }, runMs };
  }

  async #infer(prepared: Prepared, options: WebParseOptions): Promise<WebParseResult> {
    // One inference at a time per parser: the worker's session already uses its threads.
    const run = this.#queue.then(async () => {
      this.#checkOpen();
      const first = await this.#runPass(prepared.input, options.flip);
      if (prepared.otherScales.length === 0) return first;
      const { logits } = first;
      let { runMs } = first;
      const sum = Float32Array.from(logits.data);
      for (const input of prepared.otherScales) {
        const pass = await this.#runPass(input, options.flip);
        runMs += pass.runMs;
        addResized(sum, pass.logits.data, pass.logits.classes, pass.logits.height, pass.logits.width, logits.height, logits.width);
      }
      const passes = prepared.otherScales.length + 1;
      for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / passes;
      return { logits: { ...logits, data: sum }, runMs };
    });
    this.#queue = run.catch(() => undefined);
    const t0 = performance.now();
    const { logits, runMs } = await run;
    const t1 = performance.now();
    const { image } = prepared;
    const categoryMask = upsampleArgmax(logits.data, logits.classes, logits.height, logits.width, image.height, image.width);
    const t2 = performance.now();
    return new WebParseResult({
      categoryMask,
      image,
      labels: this.labels,
      model: this.model,
      variant: this.variant,
      timings: { decode: prepared.decodeMs, preprocess: prepared.preprocessMs, inference: t1 - t0, modelRun: runMs, postprocess: t2 - t1 },
      logits: options.keepLogits === false ? undefined : { data: logits.data, classes: logits.classes, height: logits.height, width: logits.width },
    });
  }

  /** The model input size for an image of this size. */
  inputSizeFor(width: number, height: number): { width: number; height: number } {
    return modelInputSize({ width, height }, this.preprocessor);
  }

  /** Release the model and its worker. Parses in flight finish first; later calls fail with code CLOSED. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await this.#session.release();
  }

  #checkOpen(): void {
    if (this.#closed) throw new FaceParseError('CLOSED', 'this FaceParser was closed; create a new one with FaceParser.create()');
  }
}
