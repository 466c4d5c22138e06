import { describe, expect, it } from 'vitest';
import type { Affine } from '../../src/faces/types.js';
import { warpAffine } from '../../src/faces/warp.js';

/** Bilinear sampling of each output pixel's centre, written plainly: what warpAffine's one-sample path must give. */
function reference(data: Uint8Array, sw: number, sh: number, m: Affine, width: number, height: number, black: boolean): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const clampX = (v: number) => Math.min(sw - 1, Math.max(0, v));
  const clampY = (v: number) => Math.min(sh - 1, Math.max(0, v));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = m[0] * (x + 0.5) + m[1] * (y + 0.5) + m[2] - 0.5;
      const py = m[3] * (x + 0.5) + m[4] * (y + 0.5) + m[5] - 0.5;
      if (black && (px < -0.5 || py < -0.5 || px > sw - 0.5 || py > sh - 0.5)) continue;
      const fx = Math.floor(px);
      const fy = Math.floor(py);
      const [tx, ty] = [px - fx, py - fy];
      for (let ch = 0; ch < 3; ch++) {
        const at = (xx: number, yy: number) => data[(clampY(yy) * sw + clampX(xx)) * 3 + ch]!;
        const v = at(fx, fy) * (1 - tx) * (1 - ty) + at(fx + 1, fy) * tx * (1 - ty) + at(fx, fy + 1) * (1 - tx) * ty + at(fx + 1, fy + 1) * tx * ty;
        out[(y * width + x) * 3 + ch] = Math.round(v);
      }
    }
  }
  return out;
}

describe('warpAffine', () => {
  const [sw, sh] = [37, 23];
  const data = new Uint8Array(sw * sh * 3).map((_, i) => (i * 97 + ((i / 111) | 0) * 13) % 256);
  const image = { data, width: sw, height: sh };

  it('one sample per pixel where the warp enlarges: bilinear at each centre, edges repeated or black', () => {
    const angle = 0.4;
    const s = 0.45; // photo pixels per output pixel: an enlargement, one sample each
    const m: Affine = [s * Math.cos(angle), -s * Math.sin(angle), 5, s * Math.sin(angle), s * Math.cos(angle), -4];
    for (const outside of ['edge', 'black'] as const) {
      const got = warpAffine(image, m, 64, 48, { outside });
      const want = reference(data, sw, sh, m, 64, 48, outside === 'black');
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  it('antialias off samples once even where the warp shrinks', () => {
    const m: Affine = [2.5, 0, 0.3, 0, 2.5, -0.7];
    expect(Array.from(warpAffine(image, m, 16, 10, { antialias: false }))).toEqual(Array.from(reference(data, sw, sh, m, 16, 10, false)));
  });
});
