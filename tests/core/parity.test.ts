/**
 * Parity with the Python reference pipeline (transformers + torch), on the golden data of
 * training/golden/make_golden.py: (a) pixel values, (b) logits from the same pixel values,
 * (c) the fused upsample + arg-max from the same logits, (d) labels end to end.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceParser } from '../../src/node/faceParser.js';
import { decodeImage } from '../../src/platform/node/decode.js';
import { readPreprocessorConfig } from '../../src/platform/node/modelConfig.js';
import { normalizationTables, preprocess } from '../../src/models/segformer/preprocess.js';
import { mergeMirrored, mirrorClassTable, mirrorPlanes } from '../../src/postprocess/flip.js';
import { upsampleArgmax } from '../../src/postprocess/upsampleArgmax.js';
import { createSegmentationSession, type SegmentationSession } from '../../src/platform/node/session.js';
import { GOLDEN_DIR, TINY_MODEL, loadArray, loadManifest, nearTies } from '../helpers/golden.js';

const manifest = loadManifest();

/**
 * Inputs where faceparse deliberately differs from Pillow, with the reason (also in the README).
 * Each is still checked: the test proves the reference is the odd one out.
 */
const DIVERGENCES: Record<string, string> = {
  gray16_png:
    "Pillow opens 16-bit grey PNGs as mode I;16 and convert('RGB') clips every value above 255 to white; " + 'faceparse scales 16 to 8 bits as for 16-bit RGB',
};
const parityCases = manifest.cases.filter((c) => !(c.name in DIVERGENCES));
const divergentCases = manifest.cases.filter((c) => c.name in DIVERGENCES);
const flipCases = parityCases.filter((c) => c.arrays.flip_logits && c.arrays.flip_labels);
const scalesCases = parityCases.filter((c) => c.arrays.scales_labels && c.arrays.scales_flip_labels);

/**
 * `ours` equals the reference labels on >= 99.9% of pixels, and the reference differs from `without`
 * (the labels without the augmentation) on > 1%, so the case does test the augmentation.
 */
function expectAgreesAndTellsApart(ours: Uint8Array, reference: Uint8Array, without: Uint8Array): void {
  let same = 0;
  let changed = 0;
  for (let i = 0; i < reference.length; i++) {
    if (ours[i] === reference[i]) same++;
    if (reference[i] !== without[i]) changed++;
  }
  expect(same / reference.length).toBeGreaterThanOrEqual(0.999);
  expect(changed / reference.length).toBeGreaterThan(0.01);
}

