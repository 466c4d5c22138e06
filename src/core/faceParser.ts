/**
 * FaceParser: parse face photos with a SegFormer face-parsing model, with the results of the
 * Hugging Face reference pipeline (SegformerImageProcessor -> SegformerForSemanticSegmentation ->
 * bilinear upsampling, align_corners=False -> arg-max).
 *
 *     const parser = await FaceParser.create({ model: 'jonathandinu/face-parsing' });
 *     const result = await parser.parse('photo.jpg');
 *     result.categoryMask; // Uint8Array of class ids
 *     await parser.close();
 */
import { performance } from 'node:perf_hooks';
import { resolveModel, type ResolvedModel } from '../hub/index.js';
import { decodeImage, describeInput, type RgbImage } from '../image/decode.js';
import { readModelConfig, readPreprocessorConfig, type PreprocessorConfig } from '../models/segformer/config.js';
import { modelInputSize, normalizationTables, preprocess, type ModelInput } from '../models/segformer/preprocess.js';
import { mergeMirrored, mirrorClassTable, mirrorPlanes } from '../postprocess/flip.js';
import { addResized, checkScales, scaledInputSize } from '../postprocess/multiscale.js';
import { upsampleArgmax } from '../postprocess/upsampleArgmax.js';
import { createSegmentationSession, type Logits, type SegmentationSession } from '../runtime/onnx.js';
import { FaceParseError } from './errors.js';
import type { FaceParserOptions, ParseOptions } from './options.js';
import { ParseResult } from './result.js';
import type { ImageInput, ModelVariant } from './types.js';

export interface BatchItem {
  /** Position in the inputs. */
  index: number;
  input: ImageInput;
  result?: ParseResult;
  error?: FaceParseError;
}

/** Inputs decoded and preprocessed, waiting for the model. */
interface Prepared {
  image: RgbImage;
  pixelValues: Float32Array;
  height: number;
  width: number;
  /** The photo preprocessed at the other sizes of multi-scale test-time augmentation (scales other than 1). */
  otherScales: ModelInput[];
  decodeMs: number;
  preprocessMs: number;
}

