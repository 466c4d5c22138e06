import { describe, expect, it } from 'vitest';
import { BoundaryF1, boundaryTolerance, classBoundaries, imageBoundaryScore } from '../../src/metrics/boundaryF1.js';

/** Label map from rows of digits ('.' = 0). */
function grid(rows: string[]): { data: Uint8Array; width: number; height: number } {
  const width = rows[0].length;
  const data = Uint8Array.from(rows.join('').split(''), (ch) => (ch === '.' ? 0 : ch === 'x' ? 255 : Number(ch)));
  return { data, width, height: rows.length };
}

function boundaryOf(map: ReturnType<typeof grid>, c: number, voidLabel?: number): number[] {
  const b = classBoundaries(map.data, map.width, map.height, voidLabel);
  return Array.from(b.pixels.subarray(b.offsets[c], b.offsets[c + 1]));
}

/** A width x height background with single pixels of class `c` at (x, y). */
function dots(width: number, height: number, points: Array<[number, number, number]>): Uint8Array {
  const data = new Uint8Array(width * height);
  for (const [x, y, c] of points) data[y * width + x] = c;
  return data;
}

describe('classBoundaries: mask minus its 3x3-cross erosion, zero padding', () => {
  it('a 3x3 square keeps its ring of 8; the background is all edge pixels', () => {
    const map = grid(['.....', '.111.', '.111.', '.111.', '.....']);
    expect(boundaryOf(map, 1)).toEqual([6, 7, 8, 11, 13, 16, 17, 18]);
    expect(boundaryOf(map, 0)).toEqual([0, 1, 2, 3, 4, 5, 9, 10, 14, 15, 19, 20, 21, 22, 23, 24]);
  });

  it('an object touching the image edge has a boundary along the edge', () => {
    const map = grid(['111..', '111..', '111..', '111..', '111..']);
    // interior: x = 1, y = 1..3 (indices 6, 11, 16); everything else of class 1 is boundary
    expect(boundaryOf(map, 1)).toEqual([0, 1, 2, 5, 7, 10, 12, 15, 17, 20, 21, 22]);
  });

  it('a 1-pixel-wide line is all boundary; void pixels are part of no class', () => {
    const map = grid(['.2.', '.2.', 'x2x']);
    expect(boundaryOf(map, 2)).toEqual([1, 4, 7]);
    expect(boundaryOf(map, 255, 255)).toEqual([]);
  });
});

describe('boundaryTolerance', () => {
  it('is 0.75% of the diagonal by default', () => {
    expect(boundaryTolerance(320, 240)).toBe(3);
    expect(boundaryTolerance(512, 512)).toBeCloseTo(5.4305800795, 9);
    expect(boundaryTolerance(512, 512, { toleranceFraction: 0.01 })).toBeCloseTo(7.2407734394, 9);
    expect(boundaryTolerance(512, 512, { tolerancePixels: 2 })).toBe(2);
  });

  it('rejects tolerances that are not positive', () => {
    expect(() => boundaryTolerance(10, 10, { tolerancePixels: 0 })).toThrow(/tolerancePixels must be a positive number/);
    expect(() => new BoundaryF1({ numClasses: 2, toleranceFraction: -1 })).toThrow(/toleranceFraction must be a positive number/);
  });
});

