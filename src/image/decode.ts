/**
 * Decoding photos to 8-bit RGB with sharp (libvips), as the reference loader does with Pillow:
 * - EXIF orientation is applied (transformers' `load_image` calls `ImageOps.exif_transpose`);
 * - alpha is dropped, not composited (Pillow's `convert('RGB')` does the same);
 * - greyscale becomes RGB by copying the grey channel; CMYK is converted by libvips;
 * - embedded ICC profiles are ignored, as Pillow ignores them, so pixel values match the reference;
 * - 16-bit images are scaled to 8 bits (Pillow would clip them; see the README).
 */
import sharp, { type Metadata } from 'sharp';
import { FaceParseError } from '../core/errors.js';
import type { ImageInput, RawImage } from '../core/types.js';
import { readRegularFile } from '../io/regularFile.js';

export interface RgbImage {
  /** Interleaved RGB, width * height * 3 bytes. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** 100 megapixels: a 10000 x 10000 photo; beyond that an input is treated as a decompression bomb. */
export const DEFAULT_MAX_INPUT_PIXELS = 100_000_000;

const SUPPORTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'avif', 'heif', 'gif']);

export interface DecodeOptions {
  maxInputPixels?: number;
}

/** A short name for an input in messages: its path, or what kind of value it is. */
export function describeInput(input: ImageInput): string {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) return `buffer of ${input.length} bytes`;
  return `raw image ${input.width}x${input.height}`;
}

export async function decodeImage(input: ImageInput, options: DecodeOptions = {}): Promise<RgbImage> {
  const maxPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  if (typeof input === 'object' && !(input instanceof Uint8Array)) return rawToRgb(input, maxPixels);
  const name = describeInput(input);
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    bytes = await readInputFile(input);
  } else {
    bytes = input;
  }
  if (bytes.length === 0) {
    throw new FaceParseError('INPUT_EMPTY', `${name} is empty (0 bytes); give a JPEG, PNG, WebP, TIFF, AVIF or GIF image`);
  }
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new FaceParseError(
      'INPUT_UNREADABLE',
      `${name} is not an image faceparse can read (${shortSharpMessage(error)}); give a JPEG, PNG, WebP, TIFF, AVIF or GIF image`,
      { cause: error },
    );
  }
  if (!metadata.format || !SUPPORTED_FORMATS.has(metadata.format)) {
    throw new FaceParseError(
      'INPUT_UNREADABLE',
      `${name} is ${metadata.format ?? 'an unknown format'}, not a raster photo; give a JPEG, PNG, WebP, TIFF, AVIF or GIF image`,
    );
  }
  const pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
  if (pixels > maxPixels) {
    throw new FaceParseError(
      'INPUT_TOO_LARGE',
      `${name} is ${metadata.width}x${metadata.height} = ${pixels.toLocaleString('en')} pixels, over the limit of ${maxPixels.toLocaleString('en')}` +
        ' that guards against decompression bombs; raise maxInputPixels (CLI: --max-pixels) if the image is genuine',
    );
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, ignoreIcc: true, failOn: 'error', autoOrient: true })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const rgb = info.channels === 3 ? new Uint8Array(data.buffer, data.byteOffset, data.length) : toThreeChannels(data, info.channels);
    return { data: rgb, width: info.width, height: info.height };
  } catch (error) {
    throw new FaceParseError(
      'INPUT_UNREADABLE',
      `${name} could not be decoded (${shortSharpMessage(error)}); the file may be truncated or corrupt`,
      { cause: error },
    );
  }
}

async function readInputFile(path: string): Promise<Uint8Array> {
  // Regular files only, size-capped: a FIFO, a device or /dev/zero named .jpg fails at once (src/io/regularFile.ts).
  return readRegularFile(path);
}

function shortSharpMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}

function toThreeChannels(data: Uint8Array, channels: number): Uint8Array {
  const pixels = data.length / channels;
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, o = 0; i < data.length; i += channels, o += 3) {
    const g = data[i]!;
    out[o] = g;
    out[o + 1] = channels >= 3 ? data[i + 1]! : g;
    out[o + 2] = channels >= 3 ? data[i + 2]! : g;
  }
  return out;
}

function rawToRgb(image: RawImage, maxPixels: number): RgbImage {
  const channels = image.channels ?? 3;
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FaceParseError('INVALID_ARGUMENT', `raw image size ${width}x${height} is not a positive integer size`);
  }
  if (![1, 3, 4].includes(channels)) {
    throw new FaceParseError('INVALID_ARGUMENT', `raw image has channels=${channels}; use 1 (grey), 3 (RGB) or 4 (RGBA)`);
  }
  if (image.data.length !== width * height * channels) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `raw image data has ${image.data.length} bytes but ${width}x${height}x${channels} needs ${width * height * channels}`,
    );
  }
  if (width * height > maxPixels) {
    throw new FaceParseError('INPUT_TOO_LARGE', `raw image ${width}x${height} is over the limit of ${maxPixels} pixels; raise maxInputPixels`);
  }
  const data = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length);
  return { data: channels === 3 ? data : toThreeChannels(data, channels), width, height };
}
