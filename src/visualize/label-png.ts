/**
 * Label-map PNGs without sharp (pure JS through fast-png, so the browser build can use it):
 * decode greyscale and palette PNGs to class ids, and encode palette PNGs.
 *
 * Why fast-png: sharp (libvips) expands a palette PNG to RGB and never exposes the palette indices,
 * and a colour → index inversion is ambiguous when a palette repeats a colour. fast-png returns the
 * indices as they are stored.
 */
import { decode as decodePng, encode as encodePng } from 'fast-png';
import { FaceParseError } from '../core/errors.js';
import { resolvePalette, type PaletteInput } from './palette.js';
import { checkMask } from './pixels.js';

/** A decoded label map. */
export interface LabelMap {
  /** Class ids, `width * height`, row-major. */
  mask: Uint8Array;
  width: number;
  height: number;
  /** The PNG's palette as flat RGB (3 bytes per entry) when it was a palette PNG. */
  palette?: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** PNG colour types (IHDR byte 25). */
const GREY = 0;
const INDEXED = 3;
const COLOUR_TYPE_NAMES: Record<number, string> = {
  0: 'greyscale',
  2: 'RGB',
  3: 'palette',
  4: 'greyscale with alpha',
  6: 'RGBA',
};

/** Colour type and bit depth from the IHDR chunk, which the PNG format puts first. */
export function pngHeader(bytes: Uint8Array): { width: number; height: number; depth: number; colourType: number } | null {
  if (bytes.length < 33) return null;
  for (let i = 0; i < 8; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return null;
  if (bytes[12] !== 0x49 || bytes[13] !== 0x48 || bytes[14] !== 0x44 || bytes[15] !== 0x52) return null; // 'IHDR'
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20), depth: bytes[24], colourType: bytes[25] };
}

/**
 * Class ids from the bytes of an 8-bit (or 1/2/4/16-bit) greyscale PNG, whose grey values are the ids,
 * or of a palette PNG, whose palette indices are the ids (the format of CelebAMask-HQ mask files).
 * @param source names the input in error messages
 */
export function decodeLabelPngBytes(bytes: Uint8Array, source = 'label PNG'): LabelMap {
  const header = pngHeader(bytes);
  if (!header) {
    throw new FaceParseError('INPUT_UNREADABLE', `${source}: not a PNG file (no PNG signature and IHDR chunk)`);
  }
  if (header.colourType !== GREY && header.colourType !== INDEXED) {
    throw new FaceParseError(
      'INPUT_UNREADABLE',
      `${source}: is a ${COLOUR_TYPE_NAMES[header.colourType] ?? `colour type ${header.colourType}`} PNG; ` +
        'a label map must be a greyscale PNG (values = class ids) or a palette PNG (indices = class ids)',
    );
  }
  let decoded: ReturnType<typeof decodePng>;
  try {
    decoded = decodePng(bytes);
  } catch (error) {
    throw new FaceParseError('INPUT_UNREADABLE', `${source}: cannot decode PNG: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const { width, height, depth } = decoded;
  const n = width * height;
  let mask: Uint8Array;
  if (depth === 8) {
    mask = decoded.data instanceof Uint8Array ? decoded.data : new Uint8Array(decoded.data);
  } else if (depth === 16) {
    const wide = decoded.data;
    mask = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = wide[i];
      if (v > 255) {
        throw new FaceParseError(
          'INPUT_UNREADABLE',
          `${source}: 16-bit PNG holds the value ${v} at pixel (${i % width}, ${Math.floor(i / width)}); class ids must be 0..255`,
        );
      }
      mask[i] = v;
    }
  } else {
    mask = unpackBits(decoded.data as Uint8Array, width, height, depth);
  }
  if (mask.length !== n) {
    throw new FaceParseError('INPUT_UNREADABLE', `${source}: decoded ${mask.length} values for ${width}x${height} pixels`);
  }
  const map: LabelMap = { mask, width, height };
  if (header.colourType === INDEXED && decoded.palette) {
    const palette = new Uint8Array(decoded.palette.length * 3);
    decoded.palette.forEach((c, i) => palette.set([c[0], c[1], c[2]], i * 3));
    map.palette = palette;
  }
  return map;
}

/** Rows of 1/2/4-bit samples, each row padded to a whole byte, to one byte per pixel (values kept, not rescaled). */
function unpackBits(packed: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const perByte = 8 / depth;
  const valueMask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const src = y * rowBytes;
    const dst = y * width;
    for (let x = 0; x < width; x++) {
      const byte = packed[src + Math.floor(x / perByte)];
      const shift = 8 - depth * ((x % perByte) + 1);
      out[dst + x] = (byte >> shift) & valueMask;
    }
  }
  return out;
}

export interface IndexedPngOptions {
  /** Palette entries written: default one per id up to the largest id in the mask. Colours from `palette`. */
  palette?: PaletteInput;
  /** zlib level 0..9. Default 3 (fast; label maps compress well at any level). */
  compressionLevel?: number;
}

/**
 * A palette PNG whose indices are the class ids (as CelebAMask-HQ masks are stored), coloured by `palette`
 * so image viewers show the colourised map while tools read exact ids. Pure JS (fast-png).
 */
export function encodeIndexedLabelPng(
  mask: Uint8Array,
  width: number,
  height: number,
  options: IndexedPngOptions & { palette: PaletteInput },
): Uint8Array {
  checkMask('encodeIndexedLabelPng', mask, width, height);
  const level = options.compressionLevel ?? 3;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new FaceParseError('INVALID_ARGUMENT', `encodeIndexedLabelPng: compressionLevel must be 0..9; got ${String(level)}`);
  }
  const table = resolvePalette(options.palette);
  let maxId = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] > maxId) maxId = mask[i];
  const entries: number[][] = [];
  for (let id = 0; id <= maxId; id++) entries.push([table[id * 3], table[id * 3 + 1], table[id * 3 + 2]]);
  return encodePng(
    { width, height, data: mask, depth: 8, channels: 1, palette: entries },
    { zlib: { level: level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 } },
  );
}
