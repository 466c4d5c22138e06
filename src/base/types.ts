/** Public types of the faceparse library. */

/** Raw interleaved pixels. channels defaults to 3 (RGB); 4 is RGBA (alpha is dropped), 1 is grey. */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels?: 1 | 3 | 4;
}

/** What `parse` accepts: a file path, encoded bytes in any Uint8Array (JPEG/PNG/WebP/TIFF/AVIF/GIF), or raw pixels. */
export type ImageInput = string | Uint8Array | RawImage;

/** ONNX variants of the transformers.js export layout. */
export type ModelVariant = 'fp32' | 'fp16' | 'q8';

export type Device = 'cpu' | 'cuda';

/** A decoded photo: interleaved 8-bit RGB, width * height * 3 bytes. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Model output: batch x classes x height x width float32 logits (1/4 of the model input for SegFormer). */
export interface Logits {
  data: Float32Array;
  batch: number;
  classes: number;
  height: number;
  width: number;
}

/** A decoded label map. */
export interface LabelMap {
  /** Class ids, `width * height`, row-major. */
  mask: Uint8Array;
  width: number;
  height: number;
  /** The PNG's palette as flat RGB (3 bytes per entry) when it was a palette PNG. */
  palette?: Uint8Array;
}
