/**
 * The platform seam: everything the pipeline needs from its host (reading inputs, decoding and
 * encoding images, running the model) behind one small interface. `node/` implements it with fs,
 * sharp and onnxruntime-node; a browser implementation uses fetch, canvas/ImageBitmap and
 * onnxruntime-web. Everything else (the Pillow-exact resize, preprocessing, upsample + arg-max,
 * metrics, palettes) is pure and shared.
 */
import type { Device, ImageInput, Logits, RgbImage } from '../base/types.js';
import type { DecodeOptions } from '../image/raw.js';
import type { TensorRunner } from '../faces/types.js';

export interface SessionOptions {
  /** Intra-op threads (default: onnxruntime's choice, one per core). */
  threads?: number;
  /** Let idle worker threads spin between operators (onnxruntime's default). */
  spinning?: boolean;
  device?: Device;
  /** Expected number of output channels (the config's label count). */
  numLabels: number;
}

/** A loaded segmentation model: float32 NCHW pixel values in, float32 logits out, whatever the file's own types. */
export interface SegmentationSession {
  readonly modelPath: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputType: 'float32' | 'float16';
  readonly device: Device;
  /** Runs the model on `batch` images of height x width (NCHW float32). */
  run(pixelValues: Float32Array, batch: number, height: number, width: number): Promise<Logits>;
  release(): Promise<void>;
}

/** Encoders of raw 8-bit pixels, and the SVG rasteriser the colour-map legend needs. */
export interface ImageCodec {
  /** A PNG of `channels`-channel pixels (1: greyscale, 3: RGB). */
  encodePng(
    pixels: Uint8Array,
    width: number,
    height: number,
    channels: 1 | 3,
    options?: { compressionLevel?: number; adaptiveFiltering?: boolean },
  ): Promise<Uint8Array>;
  encodeJpeg(pixels: Uint8Array, width: number, height: number, quality: number): Promise<Uint8Array>;
  /** RGB pixels of an SVG drawn at its own size; transparent areas are composited on `background` when given, else alpha is dropped. */
  /** The SVG drawn at its own size as an RGBA PNG. */
  svgToPng(svg: string, options?: { compressionLevel?: number }): Promise<Uint8Array>;
  rasterizeSvg(svg: string, options?: { background?: string }): Promise<{ data: Uint8Array; width: number; height: number }>;
}

/**
 * The pure pixel loops whose cost grows with the photo, run across the platform's cores in row
 * bands; the bytes equal those of the single-threaded functions (image/resize.ts resizePil,
 * postprocess/upsampleArgmax.ts upsampleArgmax).
 */
export interface ParallelLoops {
  resize(src: Uint8Array, width: number, height: number, channels: number, outWidth: number, outHeight: number, resample: number): Promise<Uint8Array>;
  upsampleArgmax(logits: Float32Array, classes: number, height: number, width: number, outHeight: number, outWidth: number): Promise<Uint8Array>;
}

export interface Platform {
  readonly name: string;
  /** Decode a photo (path, bytes or raw pixels) to 8-bit RGB, EXIF orientation applied, as the reference's loader does. */
  decodeImage(input: ImageInput, options?: DecodeOptions): Promise<RgbImage>;
  /** Start a model session on this platform's runtime. */
  createSession(modelPath: string, options: SessionOptions): Promise<SegmentationSession>;
  readonly codec: ImageCodec;
  /**
   * Throws INVALID_ARGUMENT for a value this platform cannot take as a photo. Default
   * `checkImageInput` (paths, encoded bytes, raw pixels); the browser also takes Blobs, bitmaps,
   * images, canvases and video frames.
   */
  checkInput?(input: unknown): void;
  /** A short name for an input in messages. Default `describeInput`. */
  describeInput?(input: unknown): string;
  /** Row-band versions of the large pixel loops, where the platform has threads for them. */
  readonly parallel?: ParallelLoops;
  /**
   * Start the face detector (BlazeFace back-256, src/faces) on this platform's runtime, for
   * parse({ faces: 'auto' | 'on' }). A platform without one can still parse whole photos, or take a
   * detector in FaceParserOptions.detector.
   */
  createFaceDetector?(options?: { threads?: number }): Promise<TensorRunner>;
}
