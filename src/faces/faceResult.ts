/**
 * One face of a per-face parse: where it was found, how it was aligned, and its own label map and
 * probabilities in the aligned crop's grid (the face's model input size), computed when first
 * asked for. The photo's labels come from the fused ladder (`pasted`), which reaches past the crop.
 */
import { upsampleArgmax, upsampleSoftmax } from '../postprocess/upsampleArgmax.js';
import type { FaceLogits } from './paste.js';
import type { Affine, Box, Point } from './types.js';

export interface FaceJson {
  index: number;
  score: number;
  box: Box;
  keypoints: Point[];
  /** Photo coordinates -> crop coordinates, [a, b, c, d, e, f]: x' = a x + b y + c, y' = d x + e y + f. */
  transform: Affine;
  crop: { width: number; height: number };
  /** Photo pixels this face labelled, not background (its value in the instance map). */
  pixels: number;
}

export class FaceResult {
  readonly index: number;
  readonly score: number;
  readonly box: Box;
  readonly keypoints: readonly Point[];
  /** Photo coordinates -> crop coordinates. */
  readonly transform: Affine;
  readonly cropWidth: number;
  readonly cropHeight: number;
  /** Photo pixels whose label came from this face. */
  readonly pixels: number;
  readonly #logits: FaceLogits;
  readonly #pasted: FaceLogits;
  #labels: Uint8Array | undefined;

  /** @internal built by FaceParser */
  constructor(init: { index: number; score: number; box: Box; keypoints: readonly Point[]; logits: FaceLogits; pasted?: FaceLogits; pixels: number }) {
    this.index = init.index;
    this.score = init.score;
    this.box = init.box;
    this.keypoints = init.keypoints;
    this.#logits = init.logits;
    this.#pasted = init.pasted ?? init.logits;
    this.transform = init.logits.alignment.photoToCrop;
    this.cropWidth = init.logits.alignment.width;
    this.cropHeight = init.logits.alignment.height;
    this.pixels = init.pixels;
  }

  /** Class id per crop pixel (cropWidth x cropHeight): the model's labels before paste-back. */
  labelMap(): Uint8Array {
    const l = this.#logits;
    this.#labels ??= upsampleArgmax(l.data, l.classes, l.height, l.width, this.cropHeight, this.cropWidth);
    return this.#labels;
  }

  /** Softmax probability per crop pixel: of the chosen class, and of each class in `ids`. */
  probabilities(ids: readonly number[] = []): { confidence: Float32Array; probabilities: Map<number, Float32Array> } {
    const l = this.#logits;
    return upsampleSoftmax(l.data, l.classes, l.height, l.width, this.cropHeight, this.cropWidth, ids);
  }

  /** @internal the model's logits on the aligned crop (transform, crop). */
  get logits(): FaceLogits {
    return this.#logits;
  }

  /** @internal what was pasted into the photo: the fused logits of the face's context ladder, on its own grid. */
  get pasted(): FaceLogits {
    return this.#pasted;
  }

  toJSON(): FaceJson {
    const round = (v: number) => Math.round(v * 100) / 100;
    return {
      index: this.index,
      score: Math.round(this.score * 1e4) / 1e4,
      box: { x: round(this.box.x), y: round(this.box.y), width: round(this.box.width), height: round(this.box.height) },
      keypoints: this.keypoints.map((p) => ({ x: round(p.x), y: round(p.y) })),
      transform: this.transform.map((v) => Math.round(v * 1e6) / 1e6) as unknown as Affine,
      crop: { width: this.cropWidth, height: this.cropHeight },
      pixels: this.pixels,
    };
  }
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
