/**
 * Pure pixel functions for label maps: no sharp, no Node APIs, so the browser build can reuse them.
 * Every function reads its inputs and writes a new (or caller-given) output; inputs are never modified.
 *
 * A mask is a `Uint8Array` of `width * height` class ids, row-major. RGB images are interleaved
 * `width * height * 3` bytes.
 */
import { FaceParseError } from '../base/errors.js';
import { runEnd, wordView } from '../base/maskRuns.js';
import { resolvePalette, type PaletteInput } from './palette.js';
import { checkOption } from '../options/checkOption.js';
import { alphaOption, DEFAULT_ALPHA } from '../options/parseOptions.js';

/** Throws INVALID_ARGUMENT unless `mask` is a `Uint8Array` of `width * height` values. */
export function checkMask(where: string, mask: unknown, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FaceParseError('INVALID_ARGUMENT', `${where}: width and height must be positive integers; got ${String(width)}x${String(height)}`);
  }
  if (!(mask instanceof Uint8Array)) {
    throw new FaceParseError('INVALID_ARGUMENT', `${where}: mask must be a Uint8Array of class ids (one byte per pixel)`);
  }
  if (mask.length !== width * height) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `${where}: mask has ${mask.length} values but width*height is ${width * height} (${width}x${height}); ` + 'pass the category mask of the same size',
    );
  }
}

function checkOut(where: string, out: Uint8Array, expected: number): void {
  if (!(out instanceof Uint8Array) || out.length !== expected) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `${where}: out must be a Uint8Array of ${expected} bytes; got ${out instanceof Uint8Array ? out.length : typeof out}`,
    );
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The table packed as little-endian words r | g << 8 | b << 16, one per class id. */
function packedTable(table: Uint8Array): Uint32Array {
  const lut = new Uint32Array(256);
  for (let k = 0; k < 256; k++) lut[k] = table[k * 3] | (table[k * 3 + 1] << 8) | (table[k * 3 + 2] << 16);
  return lut;
}

/**
 * The colourised label map: pixel i gets the colour of class `mask[i]` (one table lookup per pixel).
 * @param palette class names, `[r,g,b]` per class, or a flat table (see `PaletteInput`)
 * @param out optional RGB output of `width * height * 3` bytes to reuse across images
 * @returns interleaved RGB, `width * height * 3` bytes
 */
export function colorize(mask: Uint8Array, width: number, height: number, palette: PaletteInput, out?: Uint8Array): Uint8Array {
  checkMask('colorize', mask, width, height);
  const n = width * height;
  const rgb = out ?? new Uint8Array(n * 3);
  if (out) checkOut('colorize', out, n * 3);
  const table = resolvePalette(palette);
  colorizeInto(mask, table, rgb);
  return rgb;
}

/** colorize's loop: `table` is a resolved 256-entry table, `rgb` has `mask.length * 3` bytes. */
export function colorizeInto(mask: Uint8Array, table: Uint8Array, rgb: Uint8Array): void {
  const n = mask.length;
  let start = 0;
  if (LITTLE_ENDIAN && (rgb.byteOffset & 3) === 0) {
    // Four pixels make three 32-bit words: 3 stores instead of 12.
    const lut = packedTable(table);
    const n4 = n & ~3;
    const words = new Uint32Array(rgb.buffer, rgb.byteOffset, (n4 * 3) >> 2);
    for (let i = 0, j = 0; i < n4; i += 4, j += 3) {
      const a = lut[mask[i]];
      const b = lut[mask[i + 1]];
      const c = lut[mask[i + 2]];
      const d = lut[mask[i + 3]];
      words[j] = a | (b << 24);
      words[j + 1] = (b >>> 8) | (c << 16);
      words[j + 2] = (c >>> 16) | (d << 8);
    }
    start = n4;
  }
  for (let i = start, j = start * 3; i < n; i++, j += 3) {
    const k = mask[i] * 3;
    rgb[j] = table[k];
    rgb[j + 1] = table[k + 1];
    rgb[j + 2] = table[k + 2];
  }
}

/**
 * The binary mask of one class: 255 where `mask[i] === classId`, else 0.
 * @param out optional output of `mask.length` bytes to reuse across classes
 */
