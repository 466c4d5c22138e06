/**
 * A BMP decoder, because sharp's libvips has none and browsers decode BMP natively: without it
 * the app would accept a .bmp that the CLI, the library and the service refuse.
 *
 * Reads what Windows, Paint, ImageMagick and Pillow write: the OS/2 core header and the
 * BITMAPINFOHEADER family (v1 to v5), 1/4/8-bit palettes, 16/24/32-bit pixels, BI_RGB,
 * BI_BITFIELDS / BI_ALPHABITFIELDS masks, RLE8 and RLE4, bottom-up and top-down rows. Alpha is
 * dropped, as Pillow's `convert('RGB')` drops it. BMPs that wrap a JPEG or PNG are refused with a
 * message. Sizes are checked before anything is allocated and every read is bounds-checked, so a
 * hostile file fails with INPUT_UNREADABLE or INPUT_TOO_LARGE, never with a crash or a huge buffer.
 */
import { FaceParseError } from '../base/errors.js';
import type { RgbImage } from '../base/types.js';

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_JPEG = 4;
const BI_PNG = 5;
const BI_ALPHABITFIELDS = 6;

/** True when the bytes start like a BMP file: `BM` and a known header size. */
export function isBmp(bytes: Uint8Array): boolean {
  if (bytes.length < 18 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) return false;
  const headerSize = bytes[14]! | (bytes[15]! << 8) | (bytes[16]! << 16) | (bytes[17]! << 24);
  return [12, 16, 40, 52, 56, 64, 108, 124].includes(headerSize);
}

/** Width and height from a BMP header, or undefined when `bytes` is no BMP (or says a size of 0). */
export function bmpSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (!isBmp(bytes) || bytes.length < 26) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const core = view.getUint32(14, true) === 12;
  const width = core ? view.getUint16(18, true) : view.getInt32(18, true);
  const height = core ? view.getUint16(20, true) : Math.abs(view.getInt32(22, true));
  return width > 0 && height > 0 ? { width, height } : undefined;
}

interface Channel {
  shift: number;
  /** The mask's value range after the shift (e.g. 31 for 5 bits); 0 when the channel is absent. */
  max: number;
}

