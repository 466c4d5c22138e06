/**
 * ParseResult: what `FaceParser.parse` returns. It owns the label map and converts lazily, as
 * MediaPipe's results do: summaries, PNGs, confidence and probability maps are computed when
 * first asked for (and then kept).
 */
import type { RgbImage } from '../base/types.js';
import { summarizeLabels, type LabelSummary } from '../postprocess/summary.js';
import { upsampleSoftmax } from '../postprocess/upsampleArgmax.js';
import type {
  ClassMaskImage,
  ColorMapOptions,
  LabelPngOptions,
  OverlayRenderOptions,
  Renderer,
} from '../outputs/render.js';
import { FaceParseError } from '../base/errors.js';
import type { FaceJson, FaceResult } from '../faces/faceResult.js';
import { warpFaceCrop } from '../faces/modelInput.js';

export interface StageTimings {
  /** Milliseconds per stage. */
  decode: number;
  /** Face detection (faces 'auto' / 'on' only). */
  detect?: number;
  preprocess: number;
  inference: number;
  postprocess: number;
}

export interface ParseResultJson {
  model: string;
  variant: string;
  input?: string;
  width: number;
  height: number;
  labels: string[];
  classes: Array<{ id: number; label: string; pixels: number; share: number; bbox: { x: number; y: number; width: number; height: number } | null }>;
  timings: StageTimings;
  /** 'photo': parsed whole (the reference pipeline); 'faces': face by face, pasted back. */
  parsedAs: 'photo' | 'faces';
  faces?: FaceJson[];
  note?: string;
}

/** What a per-face parse adds to a result. */
export interface FacesInit {
  faces: FaceResult[];
  /** Face index + 1 per photo pixel that face labelled; 0 on background. */
  instanceMask: Uint8Array;
  /** Softmax maps pasted from the faces (replaces the whole-photo upsampling). */
  softmax: (ids: readonly number[]) => { confidence: Float32Array; probabilities: Map<number, Float32Array> };
  note?: string;
}

/** Low-resolution logits, classes x height x width (1/4 of the model input for SegFormer). */
export interface LogitsView {
  data: Float32Array;
  classes: number;
  height: number;
  width: number;
}

/** Options of the result's methods: absent or null means the defaults; anything but an object is refused. */
function optionsOf<T extends object>(options: T | null | undefined, method: string): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new FaceParseError('INVALID_ARGUMENT', `${method} options must be an object, got ${Array.isArray(options) ? 'an array' : typeof options}`);
  }
  return options;
}

export class ParseResult {
  /** Class id per pixel, width * height, row-major (the model's id2label order). */
  readonly categoryMask: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** The model's class names, index = class id. */
  readonly labels: readonly string[];
  readonly model: string;
  readonly variant: string;
  readonly timings: StageTimings;
  /** The decoded photo (RGB), for overlays. */
  readonly image: RgbImage;
  /** 'photo': parsed whole, as the reference pipeline does; 'faces': face by face, pasted back. */
  readonly parsedAs: 'photo' | 'faces';
  /** The faces of a per-face parse (empty when parsed whole). */
  readonly faces: readonly FaceResult[];
  /** Face index + 1 per pixel, 0 = no face (per-face parses only). */
  readonly instanceMask: Uint8Array | undefined;
  /** Why the result is what it is, when that needs saying (e.g. no face found). */
  readonly note: string | undefined;
  readonly #pasted: FacesInit | undefined;
  #logits: LogitsView | undefined;
  #summary: LabelSummary | undefined;
  #confidence: Float32Array | undefined;
  readonly #probabilities = new Map<number, Float32Array>();
  readonly #renderer: Renderer;

  /** @internal built by FaceParser */
  constructor(init: {
    renderer: Renderer;
    categoryMask: Uint8Array;
    image: RgbImage;
    labels: readonly string[];
    model: string;
    variant: string;
    timings: StageTimings;
    logits?: LogitsView;
    faces?: FacesInit;
  }) {
    this.categoryMask = init.categoryMask;
    this.image = init.image;
    this.width = init.image.width;
    this.height = init.image.height;
    this.labels = init.labels;
    this.model = init.model;
    this.variant = init.variant;
    this.timings = init.timings;
    this.#logits = init.logits;
    this.#renderer = init.renderer;
    this.#pasted = init.faces;
    this.parsedAs = init.faces ? 'faces' : 'photo';
    this.faces = init.faces?.faces ?? [];
    this.instanceMask = init.faces?.instanceMask;
    this.note = init.faces?.note;
  }

  /** The model's logits before upsampling (absent with keepLogits: false), e.g. to smooth video frames. */
  get logits(): LogitsView | undefined {
    return this.#logits;
  }

  /** Per class: pixel count, share of the image and bounding box (absent classes have bbox null). */
  summary(): LabelSummary {
    this.#summary ??= summarizeLabels(this.categoryMask, this.width, this.height, this.labels);
    return this.#summary;
  }

