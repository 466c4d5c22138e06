/** Reads the golden reference data written by training/golden/make_golden.py. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const GOLDEN_DIR = join(FIXTURES, 'golden');
export const TINY_MODEL = join(FIXTURES, 'tiny-segformer');

export interface ArrayRef {
  file: string;
  dtype: 'uint8' | 'float32';
  shape: number[];
}

export interface GoldenCase {
  name: string;
  image: string;
  description: string;
  width: number;
  height: number;
  input: { height: number; width: number };
  exact_ties: number;
  arrays: Record<'decoded_rgb' | 'pixel_values' | 'logits' | 'labels', ArrayRef> &
    Partial<Record<'flip_logits' | 'flip_labels' | 'scales_labels' | 'scales_flip_labels', ArrayRef>>;
  [key: string]: unknown;
}

export interface UpsampleCase {
  name: string;
  channels: number;
  input: { height: number; width: number };
  output: { height: number; width: number };
  arrays: Record<'logits' | 'labels', ArrayRef>;
}

export interface Manifest {
  cases: GoldenCase[];
  upsample: UpsampleCase[];
  [key: string]: unknown;
}

export function loadManifest(): Manifest {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, 'manifest.json'), 'utf8')) as Manifest;
}

export function loadArray(ref: ArrayRef): Float32Array | Uint8Array {
  const raw = gunzipSync(readFileSync(join(GOLDEN_DIR, ref.file)));
  const count = ref.shape.reduce((a, b) => a * b, 1);
  const bytes = new Uint8Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const array = ref.dtype === 'float32' ? new Float32Array(bytes.buffer) : bytes;
  if (array.length !== count) throw new Error(`${ref.file}: ${array.length} values, shape ${ref.shape} needs ${count}`);
  return array;
}

/** Pixels where the float64 top-two interpolated logits are within `tolerance` (ties up to rounding). */
export function nearTies(
  logits: Float32Array,
  classes: number,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
  tolerance = 1e-5,
): Uint8Array {
  const plane = height * width;
  const ties = new Uint8Array(outHeight * outWidth);
  const axis = (inSize: number, outSize: number, d: number) => {
    const scale = inSize / outSize;
    const src = Math.max(0, scale * (d + 0.5) - 0.5);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const l1 = Math.min(Math.max(src - i0, 0), 1);
    return [i0, i0 + (i0 < inSize - 1 ? 1 : 0), 1 - l1, l1] as const;
  };
  for (let y = 0; y < outHeight; y++) {
    const [y0, y1, h0, h1] = axis(height, outHeight, y);
    for (let x = 0; x < outWidth; x++) {
      const [x0, x1, w0, w1] = axis(width, outWidth, x);
      let top = -Infinity;
      let second = -Infinity;
      for (let c = 0; c < classes; c++) {
        const o = c * plane;
        const v =
          h0 * (w0 * logits[o + y0 * width + x0]! + w1 * logits[o + y0 * width + x1]!) +
          h1 * (w0 * logits[o + y1 * width + x0]! + w1 * logits[o + y1 * width + x1]!);
        if (v > top) {
          second = top;
          top = v;
        } else if (v > second) second = v;
      }
      if (top - second <= tolerance * (Math.abs(top) + 1)) ties[y * outWidth + x] = 1;
    }
  }
  return ties;
}
