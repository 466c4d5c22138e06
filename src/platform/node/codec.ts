/** The Node ImageCodec: sharp (libvips) encoders, the exact calls the PNG outputs have always used. */
import type { ImageCodec } from '../types.js';
import { loadSharp } from './sharp.js';

export const nodeCodec: ImageCodec = {
  async encodePng(pixels, width, height, channels, options = {}) {
    const sharp = await loadSharp();
    const image = sharp(pixels, { raw: { width, height, channels } });
    // Without toColourspace('b-w') sharp 0.35 writes one-channel input as an RGB PNG (3x the bytes, and not a label map).
    return (channels === 1 ? image.toColourspace('b-w') : image)
      .png({ compressionLevel: options.compressionLevel, ...(options.adaptiveFiltering === undefined ? {} : { adaptiveFiltering: options.adaptiveFiltering }) })
      .toBuffer();
  },
  async encodeJpeg(pixels, width, height, quality) {
    const sharp = await loadSharp();
    return sharp(pixels, { raw: { width, height, channels: 3 } })
      .jpeg({ quality })
      .toBuffer();
  },
  async svgToPng(svg, options = {}) {
    const sharp = await loadSharp();
    return sharp(Buffer.from(svg)).png({ compressionLevel: options.compressionLevel }).toBuffer();
  },
  async rasterizeSvg(svg, options = {}) {
    const sharp = await loadSharp();
    const image = sharp(Buffer.from(svg));
    // The legend's default background is opaque, so dropping alpha is exact (and cheaper than flatten).
    const { data, info } = await (options.background === undefined ? image.removeAlpha() : image.flatten({ background: options.background }))
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  },
};
