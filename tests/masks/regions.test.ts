/** Region specs and presets, resolved against the model's labels (any id2label) and a label set's. */
import { describe, expect, it } from 'vitest';
import { CELEBAMASK_HQ_LABELS as HQ } from '../../src/base/labels.js';
import { BISENET_LABELS, LAPA_LABELS, mapIntoLabelSet } from '../../src/base/labelSets.js';
import { parseRegionSpec, parseRegionSpecs, REGION_PRESETS, resolveRegion } from '../../src/masks/regions.js';

const ids = (labels: readonly string[], names: string[]) => names.map((n) => labels.indexOf(n)).sort((a, b) => a - b);

describe('region specs', () => {
  it('reads a preset, a class and a named union', () => {
    expect(parseRegionSpec('face')).toEqual({ name: 'face', classes: ['face'] });
    expect(parseRegionSpec('left eye')).toEqual({ name: 'left eye', classes: ['left eye'] });
    expect(parseRegionSpec(' lips = u_lip, l_lip ')).toEqual({ name: 'lips', classes: ['u_lip', 'l_lip'] });
    for (const bad of ['', '=skin', 'x=', 'x=a,,b']) expect(() => parseRegionSpec(bad), bad).toThrow(/--region .*give a preset/);
    expect(() => parseRegionSpecs(['left eye', 'left_eye=l_eye'])).toThrow(/both be written as region-left_eye.png/);
  });
});

describe('resolveRegion', () => {
  it('resolves the presets on CelebAMask-HQ', () => {
    expect(resolveRegion(HQ, 'face')).toEqual(ids(HQ, ['skin', 'nose', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'mouth', 'u_lip', 'l_lip']));
    expect(resolveRegion(HQ, 'head')).toEqual(ids(HQ, [...REGION_PRESETS.face!, 'l_ear', 'r_ear', 'hair', 'hat', 'eye_g', 'ear_r']));
    expect(resolveRegion(HQ, ['lips'])).toEqual([11, 12]);
    expect(resolveRegion(HQ, ['u_lip', 'lower lip'])).toEqual([11, 12]);
    expect(resolveRegion(HQ, ['hair', 'glasses', 13, 'Hair'])).toEqual([3, 13]);
  });

  it('resolves by name in another order (BiSeNet) and leaves out preset classes a model lacks (LaPa)', () => {
    expect(resolveRegion(BISENET_LABELS, 'lips')).toEqual([12, 13]);
    expect(resolveRegion(LAPA_LABELS, 'face')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(resolveRegion(LAPA_LABELS, 'head')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(() => resolveRegion(LAPA_LABELS, 'ears')).toThrow(/has none of the classes of the preset "ears"/);
  });

  it("takes a label set's own class names", () => {
    const set = mapIntoLabelSet(HQ, 'mediapipe');
    expect(resolveRegion(HQ, 'body_skin', set)).toEqual([17]);
    expect(resolveRegion(HQ, 'others', set)).toEqual(ids(HQ, ['eye_g', 'hat', 'ear_r', 'neck_l']));
  });

  it('refuses unknown names, listing presets and classes', () => {
    expect(() => resolveRegion(HQ, ['face', 'beard'])).toThrow(
      /no class or preset "beard"; presets are face, head, hair, skin, lips, eyes, brows, ears, classes background, skin/,
    );
    expect(() => resolveRegion(HQ, [])).toThrow(/classes is empty/);
    expect(() => resolveRegion(HQ, [19])).toThrow(/class id 19/);
  });
});
