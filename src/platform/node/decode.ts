/**
 * Decoding photos to 8-bit RGB with sharp (libvips), as the reference loader does with Pillow:
 * - EXIF orientation is applied (transformers' `load_image` calls `ImageOps.exif_transpose`);
 * - alpha is dropped, not composited (Pillow's `convert('RGB')` does the same);
 * - greyscale becomes RGB by copying the grey channel; CMYK is converted by libvips;
 * - embedded ICC profiles are ignored, as Pillow ignores them, so pixel values match the reference;
 * - 16-bit images are scaled to 8 bits (Pillow would clip them; see the README);
 * - float images (grey or RGB) are read as display values in 0..1 (or 0..255, 0..65535), not linear light.
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp';
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
    throw new FaceParseError('INPUT_UNREADABLE', `${name} is not an image faceparse can read (${shortSharpMessage(error)}); give ${FORMATS}`, { cause: error });
  }
  if (!metadata.format || !SUPPORTED_FORMATS.has(metadata.format)) {
    throw new FaceParseError('INPUT_UNREADABLE', `${name} is ${metadata.format ?? 'an unknown format'}, not a raster photo; give ${FORMATS}`);
  }
  const pixels = (metadata.width ?? 0) * (metadata.height ?? 0);
  if (pixels > maxPixels) {
    throw new FaceParseError(
      'INPUT_TOO_LARGE',
      `${name} is ${metadata.width}x${metadata.height} = ${pixels.toLocaleString('en')} pixels, over the limit of ${maxPixels.toLocaleString('en')}` +
        ' that guards against decompression bombs; raise maxInputPixels (CLI: --max-pixels) if the image is genuine',
    );
  }
  if (metadata.depth === 'complex' || metadata.depth === 'dpcomplex') {
    throw new FaceParseError('INPUT_UNREADABLE', `${name} holds complex numbers, not a photo; give a JPEG, PNG, WebP, TIFF, AVIF or GIF photo`);
  }
  // Float samples (TIFFs from scanners, HDR and science tools) are values, not 8-bit codes: read as they are.
  if (metadata.depth === 'float' || metadata.depth === 'double') return decodeFloat(bytes, name, maxPixels, metadata.space === 'scrgb');
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels, ignoreIcc: true, failOn: 'error', autoOrient: true })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const rgb = info.channels === 3 ? new Uint8Array(data.buffer, data.byteOffset, data.length) : toThreeChannels(data, info.channels);
    return { data: rgb, width: info.width, height: info.height };
  } catch (error) {
    throw new FaceParseError('INPUT_UNREADABLE', `${name} could not be decoded (${shortSharpMessage(error)}); the file may be truncated or corrupt`, {
      cause: error,
    });
  }
}

/**
 * A photo of float samples as 8-bit RGB. libvips would cast grey floats to 8 bits as they are (0..1
 * becomes black) and take RGB floats for linear light (scRGB) and gamma-encode them; a float photo
 * holds the same display values as its 8-bit version, scaled to 0..1 (the usual convention), 0..255
 * or 0..65535, which the largest sample tells apart. Values are clamped and rounded.
 */
async function decodeFloat(bytes: Uint8Array, name: string, maxPixels: number, scRgb: boolean): Promise<RgbImage> {
  let data: Buffer;
  let info: OutputInfo;
  try {
    let pipeline = sharp(bytes, { limitInputPixels: maxPixels, ignoreIcc: true, failOn: 'error', autoOrient: true });
    if (scRgb) pipeline = pipeline.pipelineColourspace('scrgb').toColourspace('scrgb');
    ({ data, info } = await pipeline.removeAlpha().raw({ depth: 'float' }).toBuffer({ resolveWithObject: true }));
  } catch (error) {
    throw new FaceParseError('INPUT_UNREADABLE', `${name} could not be decoded (${shortSharpMessage(error)}); the file may be truncated or corrupt`, {
      cause: error,
    });
  }
  const samples = new Float32Array(data.buffer, data.byteOffset, data.length / 4);
  let max = 0;
  for (const v of samples) if (v > max && Number.isFinite(v)) max = v;
  if (max > 65535) {
    throw new FaceParseError(
      'INPUT_UNREADABLE',
      `${name} has float samples up to ${max}; faceparse reads float photos whose values run 0..1 (or 0..255, 0..65535): convert it to 8 or 16 bits`,
    );
  }
  const scale = max <= 1 ? 255 : max <= 255 ? 1 : 255 / 65535;
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]! * scale;
    out[i] = v > 0 ? (v < 255 ? Math.round(v) : 255) : 0; // NaN and negatives: 0
  }
  return { data: info.channels === 3 ? out : toThreeChannels(out, info.channels), width: info.width, height: info.height };
}

function shortSharpMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim();
}
