import { describe, expect, it } from 'vitest';
import { ConfusionMatrix } from '../../src/metrics/confusionMatrix.js';
import { FaceParseError } from '../../src/base/errors.js';

const u8 = (values: number[]) => Uint8Array.from(values);

describe('ConfusionMatrix', () => {
  it('counts target rows against predicted columns', () => {
    // target 0 0 1 1 2 2 / predicted 0 1 1 1 0 2
    const m = new ConfusionMatrix(3).update(u8([0, 1, 1, 1, 0, 2]), u8([0, 0, 1, 1, 2, 2]));
    expect(Array.from(m.counts)).toEqual([1, 1, 0, 0, 2, 0, 1, 0, 1]);
    expect(m.total).toBe(6);
  });

  it('drops target pixels equal to the ignore index, whatever was predicted', () => {
    const m = new ConfusionMatrix(2, { ignoreIndex: 255 }).update(u8([1, 0, 1, 1]), u8([255, 255, 1, 0]));
    expect(Array.from(m.counts)).toEqual([0, 1, 0, 1]);
  });

  it('an ignore index inside the label set removes that class from the target only', () => {
    const m = new ConfusionMatrix(3, { ignoreIndex: 0 }).update(u8([1, 0, 2, 0]), u8([0, 0, 2, 1]));
    // target 0 dropped; target 2 -> 2; target 1 -> predicted 0
    expect(Array.from(m.counts)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 1]);
  });

  it('rejects out-of-range ids with DATASET_INVALID and leaves the counts unchanged', () => {
    const m = new ConfusionMatrix(3).update(u8([0]), u8([0]));
    let error: unknown;
    try {
      m.update(u8([0, 7]), u8([1, 3]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FaceParseError);
    expect((error as FaceParseError).code).toBe('DATASET_INVALID');
    expect((error as Error).message).toMatch(/target ids 3 and predicted ids 7 are out of range for 3 classes/);
    expect(Array.from(m.counts)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    // a valid update afterwards counts only its own pixels
    m.update(u8([2]), u8([1]));
    expect(Array.from(m.counts)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('rejects maps of different lengths', () => {
    expect(() => new ConfusionMatrix(2).update(u8([0, 1]), u8([0]))).toThrow(/prediction has 2 pixels but target has 1/);
  });

  it('merging two matrices equals updating one with both pairs; reset empties it', () => {
    const a = new ConfusionMatrix(4).update(u8([0, 1, 2, 3, 3]), u8([0, 1, 1, 3, 2]));
    const b = new ConfusionMatrix(4).update(u8([3, 3, 0]), u8([3, 0, 0]));
    const both = new ConfusionMatrix(4).update(u8([0, 1, 2, 3, 3, 3, 3, 0]), u8([0, 1, 1, 3, 2, 3, 0, 0]));
    expect(Array.from(a.clone().merge(b).counts)).toEqual(Array.from(both.counts));
    expect(() => a.merge(new ConfusionMatrix(3))).toThrow(/cannot merge a 3-class matrix into a 4-class one/);
    expect(a.reset().total).toBe(0);
  });

  it('remap sums merged classes exactly', () => {
    const m = ConfusionMatrix.fromCounts([5, 1, 2, 0, 3, 4, 1, 6, 7], 3);
    // classes 1 and 2 become one class 1
    const merged = m.remap([0, 1, 1], 2);
    expect(Array.from(merged.counts)).toEqual([5, 3, 1, 20]);
    expect(() => m.remap([0, 1, 2], 2)).toThrow(/mapping\[2\] is 2/);
  });

  it('validates its options', () => {
    expect(() => new ConfusionMatrix(0)).toThrow(/numClasses must be an integer from 1 to 256/);
    expect(() => new ConfusionMatrix(3, { ignoreIndex: 300 })).toThrow(/ignoreIndex must be an integer from 0 to 255/);
    expect(() => ConfusionMatrix.fromCounts([1, 2, 3], 2)).toThrow(/counts has 3 entries but 2 classes need 4/);
    expect(() => ConfusionMatrix.fromCounts([1, 2, -3, 0], 2)).toThrow(/counts\[2\] is -3/);
  });
});
