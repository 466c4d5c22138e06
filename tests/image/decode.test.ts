/** Decoding: every supported container gives the same RGB pixels; colour models and alpha become RGB. */
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/platform/node/decode.js';
import { GOLDEN_DIR } from '../helpers/golden.js';

const png = join(GOLDEN_DIR, 'images/exact_png.png');

describe('decodeImage', () => {
  it.each([
    ['webp', (s: Sharp) => s.webp({ lossless: true })],
    ['tiff', (s: Sharp) => s.tiff({ compression: 'lzw' })],
    ['avif', (s: Sharp) => s.avif({ lossless: true })],
    ['gif', (s: Sharp) => s.gif()],
  ] as const)('%s gives the pixels of the PNG (lossless) or close to them', async (format, encode) => {
    const reference = await decodeImage(png);
    const bytes = await encode(sharp(png)).toBuffer();
    const ours = await decodeImage(bytes);
    expect([ours.width, ours.height]).toEqual([reference.width, reference.height]);
    let max = 0;
    for (let i = 0; i < ours.data.length; i++) max = Math.max(max, Math.abs(ours.data[i]! - reference.data[i]!));
    // WebP and TIFF are lossless here; AVIF's lossless mode goes through YUV, GIF through a 256-colour palette.
    expect(max).toBeLessThanOrEqual(format === 'webp' || format === 'tiff' ? 0 : 64);
  });

  it('CMYK JPEGs become RGB', async () => {
    const cmyk = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 40, b: 40 } } })
      .toColourspace('cmyk')
      .jpeg({ quality: 95 })
      .toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const rgb = await decodeImage(cmyk);
    expect(rgb.data.length).toBe(40 * 30 * 3);
    expect(rgb.data[0]!).toBeGreaterThan(150); // still red
    expect(rgb.data[1]!).toBeLessThan(100);
  });

  it('greyscale with alpha becomes three equal channels', async () => {
    const ga = await sharp(Buffer.from([10, 255, 200, 0]), { raw: { width: 2, height: 1, channels: 2 } })
      .png()
      .toBuffer();
    const rgb = await decodeImage(ga);
    expect(Array.from(rgb.data)).toEqual([10, 10, 10, 200, 200, 200]);
  });

  it('EXIF orientation is applied (6: rotate 90 degrees clockwise)', async () => {
    const upright = await sharp({ create: { width: 4, height: 2, channels: 3, background: '#000' } })
      .composite([{ input: Buffer.from([255, 0, 0]), raw: { width: 1, height: 1, channels: 3 }, left: 0, top: 0 }])
      .png()
      .toBuffer();
    const tagged = await sharp(upright).withMetadata({ orientation: 6 }).png().toBuffer();
    const rgb = await decodeImage(tagged);
    expect([rgb.width, rgb.height]).toEqual([2, 4]);
    // The red top-left pixel of the stored image is displayed top-right after a 90-degree clockwise turn.
    expect(Array.from(rgb.data.subarray(3, 6))).toEqual([255, 0, 0]);
  });
});