describe('parity with the reference pipeline', () => {
  let session: SegmentationSession;
  let parser: FaceParser;
  beforeAll(async () => {
    session = await createSegmentationSession(join(TINY_MODEL, 'onnx/model.onnx'), { numLabels: 19, threads: 1 });
    parser = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 1 });
  });
  afterAll(async () => {
    await session.release();
    await parser.close();
  });

  describe.each(parityCases)('$name', (c) => {
    it('(a) pixel values match SegformerImageProcessorPil (max 1e-2, mean 1e-3)', async () => {
      const config = await readPreprocessorConfig(join(TINY_MODEL, 'preprocessor_config.json'));
      const reference = loadArray(c.arrays.pixel_values) as Float32Array;
      // From the reference's own decoded pixels: isolates resize + normalisation ...
      const decoded = loadArray(c.arrays.decoded_rgb) as Uint8Array;
      const fromReferenceRgb = preprocess({ data: decoded, width: c.width, height: c.height }, config, normalizationTables(config)).data;
      // ... and from our decoder, end to end.
      const ours = await decodeImage(join(GOLDEN_DIR, c.image));
      const fromFile = preprocess(ours, config, normalizationTables(config)).data;
      for (const values of [fromReferenceRgb, fromFile]) {
        let max = 0;
        let sum = 0;
        for (let i = 0; i < reference.length; i++) {
          const d = Math.abs(values[i]! - reference[i]!);
          sum += d;
          if (d > max) max = d;
        }
        expect(max).toBeLessThanOrEqual(1e-2);
        expect(sum / reference.length).toBeLessThanOrEqual(1e-3);
      }
      // The resize is bit-exact with Pillow: same pixels give the same float32 values.
      expect(maxAbsDiff(fromReferenceRgb, reference)).toBe(0);
    });

    it('(b) logits from the same pixel values within 1e-4 relative', async () => {
      const pixelValues = loadArray(c.arrays.pixel_values) as Float32Array;
      const reference = loadArray(c.arrays.logits) as Float32Array;
      const logits = await session.run(pixelValues, 1, c.input.height, c.input.width);
      expect([logits.classes, logits.height, logits.width]).toEqual(c.arrays.logits.shape.slice(1));
      let scale = 0;
      for (const v of reference) scale = Math.max(scale, Math.abs(v));
      expect(maxAbsDiff(logits.data, reference) / scale).toBeLessThanOrEqual(1e-4);
    });

    it('(c) upsample + arg-max of the same logits equals torch interpolate + argmax (ties aside)', () => {
      const logits = loadArray(c.arrays.logits) as Float32Array;
      const reference = loadArray(c.arrays.labels) as Uint8Array;
      const [, classes, h, w] = c.arrays.logits.shape as [number, number, number, number];
      const ours = upsampleArgmax(logits, classes, h, w, c.height, c.width);
      expectSameLabelsExceptTies(ours, reference, logits, classes, h, w, c.height, c.width);
    });

    it('(d) end to end, labels agree with the reference on >= 99.9% of pixels', async () => {
      const reference = loadArray(c.arrays.labels) as Uint8Array;
      const result = await parser.parse(join(GOLDEN_DIR, c.image), { faces: 'off' });
      expect([result.width, result.height]).toEqual([c.width, c.height]);
      let same = 0;
      for (let i = 0; i < reference.length; i++) if (result.categoryMask[i] === reference[i]) same++;
      expect(same / reference.length).toBeGreaterThanOrEqual(0.999);
    });
  });

  describe.each(divergentCases)('$name (documented divergence)', (c) => {
    it('the reference decoded a clipped, mostly white image; ours keeps the picture', async () => {
      const reference = loadArray(c.arrays.decoded_rgb) as Uint8Array;
      const ours = await decodeImage(join(GOLDEN_DIR, c.image));
      const white = (a: Uint8Array) => a.filter((v) => v === 255).length / a.length;
      expect(white(reference)).toBeGreaterThan(0.9);
      expect(white(ours.data)).toBeLessThan(0.5);
      expect(DIVERGENCES[c.name]).toBeTruthy();
    });
  });

  it('golden data has flip test-time augmentation cases', () => {
    expect(flipCases.length).toBeGreaterThan(0);
  });

  it('golden data has multi-scale test-time augmentation cases', () => {
    expect(scalesCases.length).toBeGreaterThan(0);
    expect(manifest.scales).toEqual([0.75, 1, 1.25]);
  });

  describe.each(scalesCases)('$name with multi-scale test-time augmentation', (c) => {
    const scales = manifest.scales as number[];
    it.each([
      ['scales', false, 'scales_labels'],
      ['scales and flip', true, 'scales_flip_labels'],
    ] as const)('parse({ %s }) labels agree with the reference on >= 99.9% of pixels, and differ from a single scale', async (_, flip, key) => {
      const reference = loadArray(c.arrays[key]!) as Uint8Array;
      const single = loadArray(flip ? c.arrays.flip_labels! : c.arrays.labels) as Uint8Array;
      const result = await parser.parse(join(GOLDEN_DIR, c.image), { flip, scales, faces: 'off' });
      expectAgreesAndTellsApart(result.categoryMask, reference, single); // the case tells the scales from one scale
    });

    it('scales [1] is the plain parse, equal passes average to themselves, and the order of the scales does not matter', async () => {
      const image = join(GOLDEN_DIR, c.image);
      expect((await parser.parse(image, { scales: [1], faces: 'off' })).categoryMask).toEqual((await parser.parse(image, { faces: 'off' })).categoryMask);
      const a = await parser.parse(image, { scales, faces: 'off' });
      const b = await parser.parse(image, { scales: [...scales].reverse(), faces: 'off' });
      // a second scale with the same input size (128 * 1.001 rounds to 128) averages two equal passes
      const twice = (await parser.parse(image, { scales: [1, 1.001], faces: 'off' })).confidenceMask();
      const once = (await parser.parse(image, { faces: 'off' })).confidenceMask();
      expect(twice.reduce((m, v, i) => Math.max(m, Math.abs(v - once[i]!)), 0)).toBeLessThan(1e-6);
      const [ca, cb] = [a.confidenceMask(), b.confidenceMask()];
      const diff = ca.reduce((m, v, i) => Math.max(m, Math.abs(v - cb[i]!)), 0);
      expect(diff).toBeLessThan(1e-5);
    });

    it('a bad scales list fails the call before any work, with the reason', async () => {
      await expect(parser.parse(join(GOLDEN_DIR, c.image), { scales: [0.5, 2] })).rejects.toThrow(/1 is missing/);
      const items = parser.parseEach([join(GOLDEN_DIR, c.image)], { scales: [1, 9] });
      await expect(items.next()).rejects.toThrow(/9 is not a number from 0\.25 to 4/);
    });
  });

  describe.each(flipCases)('$name with flip test-time augmentation', (c) => {
    it('merged logits of the photo and its mirror equal the reference within 1e-4 relative', async () => {
      const pixelValues = loadArray(c.arrays.pixel_values) as Float32Array;
      const reference = loadArray(c.arrays.flip_logits!) as Float32Array;
      const { height, width } = c.input;
      const plain = await session.run(pixelValues, 1, height, width);
      const mirrored = await session.run(mirrorPlanes(pixelValues, 3, height, width), 1, height, width);
      const merged = mergeMirrored(plain.data, mirrored.data, mirrorClassTable(parser.labels), plain.height, plain.width);
      const scale = Math.max(1, ...reference.map(Math.abs));
      expect(maxAbsDiff(merged, reference) / scale).toBeLessThanOrEqual(1e-4);
    });

    it('parse({ flip: true }) labels agree with the reference on >= 99.9% of pixels, and differ from a plain parse', async () => {
      const reference = loadArray(c.arrays.flip_labels!) as Uint8Array;
      const plainReference = loadArray(c.arrays.labels) as Uint8Array;
      const logits = loadArray(c.arrays.flip_logits!) as Float32Array;
      const [, classes, h, w] = c.arrays.flip_logits!.shape as [number, number, number, number];
      expectSameLabelsExceptTies(upsampleArgmax(logits, classes, h, w, c.height, c.width), reference, logits, classes, h, w, c.height, c.width);
      const result = await parser.parse(join(GOLDEN_DIR, c.image), { flip: true, faces: 'off' });
      expectAgreesAndTellsApart(result.categoryMask, reference, plainReference); // the case tells flip from no flip
    });
  });

  describe.each(manifest.upsample)('upsample $name', (c) => {
    it('equals torch interpolate + argmax (ties aside)', () => {
      const logits = loadArray(c.arrays.logits) as Float32Array;
      const reference = loadArray(c.arrays.labels) as Uint8Array;
      const ours = upsampleArgmax(logits, c.channels, c.input.height, c.input.width, c.output.height, c.output.width);
      expectSameLabelsExceptTies(ours, reference, logits, c.channels, c.input.height, c.input.width, c.output.height, c.output.width);
    });
  });
});

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function expectSameLabelsExceptTies(
  ours: Uint8Array,
  reference: Uint8Array,
  logits: Float32Array,
  classes: number,
  h: number,
  w: number,
  outH: number,
  outW: number,
): void {
  expect(ours.length).toBe(reference.length);
  const ties = nearTies(logits, classes, h, w, outH, outW);
  const mismatches: number[] = [];
  for (let i = 0; i < ours.length; i++) if (ours[i] !== reference[i] && !ties[i]) mismatches.push(i);
  expect(mismatches.slice(0, 10)).toEqual([]);
}
