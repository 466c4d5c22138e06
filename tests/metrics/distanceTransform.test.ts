import { describe, expect, it } from 'vitest';
import { countWithinDistance, squaredDistanceBelow, squaredDistanceTransform } from '../../src/metrics/distanceTransform.js';
import { seededRandom as random } from '../../bench/util.js';

function bruteForce(sites: Uint8Array, width: number, height: number): Float64Array {
  const out = new Float64Array(width * height).fill(Infinity);
  for (let i = 0; i < out.length; i++) {
    for (let j = 0; j < out.length; j++) {
      if (!sites[j]) continue;
      const dx = (i % width) - (j % width);
      const dy = Math.floor(i / width) - Math.floor(j / width);
      out[i] = Math.min(out[i], dx * dx + dy * dy);
    }
  }
  return out;
}

describe('squaredDistanceTransform (Felzenszwalb-Huttenlocher)', () => {
  it('a single site gives dx^2 + dy^2', () => {
    const sites = new Uint8Array(4 * 3);
    sites[1 * 4 + 2] = 1; // (x=2, y=1)
    expect(Array.from(squaredDistanceTransform(sites, 4, 3))).toEqual([5, 2, 1, 2, 4, 1, 0, 1, 5, 2, 1, 2]);
  });

  it('no site: Infinity everywhere', () => {
    expect(Array.from(squaredDistanceTransform(new Uint8Array(6), 3, 2))).toEqual(new Array(6).fill(Infinity));
  });

  it('matches brute force on random grids of many shapes and densities', () => {
    const next = random(7);
    for (let trial = 0; trial < 60; trial++) {
      const width = 1 + Math.floor(next() * 23);
      const height = 1 + Math.floor(next() * 19);
      const density = [0.01, 0.05, 0.2, 0.6][trial % 4];
      const sites = Uint8Array.from({ length: width * height }, () => (next() < density ? 1 : 0));
      expect(Array.from(squaredDistanceTransform(sites, width, height))).toEqual(Array.from(bruteForce(sites, width, height)));
    }
  });
});

describe('squaredDistanceBelow', () => {
  it('is the largest integer d2 with sqrt(d2) strictly below the tolerance', () => {
    expect(squaredDistanceBelow(3)).toBe(8); // distance 3 itself does not count
    expect(squaredDistanceBelow(3.0000001)).toBe(9);
    expect(squaredDistanceBelow(0.0075 * Math.sqrt(512 * 512 * 2))).toBe(29); // 5.4306 px: 29 < 29.49
    expect(squaredDistanceBelow(Math.SQRT2)).toBe(1);
    expect(squaredDistanceBelow(0.5)).toBe(0);
    expect(squaredDistanceBelow(0)).toBe(-1);
    for (const t of [1, 2, 2.5, 7.1, 12]) {
      const k = squaredDistanceBelow(t);
      expect(Math.sqrt(k) < t && Math.sqrt(k + 1) >= t).toBe(true);
    }
  });
});

describe('countWithinDistance', () => {
  it('agrees with the full transform on random point sets and bounds', () => {
    const next = random(11);
    for (let trial = 0; trial < 200; trial++) {
      const width = 1 + Math.floor(next() * 40);
      const height = 1 + Math.floor(next() * 40);
      const pick = (p: number) => {
        const list: number[] = [];
        for (let i = 0; i < width * height; i++) if (next() < p) list.push(i);
        return Int32Array.from(list);
      };
      const queries = pick([0.02, 0.1, 0.4][trial % 3]);
      const sites = pick([0.005, 0.03, 0.2, 0][trial % 4]);
      const maxSquared = Math.floor(next() * 40) - 1;
      const mask = new Uint8Array(width * height);
      for (const s of sites) mask[s] = 1;
      const full = squaredDistanceTransform(mask, width, height);
      let expected = 0;
      for (const q of queries) if (full[q] <= maxSquared) expected++;
      expect(countWithinDistance(queries, sites, width, maxSquared)).toBe(expected);
    }
  });

  it('is exact at the bound: a site at distance 3 counts for 9, not for 8', () => {
    const width = 10;
    const q = Int32Array.from([2 * width + 1]);
    const s = Int32Array.from([2 * width + 4]);
    expect(countWithinDistance(q, s, width, 9)).toBe(1);
    expect(countWithinDistance(q, s, width, 8)).toBe(0);
  });
});
