/**
 * Reading label maps from files: each pixel's value is its class id. Greyscale and palette PNGs go
 * through the visualize module's decodeLabelPng (palette indices, not colours); other lossless
 * images (RGB PNGs whose channels are equal, TIFF) through sharp. JPEG is refused: its compression
 * changes ids at every edge. Every problem is a DATASET_INVALID error naming the file.
 */
import { extname } from 'node:path';
import { loadSharp } from '../platform/node/sharp.js';
import { FaceParseError } from '../base/errors.js';
import type { LabelMap } from '../metrics/labelMap.js';
import { readRegularFile } from '../platform/node/regularFile.js';
import { decodeLabelPng } from '../platform/node/render.js';
import { pngHeader } from '../image/labelPng.js';

const HOW_TO_SAVE = 'Save label maps as 8-bit palette or greyscale PNGs whose pixel values are the class ids (e.g. PIL Image.fromarray(ids.astype(np.uint8))).';

/** Single-channel values from RGB(A) pixels whose channels are all equal (greyscale saved as colour). */
function greyFromColour(data: ArrayLike<number>, channels: number, width: number, height: number, source: string): Uint8Array {
  const pixels = width * height;
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) {
    const r = data[i * channels];
    if (data[i * channels + 1] !== r || data[i * channels + 2] !== r) {
      throw new FaceParseError(
        'DATASET_INVALID',
        `${source}: is a colour image (pixel x=${i % width}, y=${Math.floor(i / width)} has RGB ${r},${data[i * channels + 1]},${data[i * channels + 2]}), not a label map. ${HOW_TO_SAVE}`,
      );
    }
    out[i] = r;
  }
  return out;
}

/**
 * Raster formats that store exact pixel values. Anything else sharp can open is refused by name:
 * an SVG (or PDF) would be rasterised, anti-aliasing every edge into ids that were never drawn,
 * and a JPEG-like codec changes values; neither can be scored exactly.
 */
const LABEL_MAP_FORMATS = new Set(['png', 'tiff', 'gif', 'webp']);

async function fromOtherFormat(bytes: Uint8Array, source: string): Promise<LabelMap> {
  const sharp = await loadSharp();
  const meta = await sharp(bytes).metadata();
  if (!meta.format || !LABEL_MAP_FORMATS.has(meta.format)) {
    const what = meta.format === 'svg' ? 'an SVG (a vector drawing)' : `${meta.format ?? 'an unknown format'}`;
    throw new FaceParseError('DATASET_INVALID', `${source}: is ${what}, not a raster label map, whatever its name says. ${HOW_TO_SAVE}`);
  }
  if (meta.depth !== 'uchar') {
    throw new FaceParseError('DATASET_INVALID', `${source}: ${meta.format} with ${meta.depth} samples is not an 8-bit label map. ${HOW_TO_SAVE}`);
  }
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  if (info.channels === 1) return { width: info.width, height: info.height, mask: new Uint8Array(data) };
  if (info.channels === 3 || info.channels === 4) {
    return { width: info.width, height: info.height, mask: greyFromColour(data, info.channels, info.width, info.height, source) };
  }
  throw new FaceParseError('DATASET_INVALID', `${source}: image with ${info.channels} channels is not a label map. ${HOW_TO_SAVE}`);
}

/** Decodes a label map from encoded bytes; `source` names it in errors. */
export async function decodeLabelMap(bytes: Uint8Array, source: string): Promise<LabelMap> {
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (isJpeg) {
    throw new FaceParseError(
      'DATASET_INVALID',
      `${source}: is a JPEG; lossy compression changes class ids along every edge, so it cannot be scored exactly. ${HOW_TO_SAVE}`,
    );
  }
  const header = isPng ? pngHeader(bytes) : null;
  try {
    // greyscale (0) and palette (3) PNGs: ids as stored
    if (header && (header.colourType === 0 || header.colourType === 3)) {
      const { mask, width, height } = await decodeLabelPng(bytes);
      return { width, height, mask };
    }
    return await fromOtherFormat(bytes, source);
  } catch (error) {
    if (error instanceof FaceParseError && error.code === 'DATASET_INVALID') throw error;
    throw new FaceParseError(
      'DATASET_INVALID',
      `${source}: cannot be decoded as a label map (${(error as Error).message}). Check that the file is a complete image. ${HOW_TO_SAVE}`,
      { cause: error },
    );
  }
}

/** Reads and decodes a label map file. */
export async function readLabelMap(path: string): Promise<LabelMap> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path);
  } catch (error) {
    // Not a regular file (a FIFO, a device, a broken link) or too large: said as readRegularFile says it.
    const errno = error instanceof FaceParseError ? (error.cause as NodeJS.ErrnoException | undefined)?.code : 'x';
    if (error instanceof FaceParseError && errno === undefined) {
      throw new FaceParseError('DATASET_INVALID', `${error.message}. A label map must be a regular image file.`, { cause: error });
    }
    const cause = error instanceof FaceParseError ? (error.cause as Error) : error;
    throw new FaceParseError(
      'DATASET_INVALID',
      `${path}: cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}). Check that the file exists and is readable.`,
      { cause },
    );
  }
  if (bytes.length === 0) {
    throw new FaceParseError('DATASET_INVALID', `${path}: is empty (0 bytes). Re-export the label map.`);
  }
  return decodeLabelMap(bytes, path);
}

/** File extensions read as label maps (lossless formats). */
export const LABEL_MAP_EXTENSIONS = ['.png', '.tif', '.tiff'] as const;

export function isLabelMapFile(name: string): boolean {
  return (LABEL_MAP_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}
