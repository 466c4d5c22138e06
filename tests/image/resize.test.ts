/**
 * The resize's fast paths (2- and 4-tap rows, row accumulation, int32 arithmetic) against a
 * literal, slow port of Pillow's ImagingResample loops. The port itself is held to Pillow by the
 * golden tests (tests/core/parity.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { PIL_RESAMPLE, resampleCoefficients, resizePil } from '../../src/image/resize.js';

function slowPil(src: Uint8Array, w: number, h: number, c: number, ow: number, oh: number, resample: number): Uint8Array {
  const clip = (v: number) => Math.min(255, Math.max(0, Math.floor(v / 2 ** 22)));
  let tmp = src;
  let tw = w;
  let first = 0;
  const vert = resampleCoefficients(h, oh, resample);
  if (ow !== w) {
    const hor = resampleCoefficients(w, ow, resample);
    first = oh !== h ? vert.bounds[0]! : 0;
    const last = oh !== h ? vert.bounds[oh * 2 - 2]! + vert.bounds[oh * 2 - 1]! : h;
    tmp = new Uint8Array((last - first) * ow * c);
    for (let y = first; y < last; y++)
      for (let x = 0; x < ow; x++)
        for (let ch = 0; ch < c; ch++) {
          let ss = 2 ** 21;
          for (let k = 0; k < hor.bounds[x * 2 + 1]!; k++) ss += src[(y * w + hor.bounds[x * 2]! + k) * c + ch]! * hor.weights[x * hor.ksize + k]!;
          tmp[((y - first) * ow + x) * c + ch] = clip(ss);
        }
    tw = ow;
  }
  if (oh === h) return tmp;
  const out = new Uint8Array(oh * tw * c);
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < tw; x++)
      for (let ch = 0; ch < c; ch++) {
        let ss = 2 ** 21;
        for (let k = 0; k < vert.bounds[y * 2 + 1]!; k++) ss += tmp[((vert.bounds[y * 2]! - first + k) * tw + x) * c + ch]! * vert.weights[y * vert.ksize + k]!;
        out[(y * tw + x) * c + ch] = clip(ss);
      }
  return out;
}

function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

describe('resizePil', () => {
  const sizes: Array<[number, number, number, number]> = [
    [64, 64, 32, 32], // 2x: four taps
    [64, 48, 32, 24],
    [100, 80, 37, 29], // uneven reductions
    [300, 200, 31, 17], // many taps: row accumulation
    [40, 30, 97, 71], // upscale: two taps
    [50, 50, 50, 20], // vertical only
    [50, 50, 20, 50], // horizontal only
    [33, 57, 33, 57], // identity
  ];
  it.each(sizes)('%ix%i -> %ix%i equals the literal Pillow loops (bilinear, bicubic, lanczos, box, hamming)', (w, h, ow, oh) => {
    for (const resample of [PIL_RESAMPLE.BILINEAR, PIL_RESAMPLE.BICUBIC, PIL_RESAMPLE.LANCZOS, PIL_RESAMPLE.BOX, PIL_RESAMPLE.HAMMING]) {
      for (const channels of [3, 1]) {
        const src = noise(w * h * channels, w * 31 + h + resample);
        expect(resizePil(src, w, h, channels, ow, oh, resample)).toEqual(slowPil(src, w, h, channels, ow, oh, resample));
      }
    }
  });

  it('extreme values clip like Pillow (bicubic overshoot on a hard edge)', () => {
    const w = 16;
    const src = new Uint8Array(w * 3 * 4);
    for (let y = 0; y < 4; y++) for (let x = 8; x < w; x++) src.fill(255, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const out = resizePil(src, w, 4, 3, 37, 9, PIL_RESAMPLE.BICUBIC);
    expect(out).toEqual(slowPil(src, w, 4, 3, 37, 9, PIL_RESAMPLE.BICUBIC));
    expect(Math.max(...out)).toBe(255);
    expect(Math.min(...out)).toBe(0);
  });

  it('nearest takes the pixel under each output centre', () => {
    const src = Uint8Array.from([10, 20, 30, 40]);
    expect(Array.from(resizePil(src, 4, 1, 1, 2, 1, PIL_RESAMPLE.NEAREST))).toEqual([20, 40]);
    expect(Array.from(resizePil(src, 4, 1, 1, 8, 1, PIL_RESAMPLE.NEAREST))).toEqual([10, 10, 20, 20, 30, 30, 40, 40]);
  });
});
