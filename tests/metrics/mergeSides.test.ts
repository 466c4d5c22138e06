import { describe, expect, it } from 'vitest';
import { mergeSides, remapLabelData } from '../../src/metrics/mergeSides.js';
import { ConfusionMatrix } from '../../src/metrics/confusionMatrix.js';
import { perClassIoU } from '../../src/metrics/scores.js';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';

describe('mergeSides', () => {
  it('merges the eye, brow and ear pairs of CelebAMask-HQ and keeps the other classes in order', () => {
    const { labels, mapping } = mergeSides(CELEBAMASK_HQ_LABELS);
    expect(labels).toEqual([
      'background',
      'skin',
      'nose',
      'eye_g',
      'eye',
      'brow',
      'ear',
      'mouth',
      'u_lip',
      'l_lip',
      'hair',
      'hat',
      'ear_r',
      'neck_l',
      'neck',
      'cloth',
    ]);
    expect(Array.from(mapping.subarray(0, 19))).toEqual([0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(mapping[255]).toBe(255); // an ignore index passes through
  });

  it('turns a left/right swap into a hit', () => {
    const { labels, mapping } = mergeSides(CELEBAMASK_HQ_LABELS);
    const target = Uint8Array.from([4, 4, 5, 5, 0]);
    const predicted = Uint8Array.from([5, 5, 4, 4, 0]); // sides swapped
    const split = new ConfusionMatrix(19).update(predicted, target);
    expect(perClassIoU(split)[4]).toBe(0);
    const merged = new ConfusionMatrix(labels.length).update(remapLabelData(predicted, mapping), remapLabelData(target, mapping));
    expect(perClassIoU(merged)[4]).toBe(1);
    // merging the matrix directly gives the same counts
    expect(Array.from(split.remap(mapping.subarray(0, 19), labels.length).counts)).toEqual(Array.from(merged.counts));
  });

  it('leaves label sets without pairs unchanged', () => {
    expect(mergeSides(['background', 'face', 'hair']).labels).toEqual(['background', 'face', 'hair']);
  });
});
