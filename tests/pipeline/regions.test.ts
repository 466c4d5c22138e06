/**
 * The library's masks people use: probabilityMask by any class name, regionMask (presets, names,
 * grow/shrink/feather, per face), toRegionPng, and label sets on a real parse.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELEBAMASK_HQ_LABELS as HQ } from '../../src/base/labels.js';
import { LABEL_SETS } from '../../src/base/labelSets.js';
import { FaceParser } from '../../src/node/faceParser.js';
import type { ParseResult } from '../../src/pipeline/result.js';
import { decodeLabelPng } from '../../src/platform/node/render.js';
import { GOLDEN_DIR, TINY_MODEL } from '../helpers/golden.js';
import { failure } from '../helpers/failure.js';

const PHOTO = join(GOLDEN_DIR, 'images/jpeg_q90.jpg');
const THREE_FACES = resolve('../shared/data/photos/pakutaso-graduation-three-faces.jpg');
let parser: FaceParser;
let result: ParseResult;

beforeAll(async () => {
  parser = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 1 });
  result = await parser.parse(PHOTO, { faces: 'off' });
});
afterAll(() => parser?.close());

const classMask = (mask: Uint8Array, ids: number[]) => Uint8Array.from(mask, (id) => (ids.includes(id) ? 255 : 0));

/** Pixels where two maps differ (toEqual on megapixel arrays is slow, and this says how much they differ). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('class names wherever a class is named', () => {
  it("probabilityMask takes 'glasses', 'left eye', 'earring', 'necklace' and gives the short names' maps", () => {
    for (const [human, short] of [
      ['glasses', 'eye_g'],
      ['left eye', 'l_eye'],
      ['earring', 'ear_r'],
      ['necklace', 'neck_l'],
      ['Upper Lip', 'u_lip'],
    ]) {
      expect(differing(result.probabilityMask(human!), result.probabilityMask(short!)), human).toBe(0);
      expect(result.probabilityMask(human!)).toBe(result.probabilityMask(HQ.indexOf(short as (typeof HQ)[number])));
    }
    expect(() => result.probabilityMask('moustache')).toThrow(/no class "moustache" in this model; its classes are .*eye_g \(eyeglasses\)/);
  });

  it('toClassMasks takes names as well as ids', async () => {
    const byName = await result.toClassMasks(['hair', 'left eye', 'skin', 'glasses']);
    const byId = await result.toClassMasks([13, 4, 1, 3]);
    expect(byName.map((m) => m.id)).toEqual(byId.map((m) => m.id));
    for (let i = 0; i < byId.length; i++) expect(Buffer.from(byName[i]!.png).equals(Buffer.from(byId[i]!.png))).toBe(true);
    expect((await failure(result.toClassMasks(['beard']))).message).toMatch(/toClassMasks: no class "beard"/);
  });
});

describe('regionMask', () => {
  it('without grow and feather: 255 exactly on the classes of the label map, by preset, names or ids', () => {
    const face = [1, 2, 4, 5, 6, 7, 10, 11, 12];
    expect(differing(result.regionMask({ classes: 'face' }), classMask(result.categoryMask, face))).toBe(0);
    expect(
      differing(
        result.regionMask({ classes: ['skin', 'nose', 'left eye', 'r_eye', 'left brow', 'r_brow', 'mouth', 'lips'] }),
        classMask(result.categoryMask, face),
      ),
    ).toBe(0);
    expect(differing(result.regionMask({ classes: [13] }), classMask(result.categoryMask, [13]))).toBe(0);
    expect(differing(result.regionMask({ classes: 'head' }), classMask(result.categoryMask, [...face, 3, 8, 9, 13, 14, 15]))).toBe(0);
  });

  it('grows, shrinks and feathers', () => {
    // the class of the centre pixel: present, and (on this photo) not the whole photo
    const id = result.categoryMask[(result.height >> 1) * result.width + (result.width >> 1)]!;
    const plain = result.regionMask({ classes: id });
    expect(plain.some((v) => v === 0) && plain.some((v) => v === 255)).toBe(true);
    const grown = result.regionMask({ classes: id, grow: 3 });
    const shrunk = result.regionMask({ classes: id, grow: -3 });
    const soft = result.regionMask({ classes: id, feather: 6 });
    let exceeds = 0;
    let inside = 0;
    let lost = 0;
    let outside = 0;
    for (let i = 0; i < plain.length; i++) {
      if (plain[i] && grown[i] !== 255) lost++;
      if (!plain[i] && grown[i]) exceeds++;
      if (shrunk[i] && !plain[i]) outside++;
      if (plain[i] && !shrunk[i]) inside++;
    }
    expect([lost, outside]).toEqual([0, 0]);
    expect(exceeds).toBeGreaterThan(0);
    expect(inside).toBeGreaterThan(0);
    expect(soft.some((v) => v > 0 && v < 255)).toBe(true);
  });

  it('toRegionPng is the mask as an 8-bit grey PNG of the photo size', async () => {
    const decoded = await decodeLabelPng(await result.toRegionPng({ classes: 'hair', feather: 4 }));
    expect([decoded.width, decoded.height]).toEqual([result.width, result.height]);
    expect(differing(decoded.mask, result.regionMask({ classes: 'hair', feather: 4 }))).toBe(0);
  });

  it('refuses what it cannot do, naming what it can', async () => {
    expect(() => result.regionMask({ classes: 'beard' })).toThrow(/no class or preset "beard"; presets are face, head/);
    expect(() => result.regionMask({} as never)).toThrow(/regionMask needs classes/);
    expect(() => result.regionMask({ classes: 'face', grow: Infinity })).toThrow(/grow: expected a number from -10000 to 10000, got Infinity/);
    expect(() => result.regionMask({ classes: 'face', face: 0 })).toThrow(/face 0 is not a face of this result \(it has no faces/);
    expect((await failure(result.toRegionPng({ classes: 'beard' }))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('label sets', () => {
  it("lapa: the label map, labels and JSON in LaPa's ids; regions and probabilities still exact", async () => {
    const lapa = await parser.parse(PHOTO, { faces: 'off', labelSet: 'lapa' });
    expect(lapa.labels).toEqual(LABEL_SETS.lapa.labels);
    expect(differing(lapa.modelCategoryMask, result.categoryMask)).toBe(0);
    const expected = [0, 1, 6, 1, 4, 5, 2, 3, 0, 0, 8, 7, 9, 10, 0, 0, 0, 0, 0];
    expect(
      differing(
        lapa.categoryMask,
        Uint8Array.from(result.categoryMask, (id) => expected[id]!),
      ),
    ).toBe(0);
    const json = lapa.toJSON();
    expect(json.labelSet).toBe('lapa');
    expect(json.labels).toHaveLength(11);
    expect(json.classes.reduce((s, c) => s + c.pixels, 0)).toBe(lapa.width * lapa.height);
    expect((await decodeLabelPng(await lapa.toLabelPng())).mask.reduce((a, b) => Math.max(a, b), 0)).toBeLessThanOrEqual(10);
    expect(differing(lapa.regionMask({ classes: 'face' }), result.regionMask({ classes: 'face' }))).toBe(0);
    // LaPa's background unites background, ears, hat, jewellery, neck and cloth: their probabilities add up
    const background = lapa.probabilityMask('background');
    const parts = [0, 8, 9, 14, 15, 16, 17, 18].map((id) => result.probabilityMask(id));
    for (let i = 0; i < background.length; i += 101)
      expect(background[i]).toBeCloseTo(
        parts.reduce((s, p) => s + p[i]!, 0),
        5,
      );
    expect(differing(lapa.probabilityMask('left_eyebrow'), result.probabilityMask('l_brow'))).toBe(0);
    expect(differing(lapa.probabilityMask('neck'), result.probabilityMask('neck'))).toBe(0); // a model class LaPa has none for
  });

  it('mediapipe and bisenet; an unknown set is refused before the photo is read', async () => {
    const mp = await parser.parse(PHOTO, { faces: 'off', labelSet: 'mediapipe' });
    expect(mp.labels).toEqual(['background', 'hair', 'body_skin', 'face_skin', 'clothes', 'others']);
    expect(differing(mp.regionMask({ classes: 'body_skin' }), result.regionMask({ classes: 'neck' }))).toBe(0);
    const bisenet = await parser.parse(PHOTO, { faces: 'off', labelSet: 'bisenet' });
    for (let i = 0; i < bisenet.categoryMask.length; i += 37) expect(bisenet.labels[bisenet.categoryMask[i]!]).toBe(HQ[result.categoryMask[i]!]);
    await expect(parser.parse(PHOTO, { labelSet: 'helen' as never })).rejects.toThrow(
      /labelSet "helen": unknown; choose one of celebamask, lapa, mediapipe, bisenet/,
    );
  });
});

describe.skipIf(!existsSync(THREE_FACES))(`per face${existsSync(THREE_FACES) ? '' : ' (skipped: ../shared/data/photos is absent)'}`, () => {
  it("a face's region is the photo region on that face's pixels; the faces add up to the photo", async () => {
    const faces = await parser.parse(THREE_FACES, { faces: 'on' });
    expect(faces.faces.length).toBe(3);
    const photo = faces.regionMask({ classes: 'head' });
    const union = new Uint8Array(photo.length);
    for (let f = 0; f < faces.faces.length; f++) {
      const one = faces.regionMask({ classes: 'head', face: f });
      let elsewhere = 0;
      for (let i = 0; i < one.length; i++) {
        if (one[i]) {
          if (faces.instanceMask![i] !== f + 1) elsewhere++;
          union[i] = 255;
        }
      }
      expect(elsewhere, `face ${f}: pixels of other faces`).toBe(0);
    }
    expect(differing(union, photo)).toBe(0);
    const grown = faces.regionMask({ classes: 'head', face: 0, grow: 5 });
    expect(grown.filter((v) => v).length).toBeGreaterThan(faces.regionMask({ classes: 'head', face: 0 }).filter((v) => v).length);
  });
});
