/** Class names: short and human names, aliases, resolution against any model's labels, messages. */
import { describe, expect, it } from 'vitest';
import { CELEBAMASK_HQ_LABELS, describeLabel, findClassId, LABEL_DESCRIPTIONS, normalizeLabelName, resolveClassId } from '../../src/base/labels.js';
import { LAPA_LABELS } from '../../src/base/labelSets.js';

describe('class names', () => {
  it('every CelebAMask-HQ class has a human name, and both resolve to its id', () => {
    for (const [id, short] of CELEBAMASK_HQ_LABELS.entries()) {
      const human = LABEL_DESCRIPTIONS[short]!;
      expect(human, short).toBeTruthy();
      expect(resolveClassId(CELEBAMASK_HQ_LABELS, short)).toBe(id);
      expect(resolveClassId(CELEBAMASK_HQ_LABELS, human)).toBe(id);
      expect(resolveClassId(CELEBAMASK_HQ_LABELS, human.toUpperCase().replace(/ /g, '-'))).toBe(id);
    }
  });

  it('takes the names people use: glasses, left eye, earring, necklace, upper lip, inner mouth', () => {
    const id = (name: string) => resolveClassId(CELEBAMASK_HQ_LABELS, name);
    expect(id('glasses')).toBe(3);
    expect(id('eyeglasses')).toBe(3);
    expect(id('left eye')).toBe(4);
    expect(id('Left_Eyebrow')).toBe(6);
    expect(id('earring')).toBe(15);
    expect(id('necklace')).toBe(16);
    expect(id('upper lip')).toBe(11);
    expect(id('inner mouth')).toBe(10);
    expect(resolveClassId(CELEBAMASK_HQ_LABELS, 13)).toBe(13);
    expect(describeLabel('eye_g')).toBe('eyeglasses');
    expect(describeLabel('neck_l')).toBe('necklace');
    expect(describeLabel('Left Eye')).toBe('left eye');
    expect(describeLabel('left_eyebrow')).toBe('left_eyebrow'); // a label set's own words stay
    expect(describeLabel('face_skin')).toBe('face_skin');
    expect(describeLabel('beard')).toBe('beard');
  });

  it("resolves against another model's own labels (LaPa names), the model's spelling first", () => {
    expect(findClassId(LAPA_LABELS, 'l_brow')).toBe(2);
    expect(findClassId(LAPA_LABELS, 'left brow')).toBe(2);
    expect(findClassId(LAPA_LABELS, 'mouth')).toBe(8);
    expect(findClassId(LAPA_LABELS, 'u_lip')).toBe(7);
    expect(findClassId(LAPA_LABELS, 'neck')).toBeUndefined();
    // a model that calls its skin "face": its own name wins
    expect(findClassId(['background', 'face', 'hair'], 'face')).toBe(1);
    expect(findClassId(['background', 'face_skin', 'hair'], 'skin')).toBe(1);
  });

  it('refuses unknown names with the list of valid ones', () => {
    expect(() => resolveClassId(CELEBAMASK_HQ_LABELS, 'moustache', 'probabilityMask')).toThrow(
      /probabilityMask: no class "moustache" in this model; its classes are background, skin, nose, eye_g \(eyeglasses\), l_eye \(left eye\)/,
    );
    expect(() => resolveClassId(CELEBAMASK_HQ_LABELS, 19)).toThrow(/no class 19; ids go from 0 to 18/);
    expect(() => resolveClassId(CELEBAMASK_HQ_LABELS, '')).toThrow(/no class ""/);
  });

  it('normalizes case, spaces, hyphens and underscores', () => {
    expect(normalizeLabelName('  Upper-Lip ')).toBe('u_lip');
    expect(normalizeLabelName('EAR RING')).toBe('ear_r');
    expect(normalizeLabelName('Body Skin')).toBe('body_skin');
  });
});
