/**
 * Scores of a confusion matrix (torchmetrics' `_compute`): pure functions of the counts.
 *
 * Absent classes are `null` in every per-class result, never 0 or NaN, and means are taken over the
 * classes that are not null. What "absent" means follows from the score's denominator:
 * - IoU and F1: the class is in neither target nor prediction (TP + FP + FN = 0);
 * - accuracy (recall): the class is not in the target (TP + FN = 0).
 * A class only predicted, never in the target, is present for IoU/F1 (it scores 0 there).
 */
import type { ConfusionCounts } from './confusionMatrix.js';

/** A per-class score; `null` when the class is absent (see above). */
export type ClassScore = number | null;

export interface ClassTotals {
  truePositives: Float64Array;
  falsePositives: Float64Array;
  falseNegatives: Float64Array;
  /** Pixels of the class in the target (row sums). */
  targetPixels: Float64Array;
  /** Pixels predicted as the class (column sums). */
  predictedPixels: Float64Array;
  /** All counted pixels. */
  total: number;
}

export interface MeanOptions {
  /** Include the background class in the mean (default differs per score, see each function). */
  includeBackground?: boolean;
  /** Id of the background class (default 0). */
  backgroundIndex?: number;
}

/** Per-class TP, FP, FN and pixel counts. */
export function classTotals(matrix: ConfusionCounts): ClassTotals {
  const n = matrix.numClasses;
  const { counts } = matrix;
  const truePositives = new Float64Array(n);
  const targetPixels = new Float64Array(n);
  const predictedPixels = new Float64Array(n);
  let total = 0;
  for (let t = 0; t < n; t++) {
    for (let p = 0; p < n; p++) {
      const value = counts[t * n + p];
      targetPixels[t] += value;
      predictedPixels[p] += value;
      total += value;
    }
    truePositives[t] = counts[t * n + t];
  }
  const falsePositives = new Float64Array(n);
  const falseNegatives = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    falsePositives[c] = predictedPixels[c] - truePositives[c];
    falseNegatives[c] = targetPixels[c] - truePositives[c];
  }
  return { truePositives, falsePositives, falseNegatives, targetPixels, predictedPixels, total };
}

/** Correct pixels / all pixels; null for an empty matrix. */
export function pixelAccuracy(matrix: ConfusionCounts): number | null {
  const { truePositives, total } = classTotals(matrix);
  if (total === 0) return null;
  let correct = 0;
  for (const value of truePositives) correct += value;
  return correct / total;
}

/** Per class: TP / (TP + FN), the share of the class's target pixels predicted right; null if not in the target. */
export function perClassAccuracy(matrix: ConfusionCounts): ClassScore[] {
  const { truePositives, targetPixels } = classTotals(matrix);
  return Array.from(truePositives, (tp, c) => (targetPixels[c] === 0 ? null : tp / targetPixels[c]));
}

/** Per class: TP / (TP + FP + FN); null if the class is in neither target nor prediction. */
export function perClassIoU(matrix: ConfusionCounts): ClassScore[] {
  const { truePositives, falsePositives, falseNegatives } = classTotals(matrix);
  return Array.from(truePositives, (tp, c) => {
    const union = tp + falsePositives[c] + falseNegatives[c];
    return union === 0 ? null : tp / union;
  });
}

/** Per class: F1 = Dice = 2TP / (2TP + FP + FN); null if the class is in neither target nor prediction. */
export function perClassF1(matrix: ConfusionCounts): ClassScore[] {
  const { truePositives, falsePositives, falseNegatives } = classTotals(matrix);
  return Array.from(truePositives, (tp, c) => {
    const denominator = 2 * tp + falsePositives[c] + falseNegatives[c];
    return denominator === 0 ? null : (2 * tp) / denominator;
  });
}

/**
 * Mean of the non-null scores, optionally without the background class; null when none is left.
 * Summed in class order, so it matches a plain loop (and numpy's nanmean up to rounding).
 */
export function meanOfPresent(scores: readonly ClassScore[], options: MeanOptions = {}): number | null {
  const { includeBackground = true, backgroundIndex = 0 } = options;
  let sum = 0;
  let count = 0;
  scores.forEach((score, c) => {
    if (score === null || (!includeBackground && c === backgroundIndex)) return;
    sum += score;
    count++;
  });
  return count === 0 ? null : sum / count;
}

/** Mean per-class accuracy over the classes in the target (background included unless told otherwise). */
export function meanClassAccuracy(matrix: ConfusionCounts, options: MeanOptions = {}): number | null {
  return meanOfPresent(perClassAccuracy(matrix), { includeBackground: true, ...options });
}

/** mIoU over the classes present in target or prediction (background included unless told otherwise). */
export function meanIoU(matrix: ConfusionCounts, options: MeanOptions = {}): number | null {
  return meanOfPresent(perClassIoU(matrix), { includeBackground: true, ...options });
}

/**
 * Mean F1 over the classes present in target or prediction, WITHOUT background by default: the
 * CelebAMask-HQ protocol of FaRL, DML-CSR and SegFace when `matrix` is accumulated over the whole set
 * (per-class F1 from the summed counts, then the mean; not a mean of per-image F1s).
 */
export function meanF1(matrix: ConfusionCounts, options: MeanOptions = {}): number | null {
  return meanOfPresent(perClassF1(matrix), { includeBackground: false, ...options });
}
