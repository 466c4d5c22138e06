/** Public types of the faceparse library. */

/** Raw interleaved pixels. channels defaults to 3 (RGB); 4 is RGBA (alpha is dropped), 1 is grey. */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels?: 1 | 3 | 4;
}

/** What `parse` accepts: a file path, encoded bytes (JPEG/PNG/WebP/TIFF/AVIF/GIF), or raw pixels. */
export type ImageInput = string | Buffer | Uint8Array | RawImage;

/** ONNX variants of the transformers.js export layout. */
export type ModelVariant = 'fp32' | 'fp16' | 'q8';

export type Device = 'cpu' | 'cuda';
