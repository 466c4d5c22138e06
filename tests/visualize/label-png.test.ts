import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FaceParseError } from '../../src/base/errors.js';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';
import { decodeLabelPng, encodeLabelPng } from '../../src/platform/node/render.js';
import { crc32, decodeLabelPngBytes, bareGreyPng, greyToPalettePng, pngHeader } from '../../src/image/labelPng.js';
import { paletteTable } from '../../src/visualize/palette.js';

function randomMask(w: number, h: number, maxId: number, seed = 7): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let i = 0; i < m.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    m[i] = (seed >>> 16) % (maxId + 1);
  }
  return m;
}

describe('encodeLabelPng / decodeLabelPng', () => {
  it('writes an 8-bit greyscale PNG whose values are the ids, and reads it back', async () => {
    const mask = randomMask(37, 23, 18);
    const png = await encodeLabelPng(mask, 37, 23);
    expect(pngHeader(png)).toEqual({ width: 37, height: 23, depth: 8, colourType: 0 });
    // sharp reads the same values as grey.
    const { data, info } = await sharp(png).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(1);
    expect(new Uint8Array(data)).toEqual(mask);
    const back = await decodeLabelPng(png);
    expect(back.width).toBe(37);
    expect(back.height).toBe(23);
    expect(back.mask).toEqual(mask);
    expect(back.palette).toBeUndefined();
  });

  it('round-trips every id 0..255 at every compression setting', async () => {
    const mask = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const compressionLevel of [0, 1, 6, 9]) {
      for (const adaptiveFiltering of [false, true]) {
        const png = await encodeLabelPng(mask, 16, 16, { compressionLevel, adaptiveFiltering });
        expect((await decodeLabelPng(png)).mask).toEqual(mask);
      }
    }
  });

  it('reads from a path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faceparse-labelpng-'));
    const mask = randomMask(9, 5, 3);
    await writeFile(join(dir, 'm.png'), await encodeLabelPng(mask, 9, 5));
    expect((await decodeLabelPng(join(dir, 'm.png'))).mask).toEqual(mask);
    await expect(decodeLabelPng(join(dir, 'missing.png'))).rejects.toThrow(/cannot read label PNG .*missing\.png/);
  });

  it('with a palette writes a palette PNG: indices are ids, colours from the palette', async () => {
    const mask = randomMask(20, 11, 18);
    const png = await encodeLabelPng(mask, 20, 11, { palette: [...CELEBAMASK_HQ_LABELS] });
    expect(pngHeader(png)?.colourType).toBe(3);
    const back = await decodeLabelPng(png);
    expect(back.mask).toEqual(mask);
    const table = paletteTable([...CELEBAMASK_HQ_LABELS]);
    expect(back.palette).toEqual(table);
    // Viewers (sharp here) see the colours.
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const k = mask[5];
    expect([data[15], data[16], data[17]]).toEqual([table[k * 3], table[k * 3 + 1], table[k * 3 + 2]]);
  });
});

