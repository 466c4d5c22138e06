/**
 * ParseResult: what `FaceParser.parse` returns. It owns the label map and converts lazily, as
 * MediaPipe's results do: summaries, PNGs, confidence and probability maps are computed when
 * first asked for (and then kept).
 */
import type { RgbImage } from '../base/types.js';
import { summarizeLabels, type LabelSummary } from '../postprocess/summary.js';
import { upsampleSoftmax } from '../postprocess/upsampleArgmax.js';
import type { ClassMaskImage, ColorMapOptions, LabelPngOptions, OverlayRenderOptions, Renderer } from '../outputs/render.js';
import { FaceParseError } from '../base/errors.js';
import { findClassId, resolveClassId } from '../base/labels.js';
import type { LabelSetMapping, LabelSetName } from '../base/labelSets.js';
import type { FaceJson, FaceResult, FacesInit } from '../faces/faceResult.js';
import { warpFaceCrop } from '../faces/modelInput.js';
import { resolveRegion, type ClassRef } from '../masks/regions.js';
import { shapeRegion, type RegionShapeOptions } from '../masks/regionShape.js';
import { remapLabelData } from '../metrics/mergeSides.js';

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
  /** The label set `labels`, the label map and `classes` were mapped into (absent: the model's own). */
  labelSet?: LabelSetName;
  note?: string;
}

