/**
 * Boundary F1 (Csurka, Larlus & Perronnin, BMVC 2013; MATLAB's `bfscore`), per class and image:
 * - a class's boundary is its mask minus the mask's erosion by a 3x3 cross, with zero padding, so a
 *   class touching the image edge has a boundary there;
 * - tolerance: 0.75% of the image diagonal unless set; a boundary pixel matches when its Euclidean
 *   distance to the other map's boundary of the same class is strictly below the tolerance (`<`);
 * - precision = matched predicted boundary / predicted boundary, recall = matched target boundary /
 *   target boundary, F1 = 2PR / (P + R); a class the prediction misses entirely has P = R = F1 = 0;
 * - an image's score is the mean F1 over the classes present in its target (background included);
 *   classes only in the prediction are not scored here (IoU and F1 penalise them);
 * - a set's score is the mean over its images.
 * Target pixels equal to `ignoreIndex` belong to no class, in the target and in the prediction.
 */
import { FaceParseError } from '../base/errors.js';
import { countWithinDistance, squaredDistanceBelow } from './distanceTransform.js';
import type { ClassScore } from './scores.js';

export interface BoundaryOptions {
  /** Classes are ids 0..numClasses-1. */
  numClasses: number;
  /** Target pixels with this id are void: part of no class, in target and prediction (default: none). */
  ignoreIndex?: number;
  /** Tolerance as a fraction of the image diagonal (default 0.0075, bfscore's 0.75%). */
  toleranceFraction?: number;
  /** Tolerance in pixels; overrides toleranceFraction. */
  tolerancePixels?: number;
}

/** The boundary pixels of every class of a label map: class c's are `pixels[offsets[c] .. offsets[c+1])`, ascending. */
export interface ClassBoundaries {
  offsets: Int32Array;
  pixels: Int32Array;
}

export interface ClassBoundaryScore {
  precision: number;
  recall: number;
  f1: number;
  predictedBoundaryPixels: number;
  targetBoundaryPixels: number;
  matchedPredicted: number;
  matchedTarget: number;
}

export interface ImageBoundaryScore {
  /** Tolerance used, in pixels. */
  tolerance: number;
  /** Per class; null for classes absent from the target. */
  perClass: Array<ClassBoundaryScore | null>;
  /** Mean F1 over the classes present in the target; null when the target has none (all void). */
  score: number | null;
}

/** The tolerance in pixels for an image of this size. */
export function boundaryTolerance(width: number, height: number, options: Omit<BoundaryOptions, 'numClasses'> = {}): number {
  const { toleranceFraction = 0.0075, tolerancePixels } = options;
  if (tolerancePixels !== undefined) {
    if (!(tolerancePixels > 0) || !Number.isFinite(tolerancePixels)) {
      throw new FaceParseError('INVALID_ARGUMENT', `tolerancePixels must be a positive number, got ${tolerancePixels}.`);
    }
    return tolerancePixels;
  }
  if (!(toleranceFraction > 0) || !Number.isFinite(toleranceFraction)) {
    throw new FaceParseError('INVALID_ARGUMENT', `toleranceFraction must be a positive number (0.0075 is 0.75% of the diagonal), got ${toleranceFraction}.`);
  }
  return toleranceFraction * Math.sqrt(width * width + height * height);
}

let boundaryScratch = new Int32Array(0);

/**
 * Boundary pixels of every class in one pass: a pixel of class c is on c's boundary when it lies on the
 * image edge or a 4-neighbour is not c (what "mask minus 3x3-cross erosion, zero padding" means for a
 * label map). Pixels equal to `voidLabel` belong to no class.
 */
export function classBoundaries(labels: Uint8Array, width: number, height: number, voidLabel = -1): ClassBoundaries {
  const size = width * height;
  if (labels.length !== size) {
    throw new FaceParseError('INVALID_ARGUMENT', `label map has ${labels.length} pixels, expected ${width}x${height} = ${size}.`);
  }
  if (boundaryScratch.length < size) boundaryScratch = new Int32Array(size);
  const found = boundaryScratch;
  const perClass = new Int32Array(256);
  let n = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    if (y === 0 || y === height - 1) {
      // edge rows: every pixel of a class is on its boundary
      for (let i = row; i < row + width; i++) {
        const c = labels[i];
        if (c === voidLabel) continue;
        found[n++] = i;
        perClass[c]++;
      }
      continue;
    }
    const last = row + width - 1;
    for (let i = row; i <= last; i++) {
      const c = labels[i];
      if (c === voidLabel) continue;
      if (i === row || i === last || labels[i - 1] !== c || labels[i + 1] !== c || labels[i - width] !== c || labels[i + width] !== c) {
        found[n++] = i;
        perClass[c]++;
      }
    }
  }
  const offsets = new Int32Array(257);
  for (let c = 0; c < 256; c++) offsets[c + 1] = offsets[c] + perClass[c];
  const pixels = new Int32Array(n);
  const cursor = offsets.slice(0, 256);
  for (let j = 0; j < n; j++) {
    const i = found[j];
    pixels[cursor[labels[i]]++] = i;
  }
  return { offsets, pixels };
}

