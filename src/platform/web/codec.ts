/**
 * The browser ImageCodec (the platform seam's encoders), so the shared renderer
 * (src/outputs/render.ts) writes the same outputs as in Node: PNGs by fast-png (exact 8-bit grey
 * and RGB, which a canvas cannot write: it only makes RGBA PNGs), JPEG by a canvas, and the colour
 * map's SVG legend drawn by the browser (main thread: an <img> renders SVG; fonts are the
 * browser's, so a legend's pixels can differ from Node's, never the label colours).
 */
import { encode as encodePng } from 'fast-png';
import { FaceParseError } from '../../base/errors.js';
import type { ImageCodec } from '../types.js';
import { rgbToImageData } from './imageData.js';

function context2d(canvas: OffscreenCanvas): OffscreenCanvasRenderingContext2D {
  const context = canvas.getContext('2d', { colorSpace: 'srgb', willReadFrequently: true });
  if (!context) throw new FaceParseError('DEVICE_UNAVAILABLE', 'this browser gave no 2D canvas context; faceparse needs OffscreenCanvas 2D');
  return context;
}

/** The SVG drawn at its own size on a canvas. */
async function drawSvg(svg: string, background?: string): Promise<OffscreenCanvas> {
  if (typeof Image === 'undefined') {
    throw new FaceParseError(
      'DEVICE_UNAVAILABLE',
      'drawing the colour-map legend needs a page (an <img> renders SVG); in a worker use the colour ImageData, which has no legend',
    );
  }
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = new OffscreenCanvas(image.naturalWidth, image.naturalHeight);
    const context = context2d(canvas);
    if (background !== undefined) {
      context.fillStyle = background;
      context.fillRect(0, 0, canvas.width, canvas.height);
    }
    context.drawImage(image, 0, 0);
    return canvas;
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function canvasBytes(canvas: OffscreenCanvas, type: string, quality?: number): Promise<Uint8Array> {
  const blob = await canvas.convertToBlob({ type, ...(quality === undefined ? {} : { quality }) });
  return new Uint8Array(await blob.arrayBuffer());
}

export const webCodec: ImageCodec = {
  async encodePng(pixels, width, height, channels, options = {}) {
    // fast-png deflates with fflate; its levels are zlib's 0-9 as sharp's compressionLevel.
    const level = Math.min(9, Math.max(0, options.compressionLevel ?? 6)) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
    return encodePng({ width, height, data: pixels, channels, depth: 8 }, { zlib: { level } });
  },
  async encodeJpeg(pixels, width, height, quality) {
    const canvas = new OffscreenCanvas(width, height);
    context2d(canvas).putImageData(rgbToImageData(pixels, width, height), 0, 0);
    return canvasBytes(canvas, 'image/jpeg', quality / 100);
  },
  async svgToPng(svg) {
    return canvasBytes(await drawSvg(svg), 'image/png');
  },
  async rasterizeSvg(svg, options = {}) {
    const canvas = await drawSvg(svg, options.background);
    const rgba = context2d(canvas).getImageData(0, 0, canvas.width, canvas.height, { colorSpace: 'srgb' }).data;
    const n = canvas.width * canvas.height;
    const data = new Uint8Array(n * 3);
    // Alpha is dropped, as the Node codec drops it (the legend's default background is opaque).
    for (let i = 0, p = 0, q = 0; i < n; i++, p += 4, q += 3) {
      data[q] = rgba[p]!;
      data[q + 1] = rgba[p + 1]!;
      data[q + 2] = rgba[p + 2]!;
    }
    return { data, width: canvas.width, height: canvas.height };
  },
};
