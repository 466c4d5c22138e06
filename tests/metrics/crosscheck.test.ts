/**
 * The TypeScript metrics against the independent Python reference (training/crosscheck/crosscheck.py:
 * numpy bincount, scipy.ndimage erosion and exact distance transform). Fixtures and expected numbers
 * are written by `training/.venv/bin/python training/crosscheck/crosscheck.py generate`.
 * Integers must agree exactly, other numbers to 1e-9.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readLabelMap } from '../../src/datasets/readLabelMap.js';
import { BoundaryF1, imageBoundaryScore, type ImageBoundaryScore } from '../../src/metrics/boundaryF1.js';
import { ConfusionMatrix } from '../../src/metrics/confusionMatrix.js';
import { meanClassAccuracy, meanF1, meanIoU, perClassAccuracy, perClassF1, perClassIoU, pixelAccuracy } from '../../src/metrics/scores.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, 'fixtures', 'crosscheck');
const sharedVal = join(here, '..', '..', '..', 'shared', 'data', 'celebamask-mini', 'val', 'masks');

interface Expected {
  confusion: number[][];
  pixelAccuracy: number | null;
  perClassIoU: Array<number | null>;
  perClassF1: Array<number | null>;
  perClassAccuracy: Array<number | null>;
  meanIoU: number | null;
  meanIoUNoBackground: number | null;
  meanF1: number | null;
  meanClassAccuracy: number | null;
  boundary: ImageBoundaryScore;
}
interface ExpectedPair extends Expected {
  name: string;
  file: string;
  width: number;
  height: number;
  numClasses: number;
  ignoreIndex: number | null;
  tolerancePixels: number | null;
}
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as {
  pairs: ExpectedPair[];
  set: Omit<Expected, 'boundary'> & { names: string[]; numClasses: number; boundaryF1: number; perClassBoundaryF1: Array<number | null> };
  real?: { numClasses: number; files: Array<{ file: string; histogram: number[]; transforms: Record<string, Expected> }> };
};

/** null = null, numbers within 1e-9; returns the first mismatch as text (or '') so failures say where. */
function mismatch(actual: unknown, wanted: unknown, path: string): string {
  if (wanted === null || actual === null || wanted === undefined) {
    return actual === wanted || (actual === undefined && wanted === null) ? '' : `${path}: ${actual} vs ${wanted}`;
  }
  if (typeof wanted === 'number') {
    return typeof actual === 'number' && Math.abs(actual - wanted) <= 1e-9 ? '' : `${path}: ${actual} vs ${wanted}`;
  }
  if (Array.isArray(wanted)) {
    if (!Array.isArray(actual) || actual.length !== wanted.length) return `${path}: length differs`;
    for (let i = 0; i < wanted.length; i++) {
      const m = mismatch(actual[i], wanted[i], `${path}[${i}]`);
      if (m) return m;
    }
    return '';
  }
  for (const key of Object.keys(wanted as object)) {
    const m = mismatch((actual as Record<string, unknown>)[key], (wanted as Record<string, unknown>)[key], `${path}.${key}`);
    if (m) return m;
  }
  return '';
}

function rows(matrix: ConfusionMatrix): number[][] {
  const n = matrix.numClasses;
  return Array.from({ length: n }, (_, t) => Array.from(matrix.counts.subarray(t * n, (t + 1) * n)));
}

function scoreAll(prediction: Uint8Array, target: Uint8Array, width: number, height: number, numClasses: number, ignore?: number, tolerancePixels?: number) {
  const matrix = new ConfusionMatrix(numClasses, { ignoreIndex: ignore }).update(prediction, target);
  return {
    matrix,
    scores: {
      confusion: rows(matrix),
      pixelAccuracy: pixelAccuracy(matrix),
      perClassIoU: perClassIoU(matrix),
      perClassF1: perClassF1(matrix),
      perClassAccuracy: perClassAccuracy(matrix),
      meanIoU: meanIoU(matrix),
      meanIoUNoBackground: meanIoU(matrix, { includeBackground: false }),
      meanF1: meanF1(matrix),
      meanClassAccuracy: meanClassAccuracy(matrix),
      boundary: imageBoundaryScore(prediction, target, width, height, { numClasses, ignoreIndex: ignore, tolerancePixels }),
    },
  };
}