/** Boundary precision, recall and F1 of every class of one image (see the module comment). */
export function imageBoundaryScore(prediction: Uint8Array, target: Uint8Array, width: number, height: number, options: BoundaryOptions): ImageBoundaryScore {
  const { numClasses, ignoreIndex } = options;
  if (prediction.length !== width * height || target.length !== width * height) {
    throw new FaceParseError('INVALID_ARGUMENT', `prediction (${prediction.length} px) and target (${target.length} px) must both be ${width}x${height}.`);
  }
  const tolerance = boundaryTolerance(width, height, options);
  const maxSquared = squaredDistanceBelow(tolerance);
  let predicted = prediction;
  if (ignoreIndex !== undefined && target.includes(ignoreIndex)) {
    predicted = Uint8Array.from(prediction);
    for (let i = 0; i < target.length; i++) if (target[i] === ignoreIndex) predicted[i] = ignoreIndex;
  }
  const voidLabel = ignoreIndex ?? -1;
  const targetBoundaries = classBoundaries(target, width, height, voidLabel);
  const predictedBoundaries = classBoundaries(predicted, width, height, voidLabel);
  const perClass: Array<ClassBoundaryScore | null> = new Array(numClasses).fill(null);
  let sum = 0;
  let present = 0;
  for (let c = 0; c < numClasses; c++) {
    if (c === ignoreIndex) continue;
    const targetPixels = targetBoundaries.pixels.subarray(targetBoundaries.offsets[c], targetBoundaries.offsets[c + 1]);
    if (targetPixels.length === 0) continue;
    const predictedPixels = predictedBoundaries.pixels.subarray(predictedBoundaries.offsets[c], predictedBoundaries.offsets[c + 1]);
    const matchedPredicted = countWithinDistance(predictedPixels, targetPixels, width, maxSquared);
    const matchedTarget = countWithinDistance(targetPixels, predictedPixels, width, maxSquared);
    const precision = predictedPixels.length === 0 ? 0 : matchedPredicted / predictedPixels.length;
    const recall = matchedTarget / targetPixels.length;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[c] = {
      precision,
      recall,
      f1,
      predictedBoundaryPixels: predictedPixels.length,
      targetBoundaryPixels: targetPixels.length,
      matchedPredicted,
      matchedTarget,
    };
    sum += f1;
    present++;
  }
  return { tolerance, perClass, score: present === 0 ? null : sum / present };
}

export interface BoundaryF1Result {
  /** Mean over images of each image's score; null before any scored image. */
  score: number | null;
  /** Per class: mean F1 over the images whose target has the class; null if none had it. */
  perClassF1: ClassScore[];
  perClassPrecision: ClassScore[];
  perClassRecall: ClassScore[];
  /** Images with a score (a target that is all void has none). */
  images: number;
}

/** Stateful, mergeable boundary F1 over a set of images. */
export class BoundaryF1 {
  readonly options: BoundaryOptions;
  private readonly f1Sums: Float64Array;
  private readonly precisionSums: Float64Array;
  private readonly recallSums: Float64Array;
  private readonly classImages: Float64Array;
  private scoreSum = 0;
  private images = 0;

  constructor(options: BoundaryOptions) {
    boundaryTolerance(100, 100, options); // validate the tolerance options now, not at the first image
    this.options = { ...options };
    const n = options.numClasses;
    this.f1Sums = new Float64Array(n);
    this.precisionSums = new Float64Array(n);
    this.recallSums = new Float64Array(n);
    this.classImages = new Float64Array(n);
  }

  /** Scores one image, adds it to the set and returns its scores. */
  update(prediction: Uint8Array, target: Uint8Array, width: number, height: number): ImageBoundaryScore {
    const result = imageBoundaryScore(prediction, target, width, height, this.options);
    this.add(result);
    return result;
  }

  /** Adds an image scored elsewhere with the same options. */
  add(result: ImageBoundaryScore): this {
    if (result.perClass.length !== this.options.numClasses) {
      throw new FaceParseError('INVALID_ARGUMENT', `a ${result.perClass.length}-class score cannot join a ${this.options.numClasses}-class set.`);
    }
    result.perClass.forEach((score, c) => {
      if (score === null) return;
      this.f1Sums[c] += score.f1;
      this.precisionSums[c] += score.precision;
      this.recallSums[c] += score.recall;
      this.classImages[c]++;
    });
    if (result.score !== null) {
      this.scoreSum += result.score;
      this.images++;
    }
    return this;
  }

  merge(other: BoundaryF1): this {
    if (other.options.numClasses !== this.options.numClasses) {
      throw new FaceParseError('INVALID_ARGUMENT', 'cannot merge boundary F1 sets with different class counts.');
    }
    for (let c = 0; c < this.options.numClasses; c++) {
      this.f1Sums[c] += other.f1Sums[c];
      this.precisionSums[c] += other.precisionSums[c];
      this.recallSums[c] += other.recallSums[c];
      this.classImages[c] += other.classImages[c];
    }
    this.scoreSum += other.scoreSum;
    this.images += other.images;
    return this;
  }

  reset(): this {
    this.f1Sums.fill(0);
    this.precisionSums.fill(0);
    this.recallSums.fill(0);
    this.classImages.fill(0);
    this.scoreSum = 0;
    this.images = 0;
    return this;
  }

  compute(): BoundaryF1Result {
    const mean = (sums: Float64Array): ClassScore[] => Array.from(sums, (sum, c) => (this.classImages[c] === 0 ? null : sum / this.classImages[c]));
    return {
      score: this.images === 0 ? null : this.scoreSum / this.images,
      perClassF1: mean(this.f1Sums),
      perClassPrecision: mean(this.precisionSums),
      perClassRecall: mean(this.recallSums),
      images: this.images,
    };
  }
}