export function classMask(mask: Uint8Array, classId: number, out?: Uint8Array): Uint8Array {
  if (!Number.isInteger(classId) || classId < 0 || classId > 255) {
    throw new FaceParseError('INVALID_ARGUMENT', `classMask: classId must be an integer 0..255; got ${String(classId)}`);
  }
  const n = mask.length;
  const binary = out ?? new Uint8Array(n);
  if (out) {
    checkOut('classMask', out, n);
    binary.fill(0);
  }
  // Native indexOf finds each run of the class (fast over other classes), fill paints it.
  const words = wordView(mask);
  let start = mask.indexOf(classId);
  while (start >= 0) {
    const end = runEnd(mask, words, start, n, classId);
    binary.fill(255, start, end);
    start = end < n ? mask.indexOf(classId, end) : -1;
  }
  return binary;
}

/** Pixel count per class id (256 entries), one pass. */
export function labelHistogram(mask: Uint8Array): Float64Array {
  // Four interleaved counters break the store-to-load dependency on runs of one class.
  const c0 = new Uint32Array(256);
  const c1 = new Uint32Array(256);
  const c2 = new Uint32Array(256);
  const c3 = new Uint32Array(256);
  const n = mask.length;
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    c0[mask[i]]++;
    c1[mask[i + 1]]++;
    c2[mask[i + 2]]++;
    c3[mask[i + 3]]++;
  }
  for (let i = n4; i < n; i++) c0[mask[i]]++;
  const counts = new Float64Array(256);
  for (let k = 0; k < 256; k++) counts[k] = c0[k] + c1[k] + c2[k] + c3[k];
  return counts;
}

/** The class ids that occur in the mask, ascending. */
export function presentClasses(mask: Uint8Array): number[] {
  const counts = labelHistogram(mask);
  const ids: number[] = [];
  for (let k = 0; k < 256; k++) if (counts[k] > 0) ids.push(k);
  return ids;
}

/**
 * Pixels on a class boundary: 1 where a 4-neighbour (inside the image) has another class id, else 0.
 * Both sides of a boundary are marked. With `thickness` t > 1 the marks are widened to every pixel
 * within Chebyshev distance t - 1 of a marked one (a square dilation, O(1) per pixel for any t).
 */
export function labelEdges(mask: Uint8Array, width: number, height: number, thickness = 1): Uint8Array {
  checkMask('labelEdges', mask, width, height);
  if (!Number.isInteger(thickness) || thickness < 1) {
    throw new FaceParseError('INVALID_ARGUMENT', `labelEdges: thickness must be an integer >= 1; got ${String(thickness)}`);
  }
  const edges = new Uint8Array(width * height);
  if (width % 4 === 0 && mask.byteOffset % 4 === 0) markEdgesByWords(mask, width, height, edges);
  else markEdgesByBytes(mask, width, height, edges);
  return thickness > 1 ? dilateSquare(edges, width, height, thickness - 1) : edges;
}

function markEdgesByBytes(mask: Uint8Array, width: number, height: number, edges: Uint8Array): void {
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const last = row + width - 1;
    for (let i = row; i < last; i++) {
      if (mask[i] !== mask[i + 1]) {
        edges[i] = 1;
        edges[i + 1] = 1;
      }
    }
    if (y + 1 < height) {
      for (let i = row; i <= last; i++) {
        if (mask[i] !== mask[i + width]) {
          edges[i] = 1;
          edges[i + width] = 1;
        }
      }
    }
  }
}

/**
 * The same marks, four pixels at a time (rows are whole 32-bit words when width % 4 == 0): a word that
 * is one class, equal to the word below it and to the next word's first pixel needs no byte compares.
 */
function markEdgesByWords(mask: Uint8Array, width: number, height: number, edges: Uint8Array): void {
  const words = new Int32Array(mask.buffer, mask.byteOffset, (width * height) >> 2);
  const perRow = width >> 2;
  for (let y = 0; y < height; y++) {
    const first = y * perRow;
    const end = first + perRow;
    const below = y + 1 < height;
    for (let k = first; k < end; k++) {
      const w = words[k];
      const i = k << 2;
      if (w === Math.imul(w & 0xff, 0x01010101)) {
        // One class across the word: only its neighbours can differ.
        if (k + 1 < end && mask[i + 4] !== mask[i + 3]) {
          edges[i + 3] = 1;
          edges[i + 4] = 1;
        }
        if (below && words[k + perRow] !== w) markBelow(mask, edges, i, width);
        continue;
      }
      for (let b = i; b < i + 3; b++) {
        if (mask[b] !== mask[b + 1]) {
          edges[b] = 1;
          edges[b + 1] = 1;
        }
      }
      if (k + 1 < end && mask[i + 4] !== mask[i + 3]) {
        edges[i + 3] = 1;
        edges[i + 4] = 1;
      }
      if (below && words[k + perRow] !== w) markBelow(mask, edges, i, width);
    }
  }
}

