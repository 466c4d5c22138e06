/**
 * WebParseResult: what the browser FaceParser's `parse` returns. The same fields and lazy
 * conversions as Node's ParseResult (src/core/result.ts), with browser outputs: ImageData for
 * drawing and PNG Blobs for downloads. Pixels come from the same pure modules as Node's.
 */
import { FaceParseError } from '../core/errors.js';
import type { StageTimings, ParseResultJson } from '../core/result.js';
import type { RgbImage } from '../image/decode.js';
import { greyPng, greyToImageData, imageDataToPng, rgbToImageData } from '../platform/web/encode.js';
import { summarizeLabels, type LabelSummary } from '../postprocess/summary.js';
import { upsampleSoftmax } from '../postprocess/upsampleArgmax.js';
import { resolvePalette, type PaletteInput } from '../visualize/palette.js';
import { classMask, colorize, overlay, presentClasses, type OverlayOptions } from '../visualize/pixels.js';

export interface WebStageTimings extends StageTimings {
  /** Milliseconds inside onnxruntime's session.run (the rest of `inference` is the worker round trip). */
  modelRun: number;
}

/** Low-resolution logits, classes x height x width (1/4 of the model input). */
export interface LogitsView {
  data: Float32Array;
  classes: number;
  height: number;
  width: number;
}

export interface WebClassMask {
  id: number;
  label: string;
  /** Binary 0/255 PNG of the class. */
  png: Blob;
}

export class WebParseResult {
  /** Class id per pixel, width * height, row-major (the model's id2label order). */
  readonly categoryMask: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** The model's class names, index = class id. */
  readonly labels: readonly string[];
  readonly model: string;
  readonly variant: string;
  readonly timings: WebStageTimings;
  /** The decoded photo (RGB), for overlays. */
  readonly image: RgbImage;
  /** The model's logits before upsampling (absent with keepLogits: false), e.g. to smooth video frames. */
  readonly logits: LogitsView | undefined;
  #summary: LabelSummary | undefined;
  #confidence: Float32Array | undefined;
  readonly #probabilities = new Map<number, Float32Array>();

  /** @internal built by FaceParser */
  constructor(init: { categoryMask: Uint8Array; image: RgbImage; labels: readonly string[]; model: string; variant: string; timings: WebStageTimings; logits?: LogitsView }) {
    this.categoryMask = init.categoryMask;
    this.image = init.image;
    this.width = init.image.width;
    this.height = init.image.height;
    this.labels = init.labels;
    this.model = init.model;
    this.variant = init.variant;
    this.timings = init.timings;
    this.logits = init.logits;
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
    const logits = this.logits;
    if (!logits) {
      throw new FaceParseError('INVALID_ARGUMENT', 'this result was made with keepLogits: false; parse again with keepLogits: true for confidence or probability maps');
    }
    const { confidence, probabilities } = upsampleSoftmax(logits.data, logits.classes, logits.height, logits.width, this.height, this.width, ids);
    this.#confidence = confidence;
    for (const [id, map] of probabilities) this.#probabilities.set(id, map);
  }

  /** The photo as ImageData. */
  toImageData(): ImageData {
    return rgbToImageData(this.image.data, this.width, this.height);
  }

  /** The colourised label map (the palette of Node's colour PNG, without its legend: pages draw their own). */
  toColorImageData(palette: PaletteInput = this.labels): ImageData {
    return rgbToImageData(colorize(this.categoryMask, this.width, this.height, resolvePalette(palette)), this.width, this.height);
  }

  /** The label colours blended over the photo (alpha 0.5 by default; background untinted), as Node's overlay. */
  toOverlayImageData(options: OverlayOptions & { palette?: PaletteInput } = {}): ImageData {
    const rgb = overlay(this.image.data, this.categoryMask, this.width, this.height, options.palette ?? this.labels, options);
    return rgbToImageData(rgb, this.width, this.height);
  }

  /** The confidence map as grey levels (0 = probability 0, 255 = 1). */
  toConfidenceImageData(): ImageData {
    const confidence = this.confidenceMask();
    const grey = new Uint8Array(confidence.length);
    for (let i = 0; i < grey.length; i++) grey[i] = Math.round(confidence[i]! * 255);
    return greyToImageData(grey, this.width, this.height);
  }

  /** 8-bit greyscale PNG whose pixel values are class ids. */
  async toLabelPng(): Promise<Blob> {
    return greyPng(this.categoryMask, this.width, this.height);
  }

  toColorPng(palette?: PaletteInput): Promise<Blob> {
    return imageDataToPng(this.toColorImageData(palette));
  }

  toOverlay(options: OverlayOptions & { palette?: PaletteInput } = {}): Promise<Blob> {
    return imageDataToPng(this.toOverlayImageData(options));
  }

  /** One binary (0/255) greyscale PNG per class present (or per class of `classes`). */
  async toClassMasks(classes?: readonly number[]): Promise<WebClassMask[]> {
    const ids = classes ?? presentClasses(this.categoryMask);
    return ids.map((id) => ({
      id,
      label: this.labels[id] ?? `unknown_${id}`,
      png: greyPng(classMask(this.categoryMask, id), this.width, this.height),
    }));
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
    };
  }
}
