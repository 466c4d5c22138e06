/**
 * HEIC photos (iPhones' default) are HEIF files whose pictures are HEVC-compressed. sharp's
 * prebuilt libvips reads HEIF with AV1 pictures (AVIF) only, and on an HEVC picture it fails with
 * "bad seek ... corrupt header", as if a good photo were broken. The file type is in its `ftyp`
 * box, so faceparse can say what is really missing.
 */
import { loadSharp } from './sharp.js';

/** `ftyp` brands of HEVC-coded HEIF files (ISO/IEC 23008-12). */
const HEVC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);

/** True when the bytes start with an ISO-BMFF `ftyp` box naming an HEVC brand (major or compatible). */
export function isHevcHeif(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  const ascii = (at: number) => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
  if (ascii(4) !== 'ftyp') return false;
  const size = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const end = Math.min(bytes.length, size >= 16 ? size : 16);
  if (HEVC_BRANDS.has(ascii(8))) return true;
  for (let at = 16; at + 4 <= end; at += 4) if (HEVC_BRANDS.has(ascii(at))) return true;
  return false;
}

/** Whether this sharp (libvips + libheif) decodes HEVC pictures: it lists `.heic` among its HEIF suffixes then. */
export async function canDecodeHevc(): Promise<boolean> {
  const sharp = await loadSharp();
  const suffixes = (sharp.format.heif?.input as { fileSuffix?: string[] } | undefined)?.fileSuffix ?? [];
  return suffixes.includes('.heic');
}

export function heicMessage(name: string): string {
  return (
    `${name} is a HEIC photo (HEIF with HEVC pictures), and the image library faceparse uses (sharp's libvips) has no HEVC decoder, ` +
    'only AV1 for AVIF, so it cannot be read; the file is probably fine: convert it to JPEG or PNG first ' +
    '(e.g. `heif-convert photo.heic photo.jpg`, or export it from Photos), or install sharp over a global libvips built with libheif and libde265'
  );
}
