/**
 * FaceParser: parse face photos with a SegFormer face-parsing model, with the results of the
 * Hugging Face reference pipeline (SegformerImageProcessor -> SegformerForSemanticSegmentation ->
 * bilinear upsampling, align_corners=False -> arg-max).
 *
 *     const parser = await FaceParser.create({ model: 'jonathandinu/face-parsing' });
 *     const result = await parser.parse('photo.jpg');
 *     result.categoryMask; // Uint8Array of class ids
 *     await parser.close();
 *
 * The pipeline is a row of stages, each in its own module:
 *   decode (platform) -> [detect faces -> whole photo or face by face (faces/facesMode.ts)]
 *   -> preprocess (prepare.ts) | each face's context ladder, warped (faceStage.ts, faces/ladder.ts)
 *   -> infer (modelQueue.ts, with tta.ts around it)
 *   -> upsample + arg-max (postprocess/) | fuse each ladder, paste it back (faces/fuse.ts, faces/paste.ts)
 *   -> ParseResult (result.ts)
 * This class only wires them; the platform (Node: sharp + onnxruntime-node on an inference thread)
 * comes in through LoadedModel, so the same class serves every front end. Each platform's entry
 * owns the `create` that loads a model: src/node/faceParser.ts, src/web/faceParser.ts.
 */
import { FaceParseError, isInputError } from '../base/errors.js';
import type { ImageInput, ModelVariant, RgbImage } from '../base/types.js';
import { LABEL_SET_NAMES, mapIntoLabelSet, type LabelSetMapping } from '../base/labelSets.js';
import { checkImageInput, describeInput } from '../image/raw.js';
import type { PreprocessorConfig } from '../models/segformer/config.js';
import { modelInputSize, normalizationTables } from '../models/segformer/preprocess.js';
import { createRenderer, type Renderer } from '../outputs/render.js';
import { DEFAULT_FACES } from '../options/parseOptions.js';
import { DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_MODEL_PIXELS } from '../options/parserOptions.js';
import type { Platform } from '../platform/types.js';
import { checkLogits } from '../postprocess/checkLogits.js';
import { mirrorClassTable } from '../postprocess/flip.js';
import { checkScales } from '../postprocess/multiscale.js';
import { upsampleArgmax } from '../postprocess/upsampleArgmax.js';
import type { DetectOptions } from '../faces/detectFaces.js';
import { checkFacesMode, detectForMode, type FacesDecision } from '../faces/facesMode.js';
import type { TensorRunner } from '../faces/types.js';
import { wholePhotoFaces } from '../faces/wholePhotoFaces.js';
import type { LoadedModel } from './loadedModel.js';
import { ModelQueue } from './modelQueue.js';
import { checkParserOptions, type FaceParserOptions, type ParseOptions } from './options.js';
import { prepareInput, type PreparedInput } from './prepare.js';
import { parseFaces } from './faceStage.js';
import { ParseResult } from './result.js';
import { runOneByOne, runWithTta, type ModelRun } from './tta.js';
import { checkAugmentation } from './augmentation.js';

export interface BatchItem {
  /** Position in the inputs. */
  index: number;
  input: ImageInput;
  result?: ParseResult;
  error?: FaceParseError;
}

/** A photo decoded and preprocessed, waiting for the model. */
interface Prepared {
  /** The input as messages name it. */
  name: string;
  image: RgbImage;
  /** The preprocessed photo; undefined when it is parsed face by face. */
  input?: PreparedInput;
  /** The detector's verdict (faces 'auto' / 'on'); undefined with faces 'off'. */
  decision?: FacesDecision;
  detectMs: number;
  decodeMs: number;
  preprocessMs: number;
}

const now = () => performance.now();

/** What the constructor keeps of FaceParserOptions. */
export type ConstructorOptions = Pick<FaceParserOptions, 'maxInputPixels' | 'maxInputBytes' | 'maxModelPixels' | 'detector' | 'detection' | 'threads'>;

