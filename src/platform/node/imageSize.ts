/**
 * The pixel count of encoded image bytes from their header alone (sharp's metadata reads no pixel
 * data), so a service can budget memory for a photo before decoding it. Undefined when the header
 * cannot be read: the decoder then gives the precise error.
 */
import { bmpSize } from '../../image/bmp.js';
import { loadSharp } from './sharp.js';

export async function readImageSize(bytes: Uint8Array): Promise<{ width: number; height: number } | undefined> {
  const bmp = bmpSize(bytes);
  if (bmp) return bmp;
  const sharp = await loadSharp();
  try {
    const { width, height } = await sharp(bytes, { limitInputPixels: false }).metadata();
    return width && height ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}

export async function readPixelCount(bytes: Uint8Array): Promise<number | undefined> {
  const size = await readImageSize(bytes);
  return size && size.width * size.height;
}
