/**
 * Affine warp of an RGB photo into a new grid with one resampling: each output pixel centre is
 * mapped into the photo and sampled bilinearly. When the map shrinks (more than one photo pixel
 * per output pixel), each output pixel averages a k x k grid of bilinear samples over its
 * footprint (k = ceil(shrink), at most 8), an area filter like Pillow's antialiased resize, so a
 * face cut from a 4000 px photo looks like the downsampled CelebA-HQ crops the model was trained on.
 * From k = 3 on, the sub-samples are about one per photo pixel, so each takes its nearest pixel
 * (a box filter over the footprint) rather than four: 4x less work, and no visible difference.
 */
import type { RgbImage } from '../base/types.js';
import { affineScale } from './affine.js';
import type { Affine } from './types.js';

export interface WarpOptions {
  /** Outside the photo: 'edge' repeats the border pixels (default), 'black' fills 0. */
  outside?: 'edge' | 'black';
  /** Area-average when the warp shrinks (default true); false samples each output pixel once. */
  antialias?: boolean;
  /** Most samples per axis of the area average (default 8): fewer is faster and blurs less exactly. */
  maxSamples?: number;
}

/**
 * `dstToSrc` maps output coordinates to photo coordinates (continuous, pixel centres at i + 0.5).
 * Returns width x height interleaved RGB.
 */
export function warpAffine(image: RgbImage, dstToSrc: Affine, width: number, height: number, options: WarpOptions = {}): Uint8Array {
  const { data, width: sw, height: sh } = image;
  const out = new Uint8Array(width * height * 3);
  const black = options.outside === 'black';
  const shrink = affineScale(dstToSrc);
  const k = options.antialias === false ? 1 : Math.min(options.maxSamples ?? 8, Math.max(1, Math.ceil(shrink - 1e-6)));
  const [a, b, c, d, e, f] = dstToSrc;
  const weight = 1 / (k * k);
  const acc = new Float64Array(3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      acc[0] = acc[1] = acc[2] = 0;
      let inside = 0;
      for (let j = 0; j < k; j++) {
        const oy = y + (j + 0.5) / k;
        for (let i = 0; i < k; i++) {
          const ox = x + (i + 0.5) / k;
          // Photo coordinates in pixel-index space (centre of pixel n at n).
          const px = a * ox + b * oy + c - 0.5;
          const py = d * ox + e * oy + f - 0.5;
          if (black && (px < -0.5 || py < -0.5 || px > sw - 0.5 || py > sh - 0.5)) continue;
          inside++;
          if (k >= 3) {
            const nx = Math.round(px);
            const ny = Math.round(py);
            const p = ((ny < 0 ? 0 : ny >= sh ? sh - 1 : ny) * sw + (nx < 0 ? 0 : nx >= sw ? sw - 1 : nx)) * 3;
            acc[0] += data[p]!;
            acc[1] += data[p + 1]!;
            acc[2] += data[p + 2]!;
            continue;
          }
          const fx = Math.floor(px);
          const fy = Math.floor(py);
          const tx = px - fx;
          const ty = py - fy;
          const x0 = fx < 0 ? 0 : fx >= sw ? sw - 1 : fx;
          const x1 = fx + 1 < 0 ? 0 : fx + 1 >= sw ? sw - 1 : fx + 1;
          const y0 = fy < 0 ? 0 : fy >= sh ? sh - 1 : fy;
          const y1 = fy + 1 < 0 ? 0 : fy + 1 >= sh ? sh - 1 : fy + 1;
          const p00 = (y0 * sw + x0) * 3;
          const p01 = (y0 * sw + x1) * 3;
          const p10 = (y1 * sw + x0) * 3;
          const p11 = (y1 * sw + x1) * 3;
          const w00 = (1 - tx) * (1 - ty);
          const w01 = tx * (1 - ty);
          const w10 = (1 - tx) * ty;
          const w11 = tx * ty;
          for (let ch = 0; ch < 3; ch++) {
            acc[ch] += data[p00 + ch]! * w00 + data[p01 + ch]! * w01 + data[p10 + ch]! * w10 + data[p11 + ch]! * w11;
          }
        }
      }
      const o = (y * width + x) * 3;
      if (inside === 0) continue; // all outside a 'black' warp
      for (let ch = 0; ch < 3; ch++) out[o + ch] = Math.round(acc[ch]! * weight);
    }
  }
  return out;
}
