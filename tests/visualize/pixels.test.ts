import { describe, expect, it } from 'vitest';
import { FaceParseError } from '../../src/base/errors.js';
import { classMask, colorize, defaultOutlineThickness, labelEdges, labelHistogram, overlay, presentClasses } from '../../src/visualize/pixels.js';
import { paletteFor, type Rgb } from '../../src/visualize/palette.js';

const PALETTE: Rgb[] = [
  [10, 20, 30],
  [40, 50, 60],
  [70, 80, 90],
];

describe('colorize', () => {
  it('looks up each pixel colour (2x2)', () => {
    const rgb = colorize(Uint8Array.from([0, 1, 2, 1]), 2, 2, PALETTE);
    expect([...rgb]).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 40, 50, 60]);
  });

  it('is right for every pixel count modulo 4 (word-packed body and byte tail)', () => {
    for (let n = 1; n <= 11; n++) {
      const mask = Uint8Array.from({ length: n }, (_, i) => (i * 7) % 3);
      const rgb = colorize(mask, n, 1, PALETTE);
      const expected = [...mask].flatMap((k) => [...PALETTE[k]]);
      expect([...rgb]).toEqual(expected);
    }
  });

  it('writes into an unaligned caller buffer (byte path) with the same result', () => {
    const mask = Uint8Array.from([2, 0, 1, 2, 2, 0, 1]);
    const backing = new Uint8Array(1 + 21);
    const out = backing.subarray(1);
    const result = colorize(mask, 7, 1, PALETTE, out);
    expect(result).toBe(out);
    expect(backing[0]).toBe(0);
    expect([...out]).toEqual([...colorize(mask, 7, 1, PALETTE)]);
  });

  it('takes the model label names: CelebAMask-HQ colours by name', () => {
    const labels = ['background', 'skin', 'hair'];
    const rgb = colorize(Uint8Array.from([0, 1, 2]), 3, 1, labels);
    expect([...rgb]).toEqual([...paletteFor(labels)[0], ...paletteFor(labels)[1], ...paletteFor(labels)[2]]);
    expect([...rgb.subarray(3, 6)]).toEqual([204, 153, 122]);
  });

  it('takes a flat table', () => {
    const rgb = colorize(Uint8Array.from([1, 0]), 2, 1, Uint8Array.from([1, 2, 3, 4, 5, 6]));
    expect([...rgb]).toEqual([4, 5, 6, 1, 2, 3]);
  });

  it('gives ids past the palette a generated (non-black, distinct) colour', () => {
    const rgb = colorize(Uint8Array.from([3, 4]), 2, 1, PALETTE);
    expect([...rgb.subarray(0, 3)]).not.toEqual([0, 0, 0]);
    expect([...rgb.subarray(0, 3)]).not.toEqual([...rgb.subarray(3, 6)]);
  });

  it('rejects a mask of the wrong size and a wrong out buffer', () => {
    expect(() => colorize(new Uint8Array(5), 2, 2, PALETTE)).toThrow(FaceParseError);
    expect(() => colorize(new Uint8Array(5), 2, 2, PALETTE)).toThrow(/mask has 5 values but width\*height is 4/);
    expect(() => colorize(new Uint8Array(4), 2, 2, PALETTE, new Uint8Array(11))).toThrow(/out must be a Uint8Array of 12 bytes/);
  });
});

/** Random masks with long runs (so the 4-pixel word steps run), at byte offset 0 or 1. */
function longRunMask(n: number, seed: number, offset = 0): Uint8Array {
  const backing = new Uint8Array(n + offset);
  const m = backing.subarray(offset);
  let v = 0;
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    if ((seed >>> 8) % 50 === 0) v = (seed >>> 20) % 5;
    m[i] = v;
  }
  return m;
}

describe('classMask, labelHistogram, presentClasses', () => {
  const mask = Uint8Array.from([0, 3, 3, 1, 0, 3, 7]);
  it('is 255 exactly on the class', () => {
    expect([...classMask(mask, 3)]).toEqual([0, 255, 255, 0, 0, 255, 0]);
    expect([...classMask(mask, 5)]).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });
  it('agrees with a per-pixel compare on long runs, aligned or not, and clears a reused out', () => {
    for (const offset of [0, 1]) {
      const m = longRunMask(3001, 5, offset);
      const out = new Uint8Array(3001).fill(255);
      for (let id = 0; id < 5; id++) {
        expect([...classMask(m, id, out)]).toEqual([...m].map((v) => (v === id ? 255 : 0)));
      }
    }
  });

  it('counts per id and lists the ids present', () => {
    const counts = labelHistogram(mask);
    expect(counts[0]).toBe(2);
    expect(counts[1]).toBe(1);
    expect(counts[3]).toBe(3);
    expect(counts[7]).toBe(1);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(7);
    expect(presentClasses(mask)).toEqual([0, 1, 3, 7]);
  });
});

