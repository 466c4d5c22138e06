import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BISENET_LABELS, labelMapping, normalizeLabelName, resolveLabelSet } from '../../src/datasets/labelSets.js';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';
import { tempDir } from './helpers.js';

const dir = tempDir();

describe('label sets', () => {
  it('maps BiSeNet (face-parsing.PyTorch) ids onto CelebAMask-HQ ids by name', () => {
    const mapping = labelMapping(BISENET_LABELS, CELEBAMASK_HQ_LABELS);
    for (let i = 0; i < BISENET_LABELS.length; i++) expect(CELEBAMASK_HQ_LABELS[mapping[i]]).toBe(BISENET_LABELS[i]);
    // a few by hand: BiSeNet 2 = l_brow = CelebAMask-HQ 6; 10 = nose = 2; 17 = hair = 13
    expect([mapping[2], mapping[10], mapping[17]]).toEqual([6, 2, 13]);
    expect(mapping[255]).toBe(255);
  });

  it('matches long names, case and separators', () => {
    expect(normalizeLabelName('Left Eye')).toBe('l_eye');
    expect(normalizeLabelName('EYEGLASSES')).toBe('eye_g');
    expect(normalizeLabelName('upper-lip')).toBe('u_lip');
    const mapping = labelMapping(['background', 'Hair', 'left eye'], CELEBAMASK_HQ_LABELS);
    expect(Array.from(mapping.subarray(0, 3))).toEqual([0, 13, 4]);
  });

  it('says which prediction classes have no counterpart', () => {
    expect(() => labelMapping(['background', 'beard', 'skin', 'tattoo'], CELEBAMASK_HQ_LABELS)).toThrow(
      /classes 1:beard, 3:tattoo have no counterpart in the celebamask label set/,
    );
  });

  it('resolves presets, comma lists, JSON arrays, model configs and text files', async () => {
    expect(await resolveLabelSet('bisenet')).toEqual([...BISENET_LABELS]);
    expect(await resolveLabelSet('CelebAMask-HQ')).toEqual([...CELEBAMASK_HQ_LABELS]);
    expect(await resolveLabelSet('background, face ,hair')).toEqual(['background', 'face', 'hair']);
    writeFileSync(join(dir, 'names.json'), JSON.stringify(['bg', 'fg']));
    expect(await resolveLabelSet(join(dir, 'names.json'))).toEqual(['bg', 'fg']);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ id2label: { '1': 'skin', '0': 'background', '2': 'hair' } }));
    expect(await resolveLabelSet(join(dir, 'config.json'))).toEqual(['background', 'skin', 'hair']);
    writeFileSync(join(dir, 'names.txt'), 'background\nskin\n\nhair\n');
    expect(await resolveLabelSet(join(dir, 'names.txt'))).toEqual(['background', 'skin', 'hair']);
  });

  it('refuses duplicate names, gaps and unknown specs', async () => {
    await expect(resolveLabelSet('a,b,A')).rejects.toThrow(/labels 0 and 2 are both "A"/);
    writeFileSync(join(dir, 'gap.json'), JSON.stringify({ id2label: { '0': 'a', '2': 'b' } }));
    await expect(resolveLabelSet(join(dir, 'gap.json'))).rejects.toThrow(/ids must be 0..n-1 without gaps/);
    await expect(resolveLabelSet('nonsense')).rejects.toThrow(
      /is not a preset \(celebamask, lapa, mediapipe, bisenet, celebamask-hq\), a comma-separated list, or a readable file/,
    );
  });
});
