/**
 * A stateful, mergeable confusion matrix (torchmetrics style): `update` with one prediction and its
 * target, `merge` matrices from other batches or workers, `reset`. Scores are pure functions of the
 * matrix (see scores.ts), so a matrix summed over a whole set gives the set's scores exactly.
 */
import { FaceParseError } from '../base/errors.js';

/** The state the score functions read: `counts[target * numClasses + predicted]` pixel counts. */
export interface ConfusionCounts {
  readonly numClasses: number;
  readonly counts: ArrayLike<number>;
}

export interface ConfusionMatrixOptions {
  /** Target pixels with this id are left out of the matrix (default: none). May be outside 0..numClasses-1, e.g. 255. */
  ignoreIndex?: number;
}

/**
 * Pure update (torchmetrics' `_update`): adds the pixels of one prediction/target pair to `counts`.
 * Throws DATASET_INVALID when an id is outside 0..numClasses-1 (ignored target pixels excepted);
 * `counts` is left unchanged then.
 */
export function accumulateConfusion(counts: Float64Array, numClasses: number, prediction: Uint8Array, target: Uint8Array, ignoreIndex?: number): void {
  if (prediction.length !== target.length) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `prediction has ${prediction.length} pixels but target has ${target.length}: pass two label maps of the same size.`,
    );
  }
  const pairs = new Uint32Array(numClasses * numClasses); // one image's counts, small enough for L1
  const badTarget = new Uint8Array(256);
  const badPrediction = new Uint8Array(256);
  let bad = false;
  const ignore = ignoreIndex ?? -1;
  for (let i = 0; i < target.length; i++) {
    const t = target[i];
    const p = prediction[i];
    if (t < numClasses && p < numClasses) {
      if (t !== ignore) pairs[t * numClasses + p]++;
    } else if (t !== ignore) {
      bad = true;
      if (t >= numClasses) badTarget[t] = 1;
      if (p >= numClasses) badPrediction[p] = 1;
    }
  }
  if (bad) {
    const ids = (flags: Uint8Array) => [...flags.keys()].filter((id) => flags[id]).join(', ');
    const parts: string[] = [];
    if (badTarget.includes(1)) parts.push(`target ids ${ids(badTarget)}`);
    if (badPrediction.includes(1)) parts.push(`predicted ids ${ids(badPrediction)}`);
    throw new FaceParseError(
      'DATASET_INVALID',
      `${parts.join(' and ')} are out of range for ${numClasses} classes (ids 0..${numClasses - 1}): ` +
        'map the labels onto this label set first, or set ignoreIndex for void target pixels.',
    );
  }
  for (let i = 0; i < pairs.length; i++) counts[i] += pairs[i];
}

export class ConfusionMatrix implements ConfusionCounts {
  readonly numClasses: number;
  readonly ignoreIndex: number | undefined;
  /** `counts[target * numClasses + predicted]`: Float64 so sums stay exact integers up to 2^53 pixels. */
  readonly counts: Float64Array;

  constructor(numClasses: number, options: ConfusionMatrixOptions = {}) {
    if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 256) {
      throw new FaceParseError('INVALID_ARGUMENT', `numClasses must be an integer from 1 to 256 (label maps are 8-bit), got ${numClasses}.`);
    }
    const { ignoreIndex } = options;
    if (ignoreIndex !== undefined && (!Number.isInteger(ignoreIndex) || ignoreIndex < 0 || ignoreIndex > 255)) {
      throw new FaceParseError('INVALID_ARGUMENT', `ignoreIndex must be an integer from 0 to 255, got ${ignoreIndex}.`);
    }
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
    this.counts = new Float64Array(numClasses * numClasses);
  }

  /** A matrix with these counts (row = target, column = predicted); the array is copied. */
  static fromCounts(counts: ArrayLike<number>, numClasses: number, options: ConfusionMatrixOptions = {}): ConfusionMatrix {
    const matrix = new ConfusionMatrix(numClasses, options);
    if (counts.length !== numClasses * numClasses) {
      throw new FaceParseError(
        'INVALID_ARGUMENT',
        `counts has ${counts.length} entries but ${numClasses} classes need ${numClasses * numClasses} (row-major, target x predicted).`,
      );
    }
    for (let i = 0; i < counts.length; i++) {
      const value = counts[i];
      if (!Number.isInteger(value) || value < 0) {
        throw new FaceParseError('INVALID_ARGUMENT', `counts[${i}] is ${value}: counts must be non-negative integers.`);
      }
      matrix.counts[i] = value;
    }
    return matrix;
  }

  /** Adds one prediction/target pair (same length, row-major class ids). */
  update(prediction: Uint8Array, target: Uint8Array): this {
    accumulateConfusion(this.counts, this.numClasses, prediction, target, this.ignoreIndex);
    return this;
  }

  /** Adds another matrix of the same shape (from another batch or worker). */
  merge(other: ConfusionCounts): this {
    if (other.numClasses !== this.numClasses) {
      throw new FaceParseError(
        'INVALID_ARGUMENT',
        `cannot merge a ${other.numClasses}-class matrix into a ${this.numClasses}-class one: use one label set for both.`,
      );
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    return this;
  }

  reset(): this {
    this.counts.fill(0);
    return this;
  }

  clone(): ConfusionMatrix {
    const copy = new ConfusionMatrix(this.numClasses, { ignoreIndex: this.ignoreIndex });
    copy.counts.set(this.counts);
    return copy;
  }

  /** Pixels counted so far. */
  get total(): number {
    let sum = 0;
    for (let i = 0; i < this.counts.length; i++) sum += this.counts[i];
    return sum;
  }

  /**
   * The matrix with classes merged: class `i` becomes `mapping[i]` (0..numClasses-1 of the result), in
   * both target and prediction. Exact, since merging classes only sums counts (e.g. the merged-sides view).
   */
  remap(mapping: ArrayLike<number>, numClasses: number): ConfusionMatrix {
    if (mapping.length !== this.numClasses) {
      throw new FaceParseError(
        'INVALID_ARGUMENT',
        `mapping has ${mapping.length} entries but the matrix has ${this.numClasses} classes: give one new id per class.`,
      );
    }
    for (let i = 0; i < mapping.length; i++) {
      if (!Number.isInteger(mapping[i]) || mapping[i] < 0 || mapping[i] >= numClasses) {
        throw new FaceParseError('INVALID_ARGUMENT', `mapping[${i}] is ${mapping[i]}: new ids must be 0..${numClasses - 1}.`);
      }
    }
    const result = new ConfusionMatrix(numClasses);
    for (let t = 0; t < this.numClasses; t++) {
      for (let p = 0; p < this.numClasses; p++) {
        const value = this.counts[t * this.numClasses + p];
        if (value !== 0) result.counts[mapping[t] * numClasses + mapping[p]] += value;
      }
    }
    return result;
  }
}