describe('cross-check with the Python reference: random label maps', () => {
  for (const pair of expected.pairs) {
    it(`${pair.name} (${pair.width}x${pair.height}, ${pair.numClasses} classes${pair.ignoreIndex !== null ? ', ignore ' + pair.ignoreIndex : ''}${pair.tolerancePixels !== null ? `, tolerance ${pair.tolerancePixels} px` : ''})`, async () => {
      const prediction = await readLabelMap(join(fixtures, `${pair.file}-pred.png`));
      const target = await readLabelMap(join(fixtures, `${pair.file}-gt.png`));
      expect([target.width, target.height]).toEqual([pair.width, pair.height]);
      const { scores } = scoreAll(
        prediction.mask,
        target.mask,
        target.width,
        target.height,
        pair.numClasses,
        pair.ignoreIndex ?? undefined,
        pair.tolerancePixels ?? undefined,
      );
      expect(scores.confusion).toEqual(pair.confusion); // integers: exactly
      const { name: _n, file: _f, width: _w, height: _h, numClasses: _c, ignoreIndex: _i, tolerancePixels: _t, ...wanted } = pair;
      expect(mismatch(scores, wanted, pair.name)).toBe('');
    });
  }

  it('the set: mean F1 from the accumulated matrix, boundary F1 as the mean over images', async () => {
    const total = new ConfusionMatrix(expected.set.numClasses);
    const boundary = new BoundaryF1({ numClasses: expected.set.numClasses });
    for (const name of expected.set.names) {
      const prediction = await readLabelMap(join(fixtures, `${name}-pred.png`));
      const target = await readLabelMap(join(fixtures, `${name}-gt.png`));
      total.update(prediction.mask, target.mask);
      boundary.update(prediction.mask, target.mask, target.width, target.height);
    }
    expect(rows(total)).toEqual(expected.set.confusion);
    const result = boundary.compute();
    const actual = {
      pixelAccuracy: pixelAccuracy(total),
      perClassIoU: perClassIoU(total),
      perClassF1: perClassF1(total),
      meanIoU: meanIoU(total),
      meanF1: meanF1(total),
      boundaryF1: result.score,
      perClassBoundaryF1: result.perClassF1,
    };
    const { names: _n, numClasses: _c, confusion: _m, perClassAccuracy: _a, meanIoUNoBackground: _b, meanClassAccuracy: _d, ...wanted } = expected.set;
    expect(mismatch(actual, wanted, 'set')).toBe('');
  });
});

/** The transforms crosscheck.py applies to real masks. */
const CLAMP = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
function shift(data: Uint8Array, width: number, height: number, dx: number, dy: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = data[CLAMP(y - dy, height) * width + CLAMP(x - dx, width)];
  }
  return out;
}
const SWAP = new Map([
  [4, 5],
  [5, 4],
  [6, 7],
  [7, 6],
  [8, 9],
  [9, 8],
]);
const TRANSFORMS: Record<string, (d: Uint8Array, w: number, h: number) => Uint8Array> = {
  'shift(5,-3)': (d, w, h) => shift(d, w, h, 5, -3),
  'shift(-9,7)': (d, w, h) => shift(d, w, h, -9, 7),
  swapSides: (d) => d.map((v) => SWAP.get(v) ?? v),
  eraseHair: (d) => d.map((v) => (v === 13 ? 0 : v)),
};

const haveShared = existsSync(sharedVal) && expected.real !== undefined;
describe.skipIf(!haveShared)('cross-check with the Python reference: real CelebAMask-HQ masks from ../shared', () => {
  for (const entry of expected.real?.files ?? []) {
    it(`${entry.file}: decoded ids match PIL, metrics match on ${Object.keys(entry.transforms).join(', ')}`, async () => {
      const target = await readLabelMap(join(sharedVal, entry.file));
      const histogram = new Array(19).fill(0);
      for (const v of target.mask) histogram[v]++;
      expect(histogram).toEqual(entry.histogram);
      for (const [name, wanted] of Object.entries(entry.transforms)) {
        const prediction = TRANSFORMS[name](target.mask, target.width, target.height);
        const { scores } = scoreAll(prediction, target.mask, target.width, target.height, 19);
        expect(scores.confusion).toEqual(wanted.confusion);
        expect(mismatch(scores, wanted, `${entry.file} ${name}`)).toBe('');
      }
    });
  }
});
if (!haveShared) {
  console.warn(`crosscheck: ${sharedVal} (or the real section of expected.json) is absent; the real-mask cross-check is skipped.`);
}