export interface RegionMaskOptions extends RegionShapeOptions {
  /**
   * What the region unites: a preset (`face`, `head`, `hair`, `skin`, `lips`, `eyes`, `brows`, `ears`;
   * src/masks/regions.ts), class names (short `l_eye` or human `left eye`, any alias) or ids, or a mix.
   */
  classes: ClassRef | readonly ClassRef[];
  /** Only the pixels this face labelled (its index in `faces`; parses that found faces only). Default: the whole photo. */
  face?: number;
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
  /** The faces found (faces 'auto' or 'on'), whether the photo was parsed face by face or whole; empty with faces 'off'. */
  readonly faces: readonly FaceResult[];
  /** Face index + 1 per labelled pixel, 0 = background or no face (parses that found faces only; parsed whole: the face each pixel lies nearest). */
  readonly instanceMask: Uint8Array | undefined;
  /** Why the result is what it is, when that needs saying (e.g. no face found). */
  readonly note: string | undefined;
  /** The label set `labels` and `categoryMask` are in (ParseOptions.labelSet), or undefined for the model's own. */
  readonly labelSet: LabelSetName | undefined;
  /** The model's own class names and label map (the same as `labels` and `categoryMask` without a label set). */
  readonly modelLabels: readonly string[];
  readonly modelCategoryMask: Uint8Array;
  readonly #setMapping: LabelSetMapping | undefined;
  readonly #setProbabilities = new Map<number, Float32Array>();
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
    /** The faces found in a photo parsed whole (faces 'auto' on a face crop; src/faces/wholePhotoFaces.ts). */
    found?: { faces: FaceResult[]; instanceMask: Uint8Array };
    labelSet?: LabelSetMapping;
  }) {
    this.modelCategoryMask = init.categoryMask;
    this.modelLabels = init.labels;
    this.#setMapping = init.labelSet;
    this.labelSet = init.labelSet?.set.name;
    this.categoryMask = init.labelSet ? remapLabelData(init.categoryMask, init.labelSet.mapping) : init.categoryMask;
    this.image = init.image;
    this.width = init.image.width;
    this.height = init.image.height;
    this.labels = init.labelSet ? init.labelSet.labels : init.labels;
    this.model = init.model;
    this.variant = init.variant;
    this.timings = init.timings;
    this.#logits = init.logits;
    this.#renderer = init.renderer;
    this.#pasted = init.faces;
    this.parsedAs = init.faces ? 'faces' : 'photo';
    this.faces = init.faces?.faces ?? init.found?.faces ?? [];
    this.instanceMask = init.faces?.instanceMask ?? init.found?.instanceMask;
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

  /**
   * Per-pixel probability of the chosen class (the softmax maximum), 0..1: the model's class, also
   * in a label set (where it is a lower bound of the probability of the set's class).
   */
  confidenceMask(): Float32Array {
    if (!this.#confidence) this.#computeSoftmax([]);
    return this.#confidence!;
  }

  /**
   * Per-pixel probability of one class of `labels`, by id or by any of its names (short `l_eye`,
   * human `left eye`, aliases such as `glasses`). In a label set, a class that unites several model
   * classes has the sum of their probabilities; a model class name the set has no class for gives
   * that model class's probability.
   */
  probabilityMask(label: number | string): Float32Array {
    if (typeof label !== 'number' && typeof label !== 'string') {
      throw new FaceParseError('INVALID_ARGUMENT', `probabilityMask takes a class name or id; got ${JSON.stringify(label)}`);
    }
    const set = this.#setMapping;
    if (!set) return this.#modelProbability(resolveClassId(this.labels, label, 'probabilityMask'));
    const inModel = typeof label === 'string' ? findClassId(this.modelLabels, label) : undefined;
    let setId: number;
    try {
      setId = resolveClassId(this.labels, label, 'probabilityMask');
    } catch (error) {
      if (inModel === undefined) throw error;
      return this.#modelProbability(inModel);
    }
    let sum = this.#setProbabilities.get(setId);
    if (!sum) {
      const members: number[] = [];
      for (let m = 0; m < this.modelLabels.length; m++) if (set.mapping[m] === setId) members.push(m);
      if (members.length === 1) return this.#modelProbability(members[0]!);
      const missing = members.filter((m) => !this.#probabilities.has(m));
      if (missing.length) this.#computeSoftmax(missing);
      sum = new Float32Array(this.width * this.height);
      for (const m of members) {
        const p = this.#probabilities.get(m)!;
        for (let i = 0; i < sum.length; i++) sum[i] += p[i]!;
      }
      this.#setProbabilities.set(setId, sum);
    }
    return sum;
  }

  #modelProbability(id: number): Float32Array {
    if (!this.#probabilities.has(id)) this.#computeSoftmax([id]);
    return this.#probabilities.get(id)!;
  }

  /**
   * An 8-bit alpha mask (width * height, 0..255) of a region: the union of `classes` (presets, class
   * names or ids), grown (positive `grow` px) or shrunk (negative), then feathered over `feather` px
   * (src/masks/regionShape.ts). Without grow and feather it is 255 exactly on the region's classes in
   * the label map and 0 elsewhere. Regions are taken from the model's own label map, so they are the
   * same in any label set (a label set's class names are accepted too).
   */
  regionMask(options: RegionMaskOptions): Uint8Array {
    const checked = optionsOf(options, 'regionMask');
    if (checked.classes === undefined) throw new FaceParseError('INVALID_ARGUMENT', "regionMask needs classes: a preset such as 'face', class names or ids");
    const ids = resolveRegion(this.modelLabels, checked.classes, this.#setMapping);
    const member = new Uint8Array(256);
    for (const id of ids) member[id] = 1;
    const source = this.modelCategoryMask;
    const selected = new Uint8Array(source.length);
    if (checked.face === undefined) {
      for (let i = 0; i < source.length; i++) selected[i] = member[source[i]!]!;
    } else {
      const face = checked.face;
      if (!Number.isInteger(face) || face < 0 || face >= this.faces.length || !this.instanceMask) {
        throw new FaceParseError(
          'INVALID_ARGUMENT',
          `regionMask: face ${String(face)} is not a face of this result` +
            (this.faces.length ? ` (faces 0..${this.faces.length - 1})` : ` (it has no faces: parse with faces 'auto' or 'on' for per-face regions)`),
        );
      }
      const instance = this.instanceMask;
      const value = face + 1;
      for (let i = 0; i < source.length; i++) selected[i] = instance[i] === value ? member[source[i]!]! : 0;
    }
    return shapeRegion(selected, this.width, this.height, checked);
  }

  /** The region mask (see `regionMask`) as an 8-bit grey PNG of the photo's size. */
  toRegionPng(options: RegionMaskOptions): Promise<Uint8Array> {
    try {
      return this.#renderer.encodeGreyPng(this.regionMask(options), this.width, this.height);
    } catch (error) {
      return Promise.reject(error);
    }
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
      throw new FaceParseError(
        'INVALID_ARGUMENT',
        'this result was made with keepLogits: false; parse again with keepLogits: true for confidence or probability maps',
      );
    }
    const { confidence, probabilities } = upsampleSoftmax(logits.data, logits.classes, logits.height, logits.width, this.height, this.width, ids);
    this.#confidence = confidence;
    for (const [id, map] of probabilities) this.#probabilities.set(id, map);
  }

  /** 8-bit PNG whose pixel values are class ids (greyscale, or palette PNG with `palette`). */
  toLabelPng(options?: LabelPngOptions): Promise<Uint8Array> {
    return this.#renderer.encodeLabelPng(this.categoryMask, this.width, this.height, optionsOf(options, 'toLabelPng'));
  }

  /** The colourised label map with a legend of the classes present. */
  toColorPng(options: ColorMapOptions = {}): Promise<Uint8Array> {
    return this.#renderer.renderColorMap(this.categoryMask, this.width, this.height, this.labels, {
      summary: this.summary(),
      ...optionsOf(options, 'toColorPng'),
    });
  }

  /** The label colours blended over the photo (alpha 0.5 by default; background untinted). */
  toOverlay(options: OverlayRenderOptions = {}): Promise<Uint8Array> {
    const checked = optionsOf(options, 'toOverlay');
    const boxes = this.faces.map((f) => f.box);
    return this.#renderer.renderOverlay(
      this.image.data,
      this.categoryMask,
      this.width,
      this.height,
      this.labels,
      boxes.length ? { boxes, ...checked } : checked,
    );
  }

  /** One binary (0/255) PNG per class present, or per class of `classes` (ids or any of their names). */
  toClassMasks(classes?: ReadonlyArray<number | string>): Promise<ClassMaskImage[]> {
    if (classes === undefined || classes === null) return this.#renderer.renderClassMasks(this.categoryMask, this.width, this.height, this.labels, {});
    if (!Array.isArray(classes)) {
      return Promise.reject(new FaceParseError('INVALID_ARGUMENT', `toClassMasks takes an array of class ids or names; got ${JSON.stringify(classes)}`));
    }
    let ids: number[];
    try {
      ids = classes.map((c) => resolveClassId(this.labels, c as number | string, 'toClassMasks'));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#renderer.renderClassMasks(this.categoryMask, this.width, this.height, this.labels, { classes: ids });
  }

  /** The confidence map as an 8-bit grey PNG (round(p * 255) per pixel). */
  toConfidencePng(): Promise<Uint8Array> {
    return this.#renderer.encodeUnitPng(this.confidenceMask(), this.width, this.height);
  }

  /** Per face of a per-face parse: its aligned crop (what the model saw) and the crop's label map, as PNGs. */
  toFacePngs(): Promise<Array<{ index: number; crop: Uint8Array; labels: Uint8Array }>> {
    return Promise.all(
      this.faces.map(async (face) => {
        const crop = warpFaceCrop(this.image, face.logits.alignment);
        const labels = this.#setMapping ? remapLabelData(face.labelMap(), this.#setMapping.mapping) : face.labelMap();
        const [cropPng, labelsPng] = await Promise.all([
          this.#renderer.encodeRgbPng(crop.data, crop.width, crop.height),
          this.#renderer.encodeLabelPng(labels, face.cropWidth, face.cropHeight),
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
      ...(this.parsedAs === 'faces' || this.faces.length > 0 ? { faces: this.faces.map((f) => f.toJSON()) } : {}),
      ...(this.labelSet ? { labelSet: this.labelSet } : {}),
      ...(this.note ? { note: this.note } : {}),
    };
  }
}
