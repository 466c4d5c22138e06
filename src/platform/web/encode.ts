/**
 * Browser encoders: RGB bytes to ImageData and PNG Blobs through a canvas, and the 8-bit greyscale
 * label PNG with fast-png (a canvas only writes RGBA PNGs, and class ids must survive exactly).
 */
import { encode as encodePng } from 'fast-png';

/** Interleaved RGB to an opaque ImageData. */
export function rgbToImageData(rgb: Uint8Array, width: number, height: number): ImageData {
  const n = width * height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0, p = 0, q = 0; i < n; i++, p += 3, q += 4) {
    rgba[q] = rgb[p]!;
    rgba[q + 1] = rgb[p + 1]!;
    rgba[q + 2] = rgb[p + 2]!;
    rgba[q + 3] = 255;
  }
  return new ImageData(rgba, width, height, { colorSpace: 'srgb' });
}

/** One grey level per pixel (0..255) to an opaque ImageData, e.g. a class mask or a confidence map. */
export function greyToImageData(grey: Uint8Array, width: number, height: number): ImageData {
  const n = width * height;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let i = 0, q = 0; i < n; i++, q += 4) {
    const v = grey[i]!;
    rgba[q] = v;
    rgba[q + 1] = v;
    rgba[q + 2] = v;
    rgba[q + 3] = 255;
  }
  return new ImageData(rgba, width, height, { colorSpace: 'srgb' });
}

/** An ImageData as a PNG Blob (opaque pixels are written exactly). */
export async function imageDataToPng(image: ImageData): Promise<Blob> {
  const canvas = new OffscreenCanvas(image.width, image.height);
  const context = canvas.getContext('2d', { colorSpace: 'srgb' });
  if (!context) throw new Error('this browser gave no 2D canvas context to encode a PNG');
  context.putImageData(image, 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

/** 8-bit greyscale PNG whose pixel values are the mask's values (class ids). */
export function greyPng(mask: Uint8Array, width: number, height: number): Blob {
  const bytes = encodePng({ width, height, data: mask, channels: 1, depth: 8 }, { zlib: { level: 6 } });
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' });
}