/** Options objects of the public methods: absent or null means none; anything else but an object is refused. */
export function optionsObject<T extends object>(options: T | null | undefined, what: string): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new FaceParseError('INVALID_ARGUMENT', `${what} options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  }
  return options;
}

export class FaceParser {
  /** The model's class names, index = class id. */
  readonly labels: readonly string[];
  /** The model id or folder it was loaded from. */
  readonly model: string;
  readonly variant: ModelVariant;
  readonly preprocessor: Readonly<PreprocessorConfig>;
  /** Where the model files were found (Node: the hub's ResolvedModel). */
  readonly resolved: LoadedModel['resolved'];
  readonly platform: Platform;
  readonly #queue: ModelQueue;
  /** The sessions for many photos (LoadedModel.folderSessions), started on the first parseEach of two or more. */
  readonly #folderSessions: LoadedModel['folderSessions'];
  #folderQueue: Promise<ModelQueue> | undefined;
  readonly #renderer: Renderer;
  readonly #labelSets = new Map<string, LabelSetMapping>();
  readonly #tables: Float32Array[];
  /** The largest photo it decodes, in pixels (FaceParserOptions.maxInputPixels): larger ones are refused from their header. */
  readonly maxInputPixels: number;
  readonly #maxInputBytes: number | undefined;
  /** The bound on the model-input pixels of one parse's passes (FaceParserOptions.maxModelPixels). */
  readonly maxModelPixels: number;
  readonly #mirrorClasses: Int32Array;
  readonly #parses = new Set<Promise<unknown>>();
  readonly #detection: DetectOptions;
  readonly #detectorThreads: number | undefined;
  #detector: Promise<TensorRunner> | undefined;
  #ownsDetector = false;
  /** False once the model refused a batch of faces (a fixed batch size): then one face at a time. */
  #batchFaces: boolean;
  #closed = false;

  /** Each platform's entry builds parsers: Node's `FaceParser.create` (src/node), the browser's (src/web), or `fromLoaded`. */
  protected constructor(loaded: LoadedModel, options: ConstructorOptions) {
    this.platform = loaded.platform;
    this.resolved = loaded.resolved;
    this.model = loaded.model;
    this.variant = loaded.variant;
    this.labels = loaded.labels;
    this.preprocessor = loaded.preprocessor;
    this.#queue = new ModelQueue(loaded.sessions);
    this.#folderSessions = loaded.folderSessions;
    this.#renderer = createRenderer(loaded.platform.codec);
    this.#tables = normalizationTables(loaded.preprocessor);
    checkParserOptions(options);
    this.maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
    this.#maxInputBytes = options.maxInputBytes;
    this.maxModelPixels = options.maxModelPixels ?? DEFAULT_MAX_MODEL_PIXELS;
    this.#mirrorClasses = mirrorClassTable(loaded.labels);
    this.#detection = options.detection ?? {};
    this.#detectorThreads = options.threads;
    if (options.detector) this.#detector = Promise.resolve(options.detector);
    // Dynamically quantized (q8) exports compute activation scales over the whole batch, so a
    // face's logits would depend on the other faces of its photo (up to 0.5 apart for the embedded
    // model): those run one face at a time (the faces still run side by side on a session pool).
    this.#batchFaces = loaded.variant !== 'q8';
  }

  /** A parser over a model a platform has already loaded (the browser build, custom hosts). */
  static fromLoaded(loaded: LoadedModel, options: ConstructorOptions = {}): FaceParser {
    return new FaceParser(loaded, options);
  }

  /** Parse one photo: a path, encoded bytes, or raw pixels. */
  async parse(input: ImageInput, options: ParseOptions = {}): Promise<ParseResult> {
    this.#checkOpen();
    options = optionsObject(options, 'parse');
    this.#checkOptions(options);
    return this.#track(this.#prepare(input, options).then((prepared) => this.#infer(prepared, options)));
  }

  /**
   * Parse many photos, one result or error per input, in input order. A bad input is reported in
   * its item and the others go on. Photos overlap: while the model runs on one, the next ones are
   * decoded and preprocessed and the previous one is post-processed.
   */
  async parseBatch(inputs: readonly ImageInput[], options: ParseOptions & { onItem?: (item: BatchItem) => void } = {}): Promise<BatchItem[]> {
    options = optionsObject(options, 'parseBatch');
    if (options.onItem !== undefined && typeof options.onItem !== 'function') {
      throw new FaceParseError('INVALID_ARGUMENT', 'parseBatch option onItem must be a function');
    }
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
    options = optionsObject(options, 'parseEach');
    const iterable = inputs as unknown as Record<symbol, unknown> | null | undefined;
    if (
      typeof inputs === 'string' ||
      iterable === null ||
      typeof iterable !== 'object' ||
      (typeof iterable[Symbol.iterator] !== 'function' && typeof iterable[Symbol.asyncIterator] !== 'function')
    ) {
      throw new FaceParseError(
        'INVALID_ARGUMENT',
        `parseBatch/parseEach take an array (or iterable) of inputs, got ${inputs === null ? 'null' : typeof inputs}; for one photo use parse()`,
      );
    }
    this.#checkOptions(options); // a bad option fails the call, not each item
    // Photos in flight: one per session on the model, one being prepared and one being finished.
    let queue = this.#queue;
    let window = queue.sessions.length + 2;
    const inFlight: Array<Promise<BatchItem>> = [];
    let index = 0;
    const start = (input: ImageInput, on: ModelQueue): Promise<BatchItem> => {
      const at = index++;
      const job = this.#track(this.#prepare(input, options).then((prepared) => this.#infer(prepared, options, on))).then(
        (result): BatchItem => ({ index: at, input, result }),
        (error: unknown): BatchItem => {
          if (error instanceof FaceParseError && (isInputError(error) || error.code === 'INVALID_ARGUMENT')) return { index: at, input, error };
          throw error;
        },
      );
      job.catch(() => undefined); // rethrown when awaited below, in order
      return job;
    };
    for await (const input of inputs as AsyncIterable<ImageInput>) {
      if (index === 1 && this.#folderSessions) {
        // A second photo: this is a folder run, so from here on the folder sessions take the photos.
        queue = await this.#folderQueueOrMain();
        window = queue.sessions.length + 2;
      }
      inFlight.push(start(input, queue));
      if (inFlight.length >= window) yield await inFlight.shift()!;
    }
    while (inFlight.length > 0) yield await inFlight.shift()!;
  }

  /**
   * The options every photo shares: scales, faces mode, and the augmentation's pixels where the
   * model input size is fixed (do_resize); otherwise those are checked per photo in #prepare.
   */
  #checkOptions(options: ParseOptions): void {
    if (options.scales !== undefined) checkScales(options.scales);
    checkFacesMode(options.faces);
    this.#labelSetMapping(options.labelSet);
    if (this.preprocessor.doResize) checkAugmentation(this.preprocessor.size, options.scales, options.flip, this.maxModelPixels);
  }

  /** The folder sessions' queue, started once; where they cannot start, the main queue (the label maps are the same either way). */
  #folderQueueOrMain(): Promise<ModelQueue> {
    this.#folderQueue ??= this.#folderSessions!().then(
      (sessions) => new ModelQueue(sessions),
      () => this.#queue,
    );
    return this.#folderQueue;
  }

  /**
   * Decode, detect faces (unless faces 'off'), and preprocess the whole photo when it is parsed
   * whole (off the model queue), at the model input size and at each other scale of `scales`.
   */
  async #prepare(input: ImageInput, options: ParseOptions): Promise<Prepared> {
    const mode = options.faces ?? DEFAULT_FACES;
    const t0 = now();
    if (this.platform.checkInput) this.platform.checkInput(input);
    else checkImageInput(input);
    const image = await this.platform.decodeImage(input, { maxInputPixels: this.maxInputPixels, maxInputBytes: this.#maxInputBytes });
    const t1 = now();
    if (!this.preprocessor.doResize) checkAugmentation(modelInputSize(image, this.preprocessor), options.scales, options.flip, this.maxModelPixels, true);
    let decision: FacesDecision | undefined;
    // auto on a platform with no detector (and none given) parses the whole photo, as before faces
    // existed; 'on' there is an error that says what to pass.
    const canDetect = this.#detector !== undefined || this.platform.createFaceDetector !== undefined;
    if (mode === 'on' || (mode === 'auto' && canDetect)) {
      decision = await detectForMode(mode, image, await this.#faceDetector(), this.#detection, modelInputSize(image, this.preprocessor));
    }
    const t2 = now();
    const base = { name: (this.platform.describeInput ?? describeInput)(input), image, decision, detectMs: t2 - t1, decodeMs: t1 - t0 };
    // Face by face: the crops are warped straight from the photo in #inferFaces.
    if (decision && !decision.wholePhoto) return { ...base, preprocessMs: 0 };
    const prepared = await prepareInput(image, this.preprocessor, this.#tables, options.scales ?? [1], this.platform.parallel);
    return { ...base, input: prepared, preprocessMs: now() - t2 };
  }

  /** The face detector: the one given to create(), else the platform's, started on first use. */
  #faceDetector(): Promise<TensorRunner> {
    if (!this.#detector) {
      const create = this.platform.createFaceDetector;
      if (!create) {
        return Promise.reject(
          new FaceParseError(
            'INVALID_ARGUMENT',
            `the ${this.platform.name} platform has no face detector; pass FaceParserOptions.detector, or parse with faces: 'off'`,
          ),
        );
      }
      this.#ownsDetector = true;
      this.#detector = create.call(this.platform, { threads: this.#detectorThreads });
      this.#detector.catch(() => (this.#detector = undefined)); // a failed start is retried by the next parse
    }
    return this.#detector;
  }

  /** Face by face: each face's crop through the model (one batch where it can), the logits pasted back. */
  async #inferFaces(prepared: Prepared, decision: FacesDecision, options: ParseOptions, queue: ModelQueue): Promise<ParseResult> {
    const queued: ModelRun = (pixels, batch, height, width) => queue.run(pixels, batch, height, width);
    const run: ModelRun = async (pixels, batch, height, width) => {
      if (batch === 1) return queued(pixels, 1, height, width);
      if (!this.#batchFaces) return runOneByOne(queued, pixels, batch, height, width);
      try {
        return await queued(pixels, batch, height, width);
      } catch (error) {
        // A model with a fixed batch size refuses the batch: from now on one face at a time.
        const ones = await runOneByOne(queued, pixels, batch, height, width).catch(() => undefined);
        if (!ones) throw error;
        this.#batchFaces = false;
        return ones;
      }
    };
    const size = modelInputSize(prepared.image, this.preprocessor);
    const { faces, timings } = await parseFaces(
      prepared.image,
      decision.faces,
      run,
      { maxSide: Math.max(size.width, size.height), classes: this.labels.length, tables: this.#tables, mirrorClasses: this.#mirrorClasses },
      { flip: options.flip, scales: options.scales, maxBatchesInFlight: Math.min(3, queue.sessions.length + 1) },
    );
    for (const face of faces.faces) checkLogits({ ...face.logits, batch: 1 }, this.model, prepared.name);
    return new ParseResult({
      categoryMask: faces.categoryMask,
      image: prepared.image,
      labels: this.labels,
      model: this.model,
      variant: this.variant,
      renderer: this.#renderer,
      timings: { decode: prepared.decodeMs, detect: prepared.detectMs, preprocess: timings.warp, inference: timings.inference, postprocess: timings.paste },
      faces,
      labelSet: this.#labelSetMapping(options.labelSet),
    });
  }

  async #infer(prepared: Prepared, options: ParseOptions, queue: ModelQueue = this.#queue): Promise<ParseResult> {
    try {
      return await this.#inferOnce(prepared, options, queue);
    } catch (error) {
      throw this.#runFailure(error, prepared);
    }
  }

  /** A model run that failed on this photo, named and explained; other errors as they are. */
  #runFailure(error: unknown, prepared: Prepared): unknown {
    if (!(error instanceof FaceParseError) || error.code !== 'MODEL_RUN_FAILED') return error;
    const { width, height } = prepared.image;
    const hint = this.preprocessor.doResize
      ? 'the model may not take inputs of this size; try another --model'
      : `this model parses photos at their own size (do_resize false in its preprocessor_config.json) and this ${width}x${height} photo is too small or too large for it; resize the photo or use a model that resizes`;
    return new FaceParseError('MODEL_RUN_FAILED', `${prepared.name}: ${error.message}; ${hint}`, { cause: error });
  }

  async #inferOnce(prepared: Prepared, options: ParseOptions, queue: ModelQueue): Promise<ParseResult> {
    if (prepared.decision && !prepared.decision.wholePhoto) return this.#inferFaces(prepared, prepared.decision, options, queue);
    const t0 = now();
    const input = prepared.input!;
    const one = (m: { data: Float32Array; height: number; width: number }) => ({ data: m.data, batch: 1, height: m.height, width: m.width });
    const logits = await runWithTta((...args) => queue.run(...args), { ...one(input), otherScales: input.otherScales.map(one) }, options, this.#mirrorClasses);
    const t1 = now();
    const { image } = prepared;
    checkLogits(logits, this.model, prepared.name);
    const categoryMask = this.platform.parallel
      ? await this.platform.parallel.upsampleArgmax(logits.data, logits.classes, logits.height, logits.width, image.height, image.width)
      : upsampleArgmax(logits.data, logits.classes, logits.height, logits.width, image.height, image.width);
    // faces 'auto' parsed this face crop whole: the faces it found are listed all the same.
    const size = modelInputSize(image, this.preprocessor);
    const found =
      prepared.decision && prepared.decision.faces.length > 0
        ? wholePhotoFaces(prepared.decision.faces, categoryMask, logits, image.width, image.height, Math.max(size.width, size.height))
        : undefined;
    const t2 = now();
    return new ParseResult({
      categoryMask,
      image,
      found,
      labels: this.labels,
      model: this.model,
      variant: this.variant,
      renderer: this.#renderer,
      timings: {
        decode: prepared.decodeMs,
        ...(prepared.decision ? { detect: prepared.detectMs } : {}),
        preprocess: prepared.preprocessMs,
        inference: t1 - t0,
        postprocess: t2 - t1,
      },
      logits: options.keepLogits === false ? undefined : logits,
      labelSet: this.#labelSetMapping(options.labelSet),
    });
  }

  /** The model's classes mapped into ParseOptions.labelSet (checked: an unknown set or a class with no counterpart throws), made once per set. */
  #labelSetMapping(name: string | undefined): LabelSetMapping | undefined {
    if (name === undefined) return undefined;
    if (typeof name !== 'string')
      throw new FaceParseError('INVALID_ARGUMENT', `labelSet must be one of ${LABEL_SET_NAMES.join(', ')}; got ${JSON.stringify(name)}`);
    let mapping = this.#labelSets.get(name);
    if (!mapping) {
      mapping = mapIntoLabelSet(this.labels, name, 'labelSet');
      this.#labelSets.set(name, mapping);
    }
    return mapping;
  }

  /** Keeps a parse in the set close() waits for. */
  #track<T>(job: Promise<T>): Promise<T> {
    this.#parses.add(job);
    const forget = () => this.#parses.delete(job);
    job.then(forget, forget);
    return job;
  }

  /** The model input size for an image of this size (the preprocessor's size, or the image's own). */
  inputSizeFor(width: number, height: number): { width: number; height: number } {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new FaceParseError('INVALID_ARGUMENT', `inputSizeFor takes a width and height in whole pixels >= 1; got ${String(width)}x${String(height)}`);
    }
    return modelInputSize({ width, height }, this.preprocessor);
  }

  /** Release the model. Parses already started finish first; later calls fail with code CLOSED. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#parses.size > 0) await Promise.allSettled([...this.#parses]);
    await this.#queue.release();
    const folder = await this.#folderQueue;
    if (folder && folder !== this.#queue) await folder.release();
    if (this.#ownsDetector && this.#detector) await (await this.#detector.catch(() => undefined))?.release?.();
  }

  #checkOpen(): void {
    if (this.#closed) throw new FaceParseError('CLOSED', 'this FaceParser was closed; create a new one with FaceParser.create()');
  }
}

export { describeInput };
