import { describe, expect, it } from 'vitest';
import { ConfusionMatrix } from '../../src/metrics/confusionMatrix.js';
import { meanClassAccuracy, meanF1, meanIoU, perClassAccuracy, perClassF1, perClassIoU, pixelAccuracy } from '../../src/metrics/scores.js';

const u8 = (values: number[]) => Uint8Array.from(values);

describe('scores of a confusion matrix, worked out by hand', () => {
  // target 0 0 1 1 2 2 / predicted 0 1 1 1 0 2
  // TP = [1, 2, 1]; FP = [1, 1, 0]; FN = [1, 0, 1]
  const m = new ConfusionMatrix(3).update(u8([0, 1, 1, 1, 0, 2]), u8([0, 0, 1, 1, 2, 2]));

  it('pixel accuracy and per-class accuracy', () => {
    expect(pixelAccuracy(m)).toBe(4 / 6);
    expect(perClassAccuracy(m)).toEqual([1 / 2, 1, 1 / 2]);
    expect(meanClassAccuracy(m)).toBeCloseTo(2 / 3, 15);
  });

  it('IoU = TP / (TP + FP + FN), mIoU with and without background', () => {
    expect(perClassIoU(m)).toEqual([1 / 3, 2 / 3, 1 / 2]);
    expect(meanIoU(m)).toBeCloseTo(1.5 / 3, 15);
    expect(meanIoU(m, { includeBackground: false })).toBeCloseTo(7 / 12, 15);
  });

  it('F1 = 2TP / (2TP + FP + FN); mean F1 leaves background out by default', () => {
    expect(perClassF1(m)).toEqual([2 / 4, 4 / 5, 2 / 3]);
    expect(meanF1(m)).toBeCloseTo((4 / 5 + 2 / 3) / 2, 15);
    expect(meanF1(m, { includeBackground: true })).toBeCloseTo((1 / 2 + 4 / 5 + 2 / 3) / 3, 15);
    // another background id
    expect(meanF1(m, { backgroundIndex: 2 })).toBeCloseTo((1 / 2 + 4 / 5) / 2, 15);
  });

  it('absent classes are null and left out of the means', () => {
    // 4 classes, class 3 in neither map
    const a = new ConfusionMatrix(4).update(u8([0, 1, 1, 1, 0, 2]), u8([0, 0, 1, 1, 2, 2]));
    expect(perClassIoU(a)).toEqual([1 / 3, 2 / 3, 1 / 2, null]);
    expect(perClassF1(a)[3]).toBeNull();
    expect(perClassAccuracy(a)[3]).toBeNull();
    expect(meanIoU(a)).toBe(meanIoU(m));
    expect(meanF1(a)).toBe(meanF1(m));
  });

  it('a class only predicted scores 0 for IoU/F1 but has no accuracy', () => {
    // target 0 0 1 1 / predicted 0 2 1 1
    const a = new ConfusionMatrix(3).update(u8([0, 2, 1, 1]), u8([0, 0, 1, 1]));
    expect(perClassIoU(a)).toEqual([1 / 2, 1, 0]);
    expect(perClassF1(a)).toEqual([2 / 3, 1, 0]);
    expect(perClassAccuracy(a)).toEqual([1 / 2, 1, null]);
    expect(meanF1(a)).toBe(1 / 2);
  });

  it('an empty prediction (all background) scores 0 on every face class', () => {
    // target 0 1 1 0 2 / predicted all 0: TP0 = 2, FP0 = 3
    const a = new ConfusionMatrix(3).update(u8([0, 0, 0, 0, 0]), u8([0, 1, 1, 0, 2]));
    expect(perClassIoU(a)).toEqual([2 / 5, 0, 0]);
    expect(perClassF1(a)).toEqual([4 / 7, 0, 0]);
    expect(meanF1(a)).toBe(0);
    expect(pixelAccuracy(a)).toBe(2 / 5);
  });

  it('an empty matrix has no scores at all', () => {
    const a = new ConfusionMatrix(2);
    expect(pixelAccuracy(a)).toBeNull();
    expect(perClassIoU(a)).toEqual([null, null]);
    expect(meanIoU(a)).toBeNull();
    expect(meanF1(a)).toBeNull();
  });

  it('mean F1 is computed from the accumulated matrix, not averaged over images', () => {
    // image 1: class 1 tiny and missed; image 2: class 1 large and right
    const one = new ConfusionMatrix(2).update(u8([0, 0, 0, 0]), u8([1, 0, 0, 0]));
    const two = new ConfusionMatrix(2).update(u8([1, 1, 1, 0]), u8([1, 1, 1, 0]));
    const set = one.clone().merge(two);
    // accumulated: TP1 = 3, FN1 = 1 -> F1 = 6/7; the mean of the images' F1 would be (0 + 1) / 2
    expect(meanF1(set)).toBe(6 / 7);
  });
});
