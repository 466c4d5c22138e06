/** Browser pixels: RGB and grey bytes to ImageData for drawing, and ImageData to a PNG Blob through a canvas. */

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