function markBelow(mask: Uint8Array, edges: Uint8Array, i: number, width: number): void {
  for (let b = i; b < i + 4; b++) {
    if (mask[b] !== mask[b + width]) {
      edges[b] = 1;
      edges[b + width] = 1;
    }
  }
}

/**
 * Every pixel within Chebyshev distance r of a marked one, as a new array. Sparse: marked pixels are
 * found with the native `indexOf` and their squares painted with native `fill`, row segment by row
 * segment (horizontal pass, then vertical), so the cost follows the boundary length, not the image size.
 */
function dilateSquare(bits: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const n = bits.length;
  const horizontal = new Uint8Array(n);
  let s = bits.indexOf(1);
  while (s >= 0) {
    const rowStart = s - (s % width);
    const rowEnd = rowStart + width;
    let e = s + 1;
    while (e < rowEnd && bits[e] === 1) e++;
    horizontal.fill(1, Math.max(rowStart, s - r), Math.min(rowEnd, e + r));
    s = e < n ? bits.indexOf(1, e) : -1;
  }
  const out = new Uint8Array(n);
  s = horizontal.indexOf(1);
  while (s >= 0) {
    const y = (s / width) | 0;
    const rowStart = y * width;
    const rowEnd = rowStart + width;
    let e = s + 1;
    while (e < rowEnd && horizontal[e] === 1) e++;
    const x0 = s - rowStart;
    const x1 = e - rowStart;
    // Rows already painted by the same segment one row up need only the new bottom row.
    let sameAsAbove = y > 0 && (x0 === 0 || horizontal[s - width - 1] === 0) && (x1 === width || horizontal[e - width] === 0);
    for (let t = s - width; sameAsAbove && t < e - width; t++) if (horizontal[t] === 0) sameAsAbove = false;
    const yEnd = Math.min(height - 1, y + r);
    for (let yy = sameAsAbove ? yEnd : Math.max(0, y - r); yy <= yEnd; yy++) out.fill(1, yy * width + x0, yy * width + x1);
    s = e < n ? horizontal.indexOf(1, e) : -1;
  }
  return out;
}

export interface OverlayOptions {
  /** Opacity of the label colours over the photo, 0..1. Default 0.5. */
  alpha?: number;
  /**
   * The class left untinted (the photo shows through), usually background. Default 0.
   * `null` tints every class.
   */
  backgroundId?: number | null;
  /**
   * Draw class boundaries in the class colour at full opacity: `true` picks a thickness from the
   * image size (1 px per 512 px of the shorter side, at least 1), a number is the thickness in px.
   * The untinted class gets no outline. Default false.
   */
  outline?: boolean | number;
}

/** The outline thickness `outline: true` uses for an image of this size. */
export function defaultOutlineThickness(width: number, height: number): number {
  return Math.max(1, Math.round(Math.min(width, height) / 512));
}

/**
 * Label colours alpha-blended over a photo. Per channel, with A = round(alpha * 256):
 * `out = (photo * (256 - A) + colour * A + 128) >> 8`, which is exactly the photo at alpha 0,
 * exactly the colour at alpha 1, and round-half-up of the mean at alpha 0.5.
 * Pixels of `backgroundId` keep the photo's values.
 * @param photo interleaved RGB, `width * height * 3` bytes, same size as the mask
 * @param out optional RGB output to reuse (must not be `photo`)
 */
