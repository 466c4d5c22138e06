import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FaceParseError } from '../../src/base/errors.js';
import { BACKGROUND_NAMES, defaultBackgroundIndex, evaluate } from '../../src/eval/runner.js';
import type { EvalSample } from '../../src/eval/types.js';
import type { LabelMap } from '../../src/metrics/labelMap.js';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';

const map = (width: number, height: number, values: number[]): LabelMap => ({ width, height, mask: Uint8Array.from(values) });

function sample(id: string, prediction: LabelMap, target: LabelMap, log?: string[]): EvalSample {
  return {
    id,
    predictionSource: `pred/${id}.png`,
    targetSource: `gt/${id}.png`,
    loadPrediction: async () => {
      log?.push(`load ${id}`);
      return prediction;
    },
    loadTarget: async () => target,
  };
}

const LABELS = ['background', 'skin', 'hair'];

describe('evaluate', () => {
  // image a: target 0 1 1 2 / predicted 0 1 2 2 ; image b: target 1 1 0 0 / predicted 1 1 0 0
  const a = sample('a', map(2, 2, [0, 1, 2, 2]), map(2, 2, [0, 1, 1, 2]));
  const b = sample('b', map(2, 2, [1, 1, 0, 0]), map(2, 2, [1, 1, 0, 0]));

  it('accumulates one matrix over the set and reports its scores', async () => {
    const result = await evaluate([a, b], { labels: LABELS });
    expect(result.images).toBe(2);
    expect(Array.from(result.confusion.counts)).toEqual([3, 0, 0, 0, 3, 1, 0, 0, 1]);
    // TP = [3, 3, 1], FP = [0, 0, 1], FN = [0, 1, 0]
    expect(result.summary.pixelAccuracy).toBe(7 / 8);
    expect(result.perClass.map((c) => c.iou)).toEqual([1, 3 / 4, 1 / 2]);
    expect(result.perClass.map((c) => c.f1)).toEqual([1, 6 / 7, 2 / 3]);
    expect(result.summary.meanF1).toBeCloseTo((6 / 7 + 2 / 3) / 2, 15);
    expect(result.summary.meanIoUNoBackground).toBeCloseTo((3 / 4 + 1 / 2) / 2, 15);
    expect(result.perClass.map((c) => c.pixelShare)).toEqual([3 / 8, 4 / 8, 1 / 8]);
    expect(result.perImage.map((s) => [s.id, s.pixelAccuracy])).toEqual([
      ['a', 3 / 4],
      ['b', 1],
    ]);
    expect(result.perImage[1].boundaryF1).toBe(1);
    expect(result.summary.boundaryF1).toBeCloseTo((result.perImage[0].boundaryF1! + 1) / 2, 15);
    expect(result.tolerance).toEqual({ fraction: 0.0075 });
  });

  it('loads the next sample while scoring the current one, and no further ahead', async () => {
    const log: string[] = [];
    const samples = ['s1', 's2', 's3', 's4'].map((id) => sample(id, map(1, 1, [0]), map(1, 1, [0]), log));
    await evaluate(samples, { labels: LABELS, onProgress: (done, total, id) => log.push(`done ${id} ${done}/${total}`) });
    expect(log).toEqual(['load s1', 'load s2', 'done s1 1/4', 'load s3', 'done s2 2/4', 'load s4', 'done s3 3/4', 'done s4 4/4']);
  });

  it('stops at the first bad sample with an error that names it', async () => {
    const bad = sample('c', map(2, 1, [0, 0]), map(2, 2, [0, 0, 0, 0]));
    const error = await evaluate([a, bad, b], { labels: LABELS }).catch((e: unknown) => e as FaceParseError);
    expect(error).toBeInstanceOf(FaceParseError);
    expect((error as FaceParseError).code).toBe('DATASET_INVALID');
    expect((error as Error).message).toMatch(/prediction pred\/c\.png is 2x1 but ground truth gt\/c\.png is 2x2/);

    const outOfRange = sample('d', map(1, 2, [0, 0]), map(1, 2, [0, 7]));
    await expect(evaluate([outOfRange], { labels: LABELS })).rejects.toThrow(/gt\/d\.png: class ids 7 \(1 px\) are out of range: the label set has 3 classes/);
  });

  it('with skipBad, goes on and lists every bad sample with its reason', async () => {
    const bad1 = sample('c', map(2, 1, [0, 0]), map(2, 2, [0, 0, 0, 0]));
    const bad2 = sample('d', map(1, 1, [9]), map(1, 1, [0]));
    const result = await evaluate([a, bad1, b, bad2], { labels: LABELS, skipBad: true });
    expect(result.images).toBe(2);
    expect(result.skipped.map((s) => s.id)).toEqual(['c', 'd']);
    expect(result.skipped[1].reason).toMatch(/pred\/d\.png: class ids 9/);
    expect(Array.from(result.confusion.counts)).toEqual([3, 0, 0, 0, 3, 1, 0, 0, 1]);
  });

  it('never skips errors that are not about the data', async () => {
    const broken: EvalSample = { ...a, id: 'x', loadPrediction: async () => Promise.reject(new TypeError('bug')) };
    await expect(evaluate([broken, b], { labels: LABELS, skipBad: true })).rejects.toThrow(TypeError);
  });

  it('keeps the N worst images with their maps, worst first', async () => {
    const c = sample('c', map(2, 2, [0, 0, 0, 0]), map(2, 2, [1, 1, 1, 0])); // mean F1 0
    const result = await evaluate([a, b, c], { labels: LABELS, worst: 2 });
    expect(result.worst.map((w) => w.id)).toEqual(['c', 'a']);
    expect(result.worst[0].target.mask).toEqual(Uint8Array.from([1, 1, 1, 0]));
    const byPixels = await evaluate([a, b, c], { labels: LABELS, worst: 1, worstBy: 'pixelAccuracy' });
    expect(byPixels.worst.map((w) => [w.id, w.pixelAccuracy])).toEqual([['c', 1 / 4]]);
  });

  it('the merged-sides view turns left/right swaps into hits', async () => {
    // target: l_eye (4) then r_eye (5); predicted: swapped
    const swapped = sample('s', map(4, 1, [0, 5, 4, 0]), map(4, 1, [0, 4, 5, 0]));
    const result = await evaluate([swapped], { labels: CELEBAMASK_HQ_LABELS, mergeSides: true });
    expect(result.perClass[4].iou).toBe(0);
    const merged = result.mergedSides!;
    expect(merged.labels[4]).toBe('eye');
    expect(merged.perClass[4].iou).toBe(1);
    expect(merged.summary.pixelAccuracy).toBe(1);
  });

  it('merged sides with an ignore index: only the ignored id is void, not its merged partner', async () => {
    // target: l_eye (4, ignored) r_eye r_eye background; predicted: r_eye r_eye l_eye background
    const s1 = sample('s', map(4, 1, [5, 5, 4, 0]), map(4, 1, [4, 5, 5, 0]));
    const result = await evaluate([s1], { labels: CELEBAMASK_HQ_LABELS, mergeSides: true, ignoreIndex: 4 });
    const eye = result.mergedSides!.perClass[4];
    expect([eye.name, eye.targetPixels, eye.iou, eye.boundaryF1]).toEqual(['eye', 2, 1, 1]);
    expect(result.mergedSides!.confusion.total).toBe(3);
  });

  it('finds the background by the names the training pipeline uses, else takes class 0', async () => {
    expect(defaultBackgroundIndex(['skin', 'hair', 'Background'])).toBe(2);
    expect(defaultBackgroundIndex(['skin', 'BG', 'hair'])).toBe(1);
    expect(defaultBackgroundIndex(['skin', 'hair', 'none'])).toBe(2);
    expect(defaultBackgroundIndex(['face', '_background_'])).toBe(1);
    expect(defaultBackgroundIndex(['skin', 'hair'])).toBe(0);
    // mean F1 leaves out the class so found (bg, last): skin right, one of two hair pixels taken for bg
    const s = sample('s', map(4, 1, [0, 0, 1, 2]), map(4, 1, [0, 0, 1, 1]));
    const result = await evaluate([s], { labels: ['skin', 'hair', 'bg'] });
    expect(result.summary.meanF1).toBeCloseTo(((2 * 2) / 4 + (2 * 1) / 3) / 2, 15);
  });

  it('takes the same background names as the training pipeline', () => {
    const source = readFileSync(new URL('../../training/faceparse_train/labels.py', import.meta.url), 'utf8');
    const tuple = /^BACKGROUND_NAMES = \(([^)]*)\)/m.exec(source);
    expect(tuple, 'training/faceparse_train/labels.py defines BACKGROUND_NAMES = (...)').not.toBeNull();
    const python = [...tuple![1].matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2]);
    expect([...BACKGROUND_NAMES].sort()).toEqual(python.sort());
  });

  it('validates its options', async () => {
    await expect(evaluate([], { labels: [] })).rejects.toThrow(/labels must name 1 to 256 classes/);
    await expect(evaluate([], { labels: LABELS, worst: -1 })).rejects.toThrow(/worst must be a whole number/);
    await expect(evaluate([], { labels: LABELS, backgroundIndex: 3 })).rejects.toThrow(/backgroundIndex must be a class id 0..2/);
  });
});
