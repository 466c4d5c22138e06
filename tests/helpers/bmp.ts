/**
 * A BMP writer for tests: the layouts faceparse's decoder (src/image/bmp.ts) must read, written
 * independently of it from the format's description (palettes, bit fields, RLE8, the OS/2 core header).
 */
export interface BmpLayout {
  bits: 1 | 4 | 8 | 16 | 24 | 32;
  /** DIB header size: 12 (OS/2 core), 40 (BITMAPINFOHEADER), 108 (v4) or 124 (v5). Default 40. */
  header?: 12 | 40 | 108 | 124;
  topDown?: boolean;
  /** R, G, B (and A) masks for 16/32 bits: written as BI_BITFIELDS; alpha is opaque (a browser canvas premultiplies, so only opaque pixels compare exactly). */
  masks?: [number, number, number] | [number, number, number, number];
  /** RLE8 compression (8 bits, bottom-up only). */
  rle8?: boolean;
}

export interface Rgb {
  data: Uint8Array;
  width: number;
  height: number;
}

function paletteOf(image: Rgb, bits: number): { colours: number[]; index: Map<number, number> } {
  const index = new Map<number, number>();
  const colours: number[] = [];
  for (let p = 0; p < image.data.length; p += 3) {
    const c = (image.data[p]! << 16) | (image.data[p + 1]! << 8) | image.data[p + 2]!;
    if (!index.has(c)) {
      index.set(c, colours.length);
      colours.push(c);
    }
  }
  if (colours.length > 1 << bits) throw new Error(`${colours.length} colours do not fit ${bits} bits`);
  return { colours, index };
}

function pack(value: number, mask: number): number {
  if (mask === 0) return 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return ((Math.round((value * max) / 255) << shift) & mask) >>> 0;
}

function rle8Row(indices: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < indices.length) {
    let run = 1;
    while (i + run < indices.length && indices[i + run] === indices[i] && run < 255) run++;
    if (run >= 2) {
      out.push(run, indices[i]!);
      i += run;
      continue;
    }
    // A literal run (absolute mode) of at least 3 pixels that do not repeat, padded to 16 bits.
    let length = 1;
    while (i + length < indices.length && length < 255 && indices[i + length] !== indices[i + length + 1]) length++;
    if (length < 3) {
      for (let k = 0; k < length; k++) out.push(1, indices[i + k]!);
    } else {
      out.push(0, length, ...indices.slice(i, i + length));
      if (length % 2) out.push(0);
    }
    i += length;
  }
  out.push(0, 0); // end of line
  return out;
}

export function encodeBmp(image: Rgb, layout: BmpLayout): Uint8Array {
  const { width, height } = image;
  const header = layout.header ?? 40;
  const { bits } = layout;
  const palette = bits <= 8 ? paletteOf(image, bits) : undefined;
  const entrySize = header === 12 ? 3 : 4;
  const paletteBytes = palette ? (header === 12 ? 1 << bits : palette.colours.length) * entrySize : 0;
  const maskBytes = layout.masks && header === 40 ? layout.masks.length * 4 : 0;
  const pixelOffset = 14 + header + maskBytes + paletteBytes;
  const stride = Math.ceil((width * bits) / 32) * 4;
  const colourAt = (x: number, y: number): [number, number, number] => {
    const p = (y * width + x) * 3;
    return [image.data[p]!, image.data[p + 1]!, image.data[p + 2]!];
  };

  let pixels: number[];
  if (layout.rle8) {
    pixels = [];
    for (let row = height - 1; row >= 0; row--) {
      const indices: number[] = [];
      for (let x = 0; x < width; x++) {
        const [r, g, b] = colourAt(x, row);
        indices.push(palette!.index.get((r << 16) | (g << 8) | b)!);
      }
      pixels.push(...rle8Row(indices));
    }
    pixels.push(0, 1); // end of picture
  } else {
    pixels = new Array<number>(stride * height).fill(0);
    for (let y = 0; y < height; y++) {
      const row = (layout.topDown ? y : height - 1 - y) * stride;
      for (let x = 0; x < width; x++) {
        const [r, g, b] = colourAt(x, y);
        if (palette) {
          const i = palette.index.get((r << 16) | (g << 8) | b)!;
          const bit = x * bits;
          pixels[row + (bit >> 3)] |= i << (8 - bits - (bit & 7));
        } else if (bits === 24) {
          pixels[row + x * 3] = b;
          pixels[row + x * 3 + 1] = g;
          pixels[row + x * 3 + 2] = r;
        } else {
          const masks = layout.masks ?? (bits === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff]);
          let v = (pack(r, masks[0]) | pack(g, masks[1]) | pack(b, masks[2]) | (masks[3] ? pack(255, masks[3]) : 0)) >>> 0;
          for (let k = 0; k < bits / 8; k++, v >>>= 8) pixels[row + (x * bits) / 8 + k] = v & 255;
        }
      }
    }
  }

  const bytes = new Uint8Array(pixelOffset + pixels.length);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42;
  bytes[1] = 0x4d;
  view.setUint32(2, bytes.length, true);
  view.setUint32(10, pixelOffset, true);
  view.setUint32(14, header, true);
  if (header === 12) {
    view.setUint16(18, width, true);
    view.setUint16(20, height, true);
    view.setUint16(22, 1, true);
    view.setUint16(24, bits, true);
  } else {
    view.setInt32(18, width, true);
    view.setInt32(22, layout.topDown ? -height : height, true);
    view.setUint16(26, 1, true);
    view.setUint16(28, bits, true);
    const compression = layout.rle8 ? 1 : layout.masks ? (layout.masks.length === 4 && header === 40 ? 6 : 3) : 0;
    view.setUint32(30, compression, true);
    view.setUint32(34, pixels.length, true);
    view.setInt32(38, 2835, true);
    view.setInt32(42, 2835, true);
    view.setUint32(46, palette ? palette.colours.length : 0, true);
    if (layout.masks) layout.masks.forEach((m, i) => view.setUint32(54 + i * 4, m >>> 0, true));
    if (header >= 108) view.setUint32(70, 0x73524742, true); // 'sRGB'
  }
  if (palette) {
    const start = 14 + header + maskBytes;
    palette.colours.forEach((c, i) => {
      bytes[start + i * entrySize] = c & 255;
      bytes[start + i * entrySize + 1] = (c >> 8) & 255;
      bytes[start + i * entrySize + 2] = (c >> 16) & 255;
    });
  }
  bytes.set(pixels, pixelOffset);
  return bytes;
}

/** A `width`x`height` picture of `colours` distinct colours in blocks, every row different. */
export function blocks(width: number, height: number, colours: number): Rgb {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = (Math.floor(x / 3) + y * 5) % colours;
      const p = (y * width + x) * 3;
      data[p] = (c * 37) & 255;
      data[p + 1] = (c * 91 + 17) & 255;
      data[p + 2] = (255 - c * 53) & 255;
    }
  }
  return { data, width, height };
}
