/**
 * Decoding photos to 8-bit RGB with sharp (libvips), as the reference loader does with Pillow:
 * - EXIF orientation is applied (transformers' `load_image` calls `ImageOps.exif_transpose`);
 * - alpha is dropped, not composited (Pillow's `convert('RGB')` does the same);
 * - greyscale becomes RGB by copying the grey channel; CMYK is converted by libvips;
 * - embedded ICC profiles are ignored, as Pillow ignores them, so pixel values match the reference;
 * - 16-bit images are scaled to 8 bits (Pillow would clip them; see the README).
 */
import sharp, { type Metadata } from 'sharp';
import { FaceParseError } from '../../base/errors.js';
import type { ImageInput, RgbImage } from '../../base/types.js';
import { DEFAULT_MAX_INPUT_PIXELS, describeInput, rawToRgb, toThreeChannels, type DecodeOptions } from '../../image/raw.js';
import { decodeBmp, isBmp } from '../../image/bmp.js';
import { canDecodeHevc, heicMessage, isHevcHeif } from './heic.js';
import { readRegularFile } from './regularFile.js';

export { DEFAULT_MAX_INPUT_PIXELS, describeInput, type DecodeOptions, type RgbImage };

const SUPPORTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'avif', 'heif', 'gif']);
const FORMATS = 'a JPEG, PNG, WebP, TIFF, AVIF, GIF or BMP image';

export async function decodeImage(input: ImageInput, options: DecodeOptions = {}): Promise<RgbImage> {
  const maxPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  if (typeof input === 'object' && !(input instanceof Uint8Array)) return rawToRgb(input, maxPixels);
  const name = describeInput(input);
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    // Regular files only, size-capped: a FIFO, a device or /dev/zero named .jpg fails at once.
    bytes = await readRegularFile(input, options.maxInputBytes);
  } else {
    bytes = input;
  }
  if (bytes.length === 0) {
    throw new FaceParseError('INPUT_EMPTY', `${name} is empty (0 bytes); give ${FORMATS}`);
  }
  if (isHevcHeif(bytes) && !(await canDecodeHevc())) throw new FaceParseError('INPUT_UNREADABLE', heicMessage(name));
  // libvips has no BMP loader (browsers have one): decoded here, so that every entry point reads the same files.
  if (isBmp(bytes)) return decodeBmp(bytes, name, maxPixels);
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new FaceParseError(
      'INPUT_UNREADABLE',
      `${name} is not an image faceparse can read (${shortSharpMessage(error)}); give ${FORMATS}`,
      { cause: error },
    );
  }
  if (!metadata.format || !SUPPORTED_FORMATS.has(metadata.format)) {
    throw new FaceParseError(
      'INPUT_UNREADABLE',
      `${name} is ${metadata.format ?? 'an unknown format'}, not a raster photo; give ${FORMATS}`,
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

function shortSharpMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}

