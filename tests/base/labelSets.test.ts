/** Label sets: the orders (LaPa, MediaPipe, BiSeNet), the mappings into them, and docs/label-sets.md agreeing with the code. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CELEBAMASK_HQ_LABELS as HQ } from '../../src/base/labels.js';
import { BISENET_LABELS, LABEL_SET_NAMES, LABEL_SETS, labelMapping, mapIntoLabelSet } from '../../src/base/labelSets.js';

const to = (set: string) => {
  const { mapping } = mapIntoLabelSet(HQ, set);
  return (name: string) => mapping[HQ.indexOf(name as (typeof HQ)[number])];
};

describe('label sets', () => {
  it('lapa: ids 0-10; background, neck and cloth -> 0, skin 1, brows 2/3, eyes 4/5, nose 6, upper lip 7, mouth 8, lower lip 9, hair 10', () => {
    const lapa = to('lapa');
    expect(LABEL_SETS.lapa.labels).toHaveLength(11);
    expect(['background', 'neck', 'cloth'].map(lapa)).toEqual([0, 0, 0]);
    expect(['skin', 'l_brow', 'r_brow', 'l_eye', 'r_eye', 'nose', 'u_lip', 'mouth', 'l_lip', 'hair'].map(lapa)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const name of HQ) expect(lapa(name)).toBeLessThanOrEqual(10);
  });

  it('mediapipe: background 0, hair 1, body skin 2, face skin 3, clothes 4, others 5', () => {
    const mp = to('mediapipe');
    expect(LABEL_SETS.mediapipe.labels).toEqual(['background', 'hair', 'body_skin', 'face_skin', 'clothes', 'others']);
    expect(['background', 'hair', 'neck', 'skin', 'nose', 'l_lip', 'cloth', 'eye_g', 'hat', 'ear_r', 'neck_l'].map(mp)).toEqual([
      0, 1, 2, 3, 3, 3, 4, 5, 5, 5, 5,
    ]);
  });

  it('bisenet: the face-parsing.PyTorch order, a pure reordering', () => {
    expect(BISENET_LABELS).toEqual([
      'background',
      'skin',
      'l_brow',
      'r_brow',
      'l_eye',
      'r_eye',
      'eye_g',
      'l_ear',
      'r_ear',
      'ear_r',
      'nose',
      'mouth',
      'u_lip',
      'l_lip',
      'neck',
      'neck_l',
      'cloth',
      'hair',
      'hat',
    ]);
    const bisenet = to('bisenet');
    for (const name of HQ) expect(BISENET_LABELS[bisenet(name)]).toBe(name);
    const celebamask = to('celebamask');
    for (const [id, name] of HQ.entries()) expect(celebamask(name)).toBe(id);
  });

  it('maps a model with other names (LaPa-trained) into CelebAMask-HQ and back into LaPa', () => {
    const fromLapa = labelMapping(LABEL_SETS.lapa.labels, HQ);
    expect(Array.from(fromLapa.subarray(0, 11)).map((i) => HQ[i])).toEqual([
      'background',
      'skin',
      'l_brow',
      'r_brow',
      'l_eye',
      'r_eye',
      'nose',
      'u_lip',
      'mouth',
      'l_lip',
      'hair',
    ]);
    expect(Array.from(mapIntoLabelSet(LABEL_SETS.lapa.labels, 'lapa').mapping.subarray(0, 11))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // MediaPipe's face skin cannot be split into CelebAMask-HQ's classes
    expect(() => labelMapping(LABEL_SETS.mediapipe.labels, HQ)).toThrow(/2:body_skin, 5:others have no counterpart in the celebamask label set/);
    expect(() => mapIntoLabelSet(HQ, 'helen')).toThrow(/unknown; choose one of celebamask, lapa, mediapipe, bisenet/);
  });

  it('docs/label-sets.md states every mapping as the code does', () => {
    const doc = readFileSync(new URL('../../docs/label-sets.md', import.meta.url), 'utf8');
    // The table: | CelebAMask-HQ | celebamask | lapa | mediapipe | bisenet | why |, one row per class, cells "id name".
    const rows = doc.split('\n').filter((line) => /^\| `[a-z_]+` \(\d+\)/.test(line));
    expect(rows).toHaveLength(HQ.length);
    for (const row of rows) {
      const cells = row
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      const name = /`([a-z_]+)`/.exec(cells[0]!)![1]!;
      LABEL_SET_NAMES.forEach((set, k) => {
        const id = Number(/^(\d+)/.exec(cells[k + 1]!)?.[1]);
        expect(id, `${name} -> ${set} in docs/label-sets.md`).toBe(to(set)(name));
        expect(cells[k + 1], `${name} -> ${set}: the class name`).toContain(LABEL_SETS[set].labels[id]!);
      });
    }
  });
});