describe('imageBoundaryScore, worked out by hand', () => {
  // 320x240: tolerance = 0.0075 * 400 = 3 px exactly; the background's boundary is the 1116 edge pixels
  // plus the 4 neighbours of each dot.
  const width = 320;
  const height = 240;
  const target = dots(width, height, [[100, 100, 1]]);

  it('identical maps score 1', () => {
    const r = imageBoundaryScore(target, target, width, height, { numClasses: 2 });
    expect(r.tolerance).toBe(3);
    expect(r.perClass.map((s) => s?.f1)).toEqual([1, 1]);
    expect(r.score).toBe(1);
  });

  it('a distance of exactly the tolerance does not match (strict <)', () => {
    const predicted = dots(width, height, [[103, 100, 1]]);
    const r = imageBoundaryScore(predicted, target, width, height, { numClasses: 2 });
    expect(r.perClass[1]).toEqual({
      precision: 0,
      recall: 0,
      f1: 0,
      predictedBoundaryPixels: 1,
      targetBoundaryPixels: 1,
      matchedPredicted: 0,
      matchedTarget: 0,
    });
    // background: of each ring of 4, the neighbour on the far side is 3 px from the other ring
    expect(r.perClass[0]?.matchedTarget).toBe(1116 + 3);
    expect(r.perClass[0]?.precision).toBe(1119 / 1120);
    expect(r.perClass[0]?.recall).toBe(1119 / 1120);
    expect(r.perClass[0]?.f1).toBeCloseTo(1119 / 1120, 15);
    expect(r.score).toBeCloseTo(1119 / 1120 / 2, 15);
  });

  it('a distance just below the tolerance matches', () => {
    const predicted = dots(width, height, [[102, 101, 1]]); // sqrt(5) = 2.24 px
    expect(imageBoundaryScore(predicted, target, width, height, { numClasses: 2 }).score).toBe(1);
    const three = dots(width, height, [[103, 100, 1]]);
    const wider = imageBoundaryScore(three, target, width, height, { numClasses: 2, tolerancePixels: 3.01 });
    expect(wider.perClass[1]?.f1).toBe(1);
  });

  it('precision and recall differ when the boundaries differ in length', () => {
    // target: a 1x3 bar (3 boundary px); predicted: its first pixel only, tolerance 1.5 px
    const t = grid(['.....', '.111.', '.....']);
    const p = grid(['.....', '.1...', '.....']);
    const r = imageBoundaryScore(p.data, t.data, 5, 3, { numClasses: 2, tolerancePixels: 1.5 });
    // predicted (1,1) matches; of the target's (1,1), (2,1), (3,1) only (3,1) is 2 px away
    expect(r.perClass[1]).toMatchObject({ precision: 1, recall: 2 / 3, matchedTarget: 2 });
    expect(r.perClass[1]?.f1).toBeCloseTo((2 * (2 / 3)) / (1 + 2 / 3), 15);
  });

  it('a class missing from the prediction scores 0; a class only predicted is not scored', () => {
    const t = grid(['......', '.22...', '.22...', '......']);
    const p = grid(['......', '......', '....3.', '......']);
    const r = imageBoundaryScore(p.data, t.data, 6, 4, { numClasses: 4, tolerancePixels: 1 });
    expect(r.perClass[2]).toMatchObject({ precision: 0, recall: 0, f1: 0, predictedBoundaryPixels: 0 });
    expect(r.perClass[3]).toBeNull();
    expect(r.perClass[1]).toBeNull();
    // background, tolerance 1 px (only distance 0 matches): the target's boundary is the 16 edge pixels
    // plus (3,1), (3,2) beside the square; the prediction's is the 16 edge pixels plus (3,2), (4,1)
    // beside its dot. 17 of 18 match either way.
    expect(r.perClass[0]).toMatchObject({ targetBoundaryPixels: 18, predictedBoundaryPixels: 18, matchedTarget: 17 });
    expect(r.perClass[0]?.f1).toBeCloseTo(17 / 18, 15);
    expect(r.score).toBeCloseTo(17 / 36, 15);
  });

  it('an empty prediction (all background) scores 0 on every face class', () => {
    const t = grid(['1.2', '...', '3..']);
    const p = grid(['...', '...', '...']);
    const r = imageBoundaryScore(p.data, t.data, 3, 3, { numClasses: 4, tolerancePixels: 1 });
    expect(r.perClass.slice(1).map((s) => s?.f1)).toEqual([0, 0, 0]);
    // background: 6 pixels, all on the edge except the centre, whose 4 neighbours are all background
    expect(r.perClass[0]?.targetBoundaryPixels).toBe(5);
  });

  it('target void pixels are part of no class in either map', () => {
    const t = grid(['11xx', '11xx', '11xx']);
    const overPredicted = grid(['1111', '1111', '1111']);
    const underPredicted = grid(['11..', '11..', '11..']);
    const options = { numClasses: 2, ignoreIndex: 255, tolerancePixels: 0.5 };
    const a = imageBoundaryScore(overPredicted.data, t.data, 4, 3, options);
    const b = imageBoundaryScore(underPredicted.data, t.data, 4, 3, options);
    expect(a.perClass[1]?.f1).toBe(1);
    expect(b.perClass[1]?.f1).toBe(1);
    expect(a.perClass[0]).toBeNull();
    expect(a.score).toBe(1);
  });
});

describe('BoundaryF1 over a set', () => {
  const width = 320;
  const height = 240;
  const target = dots(width, height, [[100, 100, 1]]);
  const shifted = dots(width, height, [[103, 100, 1]]);

  it('the set score is the mean of the image scores; per class, the mean over images that have it', () => {
    const set = new BoundaryF1({ numClasses: 3 });
    set.update(target, target, width, height);
    set.update(shifted, target, width, height);
    set.update(target, new Uint8Array(width * height), width, height); // target: background only
    const r = set.compute();
    expect(r.images).toBe(3);
    const shiftedScore = 1119 / 1120 / 2;
    const bgOnly = imageBoundaryScore(target, new Uint8Array(width * height), width, height, { numClasses: 3 });
    expect(r.score).toBeCloseTo((1 + shiftedScore + bgOnly.score!) / 3, 15);
    expect(r.perClassF1[1]).toBe(0.5);
    expect(r.perClassF1[2]).toBeNull();
  });

  it('merging two sets equals one set with all images; reset empties it', () => {
    const a = new BoundaryF1({ numClasses: 2 });
    const b = new BoundaryF1({ numClasses: 2 });
    const all = new BoundaryF1({ numClasses: 2 });
    a.update(target, target, width, height);
    b.update(shifted, target, width, height);
    all.update(target, target, width, height);
    all.update(shifted, target, width, height);
    expect(a.merge(b).compute()).toEqual(all.compute());
    expect(a.reset().compute().score).toBeNull();
  });
});