/** Per-pixel reference for labelEdges: 4-neighbour boundary, then everything within Chebyshev t-1. */
function naiveEdges(mask: Uint8Array, w: number, h: number, t: number): number[] {
  const e = new Array<number>(w * h).fill(0);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const v = mask[y * w + x];
      for (const [dx, dy] of [
        [1, 0],
        [-1, 0],
        [0, 1],
        [0, -1],
      ]) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx >= 0 && ny >= 0 && nx < w && ny < h && mask[ny * w + nx] !== v) e[y * w + x] = 1;
      }
    }
  const out = new Array<number>(w * h).fill(0);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let dy = -(t - 1); dy <= t - 1; dy++)
        for (let dx = -(t - 1); dx <= t - 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx >= 0 && ny >= 0 && nx < w && ny < h && e[ny * w + nx]) out[y * w + x] = 1;
        }
  return out;
}

describe('labelEdges', () => {
  it('marks both sides of a boundary, widened by thickness', () => {
    const row = Uint8Array.from([0, 0, 0, 1, 1, 1]);
    expect([...labelEdges(row, 6, 1)]).toEqual([0, 0, 1, 1, 0, 0]);
    expect([...labelEdges(row, 6, 1, 2)]).toEqual([0, 1, 1, 1, 1, 0]);
    expect([...labelEdges(row, 6, 1, 3)]).toEqual([1, 1, 1, 1, 1, 1]);
    // The same as a column.
    expect([...labelEdges(row, 1, 6, 2)]).toEqual([0, 1, 1, 1, 1, 0]);
  });

  it('a single pixel: itself and its 4 neighbours, then their 3x3 squares', () => {
    const mask = new Uint8Array(49);
    mask[3 * 7 + 3] = 1;
    const one = labelEdges(mask, 7, 7, 1);
    const marked = [...one].flatMap((v, i) => (v ? [[i % 7, Math.floor(i / 7)]] : []));
    expect(marked).toEqual([
      [3, 2],
      [2, 3],
      [3, 3],
      [4, 3],
      [3, 4],
    ]);
    // thickness 2, worked out by hand: rows 1 and 5 columns 2..4, rows 2..4 columns 1..5.
    const two = labelEdges(mask, 7, 7, 2);
    const rows = Array.from({ length: 7 }, (_, y) => [...two.subarray(y * 7, y * 7 + 7)].join(''));
    expect(rows).toEqual(['0000000', '0011100', '0111110', '0111110', '0111110', '0011100', '0000000']);
  });

  it('agrees with a per-pixel reference on shapes: stripes, combs, a disc, image borders', () => {
    const w = 40;
    const h = 36;
    const shapes: Array<(x: number, y: number) => number> = [
      (x) => (x % 9 < 4 ? 1 : 0), // vertical stripes: the same segments row after row
      (x, y) => (y < 18 ? (x % 6 < 3 ? 1 : 0) : x < 20 ? 1 : 0), // comb above a block: segments merge
      (x, y) => ((x - 20) ** 2 + (y - 18) ** 2 < 120 ? 2 : y < 3 ? 1 : 0),
      (x, y) => (x === 0 || y === h - 1 ? 3 : 0),
    ];
    for (const shape of shapes) {
      const mask = Uint8Array.from({ length: w * h }, (_, i) => shape(i % w, Math.floor(i / w)));
      for (const t of [1, 2, 3, 6]) expect([...labelEdges(mask, w, h, t)]).toEqual(naiveEdges(mask, w, h, t));
      // Odd width: the byte path.
      const odd = Uint8Array.from({ length: (w - 1) * h }, (_, i) => shape(i % (w - 1), Math.floor(i / (w - 1))));
      for (const t of [1, 3]) expect([...labelEdges(odd, w - 1, h, t)]).toEqual(naiveEdges(odd, w - 1, h, t));
    }
  });

  it('agrees with a per-pixel reference on random masks', () => {
    let seed = 99;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (const [w, h, t] of [
      [23, 17, 1],
      [23, 17, 2],
      [30, 9, 4],
      [32, 20, 1],
      [32, 20, 3],
    ]) {
      const mask = new Uint8Array(w * h);
      for (let i = 0; i < mask.length; i++) mask[i] = rand() < 0.9 ? (i > 0 ? mask[i - 1] : 0) : Math.floor(rand() * 4);
      expect([...labelEdges(mask, w, h, t)]).toEqual(naiveEdges(mask, w, h, t));
    }
  });
});

