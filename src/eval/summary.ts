/** Turns a confusion matrix and a boundary F1 result into the summary and per-class rows of a report. */
import type { BoundaryF1Result } from '../metrics/boundaryF1.js';
import type { ConfusionMatrix } from '../metrics/confusionMatrix.js';
import { classTotals, meanClassAccuracy, meanF1, meanIoU, perClassAccuracy, perClassF1, perClassIoU, pixelAccuracy } from '../metrics/scores.js';
import type { ViewReport } from './types.js';

export function summarizeView(labels: readonly string[], backgroundIndex: number, confusion: ConfusionMatrix, boundary: BoundaryF1Result): ViewReport {
  const totals = classTotals(confusion);
  const iou = perClassIoU(confusion);
  const f1 = perClassF1(confusion);
  const accuracy = perClassAccuracy(confusion);
  return {
    labels,
    backgroundIndex,
    confusion,
    boundary,
    summary: {
      pixelAccuracy: pixelAccuracy(confusion),
      meanClassAccuracy: meanClassAccuracy(confusion),
      meanIoU: meanIoU(confusion),
      meanIoUNoBackground: meanIoU(confusion, { includeBackground: false, backgroundIndex }),
      meanF1: meanF1(confusion, { backgroundIndex }),
      boundaryF1: boundary.score,
    },
    perClass: labels.map((name, c) => ({
      name,
      iou: iou[c],
      f1: f1[c],
      accuracy: accuracy[c],
      boundaryF1: boundary.perClassF1[c],
      boundaryPrecision: boundary.perClassPrecision[c],
      boundaryRecall: boundary.perClassRecall[c],
      pixelShare: totals.total === 0 ? null : totals.targetPixels[c] / totals.total,
      targetPixels: totals.targetPixels[c],
      predictedPixels: totals.predictedPixels[c],
    })),
  };
}
