/**
 * Label-map PNGs without sharp (pure JS, so the browser build can use it): decode greyscale and palette
 * PNGs to class ids (fast-png), and convert between 8-bit greyscale and 8-bit palette PNGs at chunk level.
 *
 * Why fast-png: sharp (libvips) expands a palette PNG to RGB and never exposes the palette indices,
 * and a colour -> index inversion is ambiguous when a palette repeats a colour. fast-png returns the
 * indices as they are stored.
 *
 * Why the chunk-level conversion: an 8-bit greyscale PNG and an 8-bit palette PNG store their pixels
 * identically (one byte per pixel, same filters, same zlib stream); only IHDR's colour type and the PLTE
 * chunk differ. So a palette PNG is a sharp-encoded greyscale PNG with a new header, and a palette PNG
 * decodes through sharp as greyscale once its header says so (`bareGreyPng`): both several times faster than fast-png
 * (see bench/visualize.ts).
 */
import { decode as decodePng } from 'fast-png';
import { FaceParseError } from '../base/errors.js';

import type { LabelMap } from '../base/types.js';

export type { LabelMap };

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

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 as PNG chunks use it. */
export function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

interface Chunk {
  type: string;
  /** The whole chunk: length, type, data, CRC. */
  bytes: Uint8Array;
  data: Uint8Array;
}

/** The chunks of a PNG, after the signature. Throws INPUT_UNREADABLE on a truncated file. */
function pngChunks(png: Uint8Array, source: string): Chunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = view.getUint32(offset);
    const end = offset + 12 + length;
    if (end > png.length) break;
    const type = String.fromCharCode(png[offset + 4], png[offset + 5], png[offset + 6], png[offset + 7]);
    chunks.push({ type, bytes: png.subarray(offset, end), data: png.subarray(offset + 8, offset + 8 + length) });
    offset = end;
    if (type === 'IEND') return chunks;
  }
  throw new FaceParseError('INPUT_UNREADABLE', `${source}: truncated PNG (no IEND chunk)`);
}

function makeChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Ancillary chunks that mean the same for greyscale and palette images; all others are dropped. */
const PORTABLE_CHUNKS = new Set(['pHYs', 'tEXt', 'zTXt', 'iTXt', 'tIME']);

function rewriteHeader(png: Uint8Array, colourType: number, insertBeforeData: Uint8Array[], source: string): Uint8Array {
  const chunks = pngChunks(png, source);
  const parts: Uint8Array[] = [png.subarray(0, 8)];
  let inserted = false;
  for (const chunk of chunks) {
    if (chunk.type === 'IHDR') {
      const data = Uint8Array.from(chunk.data);
      data[9] = colourType;
      parts.push(makeChunk('IHDR', data));
    } else if (chunk.type === 'IDAT' || chunk.type === 'IEND' || PORTABLE_CHUNKS.has(chunk.type)) {
      if (chunk.type === 'IDAT' && !inserted) {
        parts.push(...insertBeforeData);
        inserted = true;
      }
      parts.push(chunk.bytes);
    }
  }
  return concat(parts);
}

/**
 * An 8-bit greyscale PNG turned into the palette PNG with the same bytes per pixel: grey value v becomes
 * palette index v, coloured `palette[v]`. `palette` is flat RGB, 1..256 entries (at least up to the largest value).
 */
export function greyToPalettePng(greyPng: Uint8Array, palette: Uint8Array, source = 'label PNG'): Uint8Array {
  const header = pngHeader(greyPng);
  if (!header || header.colourType !== GREY || header.depth !== 8) {
    throw new FaceParseError('INVALID_ARGUMENT', `${source}: greyToPalettePng needs an 8-bit greyscale PNG`);
  }
  if (palette.length === 0 || palette.length % 3 !== 0 || palette.length > 768) {
    throw new FaceParseError('INVALID_ARGUMENT', `${source}: palette must be flat RGB with 1..256 entries; got ${palette.length} bytes`);
  }
  return rewriteHeader(greyPng, INDEXED, [makeChunk('PLTE', palette)], source);
}

/**
 * An 8-bit palette or greyscale PNG as a bare greyscale PNG of its indices or values, so any greyscale
 * decoder returns the class ids: only IHDR, IDAT, IEND and text/pHYs chunks are kept, so no decoder can
 * apply an embedded gamma or ICC profile to the ids. Also returns the palette (flat RGB) of a palette PNG.
 */
export function bareGreyPng(png: Uint8Array, source = 'label PNG'): { png: Uint8Array; palette?: Uint8Array } {
  const header = pngHeader(png);
  if (!header || (header.colourType !== INDEXED && header.colourType !== GREY) || header.depth !== 8) {
    throw new FaceParseError('INVALID_ARGUMENT', `${source}: bareGreyPng needs an 8-bit palette or greyscale PNG`);
  }
  const bare = rewriteHeader(png, GREY, [], source);
  if (header.colourType === GREY) return { png: bare };
  const plte = pngChunks(png, source).find((c) => c.type === 'PLTE');
  return { png: bare, palette: plte ? Uint8Array.from(plte.data) : new Uint8Array(0) };
}
