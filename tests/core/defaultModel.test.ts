/**
 * The embedded default model (models/face-parsing-mini): loads with no options and no network,
 * and labels real faces sensibly (where ../shared is present).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceParser } from '../../src/node/faceParser.js';
import { decodeLabelPng } from '../../src/platform/node/render.js';

const VAL = resolve('..', 'shared', 'data', 'celebamask-mini', 'val');

describe('embedded default model', () => {
  let parser: FaceParser;
  beforeAll(async () => {
    parser = await FaceParser.create({ offline: true, threads: 2 });
  });
  afterAll(() => parser?.close());

  it('loads without options, offline, with the CelebAMask-HQ labels', () => {
    expect(parser.model).toMatch(/models[\\/]face-parsing-mini$/);
    expect(parser.variant).toBe('q8');
    expect(parser.labels).toHaveLength(19);
    expect(parser.labels[13]).toBe('hair');
  });

  it.skipIf(!existsSync(VAL))(`labels validation faces mostly right${existsSync(VAL) ? '' : ' (skipped: ../shared absent)'}`, async () => {
    const stems = readdirSync(join(VAL, 'images')).sort().slice(0, 3);
    for (const file of stems) {
      const result = await parser.parse(join(VAL, 'images', file), { keepLogits: false });
      const truth = await decodeLabelPng(join(VAL, 'masks', file.replace(/\.jpg$/, '.png')));
      let same = 0;
      for (let i = 0; i < truth.mask.length; i++) if (truth.mask[i] === result.categoryMask[i]) same++;
      // A pixel accuracy far above chance (the largest class covers ~30%): the shipped file is a trained model.
      expect(same / truth.mask.length).toBeGreaterThan(0.7);
    }
  });
});