describe('decodeLabelPngBytes: palette PNGs', () => {
  it('keeps indices even when the palette repeats colours (what sharp cannot do)', async () => {
    const mask = Uint8Array.from([0, 1, 2, 3, 2, 1]);
    // Every entry black: decoding colours would lose every id.
    const png = encodePng({
      width: 3,
      height: 2,
      data: mask,
      depth: 8,
      channels: 1,
      palette: [
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
    });
    expect(decodeLabelPngBytes(png).mask).toEqual(mask);
    const viaSharp = await sharp(png).raw().toBuffer();
    expect(new Set(viaSharp)).toEqual(new Set([0]));
  });

  it('unpacks 1-, 2- and 4-bit palette rows (values kept, not rescaled), with rows padded to bytes', () => {
    // 5x2 ids; for depth d, pack MSB first, each row padded.
    const ids = [
      [1, 0, 1, 1, 0],
      [0, 1, 0, 0, 1],
    ];
    for (const depth of [1, 2, 4] as const) {
      const scale = depth === 1 ? 1 : depth === 2 ? 3 : 15;
      const values = ids.map((row) => row.map((v, x) => (v ? scale - (x % 2) : 0)));
      const rowBytes = Math.ceil((5 * depth) / 8);
      const packed = new Uint8Array(rowBytes * 2);
      values.forEach((row, y) =>
        row.forEach((v, x) => {
          const bit = x * depth;
          packed[y * rowBytes + (bit >> 3)] |= v << (8 - depth - (bit & 7));
        }),
      );
      const palette = Array.from({ length: 1 << depth }, (_, i) => [i, i, i]);
      const png = encodePng({ width: 5, height: 2, data: packed, depth, channels: 1, palette });
      const back = decodeLabelPngBytes(png);
      expect(pngHeader(png)).toMatchObject({ depth, colourType: 3 });
      expect([...back.mask]).toEqual(values.flat());
    }
  });

  it('reads Adam7-interlaced palette PNGs', () => {
    const mask = randomMask(13, 9, 18, 3);
    const palette = Array.from({ length: 19 }, (_, i) => [i * 10, 0, 0]);
    const png = encodePng({ width: 13, height: 9, data: mask, depth: 8, channels: 1, palette }, { interlace: 'Adam7' });
    expect(png[28]).toBe(1); // IHDR interlace byte
    expect(decodeLabelPngBytes(png).mask).toEqual(mask);
  });

  it('reads 16-bit greyscale ids below 256 and rejects larger values', () => {
    const png16 = encodePng({ width: 3, height: 1, data: Uint16Array.from([0, 18, 255]), depth: 16, channels: 1 });
    expect([...decodeLabelPngBytes(png16).mask]).toEqual([0, 18, 255]);
    const bad = encodePng({ width: 2, height: 1, data: Uint16Array.from([0, 300]), depth: 16, channels: 1 });
    expect(() => decodeLabelPngBytes(bad)).toThrow(/value 300 at pixel \(1, 0\)/);
  });

  it('rejects RGB PNGs and non-PNGs with INPUT_UNREADABLE', async () => {
    const rgb = await sharp({ create: { width: 2, height: 2, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    let error: unknown;
    try {
      decodeLabelPngBytes(rgb);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FaceParseError);
    expect((error as FaceParseError).code).toBe('INPUT_UNREADABLE');
    expect((error as Error).message).toMatch(/is a RGB PNG; a label map must be a greyscale PNG/);
    expect(() => decodeLabelPngBytes(Buffer.from('GIF89a not a png at all, long enough to pass'))).toThrow(/not a PNG file/);
    const corrupt = Buffer.from(await encodeLabelPng(randomMask(8, 8, 3), 8, 8));
    corrupt.fill(0, 40, 60);
    expect(() => decodeLabelPngBytes(corrupt, 'x.png')).toThrow(/x\.png: cannot decode PNG/);
    // The sharp path says the same.
    await expect(decodeLabelPng(corrupt)).rejects.toMatchObject({ code: 'INPUT_UNREADABLE' });
    await expect(decodeLabelPng(rgb)).rejects.toThrow(/is a RGB PNG/);
  });

  it('decodeLabelPng (sharp for 8-bit files) and decodeLabelPngBytes (fast-png) agree', async () => {
    const mask = randomMask(31, 17, 18, 11);
    const palette = Array.from({ length: 19 }, () => [7, 7, 7]);
    const files = [
      await encodeLabelPng(mask, 31, 17),
      await encodeLabelPng(mask, 31, 17, { palette: [...CELEBAMASK_HQ_LABELS] }),
      encodePng({ width: 31, height: 17, data: mask, depth: 8, channels: 1, palette }),
      encodePng({ width: 31, height: 17, data: mask, depth: 8, channels: 1, palette }, { interlace: 'Adam7' }),
      encodePng({ width: 31, height: 17, data: mask, depth: 8, channels: 1 }, { interlace: 'Adam7' }),
    ];
    for (const png of files) {
      const viaSharp = await decodeLabelPng(png);
      const viaFastPng = decodeLabelPngBytes(png);
      expect(viaSharp.mask).toEqual(mask);
      expect(viaFastPng.mask).toEqual(mask);
      expect(viaSharp.palette).toEqual(viaFastPng.palette);
    }
  });
});

describe('PNG chunk conversion', () => {
  it('crc32 matches the known check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('greyToPalettePng keeps the pixel bytes and adds the palette; bareGreyPng undoes it', async () => {
    const mask = Uint8Array.from([0, 1, 2, 2, 1, 0]);
    const grey = await encodeLabelPng(mask, 3, 2);
    const flat = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const indexed = greyToPalettePng(grey, flat);
    expect(pngHeader(indexed)).toEqual({ width: 3, height: 2, depth: 8, colourType: 3 });
    // A strict decoder (libpng through sharp, which checks CRCs) shows the palette colours.
    const { data } = await sharp(indexed).raw().toBuffer({ resolveWithObject: true });
    expect([...data]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 7, 8, 9, 4, 5, 6, 1, 2, 3]);
    expect(decodeLabelPngBytes(indexed).palette).toEqual(flat);
    const back = bareGreyPng(indexed);
    expect(back.palette).toEqual(flat);
    expect(pngHeader(back.png)?.colourType).toBe(0);
    expect(decodeLabelPngBytes(back.png).mask).toEqual(mask);
  });

  it('bareGreyPng drops colour-management chunks so ids are read as stored', async () => {
    const mask = Uint8Array.from([0, 18, 200, 7]);
    const grey = await encodeLabelPng(mask, 2, 2);
    // Insert gAMA (gamma 0.1) and sBIT chunks after IHDR, with valid CRCs.
    const chunk = (type: string, data: number[]) => {
      const body = Uint8Array.from([...type].map((c) => c.charCodeAt(0)).concat(data));
      const out = new Uint8Array(12 + data.length);
      new DataView(out.buffer).setUint32(0, data.length);
      out.set(body, 4);
      new DataView(out.buffer).setUint32(8 + data.length, crc32(body));
      return out;
    };
    const withGamma = Buffer.concat([grey.subarray(0, 33), chunk('gAMA', [0, 0, 0x27, 0x10]), chunk('sBIT', [8]), grey.subarray(33)]);
    const bare = bareGreyPng(withGamma);
    expect(bare.palette).toBeUndefined();
    expect(bare.png.length).toBe(grey.length);
    expect((await decodeLabelPng(withGamma)).mask).toEqual(mask);
  });

  it('refuses inputs it cannot convert', async () => {
    const grey = await encodeLabelPng(Uint8Array.from([0, 1]), 2, 1);
    expect(() => greyToPalettePng(grey, new Uint8Array(4))).toThrow(/flat RGB with 1..256 entries/);
    const rgb = await sharp({ create: { width: 2, height: 1, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    expect(() => bareGreyPng(rgb)).toThrow(/needs an 8-bit palette or greyscale PNG/);
    expect(() => greyToPalettePng(grey.subarray(0, grey.length - 12), new Uint8Array(3))).toThrow(/truncated PNG/);
  });
});

const SHARED_MASKS = join(import.meta.dirname, '../../../shared/data/celebamask-mini/val/masks');

describe.skipIf(!existsSync(SHARED_MASKS))('CelebAMask-HQ mask files (../shared/data/celebamask-mini)', () => {
  it('decodes palette indices to class ids 0..18 and matches the file palette colours', async () => {
    const file = join(SHARED_MASKS, readdirSync(SHARED_MASKS).sort()[0]);
    const map = await decodeLabelPng(file);
    expect(map.width).toBe(512);
    expect(map.height).toBe(512);
    expect(map.mask.reduce((a, b) => Math.max(a, b), 0)).toBeLessThanOrEqual(18);
    expect(new Set(map.mask).size).toBeGreaterThan(3);
    // sharp shows the palette colours: each pixel's colour is palette[id].
    const { data } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
    for (const i of [0, 1000, 131_072, 200_000, 262_143]) {
      const id = map.mask[i];
      expect([data[i * 3], data[i * 3 + 1], data[i * 3 + 2]]).toEqual([...map.palette!.subarray(id * 3, id * 3 + 3)]);
    }
  });
});
