/**
 * Pieces the scene generators share (make-wild-scenes.ts, make-views.ts): the face-free regions of
 * ../shared/data/photos (scripts/photo-regions.json, which training's composites read too), a
 * background cut from a picture, and a nearest-neighbour warp of a label map.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { RgbImage } from '../src/base/types.js';
import { warpAffine } from '../src/faces/warp.js';
import type { Affine } from '../src/faces/types.js';

/** [file, x, y, width, height] of a face-free region of a photo, read by eye. */
export type PhotoRegion = [string, number, number, number, number];

/** The regions list, found beside this file (scripts/) or, built, two folders up (dist/scripts/). */
export async function loadPhotoRegions(): Promise<PhotoRegion[]> {
  const here = new URL('photo-regions.json', import.meta.url);
  const file = existsSync(here) ? here : new URL('../../scripts/photo-regions.json', import.meta.url);
  return JSON.parse(await readFile(file, 'utf8')) as PhotoRegion[];
}

/** A width x height background that covers the picture's region [x, y, w, h] (its excess cropped at `pos` in [0,1]^2, aspect kept). */
export function regionBackground(
  picture: RgbImage,
  region: [number, number, number, number],
  width: number,
  height: number,
  pos: [number, number],
): Uint8Array {
  const [rx, ry, rw, rh] = region;
  const scale = Math.min(rw / width, rh / height);
  const ox = rx + pos[0] * (rw - width * scale);
  const oy = ry + pos[1] * (rh - height * scale);
  return warpAffine(picture, [scale, 0, ox, 0, scale, oy], width, height);
}

/** Nearest-neighbour warp of a label map (ids must stay ids); 255 outside the source. */
export function warpLabels(mask: Uint8Array, sw: number, sh: number, dstToSrc: Affine, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height).fill(255);
  const [a, b, c, d, e, f] = dstToSrc;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = Math.floor(a * (x + 0.5) + b * (y + 0.5) + c);
      const v = Math.floor(d * (x + 0.5) + e * (y + 0.5) + f);
      if (u >= 0 && v >= 0 && u < sw && v < sh) out[y * width + x] = mask[v * sw + u]!;
    }
  }
  return out;
}
