/**
 * Decoding browser images to 8-bit RGB with the rules of the Node decoder (src/image/decode.ts),
 * so that label maps agree:
 * - EXIF orientation is applied (`imageOrientation: 'from-image'`);
 * - embedded ICC profiles are ignored (`colorSpaceConversion: 'none'`), as Pillow and the Node
 *   decoder ignore them, and pixels are read back as sRGB with no conversion;
 * - alpha is dropped, not composited. The bitmap keeps unpremultiplied values
 *   (`premultiplyAlpha: 'none'`); a canvas stores premultiplied pixels, so a translucent pixel's
 *   colour can come back rounded (opaque pixels, i.e. every JPEG, are exact).
 */
import { FaceParseError } from '../../core/errors.js';
import type { RgbImage } from '../../image/decode.js';

/** Node's default (src/image/decode.ts, which imports sharp and so cannot be bundled here). */
const DEFAULT_MAX_INPUT_PIXELS = 100_000_000;

/** What the web FaceParser accepts. A string is a URL (absolute, or relative to the page). */
export type WebImageInput =
  | Blob
  | string
  | ImageBitmap
  | ImageData
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | HTMLVideoElement
  | VideoFrame;

export interface WebDecodeOptions {
  /** Largest accepted input in pixels. Default 100 000 000 (as in Node). */
  maxInputPixels?: number;
  /** fetch for URL inputs (default: the global fetch). */
  fetch?: typeof fetch;
}

const BITMAP_OPTIONS: ImageBitmapOptions = {
  imageOrientation: 'from-image',
  premultiplyAlpha: 'none',
  colorSpaceConversion: 'none',
};

/** A short name for an input in messages. */
export function describeWebInput(input: WebImageInput): string {
  if (typeof input === 'string') return input;
  if (typeof File !== 'undefined' && input instanceof File) return input.name || `file of ${input.size} bytes`;
  if (input instanceof Blob) return `blob of ${input.size} bytes${input.type ? ` (${input.type})` : ''}`;
  const name = (input as object).constructor?.name ?? typeof input;
  return name;
}

function checkSize(width: number, height: number, maxPixels: number, name: string): void {
  if (width === 0 || height === 0) {
    throw new FaceParseError('INPUT_EMPTY', `${name} has no pixels (${width}x${height}); for a video or image element, wait until it has loaded`);
  }
  if (width * height > maxPixels) {
    throw new FaceParseError(
      'INPUT_TOO_LARGE',
      `${name} is ${width}x${height} = ${width * height} pixels, over maxInputPixels (${maxPixels}); downscale it or raise maxInputPixels`,
    );
  }
}

/** RGBA (ImageData layout) to interleaved RGB, dropping alpha. */
export function rgbaToRgb(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number): RgbImage {
  const n = width * height;
  const data = new Uint8Array(n * 3);
  for (let i = 0, p = 0, q = 0; i < n; i++, p += 4, q += 3) {
    data[q] = rgba[p]!;
    data[q + 1] = rgba[p + 1]!;
    data[q + 2] = rgba[p + 2]!;
  }
  return { data, width, height };
}

/** The pixels of a bitmap, read through a 2D canvas with no colour conversion. */
export function bitmapToRgb(bitmap: ImageBitmap): RgbImage {
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { colorSpace: 'srgb', willReadFrequently: true, alpha: true });
  if (!context) throw new FaceParseError('INPUT_UNREADABLE', 'this browser gave no 2D canvas context to read the image pixels');
  context.drawImage(bitmap, 0, 0);
  const pixels = context.getImageData(0, 0, width, height, { colorSpace: 'srgb' });
  return rgbaToRgb(pixels.data, width, height);
}

async function toBitmap(input: Exclude<WebImageInput, string | ImageData>, name: string): Promise<ImageBitmap> {
  if (typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement && !input.complete) {
    await input.decode().catch(() => undefined); // a broken image fails in createImageBitmap below
  }
  try {
    return await createImageBitmap(input, BITMAP_OPTIONS);
  } catch (error) {
    const what = input instanceof Blob ? 'not an image format this browser decodes (JPEG, PNG, WebP, GIF, AVIF, BMP) or a damaged file' : 'not decodable';
    throw new FaceParseError('INPUT_UNREADABLE', `${name} is ${what} (${(error as Error).message}); pass a JPEG, PNG or WebP photo`, { cause: error });
  }
}

/** Decode any web input to RGB, applying EXIF orientation and dropping alpha. */
export async function decodeWebImage(input: WebImageInput, options: WebDecodeOptions = {}): Promise<RgbImage> {
  const maxPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const name = describeWebInput(input);
  if (input === null || input === undefined) {
    throw new FaceParseError('INVALID_ARGUMENT', 'parse needs an image: a Blob/File, URL, ImageBitmap, ImageData, image, canvas, video or VideoFrame');
  }
  if (typeof input === 'string') {
    const fetchImpl = options.fetch ?? fetch;
    let response: Response;
    try {
      response = await fetchImpl(input);
    } catch (error) {
      throw new FaceParseError('INPUT_UNREADABLE', `could not fetch ${input} (${(error as Error).message}); check the URL and that its server allows this origin (CORS)`, { cause: error });
    }
    if (!response.ok) throw new FaceParseError('INPUT_UNREADABLE', `fetching ${input} answered HTTP ${response.status}; check the URL`);
    return decodeWebImage(await response.blob(), options);
  }
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) {
    checkSize(input.width, input.height, maxPixels, name);
    return rgbaToRgb(input.data, input.width, input.height);
  }
  if (input instanceof Blob && input.size === 0) throw new FaceParseError('INPUT_EMPTY', `${name} is empty`);
  const isBitmap = typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap;
  const bitmap = isBitmap ? (input as ImageBitmap) : await toBitmap(input as Exclude<WebImageInput, string | ImageData>, name);
  try {
    checkSize(bitmap.width, bitmap.height, maxPixels, name);
    return bitmapToRgb(bitmap);
  } finally {
    if (!isBitmap) bitmap.close(); // the caller's own bitmap stays theirs
  }
}
