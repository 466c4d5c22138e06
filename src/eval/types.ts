import type { ImageInput } from '../base/types.js';
import type { BoundaryF1Result } from '../metrics/boundaryF1.js';
import type { ConfusionMatrix } from '../metrics/confusionMatrix.js';
import type { LabelMap } from '../metrics/labelMap.js';
import type { ClassScore } from '../metrics/scores.js';

/** One prediction with its ground truth, both in the ground truth's label set; loaded on demand. */
export interface EvalSample {
  id: string;
  /** Where the prediction and the ground truth come from, for messages. */
  predictionSource: string;
  targetSource: string;
  loadPrediction(): Promise<LabelMap>;
  loadTarget(): Promise<LabelMap>;
  /** The photo, for the report's gallery (optional). */
  loadPhoto?(): Promise<ImageInput>;
}

export type ImageRanking = 'meanF1' | 'meanIoU' | 'boundaryF1' | 'pixelAccuracy';

export interface EvalOptions {
  /** Class names of the ground truth, in id order. */
  labels: readonly string[];
  /** Target pixels with this id are not scored (default: none). */
  ignoreIndex?: number;
  /** Background class id, left out of mean F1 and of "mIoU without background" (default: the class named background, else 0). */
  backgroundIndex?: number;
  /** Boundary F1 tolerance as a fraction of the image diagonal (default 0.0075). */
  toleranceFraction?: number;
  /** Boundary F1 tolerance in pixels; overrides toleranceFraction. */
  tolerancePixels?: number;
  /** Also score the merged-sides view (left/right eye, brow, ear as one class each). Default false. */
  mergeSides?: boolean;
  /** Keep the N worst images (maps included) for a gallery. Default 0. */
  worst?: number;
  /** What "worst" means (default meanF1: per-image mean F1 without background). */
  worstBy?: ImageRanking;
  /** Go on past a sample with bad data, listing it in `skipped`, instead of stopping with its error. Default false. */
  skipBad?: boolean;
  /** Called after each sample (scored or skipped). */
  onProgress?: (done: number, total: number, id: string) => void;
}

/** Scores of one image. null where a score is undefined (see metrics/scores.ts). */
export interface ImageScores {
  id: string;
  pixelAccuracy: number | null;
  meanIoU: number | null;
  /** Mean F1 without background, from this image's matrix. */
  meanF1: number | null;
  boundaryF1: number | null;
}

export interface WorstImage extends ImageScores {
  prediction: LabelMap;
  target: LabelMap;
  loadPhoto?: () => Promise<ImageInput>;
}

export interface ClassReport {
  name: string;
  iou: ClassScore;
  f1: ClassScore;
  /** Share of the class's target pixels predicted right (recall). */
  accuracy: ClassScore;
  boundaryF1: ClassScore;
  boundaryPrecision: ClassScore;
  boundaryRecall: ClassScore;
  /** The class's share of all scored target pixels. */
  pixelShare: number | null;
  targetPixels: number;
  predictedPixels: number;
}

export interface Summary {
  pixelAccuracy: number | null;
  meanClassAccuracy: number | null;
  /** mIoU over classes present in target or prediction, background included. */
  meanIoU: number | null;
  meanIoUNoBackground: number | null;
  /** Mean F1 over the non-background classes, from the matrix accumulated over the set. */
  meanF1: number | null;
  /** Mean over images of each image's boundary F1. */
  boundaryF1: number | null;
}

export interface ViewReport {
  labels: readonly string[];
  backgroundIndex: number;
  summary: Summary;
  perClass: ClassReport[];
  confusion: ConfusionMatrix;
  boundary: BoundaryF1Result;
}

export interface EvalResult extends ViewReport {
  /** Images scored. */
  images: number;
  /** Samples left out with --skip-bad, and why. */
  skipped: Array<{ id: string; reason: string }>;
  /** Boundary tolerance as asked for (pixels, or fraction of the diagonal). */
  tolerance: { pixels?: number; fraction?: number };
  perImage: ImageScores[];
  /** Worst images first. */
  worst: WorstImage[];
  worstBy: ImageRanking;
  mergedSides?: ViewReport;
}