describe('overlay', () => {
  // 2x1: pixel 0 is background (class 0), pixel 1 is class 1.
  const mask = Uint8Array.from([0, 1]);
  const photo = Uint8Array.from([101, 200, 51, 101, 200, 51]);
  const colours: Rgb[] = [
    [250, 250, 250],
    [10, 21, 30],
  ];

  it('alpha 0.5: round-half-up of the mean; background untinted', () => {
    const out = overlay(photo, mask, 2, 1, colours);
    // (101+10)/2 = 55.5 -> 56, (200+21)/2 = 110.5 -> 111, (51+30)/2 = 40.5 -> 41
    expect([...out]).toEqual([101, 200, 51, 56, 111, 41]);
  });

  it('alpha 0 is the photo, alpha 1 the colour; background untinted either way', () => {
    expect([...overlay(photo, mask, 2, 1, colours, { alpha: 0 })]).toEqual([101, 200, 51, 101, 200, 51]);
    expect([...overlay(photo, mask, 2, 1, colours, { alpha: 1 })]).toEqual([101, 200, 51, 10, 21, 30]);
  });

  it('alpha 0.25: (3 * photo + colour) / 4, rounded down past .5', () => {
    // 101*.75 + 10*.25 = 78.25 -> 78; 200*.75 + 21*.25 = 155.25 -> 155; 51*.75 + 30*.25 = 45.75 -> 46
    expect([...overlay(photo, mask, 2, 1, colours, { alpha: 0.25 })]).toEqual([101, 200, 51, 78, 155, 46]);
  });

  it('backgroundId null tints class 0 too; another backgroundId leaves that class untinted', () => {
    // (101+250)/2 = 175.5 -> 176, (200+250)/2 = 225, (51+250)/2 = 150.5 -> 151
    expect([...overlay(photo, mask, 2, 1, colours, { backgroundId: null })]).toEqual([176, 225, 151, 56, 111, 41]);
    expect([...overlay(photo, mask, 2, 1, colours, { backgroundId: 1 })]).toEqual([176, 225, 151, 101, 200, 51]);
  });

  it('outline: boundary pixels get the full colour, the interior the blend, background nothing', () => {
    // 5x5: a 3x3 block of class 1 in the middle. Its ring of 8 touches background, its centre does not.
    const m = new Uint8Array(25);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) m[y * 5 + x] = 1;
    const p = new Uint8Array(75).fill(101);
    const out = overlay(
      p,
      m,
      5,
      5,
      [
        [0, 0, 0],
        [11, 11, 11],
      ],
      { outline: 1 },
    );
    const red = Array.from({ length: 5 }, (_, y) => Array.from({ length: 5 }, (_, x) => out[(y * 5 + x) * 3]));
    expect(red).toEqual([
      [101, 101, 101, 101, 101],
      [101, 11, 11, 11, 101],
      [101, 11, 56, 11, 101],
      [101, 11, 11, 11, 101],
      [101, 101, 101, 101, 101],
    ]);
    // Thickness 2 reaches the centre too.
    const thick = overlay(
      p,
      m,
      5,
      5,
      [
        [0, 0, 0],
        [11, 11, 11],
      ],
      { outline: 2 },
    );
    expect(thick[(2 * 5 + 2) * 3]).toBe(11);
    expect(thick[0]).toBe(101);
  });

  it('agrees with the per-pixel formula on long runs, with and without outline, aligned or not', () => {
    const w = 60;
    const h = 50;
    const colours: Rgb[] = [
      [0, 0, 0],
      [200, 10, 10],
      [10, 200, 10],
      [10, 10, 200],
      [250, 250, 0],
    ];
    for (const offset of [0, 1]) {
      const m = longRunMask(w * h, 17, offset);
      const p = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) % 256);
      for (const [alpha, outline] of [
        [0.5, 0],
        [0.3, 1],
        [0.7, 3],
      ]) {
        const out = overlay(p, m, w, h, colours, { alpha, outline });
        const edges = outline ? naiveEdges(m, w, h, outline) : null;
        const a = Math.round(alpha * 256);
        for (let i = 0; i < w * h; i++) {
          const k = m[i];
          const weight = k === 0 ? 0 : edges?.[i] ? 256 : a;
          for (let c = 0; c < 3; c++) {
            const expected = (p[i * 3 + c] * (256 - weight) + colours[k][c] * weight + 128) >> 8;
            if (out[i * 3 + c] !== expected) throw new Error(`pixel ${i} channel ${c}: ${out[i * 3 + c]} != ${expected}`);
          }
        }
      }
    }
  });

  it('outline: true scales with the image', () => {
    expect(defaultOutlineThickness(128, 128)).toBe(1);
    expect(defaultOutlineThickness(1024, 768)).toBe(2);
    expect(defaultOutlineThickness(4000, 4000)).toBe(8);
  });

  it('never writes into the photo', () => {
    const copy = Uint8Array.from(photo);
    overlay(photo, mask, 2, 1, colours, { alpha: 1, outline: true });
    expect(photo).toEqual(copy);
    expect(() => overlay(photo, mask, 2, 1, colours, {}, photo)).toThrow(/must not be the photo/);
  });

  it('rejects bad arguments with messages that say what to pass', () => {
    expect(() => overlay(new Uint8Array(5), mask, 2, 1, colours)).toThrow(/photo must be RGB of 2x1x3 = 6 bytes/);
    expect(() => overlay(photo, mask, 2, 1, colours, { alpha: 1.5 })).toThrow(/^overlay alpha: expected a number from 0 to 1, got 1\.5$/);
    expect(() => overlay(photo, mask, 2, 1, colours, { backgroundId: -1 })).toThrow(/backgroundId/);
    expect(() => overlay(photo, mask, 2, 1, colours, { outline: 1.5 })).toThrow(/outline/);
  });
});
