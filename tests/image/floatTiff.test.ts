/**
 * Float TIFFs (grey and RGB, float32) decode to the pixels of the 8-bit photo they hold, not to
 * black (grey floats cast to 8 bits) nor gamma-shifted (RGB floats taken for linear light); values
 * in 0..255 are read as such, and samples no photo has are refused clearly.
 */
import { describe, expect, it } from 'vitest';
import { FaceParseError } from '../../src/base/errors.js';
import { decodeImage } from '../../src/platform/node/decode.js';
import { floatTiff } from '../helpers/floatTiff.js';

const W = 64;
const H = 48;
/** A smooth 8-bit RGB test picture. */
const rgb8 = new Uint8Array(W * H * 3);
for (let i = 0; i < W * H; i++) {
  rgb8[i * 3] = (i % W) * 4;
  rgb8[i * 3 + 1] = Math.floor(i / W) * 5;
  rgb8[i * 3 + 2] = (i * 7) % 256;
}

describe('float TIFFs', () => {
  it('RGB float32 in 0..1 gives the 8-bit pixels exactly', async () => {
    const samples = Float32Array.from(rgb8, (v) => v / 255);
    const image = await decodeImage(floatTiff(W, H, 3, samples));
    expect([image.width, image.height]).toEqual([W, H]);
    expect(Buffer.from(image.data).equals(Buffer.from(rgb8))).toBe(true);
  });

  it('grey float32 in 0..1 gives three equal channels of the 8-bit grey, not black', async () => {
    const grey = Float32Array.from({ length: W * H }, (_, i) => rgb8[i * 3]! / 255);
    const image = await decodeImage(floatTiff(W, H, 1, grey));
    for (let i = 0; i < W * H; i++) {
      const want = rgb8[i * 3]!;
      if (image.data[i * 3] !== want || image.data[i * 3 + 1] !== want || image.data[i * 3 + 2] !== want)
        throw new Error(`pixel ${i}: ${image.data.subarray(i * 3, i * 3 + 3).join(',')} != ${want}`);
    }
  });

  it('float values in 0..255 are read as they are; NaN and negatives become 0; samples past 65535 are refused', async () => {
    const samples = Float32Array.from(rgb8);
    samples[0] = Number.NaN;
    samples[1] = -3;
    const image = await decodeImage(floatTiff(W, H, 3, samples));
    expect([...image.data.subarray(0, 2)]).toEqual([0, 0]);
    expect(Buffer.from(image.data.subarray(2)).equals(Buffer.from(rgb8.subarray(2)))).toBe(true);
    const wild = Float32Array.from(rgb8, (v) => v * 1e6);
    const error = await decodeImage(floatTiff(W, H, 3, wild)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaceParseError);
    expect((error as FaceParseError).code).toBe('INPUT_UNREADABLE');
    expect((error as Error).message).toMatch(/float samples up to .*convert it to 8 or 16 bits/);
  });
});
