/**
 * WebParseResult: what the browser FaceParser's `parse` returns. It is the shared pipeline's
 * ParseResult (same label map, summary, confidence and probability maps, same rendered PNGs
 * through the browser codec) with browser outputs: PNG Blobs for downloads and ImageData for
 * drawing.
 */
import type { LabelSummary } from '../postprocess/summary.js';
import type { ClassMaskImage, ColorMapOptions, LabelPngOptions, OverlayRenderOptions } from '../outputs/render.js';
import type { LogitsView, ParseResult, ParseResultJson, RegionMaskOptions, StageTimings } from '../pipeline/result.js';
import type { RgbImage } from '../base/types.js';
import { greyToImageData, rgbToImageData } from '../platform/web/imageData.js';
import { resolvePalette, type PaletteInput } from '../visualize/palette.js';
import { colorize, overlay, type OverlayOptions } from '../visualize/pixels.js';

export interface WebClassMask {
  id: number;
  label: string;
  /** Binary 0/255 greyscale PNG of the class. */
  png: Blob;
}

const png = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' });

export class WebParseResult {
  /** The shared pipeline's result this one wraps. */
  readonly core: ParseResult;

  /** @internal built by FaceParser */
  constructor(core: ParseResult) {
    this.core = core;
  }

  /** Class id per pixel, width * height, row-major (the model's id2label order). */
  get categoryMask(): Uint8Array {
    return this.core.categoryMask;
  }
  get width(): number {
    return this.core.width;
  }
  get height(): number {
    return this.core.height;
  }
  /** The model's class names, index = class id. */
  get labels(): readonly string[] {
    return this.core.labels;
  }
  get model(): string {
    return this.core.model;
  }
  get variant(): string {
    return this.core.variant;
  }
  /** 'photo': parsed whole, as the reference pipeline does; 'faces': face by face, pasted back. */
  get parsedAs(): 'photo' | 'faces' {
    return this.core.parsedAs;
  }
  /** The faces of a per-face parse (box, score, keypoints, transform, crop labels); empty when parsed whole. */
  get faces(): ParseResult['faces'] {
    return this.core.faces;
  }
  /** Face index + 1 per pixel (0: no face), for a per-face parse. */
  get instanceMask(): ParseResult['instanceMask'] {
    return this.core.instanceMask;
  }
  /** Why the result is what it is, e.g. that no face was found (the map is then all background). */
  get note(): string | undefined {
    return this.core.note;
  }
  /** Milliseconds per stage: decode, preprocess, inference (the worker round trip), postprocess. */
  get timings(): StageTimings {
    return this.core.timings;
  }
  /** The decoded photo (RGB). */
  get image(): RgbImage {
    return this.core.image;
  }
  /** The model's logits before upsampling (absent with keepLogits: false), e.g. to smooth video frames. */
  get logits(): LogitsView | undefined {
    return this.core.logits;
  }

  /** Per class: pixel count, share of the image and bounding box (absent classes have bbox null). */
  summary(): LabelSummary {
    return this.core.summary();
  }

  /** Per-pixel probability of the chosen class (the softmax maximum), 0..1. */
  confidenceMask(): Float32Array {
    return this.core.confidenceMask();
  }

  /** Per-pixel probability of one class, by id or any of its names (`l_eye`, `left eye`, `glasses`). */
  probabilityMask(label: number | string): Float32Array {
    return this.core.probabilityMask(label);
  }

  /** The label set `labels` and `categoryMask` are in, or undefined for the model's own. */
  get labelSet(): ParseResult['labelSet'] {
    return this.core.labelSet;
  }

  /**
   * An 8-bit alpha mask (width * height) of a region: a preset (`face`, `hair`, ...), class names or
   * ids, grown or shrunk by `grow` px and feathered over `feather` px; `face` for one face's pixels.
   */
  regionMask(options: RegionMaskOptions): Uint8Array {
    return this.core.regionMask(options);
  }

  /** The region mask as opaque ImageData, its alpha as grey levels (white: in the region). */
  toRegionImageData(options: RegionMaskOptions): ImageData {
    return greyToImageData(this.regionMask(options), this.width, this.height);
  }

  /** The region mask as an 8-bit grey PNG (the CLI's `.region-<name>.png`). */
  async toRegionPng(options: RegionMaskOptions): Promise<Blob> {
    return png(await this.core.toRegionPng(options));
  }

  /** The photo as ImageData. */
  toImageData(): ImageData {
    return rgbToImageData(this.image.data, this.width, this.height);
  }

  /** The colourised label map (the palette of the colour PNG, without its legend: pages draw their own). */
  toColorImageData(palette: PaletteInput = this.labels): ImageData {
    return rgbToImageData(colorize(this.categoryMask, this.width, this.height, resolvePalette(palette)), this.width, this.height);
  }

  /** The label colours blended over the photo (alpha 0.5 by default; background untinted): the overlay PNG's pixels. */
  toOverlayImageData(options: OverlayOptions & { palette?: PaletteInput } = {}): ImageData {
    return rgbToImageData(
      overlay(this.image.data, this.categoryMask, this.width, this.height, options.palette ?? this.labels, options),
      this.width,
      this.height,
    );
  }

  /** The confidence map as grey levels (round(p * 255)). */
  toConfidenceImageData(): ImageData {
    const confidence = this.confidenceMask();
    const grey = new Uint8Array(confidence.length);
    for (let i = 0; i < grey.length; i++) grey[i] = Math.round(confidence[i]! * 255);
    return greyToImageData(grey, this.width, this.height);
  }

  /** 8-bit PNG whose pixel values are class ids (as Node's label PNG). */
  async toLabelPng(options?: LabelPngOptions): Promise<Blob> {
    return png(await this.core.toLabelPng(options));
  }

  /** The colourised label map with a legend of the classes present (as Node's colour PNG; needs a page, not a worker). */
  async toColorPng(options?: ColorMapOptions): Promise<Blob> {
    return png(await this.core.toColorPng(options));
  }

  /** The label colours blended over the photo, as a PNG (or JPEG with format 'jpeg'). */
  async toOverlay(options: OverlayRenderOptions = {}): Promise<Blob> {
    const bytes = await this.core.toOverlay(options);
    return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: options.format === 'jpeg' ? 'image/jpeg' : 'image/png' });
  }

  /** The confidence map as an 8-bit grey PNG. */
  async toConfidencePng(): Promise<Blob> {
    return png(await this.core.toConfidencePng());
  }

  /** One binary (0/255) greyscale PNG per class present (or per class of `classes`: ids or names). */
  async toClassMasks(classes?: ReadonlyArray<number | string>): Promise<WebClassMask[]> {
    const masks: ClassMaskImage[] = await this.core.toClassMasks(classes);
    return masks.map(({ id, label, png: bytes }) => ({ id, label, png: png(bytes) }));
  }

  toJSON(): ParseResultJson {
    return this.core.toJSON();
  }
}