export function overlay(
  photo: Uint8Array,
  mask: Uint8Array,
  width: number,
  height: number,
  palette: PaletteInput,
  options: OverlayOptions = {},
  out?: Uint8Array,
): Uint8Array {
  checkMask('overlay', mask, width, height);
  const n = width * height;
  if (!(photo instanceof Uint8Array) || photo.length !== n * 3) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `overlay: photo must be RGB of ${width}x${height}x3 = ${n * 3} bytes (same size as the mask); ` +
        `got ${photo instanceof Uint8Array ? photo.length + ' bytes' : typeof photo}`,
    );
  }
  const alpha = checkOption(alphaOption, options.alpha ?? DEFAULT_ALPHA, 'overlay alpha');
  const backgroundId = options.backgroundId === undefined ? 0 : options.backgroundId;
  if (backgroundId !== null && (!Number.isInteger(backgroundId) || backgroundId < 0 || backgroundId > 255)) {
    throw new FaceParseError('INVALID_ARGUMENT', `overlay: backgroundId must be a class id 0..255 or null; got ${String(backgroundId)}`);
  }
  const outline = options.outline ?? false;
  let thickness = 0;
  if (outline === true) thickness = defaultOutlineThickness(width, height);
  else if (typeof outline === 'number') {
    if (!Number.isInteger(outline) || outline < 0) {
      throw new FaceParseError('INVALID_ARGUMENT', `overlay: outline must be a boolean or a thickness in px; got ${outline}`);
    }
    thickness = outline;
  } else if (outline !== false) {
    throw new FaceParseError('INVALID_ARGUMENT', `overlay: outline must be a boolean or a thickness in px; got ${String(outline)}`);
  }
  const rgb = out ?? new Uint8Array(n * 3);
  if (out) {
    checkOut('overlay', out, n * 3);
    if (out.buffer === photo.buffer && out.byteOffset === photo.byteOffset) {
      throw new FaceParseError('INVALID_ARGUMENT', 'overlay: out must not be the photo itself; pass another buffer');
    }
  }
  const table = resolvePalette(palette);

  // Tables by key = classId (fill) or 256 + classId (outline): the photo's weight and the colour's
  // share plus the rounding term, per channel. Branch-free per pixel.
  const a = Math.round(alpha * 256);
  const photoWeight = new Int32Array(512);
  const addR = new Int32Array(512);
  const addG = new Int32Array(512);
  const addB = new Int32Array(512);
  for (let key = 0; key < 512; key++) {
    const id = key & 255;
    const weight = id === backgroundId ? 0 : key < 256 ? a : 256;
    photoWeight[key] = 256 - weight;
    addR[key] = table[id * 3] * weight + 128;
    addG[key] = table[id * 3 + 1] * weight + 128;
    addB[key] = table[id * 3 + 2] * weight + 128;
  }
  const edges = thickness > 0 ? labelEdges(mask, width, height, thickness) : null;
  blend(photo, mask, edges, photoWeight, addR, addG, addB, rgb);
  return rgb;
}

/**
 * overlay's loop. It walks runs of one key (class id, and edge bit with an outline), so the per-class
 * constants are loaded once per run; runs of the untinted class are copied from the photo as they are.
 */
function blend(
  photo: Uint8Array,
  mask: Uint8Array,
  edges: Uint8Array | null,
  photoWeight: Int32Array,
  addR: Int32Array,
  addG: Int32Array,
  addB: Int32Array,
  rgb: Uint8Array,
): void {
  const n = mask.length;
  const words = wordView(mask);
  let nextEdge = edges === null ? n : edges.indexOf(1);
  if (nextEdge < 0) nextEdge = n;
  let i = 0;
  while (i < n) {
    const id = mask[i];
    let end: number;
    let key = id;
    if (edges === null) {
      end = runEnd(mask, words, i, n, id);
    } else if (edges[i] === 1) {
      // A run of outline pixels of this class (short: the outline's width).
      end = i + 1;
      while (end < n && edges[end] === 1 && mask[end] === id) end++;
      key = id | 256;
    } else {
      // Up to the next outline pixel (found natively), or the end of the class run.
      if (nextEdge < i) {
        nextEdge = edges.indexOf(1, i);
        if (nextEdge < 0) nextEdge = n;
      }
      end = runEnd(mask, words, i, nextEdge, id);
    }
    const w = photoWeight[key];
    const jEnd = end * 3;
    if (w === 256) {
      rgb.set(photo.subarray(i * 3, jEnd), i * 3);
    } else {
      const r = addR[key];
      const g = addG[key];
      const b = addB[key];
      for (let j = i * 3; j < jEnd; j += 3) {
        rgb[j] = (photo[j] * w + r) >> 8;
        rgb[j + 1] = (photo[j + 1] * w + g) >> 8;
        rgb[j + 2] = (photo[j + 2] * w + b) >> 8;
      }
    }
    i = end;
  }
}