function channel(mask: number): Channel {
  if (mask === 0) return { shift: 0, max: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { shift, max: mask >>> shift };
}

function scale(value: number, c: Channel): number {
  return c.max === 0 ? 0 : c.max === 255 ? value : Math.round((value * 255) / c.max);
}

export function decodeBmp(bytes: Uint8Array, name: string, maxPixels: number): RgbImage {
  const broken = (why: string) =>
    new FaceParseError('INPUT_UNREADABLE', `${name} is a BMP that cannot be decoded (${why}); the file may be truncated or corrupt`);
  if (!isBmp(bytes)) throw broken('no BMP header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pixelOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (14 + headerSize > bytes.length) throw broken('the header is cut short');

  let width: number;
  let height: number;
  let bitCount: number;
  let compression = BI_RGB;
  let paletteCount = 0;
  let paletteEntrySize = 4;
  let topDown = false;
  if (headerSize === 12) {
    // OS/2 BITMAPCOREHEADER: 16-bit sizes, 3-byte palette entries.
    width = view.getUint16(18, true);
    height = view.getUint16(20, true);
    bitCount = view.getUint16(24, true);
    paletteEntrySize = 3;
  } else {
    width = view.getInt32(18, true);
    const h = view.getInt32(22, true);
    topDown = h < 0;
    height = Math.abs(h);
    bitCount = view.getUint16(28, true);
    if (headerSize >= 20) compression = view.getUint32(30, true);
    if (headerSize >= 36) paletteCount = view.getUint32(46, true);
  }
  if (width <= 0 || height <= 0) throw broken(`its size is ${width}x${height}`);
  if (compression === BI_JPEG || compression === BI_PNG) {
    throw new FaceParseError(
      'INPUT_UNREADABLE',
      `${name} is a BMP that wraps a ${compression === BI_JPEG ? 'JPEG' : 'PNG'} picture, which faceparse does not read; convert it to JPEG or PNG first`,
    );
  }
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new FaceParseError(
      'INPUT_TOO_LARGE',
      `${name} is ${width}x${height} = ${pixels.toLocaleString('en')} pixels, over the limit of ${maxPixels.toLocaleString('en')}` +
        ' that guards against decompression bombs; raise maxInputPixels (CLI: --max-pixels) if the image is genuine',
    );
  }
  if (![1, 4, 8, 16, 24, 32].includes(bitCount)) throw broken(`${bitCount} bits per pixel`);
  const rle = compression === BI_RLE8 || compression === BI_RLE4;
  if (rle && (topDown || bitCount !== (compression === BI_RLE8 ? 8 : 4)))
    throw broken(`RLE${compression === BI_RLE8 ? 8 : 4} with ${bitCount} bits per pixel${topDown ? ', top-down' : ''}`);
  const bitfields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (![BI_RGB, BI_RLE8, BI_RLE4, BI_BITFIELDS, BI_ALPHABITFIELDS].includes(compression)) throw broken(`unknown compression ${compression}`);
  if (bitfields && bitCount !== 16 && bitCount !== 32) throw broken(`bit-field masks with ${bitCount} bits per pixel`);

  // Masks: in the v2+ headers, or (BITMAPINFOHEADER) in the 12 or 16 bytes after it.
  let masks = bitCount === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff];
  let paletteStart = 14 + headerSize;
  if (bitfields) {
    const at = 14 + 40;
    const count = compression === BI_ALPHABITFIELDS ? 4 : 3;
    if (at + 12 > bytes.length) throw broken('the colour masks are cut short');
    masks = [view.getUint32(at, true), view.getUint32(at + 4, true), view.getUint32(at + 8, true)];
    if (headerSize === 40) paletteStart += count * 4;
  }
  const [red, green, blue] = masks.map(channel) as [Channel, Channel, Channel];

  let palette: Uint8Array | undefined;
  if (bitCount <= 8) {
    const entries = paletteCount === 0 || paletteCount > 1 << bitCount ? 1 << bitCount : paletteCount;
    const end = paletteStart + entries * paletteEntrySize;
    if (end > bytes.length) throw broken('the palette is cut short');
    palette = new Uint8Array(256 * 3); // indices past the palette read black, as Windows shows them
    for (let i = 0; i < entries; i++) {
      const at = paletteStart + i * paletteEntrySize;
      palette[i * 3] = bytes[at + 2]!;
      palette[i * 3 + 1] = bytes[at + 1]!;
      palette[i * 3 + 2] = bytes[at]!;
    }
  }
  if (pixelOffset >= bytes.length) throw broken('the pixel data is missing');

  const rgb = new Uint8Array(pixels * 3);
  if (rle) {
    decodeRle(bytes, pixelOffset, width, height, compression === BI_RLE4, palette!, rgb);
    return { data: rgb, width, height };
  }
  const stride = Math.ceil((width * bitCount) / 32) * 4;
  // The last row needs only its pixels, not its padding: some writers leave the padding off.
  if (pixelOffset + stride * (height - 1) + Math.ceil((width * bitCount) / 8) > bytes.length) throw broken('the pixel data is cut short');
  for (let y = 0; y < height; y++) {
    const row = pixelOffset + (topDown ? y : height - 1 - y) * stride;
    let out = y * width * 3;
    if (palette) {
      const perByte = 8 / bitCount;
      const mask = (1 << bitCount) - 1;
      for (let x = 0; x < width; x++) {
        const byte = bytes[row + Math.floor(x / perByte)]!;
        const index = (byte >> (8 - bitCount * ((x % perByte) + 1))) & mask;
        rgb[out++] = palette[index * 3]!;
        rgb[out++] = palette[index * 3 + 1]!;
        rgb[out++] = palette[index * 3 + 2]!;
      }
    } else if (bitCount === 24) {
      for (let x = 0, at = row; x < width; x++, at += 3) {
        rgb[out++] = bytes[at + 2]!;
        rgb[out++] = bytes[at + 1]!;
        rgb[out++] = bytes[at]!;
      }
    } else {
      const wide = bitCount === 32;
      for (let x = 0; x < width; x++) {
        const value = wide ? view.getUint32(row + x * 4, true) : view.getUint16(row + x * 2, true);
        rgb[out++] = scale((value & masks[0]!) >>> red.shift, red);
        rgb[out++] = scale((value & masks[1]!) >>> green.shift, green);
        rgb[out++] = scale((value & masks[2]!) >>> blue.shift, blue);
      }
    }
  }
  return { data: rgb, width, height };
}

/**
 * RLE8/RLE4 (always bottom-up): runs of one index, literal runs, end of line, end of picture and
 * deltas. Pixels that a delta or an early end skips stay black, as Pillow leaves them; runs past
 * the picture's edge are clipped.
 */
function decodeRle(bytes: Uint8Array, start: number, width: number, height: number, four: boolean, palette: Uint8Array, rgb: Uint8Array): void {
  let x = 0;
  let y = 0; // counted from the bottom row
  let at = start;
  const put = (index: number) => {
    if (x < width && y < height) {
      const out = ((height - 1 - y) * width + x) * 3;
      rgb[out] = palette[index * 3]!;
      rgb[out + 1] = palette[index * 3 + 1]!;
      rgb[out + 2] = palette[index * 3 + 2]!;
    }
    x++;
  };
  while (at + 1 < bytes.length && y < height) {
    const count = bytes[at]!;
    const value = bytes[at + 1]!;
    at += 2;
    if (count > 0) {
      for (let i = 0; i < count; i++) put(four ? (i % 2 === 0 ? value >> 4 : value & 15) : value);
      continue;
    }
    if (value === 0) {
      x = 0;
      y++;
    } else if (value === 1) {
      return;
    } else if (value === 2) {
      if (at + 1 >= bytes.length) return;
      x += bytes[at]!;
      y += bytes[at + 1]!;
      at += 2;
    } else {
      // A literal run of `value` indices, padded to a 16-bit boundary.
      const length = four ? Math.ceil(value / 2) : value;
      if (at + length > bytes.length) return;
      for (let i = 0; i < value; i++) put(four ? (i % 2 === 0 ? bytes[at + (i >> 1)]! >> 4 : bytes[at + (i >> 1)]! & 15) : bytes[at + i]!);
      at += length + (length % 2);
    }
  }
}
