/** BMP photos: decoded by faceparse itself (libvips has no BMP loader), every common layout, hostile files refused. */
import { describe, expect, it } from 'vitest';
import { bmpSize, decodeBmp } from '../../src/image/bmp.js';
import { decodeImage } from '../../src/platform/node/decode.js';
import { readPixelCount } from '../../src/platform/node/imageSize.js';
import { blocks, encodeBmp, type BmpLayout } from '../helpers/bmp.js';
import { failure } from '../helpers/failure.js';

const picture = blocks(29, 7, 200); // an odd width: rows need padding
const few = (n: number) => blocks(29, 7, n);

function maxDifference(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

describe('BMP decoding', () => {
  it.each<[string, BmpLayout, number, number]>([
    ['24-bit bottom-up', { bits: 24 }, 200, 0],
    ['24-bit top-down', { bits: 24, topDown: true }, 200, 0],
    ['24-bit OS/2 core header', { bits: 24, header: 12 }, 200, 0],
    ['32-bit BGRX', { bits: 32 }, 200, 0],
    ['32-bit v5 bit fields with alpha (alpha dropped)', { bits: 32, header: 124, masks: [0x0000ff00, 0x00ff0000, 0xff000000, 0x000000ff] }, 200, 0],
    ['32-bit v4 top-down bit fields', { bits: 32, header: 108, topDown: true, masks: [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000] }, 200, 0],
    ['16-bit 5-5-5', { bits: 16 }, 200, 4],
    ['16-bit 5-6-5 bit fields', { bits: 16, masks: [0xf800, 0x07e0, 0x001f] }, 200, 4],
    ['8-bit palette', { bits: 8 }, 200, 0],
    ['8-bit palette, OS/2 core header', { bits: 8, header: 12 }, 200, 0],
    ['8-bit RLE8', { bits: 8, rle8: true }, 200, 0],
    ['8-bit RLE8, few colours (long runs)', { bits: 8, rle8: true }, 3, 0],
    ['4-bit palette', { bits: 4 }, 16, 0],
    ['1-bit palette', { bits: 1 }, 2, 0],
  ])('%s gives the pixels', async (_name, layout, colours, tolerance) => {
    const image = colours === 200 ? picture : few(colours);
    const bytes = encodeBmp(image, layout);
    const decoded = await decodeImage(bytes);
    expect([decoded.width, decoded.height]).toEqual([image.width, image.height]);
    expect(maxDifference(decoded.data, image.data)).toBeLessThanOrEqual(tolerance);
    expect(bmpSize(bytes)).toEqual({ width: image.width, height: image.height });
    expect(await readPixelCount(bytes)).toBe(image.width * image.height);
  });

  it('refuses truncated, oversized, odd and wrapped BMPs with an input error, never a crash', async () => {
    const good = encodeBmp(picture, { bits: 24 });
    const truncated = await failure(decodeImage(good.subarray(0, good.length - 200)));
    expect(truncated.code).toBe('INPUT_UNREADABLE');
    expect(truncated.message).toMatch(/is a BMP that cannot be decoded \(the pixel data is cut short\)/);

    // A header claiming 100000 x 100000 pixels on a 100-byte file: refused before any allocation.
    const bomb = encodeBmp(few(2), { bits: 1 });
    new DataView(bomb.buffer).setInt32(18, 100_000, true);
    new DataView(bomb.buffer).setInt32(22, 100_000, true);
    const tooLarge = await failure(decodeImage(bomb));
    expect(tooLarge.code).toBe('INPUT_TOO_LARGE');
    expect(tooLarge.message).toMatch(/100000x100000/);

    const zero = encodeBmp(picture, { bits: 24 });
    new DataView(zero.buffer).setInt32(18, 0, true);
    expect((await failure(decodeImage(zero))).code).toBe('INPUT_UNREADABLE');

    const jpegInside = encodeBmp(picture, { bits: 24 });
    new DataView(jpegInside.buffer).setUint32(30, 4, true);
    expect((await failure(decodeImage(jpegInside))).message).toMatch(/wraps a JPEG picture/);

    const bits = encodeBmp(picture, { bits: 24 });
    new DataView(bits.buffer).setUint16(28, 7, true);
    expect((await failure(decodeImage(bits))).message).toMatch(/7 bits per pixel/);

    // RLE data that runs past the picture and past the file is clipped, not written out of bounds.
    const rle = encodeBmp(few(3), { bits: 8, rle8: true });
    const wild = new Uint8Array(rle.length + 4);
    wild.set(rle);
    const offset = new DataView(rle.buffer).getUint32(10, true);
    wild.set([0, 2, 250, 250, 255, 1, 0, 5], offset); // a delta far outside, then a run, then a literal run past the end
    const clipped = decodeBmp(wild.subarray(0, offset + 8), 'wild.bmp', 1e6);
    expect(clipped.data.length).toBe(29 * 7 * 3);

    // Garbage after a BMP header: a clear error or pixels, never an exception of another kind.
    for (let seed = 1; seed <= 200; seed++) {
      const noise = encodeBmp(few(16), { bits: seed % 2 ? 4 : 8, rle8: seed % 4 === 0 && seed % 2 === 0 });
      let state = seed;
      for (let i = 14; i < noise.length; i++) {
        state = (state * 1103515245 + 12345) >>> 0;
        if (state % 7 === 0) noise[i] = state >>> 24;
      }
      try {
        decodeBmp(noise, 'noise.bmp', 1e6);
      } catch (error) {
        expect((error as { code?: string }).code, String(error)).toMatch(/^INPUT_(UNREADABLE|TOO_LARGE)$/);
      }
    }
  });
});