export class FaceParser {
  /** The model's class names, index = class id. */
  readonly labels: readonly string[];
  /** The model id or folder it was loaded from. */
  readonly model: string;
  readonly variant: ModelVariant;
  readonly preprocessor: Readonly<PreprocessorConfig>;
  readonly resolved: ResolvedModel;
  readonly #session: SegmentationSession;
  readonly #tables: Float32Array[];
  readonly #maxInputPixels: number | undefined;
  readonly #mirrorClasses: Int32Array;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(resolved: ResolvedModel, labels: string[], preprocessor: PreprocessorConfig, session: SegmentationSession, options: FaceParserOptions) {
    this.resolved = resolved;
    this.model = resolved.id ?? resolved.dir;
    this.variant = resolved.variant;
    this.labels = labels;
    this.preprocessor = preprocessor;
    this.#session = session;
    this.#tables = normalizationTables(preprocessor);
    this.#maxInputPixels = options.maxInputPixels;
    this.#mirrorClasses = mirrorClassTable(labels);
  }

  /** Resolve the model (folder, cache or download), read and check its configs, start the session. */
  static async create(options: FaceParserOptions = {}): Promise<FaceParser> {
    const resolved = await resolveModel(options.model, {
      variant: options.variant,
      revision: options.revision,
      cacheDir: options.cacheDir,
      endpoint: options.endpoint,
      token: options.token,
      offline: options.offline,
      onProgress: options.onProgress,
      signal: options.signal,
      fetch: options.fetch,
      network: options.network,
    });
    const config = await readModelConfig(resolved.files.config);
    const preprocessor = await readPreprocessorConfig(resolved.files.preprocessor);
    const session = await createSegmentationSession(resolved.files.onnx, {
      numLabels: config.labels.length,
      threads: options.threads,
      device: options.device,
      spinning: options.spinning,
    });
    return new FaceParser(resolved, config.labels, preprocessor, session, options);
  }

  /** Parse one photo: a path, encoded bytes, or raw pixels. */
  async parse(input: ImageInput, options: ParseOptions = {}): Promise<ParseResult> {
    this.#checkOpen();
    if (options.scales !== undefined) checkScales(options.scales);
    const prepared = await this.#prepare(input, options.scales);
    return this.#infer(prepared, options);
  }

  /**
   * Parse many photos, one result or error per input, in input order. A bad input is reported in
   * its item and the others go on. The next photo is decoded while the model runs on this one.
   */
  async parseBatch(inputs: readonly ImageInput[], options: ParseOptions & { onItem?: (item: BatchItem) => void } = {}): Promise<BatchItem[]> {
    const items: BatchItem[] = [];
    for await (const item of this.parseEach(inputs, options)) {
      items.push(item);
      options.onItem?.(item);
    }
    return items;
  }

  /** parseBatch as a stream: yields each item as soon as it is done (input order). */
  async *parseEach(inputs: Iterable<ImageInput> | AsyncIterable<ImageInput>, options: ParseOptions = {}): AsyncGenerator<BatchItem> {
    this.#checkOpen();
    if (options.scales !== undefined) checkScales(options.scales); // a bad option fails the call, not each item
    let index = 0;
    let pending: { index: number; input: ImageInput; prepared: Promise<Prepared> } | undefined;
    const start = (input: ImageInput) => {
      const prepared = this.#prepare(input, options.scales);
      prepared.catch(() => undefined); // handled when awaited below
      return { index: index++, input, prepared };
    };
    for await (const input of inputs as AsyncIterable<ImageInput>) {
      const next = start(input);
      if (pending) yield await this.#finish(pending, options);
      pending = next;
    }
    if (pending) yield await this.#finish(pending, options);
  }

  async #finish(job: { index: number; input: ImageInput; prepared: Promise<Prepared> }, options: ParseOptions): Promise<BatchItem> {
    try {
      const result = await this.#infer(await job.prepared, options);
      return { index: job.index, input: job.input, result };
    } catch (error) {
      if (error instanceof FaceParseError && (error.code.startsWith('INPUT_') || error.code === 'INVALID_ARGUMENT')) {
        return { index: job.index, input: job.input, error };
      }
      throw error;
    }
  }

  /**
   * Decode and preprocess, off the model queue (parseEach prepares the next photo while the model
   * runs on this one), at the model input size and at each other scale of `scales`.
   */
  async #prepare(input: ImageInput, scales: readonly number[] = [1]): Promise<Prepared> {
    const t0 = performance.now();
    const image = await decodeImage(input, { maxInputPixels: this.#maxInputPixels });
    const t1 = performance.now();
    const { data, height, width } = preprocess(image, this.preprocessor, this.#tables);
    const otherScales = scales
      .filter((scale) => scale !== 1)
      .map((scale) => {
        const size = { height: scaledInputSize(height, scale), width: scaledInputSize(width, scale) };
        return preprocess(image, { ...this.preprocessor, doResize: true, size }, this.#tables);
      });
    const t2 = performance.now();
    return { image, pixelValues: data, height, width, otherScales, decodeMs: t1 - t0, preprocessMs: t2 - t1 };
  }

  /** One pass of the model on preprocessed pixels; with flip, merged with the mirror image's pass. */
  async #runPass(pixelValues: Float32Array, height: number, width: number, flip: boolean | undefined): Promise<Logits> {
    const logits = await this.#session.run(pixelValues, 1, height, width);
    if (!flip) return logits;
    const mirrored = await this.#session.run(mirrorPlanes(pixelValues, 3, height, width), 1, height, width);
    return { ...logits, data: mergeMirrored(logits.data, mirrored.data, this.#mirrorClasses, logits.height, logits.width) };
  }

  async #infer(prepared: Prepared, options: ParseOptions): Promise<ParseResult> {
    // One inference at a time per parser: the session already uses every core it was given.
    // The mirror image and the other scales run on their own (not as a batch) so that each pass
    // gives what a single parse gives, also for int8 models whose activation scales depend on the
    // whole batch.
    const { pixelValues, height, width, otherScales } = prepared;
    const run = this.#queue.then(async (): Promise<Logits> => {
      this.#checkOpen();
      const logits = await this.#runPass(pixelValues, height, width, options.flip);
      if (otherScales.length === 0) return logits;
      const sum = Float32Array.from(logits.data);
      for (const input of otherScales) {
        const pass = await this.#runPass(input.data, input.height, input.width, options.flip);
        addResized(sum, pass.data, pass.classes, pass.height, pass.width, logits.height, logits.width);
      }
      const passes = otherScales.length + 1;
      for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / passes;
      return { ...logits, data: sum };
    });
    this.#queue = run.catch(() => undefined);
    const t0 = performance.now();
    const logits = await run;
    const t1 = performance.now();
    const { image } = prepared;
    const categoryMask = upsampleArgmax(logits.data, logits.classes, logits.height, logits.width, image.height, image.width);
    const t2 = performance.now();
    return new ParseResult({
      categoryMask,
      image,
      labels: this.labels,
      model: this.model,
      variant: this.variant,
      timings: { decode: prepared.decodeMs, preprocess: prepared.preprocessMs, inference: t1 - t0, postprocess: t2 - t1 },
      logits: options.keepLogits === false ? undefined : logits,
    });
  }

  /** The model input size for an image of this size (the preprocessor's size, or the image's own). */
  inputSizeFor(width: number, height: number): { width: number; height: number } {
    return modelInputSize({ width, height }, this.preprocessor);
  }

  /** Release the model. Parses in flight finish first; later calls fail with code CLOSED. */
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

export { describeInput };
