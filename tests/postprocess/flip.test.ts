import { describe, expect, it } from 'vitest';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';
import { mergeMirrored, mirrorClassTable, mirrorPlanes } from '../../src/postprocess/flip.js';

describe('flip test-time augmentation', () => {
  it('swaps every left/right pair and nothing else (neck_l is a necklace, ear_r an earring)', () => {
    const table = mirrorClassTable(CELEBAMASK_HQ_LABELS);
    const name = (i: number) => CELEBAMASK_HQ_LABELS[i];
    const moved = [...table].map((to, from) => [name(from), name(to)]).filter(([a, b]) => a !== b);
    expect(moved).toEqual([
      ['l_eye', 'r_eye'],
      ['r_eye', 'l_eye'],
      ['l_brow', 'r_brow'],
      ['r_brow', 'l_brow'],
      ['l_ear', 'r_ear'],
      ['r_ear', 'l_ear'],
    ]);
    expect([...mirrorClassTable(['background', 'left_hand', 'right_hand'])]).toEqual([0, 2, 1]);
  });

  it('mirrors each row of each plane, and twice is the identity', () => {
    const data = Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => i);
    expect([...mirrorPlanes(data, 2, 2, 3)]).toEqual([2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9]);
    expect(mirrorPlanes(mirrorPlanes(data, 2, 2, 3), 2, 2, 3)).toEqual(data);
    expect(() => mirrorPlanes(data, 3, 2, 3)).toThrow(expect.objectContaining({ name: 'FaceParseError', code: 'INVALID_ARGUMENT' }));
  });

  it('averages with the mirror logits taken back to the photo frame, classes swapped', () => {
    // 3 classes (background, l_x, r_x), 1 x 2 logits.
    const swap = Int32Array.from([0, 2, 1]);
    const plain = Float32Array.from([0, 0, 1, 1, 2, 2]);
    // In the mirror image, class 1 (l_x) scores 10 at mirrored column 0 = photo column 1.
    const mirrored = Float32Array.from([0, 0, 10, 0, 0, 0]);
    const merged = mergeMirrored(plain, mirrored, swap, 1, 2);
    // photo class 2 (r_x) reads mirror class 1 at column width-1-x.
    expect([...merged]).toEqual([0, 0, 0.5, 0.5, 1, 6]);
    expect(mergeMirrored(plain, mirrorPlanes(plain, 3, 1, 2), Int32Array.from([0, 1, 2]), 1, 2)).toEqual(plain);
  });
});
