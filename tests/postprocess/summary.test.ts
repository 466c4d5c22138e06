import { describe, expect, it } from 'vitest';
import { FaceParseError } from '../../src/base/errors.js';
import { summarizeLabels } from '../../src/postprocess/summary.js';

/** Per-pixel reference: what the run-based pass must agree with. */
function naiveSummary(mask: Uint8Array, width: number, height: number, n: number) {
  const out = Array.from({ length: 256 }, () => ({ pixels: 0, x0: Infinity, y0: Infinity, x1: -1, y1: -1 }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = out[mask[y * width + x]];
      c.pixels++;
      c.x0 = Math.min(c.x0, x);
      c.y0 = Math.min(c.y0, y);
      c.x1 = Math.max(c.x1, x);
      c.y1 = Math.max(c.y1, y);
    }
  }
  return out.map((c, id) => ({
    id,
    pixels: c.pixels,
    bbox: c.pixels ? { x: c.x0, y: c.y0, width: c.x1 - c.x0 + 1, height: c.y1 - c.y0 + 1 } : null,
    known: id < n,
  }));
}

describe('summarizeLabels', () => {
  // 4x3, worked out by hand:
  //   1 1 0 2
  //   1 3 3 2
  //   0 3 3 2
  const mask = Uint8Array.from([1, 1, 0, 2, 1, 3, 3, 2, 0, 3, 3, 2]);
  const labels = ['background', 'skin', 'nose', 'hair', 'hat'];

  it('counts, shares and boxes every class, absent ones with bbox null', () => {
    const s = summarizeLabels(mask, 4, 3, labels);
    expect(s.width).toBe(4);
    expect(s.height).toBe(3);
    expect(s.totalPixels).toBe(12);
    expect(s.unknown).toEqual([]);
    expect(s.classes).toEqual([
      { id: 0, label: 'background', pixels: 2, share: 2 / 12, bbox: { x: 0, y: 0, width: 3, height: 3 } },
      { id: 1, label: 'skin', pixels: 3, share: 3 / 12, bbox: { x: 0, y: 0, width: 2, height: 2 } },
      // Touches the right, top and bottom edges.
      { id: 2, label: 'nose', pixels: 3, share: 3 / 12, bbox: { x: 3, y: 0, width: 1, height: 3 } },
      { id: 3, label: 'hair', pixels: 4, share: 4 / 12, bbox: { x: 1, y: 1, width: 2, height: 2 } },
      { id: 4, label: 'hat', pixels: 0, share: 0, bbox: null },
    ]);
    // Shares of the label set add up to 1 when there are no unknown ids.
    expect(s.classes.reduce((a, c) => a + c.share, 0)).toBeCloseTo(1, 12);
  });

  it('is JSON-friendly', () => {
    const s = summarizeLabels(mask, 4, 3, labels);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('a class filling the whole image has the full box', () => {
    const s = summarizeLabels(new Uint8Array(15).fill(1), 5, 3, ['bg', 'skin']);
    expect(s.classes[0]).toEqual({ id: 0, label: 'bg', pixels: 0, share: 0, bbox: null });
    expect(s.classes[1]).toEqual({ id: 1, label: 'skin', pixels: 15, share: 1, bbox: { x: 0, y: 0, width: 5, height: 3 } });
  });

  it('reports ids past the label set as unknown instead of dropping them', () => {
    // 3x2:  0 255 255 / 0 0 7
    const s = summarizeLabels(Uint8Array.from([0, 255, 255, 0, 0, 7]), 3, 2, ['background', 'skin']);
    expect(s.classes.map((c) => c.pixels)).toEqual([3, 0]);
    expect(s.unknown).toEqual([
      { id: 7, label: 'unknown_7', pixels: 1, share: 1 / 6, bbox: { x: 2, y: 1, width: 1, height: 1 } },
      { id: 255, label: 'unknown_255', pixels: 2, share: 2 / 6, bbox: { x: 1, y: 0, width: 2, height: 1 } },
    ]);
  });

  it('handles one-row and one-column masks', () => {
    const row = summarizeLabels(Uint8Array.from([2, 1, 1, 2]), 4, 1, ['a', 'b', 'c']);
    expect(row.classes[2].bbox).toEqual({ x: 0, y: 0, width: 4, height: 1 });
    expect(row.classes[1].bbox).toEqual({ x: 1, y: 0, width: 2, height: 1 });
    const column = summarizeLabels(Uint8Array.from([2, 1, 1, 2]), 1, 4, ['a', 'b', 'c']);
    expect(column.classes[2].bbox).toEqual({ x: 0, y: 0, width: 1, height: 4 });
    expect(column.classes[1].bbox).toEqual({ x: 0, y: 1, width: 1, height: 2 });
  });

  it('agrees with a per-pixel count on random masks', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (const [w, h] of [
      [37, 23],
      [64, 1],
      [1, 50],
      [101, 67],
    ]) {
      const m = new Uint8Array(w * h);
      // Runs of random length, ids 0..20 (ids 19, 20 past the 19 labels).
      let v = 0;
      for (let i = 0; i < m.length; i++) {
        if (rand() < 0.3) v = Math.floor(rand() * 21);
        m[i] = v;
      }
      const labels = Array.from({ length: 19 }, (_, i) => `c${i}`);
      const s = summarizeLabels(m, w, h, labels);
      const ref = naiveSummary(m, w, h, 19);
      for (const c of s.classes) {
        expect(c.pixels).toBe(ref[c.id].pixels);
        expect(c.bbox).toEqual(ref[c.id].bbox);
      }
      expect(s.unknown.map((c) => c.id)).toEqual(ref.filter((r) => !r.known && r.pixels > 0).map((r) => r.id));
      for (const c of s.unknown) expect(c.bbox).toEqual(ref[c.id].bbox);
    }
  });

  it('agrees with a per-pixel count on long runs (word steps), aligned or not', () => {
    let seed = 777;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    const labels = Array.from({ length: 19 }, (_, i) => `c${i}`);
    for (const [w, h] of [
      [128, 40],
      [97, 53],
    ]) {
      const backing = new Uint8Array(w * h + 1);
      for (const offset of [0, 1]) {
        const m = backing.subarray(offset, offset + w * h);
        let v = 3;
        for (let i = 0; i < m.length; i++) {
          if (rand() < 0.02) v = Math.floor(rand() * 19);
          m[i] = v;
        }
        const s = summarizeLabels(m, w, h, labels);
        const ref = naiveSummary(m, w, h, 19);
        for (const c of s.classes) {
          expect(c.pixels).toBe(ref[c.id].pixels);
          expect(c.bbox).toEqual(ref[c.id].bbox);
        }
      }
    }
  });

  it('rejects a mask of the wrong size with a clear error', () => {
    expect(() => summarizeLabels(new Uint8Array(11), 4, 3, labels)).toThrow(FaceParseError);
    expect(() => summarizeLabels(new Uint8Array(11), 4, 3, labels)).toThrow(/width\*height = 12.*got 11 values/);
    expect(() => summarizeLabels(new Uint8Array(0), 0, 0, labels)).toThrow(/positive integers/);
  });
});
