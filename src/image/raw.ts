/** Raw pixel inputs: checks, channel conversion and the size guard, shared by every platform's decoder. */
import { FaceParseError } from '../base/errors.js';
import type { ImageInput, RawImage, RgbImage } from '../base/types.js';
import { DEFAULT_MAX_INPUT_PIXELS } from '../options/parserOptions.js';

/** 100 megapixels (a 10000 x 10000 photo), said in src/options: beyond it an input is treated as a decompression bomb. */
export { DEFAULT_MAX_INPUT_PIXELS };

export interface DecodeOptions {
  maxInputPixels?: number;
  /** Largest file read for a path input, in bytes (default 1 GiB). */
  maxInputBytes?: number;
}

/** A short name for an input in messages: its path, or what kind of value it is (whatever it is). */
export function describeInput(input: ImageInput): string {
  const value = input as unknown;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return `buffer of ${value.length} bytes`;
  if (value !== null && typeof value === 'object' && 'width' in value && 'height' in value) {
    return `raw image ${String((value as RawImage).width)}x${String((value as RawImage).height)}`;
  }
  return value === null ? 'null' : typeof value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a plain Array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (value instanceof ArrayBuffer) return 'an ArrayBuffer';
  return typeof value === 'object' ? `an object with keys [${Object.keys(value as object).join(', ')}]` : `a ${typeof value}`;
}

/**
 * What a raw `data` must be: 8-bit values, one byte per channel (Uint8Array or Uint8ClampedArray,
 * 0-255). Other arrays are refused rather than guessed at: a Float32Array could hold 0-1 or 0-255,
 * a Uint16Array 10-, 12- or 16-bit values; each message says how to convert.
 */
function checkRawData(data: unknown): void {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return;
  const hint =
    data instanceof Float32Array || data instanceof Float64Array
      ? 'for floats in 0-1 use Uint8ClampedArray.from(data, (v) => v * 255); for floats in 0-255 use Uint8ClampedArray.from(data)'
      : data instanceof Uint16Array
        ? 'for 16-bit values use Uint8Array.from(data, (v) => v >> 8)'
        : Array.isArray(data)
          ? 'for numbers 0-255 use Uint8ClampedArray.from(data)'
          : 'pass the pixels as a Uint8Array or Uint8ClampedArray';
  throw new FaceParseError(
    'INVALID_ARGUMENT',
    `raw image data is ${typeName(data)}; faceparse takes 8-bit pixels (Uint8Array or Uint8ClampedArray, 0-255, interleaved): ${hint}`,
  );
}

/**
 * Checks that a value is an input faceparse accepts (a path, encoded bytes, raw pixels), so that
 * `null`, a number or an object without pixels fails with a FaceParseError rather than a TypeError.
 */
export function checkImageInput(input: unknown): asserts input is ImageInput {
  if (typeof input === 'string') {
    if (input === '') throw new FaceParseError('INVALID_ARGUMENT', 'the input is an empty string; give a file path, encoded image bytes or raw pixels');
    return;
  }
  if (input instanceof Uint8Array) return;
  if (input !== null && typeof input === 'object' && !ArrayBuffer.isView(input) && !Array.isArray(input)) {
    const raw = input as Partial<RawImage>;
    if (raw.data === undefined || raw.width === undefined || raw.height === undefined) {
      throw new FaceParseError(
        'INVALID_ARGUMENT',
        `the input is ${typeName(input)}; raw pixels need { data, width, height, channels? } (data: Uint8Array of width*height*channels bytes)`,
      );
    }
    checkRawData(raw.data);
    return;
  }
  throw new FaceParseError(
    'INVALID_ARGUMENT',
    `the input is ${typeName(input)}; give a file path, encoded image bytes (a Uint8Array) or raw pixels { data, width, height, channels? }`,
  );
}

export function toThreeChannels(data: Uint8Array, channels: number): Uint8Array {
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

export function rawToRgb(image: RawImage, maxPixels: number): RgbImage {
  checkImageInput(image);
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
