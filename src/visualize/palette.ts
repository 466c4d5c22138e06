/** Colours for label maps: a fixed, distinct palette for CelebAMask-HQ names, generated colours for others. */
import { FaceParseError } from '../base/errors.js';

export type Rgb = readonly [number, number, number];

/**
 * What the drawing functions accept as colours:
 * - the model's class names (`paletteFor(labelNames)` colours),
 * - one `[r, g, b]` per class id,
 * - a flat table `[r,g,b, r,g,b, ...]` (as `paletteTable` returns; up to 256 entries).
 * Class ids beyond the given colours get generated ones, so stray ids stay visible.
 */
export type PaletteInput = readonly string[] | readonly Rgb[] | Uint8Array;

const NAMED_COLOURS: Readonly<Record<string, Rgb>> = {
  background: [0, 0, 0],
  skin: [204, 153, 122],
  nose: [230, 92, 0],
  eye_g: [0, 204, 255],
  l_eye: [51, 102, 255],
  r_eye: [153, 51, 255],
  l_brow: [102, 51, 0],
  r_brow: [153, 102, 51],
  l_ear: [255, 204, 0],
  r_ear: [204, 204, 0],
  mouth: [255, 102, 178],
  u_lip: [204, 0, 51],
  l_lip: [255, 51, 102],
  hair: [80, 40, 20],
  hat: [0, 153, 76],
  ear_r: [255, 255, 102],
  neck_l: [255, 0, 255],
  neck: [255, 178, 140],
  cloth: [0, 102, 153],
};

/** HSV golden-angle colours: distinct, deterministic, any count. */
function generatedColour(i: number): Rgb {
  const h = (i * 137.508) % 360;
  const s = 0.65;
  const v = 0.95;
  const c = v * s;
  const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
  const m = v - c;
  const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}

/** One colour per label, by name where known. */
export function paletteFor(labels: readonly string[]): Rgb[] {
  return labels.map((name, i) => NAMED_COLOURS[name.toLowerCase()] ?? generatedColour(i + 1));
}

/** Fills entries [from, 256) of a 256-entry table with generated colours. */
function fillGenerated(table: Uint8Array, from: number): void {
  for (let i = from; i < 256; i++) {
    const [r, g, b] = generatedColour(i + 1);
    table[i * 3] = r;
    table[i * 3 + 1] = g;
    table[i * 3 + 2] = b;
  }
}

/**
 * The palette flattened to [r,g,b, r,g,b, ...] for all 256 class ids (for palette PNGs and lookups).
 * Ids past the label set get generated colours (not black), so a stray id never looks like background.
 */
export function paletteTable(labels: readonly string[]): Uint8Array {
  const table = new Uint8Array(256 * 3);
  const colours = paletteFor(labels);
  const n = Math.min(colours.length, 256);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = colours[i];
    table[i * 3] = r;
    table[i * 3 + 1] = g;
    table[i * 3 + 2] = b;
  }
  fillGenerated(table, n);
  return table;
}

function checkChannel(value: number, where: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new FaceParseError('INVALID_ARGUMENT', `palette: ${where} is ${String(value)}; colour channels must be integers 0..255`);
  }
  return value;
}

/** Any `PaletteInput` as a 256-entry flat RGB table (a new array; the input is never modified). */
export function resolvePalette(input: PaletteInput): Uint8Array {
  if (input instanceof Uint8Array) {
    if (input.length % 3 !== 0 || input.length > 256 * 3) {
      throw new FaceParseError('INVALID_ARGUMENT', `palette: a flat table must hold 3 bytes per class and at most 256 classes; got ${input.length} bytes`);
    }
    const table = new Uint8Array(256 * 3);
    table.set(input);
    fillGenerated(table, input.length / 3);
    return table;
  }
  if (!Array.isArray(input)) {
    throw new FaceParseError('INVALID_ARGUMENT', 'palette: pass the class names, an array of [r, g, b] colours, or a flat Uint8Array table');
  }
  if (input.length > 256) {
    throw new FaceParseError('INVALID_ARGUMENT', `palette: at most 256 classes fit a uint8 mask; got ${input.length}`);
  }
  if (input.length === 0 || typeof input[0] === 'string') return paletteTable(input as readonly string[]);
  const table = new Uint8Array(256 * 3);
  (input as readonly Rgb[]).forEach((colour, i) => {
    if (!Array.isArray(colour) || colour.length < 3) {
      throw new FaceParseError('INVALID_ARGUMENT', `palette: entry ${i} is not an [r, g, b] colour`);
    }
    table[i * 3] = checkChannel(colour[0], `entry ${i} red`);
    table[i * 3 + 1] = checkChannel(colour[1], `entry ${i} green`);
    table[i * 3 + 2] = checkChannel(colour[2], `entry ${i} blue`);
  });
  fillGenerated(table, input.length);
  return table;
}

/** The colour of one class id in a resolved table. */
export function tableColour(table: Uint8Array, id: number): Rgb {
  return [table[id * 3], table[id * 3 + 1], table[id * 3 + 2]];
}
