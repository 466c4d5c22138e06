/** Raw pixel inputs: checks, channel conversion and the size guard, shared by every platform's decoder. */
import { FaceParseError } from '../base/errors.js';
import type { ImageInput, RawImage, RgbImage } from '../base/types.js';

/** 100 megapixels: a 10000 x 10000 photo; beyond that an input is treated as a decompression bomb. */
export const DEFAULT_MAX_INPUT_PIXELS = 100_000_000;

export interface DecodeOptions {
  maxInputPixels?: number;
}

/** A short name for an input in messages: its path, or what kind of value it is. */
export function describeInput(input: ImageInput): string {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) return `buffer of ${input.length} bytes`;
  return `raw image ${input.width}x${input.height}`;
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