  /** Per-pixel probability of the chosen class (the softmax maximum), 0..1. */
  confidenceMask(): Float32Array {
    if (!this.#confidence) this.#computeSoftmax([]);
    return this.#confidence!;
  }

  /** Per-pixel probability of one class, by id or name. */
  probabilityMask(label: number | string): Float32Array {
    const id = typeof label === 'number' ? label : this.labels.indexOf(label);
    if (!Number.isInteger(id) || id < 0 || id >= this.labels.length) {
      throw new FaceParseError('INVALID_ARGUMENT', `no class ${JSON.stringify(label)} in this model; its classes are ${this.labels.join(', ')}`);
    }
    if (!this.#probabilities.has(id)) this.#computeSoftmax([id]);
    return this.#probabilities.get(id)!;
  }

  #computeSoftmax(ids: number[]): void {
    if (this.#pasted) {
      const { confidence, probabilities } = this.#pasted.softmax(ids);
      this.#confidence = confidence;
      for (const [id, map] of probabilities) this.#probabilities.set(id, map);
      return;
    }
    const logits = this.#logits;
    if (!logits) {
      throw new FaceParseError('INVALID_ARGUMENT', 'this result was made with keepLogits: false; parse again with keepLogits: true for confidence or probability maps');
    }
    const { confidence, probabilities } = upsampleSoftmax(logits.data, logits.classes, logits.height, logits.width, this.height, this.width, ids);
    this.#confidence = confidence;
    for (const [id, map] of probabilities) this.#probabilities.set(id, map);
  }

  /** 8-bit PNG whose pixel values are class ids (greyscale, or palette PNG with `palette`). */
  toLabelPng(options?: LabelPngOptions): Promise<Buffer> {
    return this.#renderer.encodeLabelPng(this.categoryMask, this.width, this.height, optionsOf(options, 'toLabelPng'));
  }

  /** The colourised label map with a legend of the classes present. */
  toColorPng(options: ColorMapOptions = {}): Promise<Buffer> {
    return this.#renderer.renderColorMap(this.categoryMask, this.width, this.height, this.labels, { summary: this.summary(), ...optionsOf(options, 'toColorPng') });
  }

  /** The label colours blended over the photo (alpha 0.5 by default; background untinted). */
  toOverlay(options: OverlayRenderOptions = {}): Promise<Buffer> {
    const checked = optionsOf(options, 'toOverlay');
    const boxes = this.faces.map((f) => f.box);
    return this.#renderer.renderOverlay(this.image.data, this.categoryMask, this.width, this.height, this.labels, boxes.length ? { boxes, ...checked } : checked);
  }

  /** One binary (0/255) PNG per class present. */
  toClassMasks(classes?: readonly number[]): Promise<ClassMaskImage[]> {
    if (classes !== undefined && classes !== null && (!Array.isArray(classes) || classes.some((c) => !Number.isInteger(c) || c < 0 || c >= this.labels.length))) {
      return Promise.reject(
        new FaceParseError('INVALID_ARGUMENT', `toClassMasks takes an array of class ids from 0 to ${this.labels.length - 1}; got ${JSON.stringify(classes)}`),
      );
    }
    return this.#renderer.renderClassMasks(this.categoryMask, this.width, this.height, this.labels, classes ? { classes } : {});
  }

  /** The confidence map as an 8-bit grey PNG (round(p * 255) per pixel). */
  toConfidencePng(): Promise<Buffer> {
    return this.#renderer.encodeUnitPng(this.confidenceMask(), this.width, this.height);
  }

  /** Per face of a per-face parse: its aligned crop (what the model saw) and the crop's label map, as PNGs. */
  toFacePngs(): Promise<Array<{ index: number; crop: Buffer; labels: Buffer }>> {
    return Promise.all(
      this.faces.map(async (face) => {
        const crop = warpFaceCrop(this.image, face.logits.alignment);
        const [cropPng, labelsPng] = await Promise.all([
          this.#renderer.encodeRgbPng(crop.data, crop.width, crop.height),
          this.#renderer.encodeLabelPng(face.labelMap(), face.cropWidth, face.cropHeight),
        ]);
        return { index: face.index, crop: cropPng, labels: labelsPng };
      }),
    );
  }

  toJSON(): ParseResultJson {
    const summary = this.summary();
    return {
      model: this.model,
      variant: this.variant,
      width: this.width,
      height: this.height,
      labels: [...this.labels],
      classes: summary.classes.map(({ id, label, pixels, share, bbox }) => ({ id, label, pixels, share, bbox })),
      timings: this.timings,
      parsedAs: this.parsedAs,
      ...(this.parsedAs === 'faces' ? { faces: this.faces.map((f) => f.toJSON()) } : {}),
      ...(this.note ? { note: this.note } : {}),
    };
  }
}
