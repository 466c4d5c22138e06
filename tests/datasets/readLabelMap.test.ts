import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeLabelMap, readLabelMap } from '../../src/datasets/readLabelMap.js';
import { errorOf, tempDir, writeLabelPng } from './helpers.js';

const dir = tempDir();

describe('readLabelMap', () => {
  it('reads palette indices, not colours, even when the palette repeats a colour', async () => {
    const data = Uint8Array.from([0, 1, 2, 3, 5, 5]);
    // entries 0 and 5 are both black: decoding colours could not tell them apart
    const palette: Array<[number, number, number]> = [
      [0, 0, 0],
      [204, 0, 0],
      [76, 153, 0],
      [204, 204, 0],
      [51, 51, 255],
      [0, 0, 0],
    ];
    writeLabelPng(join(dir, 'palette.png'), data, 3, 2, palette);
    const map = await readLabelMap(join(dir, 'palette.png'));
    expect(map).toMatchObject({ width: 3, height: 2 });
    expect(Array.from(map.mask)).toEqual([0, 1, 2, 3, 5, 5]);
  });

  it('reads greyscale values as ids', async () => {
    writeLabelPng(join(dir, 'grey.png'), Uint8Array.from([18, 0, 7, 255]), 2, 2);
    expect(Array.from((await readLabelMap(join(dir, 'grey.png'))).mask)).toEqual([18, 0, 7, 255]);
  });

  it('unpacks 4-bit palette PNGs', async () => {
    // 3 pixels wide, 4 bits each: row bytes [0x12, 0x30] and [0x45, 0x60]
    const png = encode({
      width: 3,
      height: 2,
      depth: 4,
      channels: 1,
      data: Uint8Array.from([0x12, 0x30, 0x45, 0x60]),
      palette: Array.from({ length: 16 }, (_, i) => [i, i, i] as [number, number, number]),
    });
    writeFileSync(join(dir, 'four.png'), png);
    expect(Array.from((await readLabelMap(join(dir, 'four.png'))).mask)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('accepts RGB PNGs whose channels are equal (greyscale saved as colour), refuses real colour', async () => {
    const grey = await sharp(Buffer.from([3, 3, 3, 9, 9, 9]), { raw: { width: 2, height: 1, channels: 3 } })
      .png()
      .toBuffer();
    expect(Array.from((await decodeLabelMap(grey, 'grey-rgb.png')).mask)).toEqual([3, 9]);
    const colour = await sharp(Buffer.from([3, 3, 3, 9, 200, 9]), { raw: { width: 2, height: 1, channels: 3 } })
      .png()
      .toBuffer();
    const error = await errorOf(decodeLabelMap(colour, 'colour.png'));
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/colour\.png: is a colour image \(pixel x=1, y=0 has RGB 9,200,9\), not a label map\. Save label maps as/);
  });

  it('refuses JPEG label maps, with the reason', async () => {
    const jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'black' } })
      .jpeg()
      .toBuffer();
    const error = await errorOf(decodeLabelMap(jpeg, 'mask.jpg'));
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toMatch(/mask\.jpg: is a JPEG; lossy compression changes class ids/);
  });

  it('names the file for truncated, empty and missing files', async () => {
    writeLabelPng(
      join(dir, 'whole.png'),
      new Uint8Array(64 * 64).map((_, i) => i % 19),
      64,
      64,
    );
    const whole = (await import('node:fs')).readFileSync(join(dir, 'whole.png'));
    writeFileSync(join(dir, 'cut.png'), whole.subarray(0, whole.length - 40));
    writeFileSync(join(dir, 'empty.png'), new Uint8Array(0));
    for (const [name, pattern] of [
      ['cut.png', /cut\.png: cannot be decoded as a label map/],
      ['empty.png', /empty\.png: is empty \(0 bytes\)/],
      ['missing.png', /missing\.png: cannot be read \(ENOENT\)/],
    ] as const) {
      const error = await errorOf(readLabelMap(join(dir, name)));
      expect(error.code).toBe('DATASET_INVALID');
      expect(error.message).toMatch(pattern);
    }
  });
});
