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
import { FaceParseError } from '../../base/errors.js';
import type { RawImage, RgbImage } from '../../base/types.js';
import { checkImageInput, DEFAULT_MAX_INPUT_PIXELS, rawToRgb } from '../../image/raw.js';
import { DEFAULT_MAX_INPUT_BYTES } from '../../options/parserOptions.js';

/**
 * What the web FaceParser accepts. A string is a URL (absolute, or relative to the page); a
 * Uint8Array holds an encoded photo (JPEG, PNG, WebP...); a RawImage is raw pixels, as in Node.
 */
export type WebImageInput =
  | Blob
  | Uint8Array
  | RawImage
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
  /** Largest encoded input (Blob, bytes, fetched URL) in bytes. Default 1 GiB (as Node's path inputs). */
  maxInputBytes?: number;
  /** fetch for URL inputs (default: the global fetch). */
  fetch?: typeof fetch;
}

type BitmapSource = Exclude<WebImageInput, string | ImageData | Uint8Array | RawImage>;

function checkBytes(size: number, maxBytes: number, name: string): void {
  if (size > maxBytes) {
    throw new FaceParseError('INPUT_TOO_LARGE', `${name} is ${size} bytes, over maxInputBytes (${maxBytes}); pass a smaller file or raise maxInputBytes`);
  }
}

const BITMAP_OPTIONS: ImageBitmapOptions = {
  imageOrientation: 'from-image',
  premultiplyAlpha: 'none',
  colorSpaceConversion: 'none',
};

const BROWSER_KINDS = [
  'Blob',
  'ImageBitmap',
  'ImageData',
  'HTMLImageElement',
  'HTMLCanvasElement',
  'OffscreenCanvas',
  'HTMLVideoElement',
  'VideoFrame',
] as const;

/** True for the browser's own image kinds (those that exist in this browser). */
function isBrowserImage(input: unknown): boolean {
  return BROWSER_KINDS.some((kind) => {
    const type = (globalThis as unknown as Record<string, unknown>)[kind];
    return typeof type === 'function' && input instanceof (type as new () => unknown);
  });
}

/**
 * Throws INVALID_ARGUMENT for a value the browser FaceParser cannot take: the browser's image kinds
 * pass, the rest are checked as Node checks them (a URL string, encoded bytes, raw pixels).
 */
export function checkWebInput(input: unknown): void {
  if (isBrowserImage(input)) return;
  try {
    checkImageInput(input);
  } catch (error) {
    const e = error as FaceParseError;
    throw new FaceParseError(
      e.code,
      `${e.message}; in the browser also a Blob/File, ImageBitmap, ImageData, <img>, <canvas>, OffscreenCanvas, <video> or VideoFrame`,
    );
  }
}

/** A short name for an input in messages. */
export function describeWebInput(input: WebImageInput): string {
  if (typeof input === 'string') return input;
  if (typeof File !== 'undefined' && input instanceof File) return input.name || `file of ${input.size} bytes`;
  if (input instanceof Blob) return `blob of ${input.size} bytes${input.type ? ` (${input.type})` : ''}`;
  if (input instanceof Uint8Array) return `buffer of ${input.length} bytes`;
  if (isRawImage(input)) return `raw image ${input.width}x${input.height}`;
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

function isRawImage(input: unknown): input is RawImage {
  if (typeof input !== 'object' || input === null) return false;
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) return false;
  const data = (input as RawImage).data;
  return (data instanceof Uint8Array || data instanceof Uint8ClampedArray) && typeof (input as RawImage).width === 'number';
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

async function toBitmap(input: BitmapSource, name: string): Promise<ImageBitmap> {
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
  const maxBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
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
      throw new FaceParseError(
        'INPUT_UNREADABLE',
        `could not fetch ${input} (${(error as Error).message}); check the URL and that its server allows this origin (CORS)`,
        { cause: error },
      );
    }
    if (!response.ok) throw new FaceParseError('INPUT_UNREADABLE', `fetching ${input} answered HTTP ${response.status}; check the URL`);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > maxBytes) {
      await response.body?.cancel();
      checkBytes(declared, maxBytes, input);
    }
    return decodeWebImage(await response.blob(), options);
  }
  if (input instanceof Uint8Array) {
    if (input.length === 0) throw new FaceParseError('INPUT_EMPTY', `${name} is empty`);
    checkBytes(input.length, maxBytes, name);
    return decodeWebImage(new Blob([input as Uint8Array<ArrayBuffer>]), options);
  }
  if (isRawImage(input)) return rawToRgb(input, maxPixels);
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) {
    checkSize(input.width, input.height, maxPixels, name);
    return rgbaToRgb(input.data, input.width, input.height);
  }
  if (input instanceof Blob && input.size === 0) throw new FaceParseError('INPUT_EMPTY', `${name} is empty`);
  if (input instanceof Blob) checkBytes(input.size, maxBytes, name);
  const isBitmap = typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap;
  const bitmap = isBitmap ? (input as ImageBitmap) : await toBitmap(input as BitmapSource, name);
  try {
    checkSize(bitmap.width, bitmap.height, maxPixels, name);
    return bitmapToRgb(bitmap);
  } finally {
    if (!isBitmap) bitmap.close(); // the caller's own bitmap stays theirs
  }
}
