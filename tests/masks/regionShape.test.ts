/** Region shapes: grow, shrink and feather against brute-force Euclidean distances, roundness, the photo's border. */
import { describe, expect, it } from 'vitest';
import { seededRandom as random } from '../../bench/util.js';
import { shapeRegion } from '../../src/masks/regionShape.js';

/** Blobs: a few random discs and rectangles. */
function blobs(width: number, height: number, seed: number): Uint8Array {
  const next = random(seed);
  const sel = new Uint8Array(width * height);
  for (let k = 0; k < 4; k++) {
    const cx = next() * width;
    const cy = next() * height;
    const r = 2 + next() * 9;
    const square = next() < 0.5;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inside = square ? Math.abs(x - cx) <= r && Math.abs(y - cy) <= r * 0.6 : (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
        if (inside) sel[y * width + x] = 1;
      }
    }
  }
  return sel;
}

/** Distance from pixel i to the nearest pixel where `want(j)`, by brute force. */
function nearest(width: number, height: number, i: number, want: (j: number) => boolean): number {
  const x = i % width;
  const y = (i / width) | 0;
  let best = Infinity;
  for (let j = 0; j < width * height; j++) {
    if (!want(j)) continue;
    const d = Math.hypot((j % width) - x, ((j / width) | 0) - y);
    if (d < best) best = d;
  }
  return best;
}

describe('shapeRegion', () => {
  const width = 37;
  const height = 29;

  it('without grow and feather is exactly 255 on the selection and 0 elsewhere', () => {
    const sel = blobs(width, height, 1);
    const alpha = shapeRegion(sel, width, height);
    for (let i = 0; i < sel.length; i++) expect(alpha[i]).toBe(sel[i] ? 255 : 0);
  });

  it('grows by exact Euclidean distance: a pixel is in when its centre is within grow of the edge', () => {
    for (const seed of [2, 3, 4]) {
      const sel = blobs(width, height, seed);
      for (const grow of [1, 2.5, 6]) {
        const alpha = shapeRegion(sel, width, height, { grow });
        for (let i = 0; i < sel.length; i++) {
          const d = sel[i] ? 0 : nearest(width, height, i, (j) => sel[j] === 1);
          // the edge lies half a pixel beyond the outermost centres
          expect(alpha[i], `seed ${seed} grow ${grow} pixel ${i}`).toBe(sel[i] || d - 0.5 < grow ? 255 : 0);
        }
      }
    }
  });

  it('shrinks by exact Euclidean distance, and never from the photo border', () => {
    for (const seed of [5, 6]) {
      const sel = blobs(width, height, seed);
      for (const grow of [-1, -3.5]) {
        const alpha = shapeRegion(sel, width, height, { grow });
        for (let i = 0; i < sel.length; i++) {
          const d = sel[i] ? nearest(width, height, i, (j) => sel[j] === 0) : 0;
          expect(alpha[i], `seed ${seed} grow ${grow} pixel ${i}`).toBe(sel[i] && d - 0.5 > -grow ? 255 : 0);
        }
      }
    }
    // a selection that fills the photo has no edge: shrinking leaves it whole
    expect(shapeRegion(new Uint8Array(12).fill(1), 4, 3, { grow: -2 }).every((v) => v === 255)).toBe(true);
  });

  it('grows a point into a round disc (not a square or a diamond)', () => {
    const size = 61;
    const sel = new Uint8Array(size * size);
    sel[30 * size + 30] = 1;
    const alpha = shapeRegion(sel, size, size, { grow: 20 });
    let area = 0;
    for (const a of alpha) if (a) area++;
    expect(Math.abs(area - Math.PI * 20.5 * 20.5) / (Math.PI * 20.5 * 20.5)).toBeLessThan(0.02);
    expect(alpha[30 * size + 50]).toBe(255); // 20 px right
    expect(alpha[(30 + 15) * size + 30 + 15]).toBe(0); // 21.2 px on the diagonal
    expect(alpha[(30 + 14) * size + 30 + 14]).toBe(255); // 19.8 px on the diagonal
  });

  it('feathers: a smooth ramp of `feather` px centred on the edge, 255 and 0 beyond it', () => {
    const w = 120;
    const h = 80;
    const sel = new Uint8Array(w * h);
    for (let y = 20; y < 60; y++) for (let x = 30; x < 90; x++) sel[y * w + x] = 1;
    const alpha = shapeRegion(sel, w, h, { feather: 8 });
    const row = 40 * w;
    // edge at x = 29.5: the ramp spans 25.5 .. 33.5
    for (let x = 0; x <= 25; x++) expect(alpha[row + x]).toBe(0);
    for (let x = 34; x <= 85; x++) expect(alpha[row + x]).toBe(255);
    const ramp = Array.from(alpha.subarray(row + 26, row + 34));
    for (let k = 1; k < ramp.length; k++) expect(ramp[k]!).toBeGreaterThan(ramp[k - 1]!);
    expect(ramp.some((v) => v > 20 && v < 235)).toBe(true);
    // feather with grow: the ramp moves with the edge
    const grown = shapeRegion(sel, w, h, { grow: 6, feather: 8 });
    expect(grown[row + 19]).toBe(0);
    expect(grown[row + 28]).toBe(255);
    expect(grown[row + 23]).toBeGreaterThan(0);
    expect(grown[row + 23]).toBeLessThan(255);
  });

  it('an empty selection stays empty; bad numbers are refused', () => {
    expect(shapeRegion(new Uint8Array(20), 5, 4, { grow: 3, feather: 2 }).every((v) => v === 0)).toBe(true);
    expect(() => shapeRegion(new Uint8Array(20), 5, 4, { grow: Number.NaN })).toThrow(/grow: expected a number from -10000 to 10000/);
    expect(() => shapeRegion(new Uint8Array(20), 5, 4, { feather: -1 })).toThrow(/feather: expected a number from 0 to 10000, got -1/);
    expect(() => shapeRegion(new Uint8Array(20), 5, 4, { grow: '3' as never })).toThrow(/grow: expected a number from -10000 to 10000/);
    expect(() => shapeRegion(new Uint8Array(19), 5, 4)).toThrow(/19 pixels, not 5x4/);
  });
});
