/**
 * Region masks from a selection of pixels: grown or shrunk by a distance, then feathered, as an
 * 8-bit alpha mask. Pure code (no Node or DOM imports), shared by Node and the browser.
 *
 * The geometry is exact and round: distances are Euclidean, from the exact distance transform of
 * metrics/distanceTransform.ts (no square or diamond structuring elements, no repeated 3x3 passes).
 * A selection's edge lies half a pixel beyond its outermost pixel centres; each pixel gets the signed
 * distance of its centre to that edge (positive inside), `grow` moves the edge outwards (negative:
 * inwards) and `feather` spreads a smooth ramp over that many pixels centred on the moved edge.
 * The photo's border is not an edge: a region cut by the frame is not shrunk from the frame.
 * Only the selection's bounding box, widened by the reach of grow and feather, is transformed.
 */
import { FaceParseError } from '../base/errors.js';
import { checkOption } from '../options/checkOption.js';
import { featherOption, growOption, MAX_REGION_DISTANCE } from '../options/parseOptions.js';

export interface RegionShapeOptions {
  /** Pixels to move the edge outwards (positive) or inwards (negative). Default 0. */
  grow?: number;
  /** Width in pixels of the soft edge (a smooth 0..255 ramp centred on the edge). Default 0: a hard 0/255 edge. */
  feather?: number;
}

export { MAX_REGION_DISTANCE };

export function checkRegionShape(options: RegionShapeOptions, where = 'regionMask'): { grow: number; feather: number } {
  return {
    grow: checkOption(growOption, options.grow ?? 0, `${where} grow`),
    feather: checkOption(featherOption, options.feather ?? 0, `${where} feather`),
  };
}

/**
 * The alpha mask (0..255, width * height) of the pixels where `selected` is non-zero, grown or shrunk
 * by `grow` px and feathered over `feather` px. With neither, exactly 255 on the selection and 0 elsewhere.
 */
export function shapeRegion(selected: Uint8Array, width: number, height: number, options: RegionShapeOptions = {}): Uint8Array {
  const { grow, feather } = checkRegionShape(options);
  if (selected.length !== width * height) {
    throw new FaceParseError('INVALID_ARGUMENT', `shapeRegion: the selection has ${selected.length} pixels, not ${width}x${height}`);
  }
  const alpha = new Uint8Array(width * height);
  if (grow === 0 && feather === 0) {
    for (let i = 0; i < alpha.length; i++) alpha[i] = selected[i] ? 255 : 0;
    return alpha;
  }
  // Bounding box of the selection (per row, the native indexOf/lastIndexOf find the ends).
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = selected.subarray(y * width, (y + 1) * width);
    const first = firstNonZero(row);
    if (first < 0) continue;
    const last = lastNonZero(row);
    if (first < x0) x0 = first;
    if (last > x1) x1 = last;
    if (y < y0) y0 = y;
    y1 = y;
  }
  if (x1 < 0) return alpha; // nothing selected: nothing to grow, shrink or feather
  // Beyond `limit` px from the edge every pixel is fully in or out, so distances are only needed up
  // to it: vertical distances are capped there, and columns farther away never enter a row's envelope.
  // The work is done on the selection's box widened by that reach (the rest stays 0).
  const limit = Math.ceil(Math.abs(grow) + feather / 2) + 1;
  const reach = Math.ceil(Math.max(grow, 0) + feather / 2) + 2;
  const box = {
    x: Math.max(0, x0 - reach),
    y: Math.max(0, y0 - reach),
    width: Math.min(width - 1, x1 + reach) - Math.max(0, x0 - reach) + 1,
    height: Math.min(height - 1, y1 + reach) - Math.max(0, y0 - reach) + 1,
    stride: width,
  };
  const needOutside = grow > 0 || feather > 0;
  const needInside = grow < 0 || feather > 0;
  // Outside pixels need the distance to the selection, inside ones to the rest.
  const toSelected = needOutside ? new ColumnSweep(selected, box, 1, limit) : undefined;
  const toUnselected = needInside ? new ColumnSweep(selected, box, 0, limit) : undefined;
  const outAlpha = needOutside ? alphaTable(limit, (d) => grow + 0.5 - d, feather) : undefined;
  const inAlpha = needInside ? alphaTable(limit, (d) => d - 0.5 + grow, feather) : undefined;
  // Bottom row first: the upward sweep finishes each row's vertical distances just before its row pass.
  for (let y = box.height - 1; y >= 0; y--) {
    const offset = (box.y + y) * width + box.x;
    // Defaults, right for every pixel farther than `limit` from the edge: selected in, the others out.
    for (let x = 0; x < box.width; x++) alpha[offset + x] = selected[offset + x] ? 255 : 0;
    if (toSelected) rowPass(selected, offset, box.width, toSelected.row(y), 0, limit, outAlpha!, alpha);
    if (toUnselected) rowPass(selected, offset, box.width, toUnselected.row(y), 1, limit, inAlpha!, alpha);
  }
  return alpha;
}

function firstNonZero(row: Uint8Array): number {
  for (let x = 0; x < row.length; x++) if (row[x]) return x;
  return -1;
}

function lastNonZero(row: Uint8Array): number {
  for (let x = row.length - 1; x >= 0; x--) if (row[x]) return x;
  return -1;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Pixels per row of the image the box is in. */
  stride: number;
}

/** The cap of capped distances (Uint16): anything past `limit` (at most 15 001) is as good as infinitely far. */
const FAR = 0xffff;

/**
 * Per pixel of the box, the vertical distance (in its column) to the nearest pixel whose selection
 * is `target`, capped (FAR past `limit`). The downward sweep runs over whole rows at construction
 * (memory read in order whatever the width); the upward one runs a row at a time in `row(y)`,
 * called for y from the bottom up, so the final distances need one row of memory, not a second image.
 */
class ColumnSweep {
  readonly #selected: Uint8Array;
  readonly #box: Box;
  readonly #target: number;
  readonly #limit: number;
  readonly #down: Uint16Array;
  readonly #next: Int32Array;
  readonly #row: Int32Array;
  #y: number;

  constructor(selected: Uint8Array, box: Box, target: 0 | 1, limit: number) {
    this.#selected = selected;
    this.#box = box;
    this.#target = target;
    this.#limit = limit;
    const { width, height, stride } = box;
    const down = new Uint16Array(width * height);
    const last = new Int32Array(width).fill(-2 * FAR);
    const flip = target ? 0 : 1; // (v !== 0) xor flip: is the pixel a target
    for (let y = 0; y < height; y++) {
      const offset = (box.y + y) * stride + box.x;
      const base = y * width;
      for (let x = 0; x < width; x++) {
        if (((selected[offset + x]! !== 0 ? 1 : 0) ^ flip) === 1) last[x] = y;
        const d = y - last[x]!;
        down[base + x] = d > limit ? FAR : d;
      }
    }
    this.#down = down;
    this.#next = new Int32Array(width).fill(3 * FAR);
    this.#row = new Int32Array(width);
    this.#y = height;
  }

  /** Final capped vertical distances of row y (rows must come bottom-up, each once). */
  row(y: number): Int32Array {
    const { width, stride } = this.#box;
    if (y !== this.#y - 1) throw new Error('ColumnSweep rows go bottom-up');
    this.#y = y;
    const offset = (this.#box.y + y) * stride + this.#box.x;
    const base = y * width;
    const next = this.#next;
    const out = this.#row;
    const target = this.#target;
    const limit = this.#limit;
    for (let x = 0; x < width; x++) {
      if ((this.#selected[offset + x] ? 1 : 0) === target) next[x] = y;
      const up = next[x]! - y;
      const down = this.#down[base + x]!;
      out[x] = up < down ? (up > limit ? FAR : up) : down;
    }
    return out;
  }
}

/** Alpha by squared distance (integers): a table up to (limit + 1)^2, computed past the table's size cap. */
interface AlphaOfDistance {
  table: Uint8Array;
  /** The largest squared distance that is not "far" (beyond it, the pixel keeps its default). */
  max: number;
  compute: (d2: number) => number;
}

/** Tables past this many entries (limit > 2047 px) are not built: the few band pixels beyond compute their alpha. */
const MAX_TABLE = 1 << 22;

/** `edge(d)` is the signed distance of a pixel at distance d from the other selection to the moved edge. */
function alphaTable(limit: number, edge: (distance: number) => number, feather: number): AlphaOfDistance {
  const half = feather / 2;
  const compute = (d2: number): number => {
    const t = edge(Math.sqrt(d2));
    if (feather === 0) return t > 0 ? 255 : 0;
    if (t >= half) return 255;
    if (t <= -half) return 0;
    const u = t / feather + 0.5; // 0..1 across the ramp
    return Math.round(u * u * (3 - 2 * u) * 255); // smoothstep: no kink where the ramp meets 0 and 255
  };
  const max = (limit + 1) * (limit + 1);
  const table = new Uint8Array(Math.min(max + 1, MAX_TABLE));
  for (let d2 = 0; d2 < table.length; d2++) table[d2] = compute(d2);
  return { table, max, compute };
}

// Envelope scratch, grown on demand (single-threaded).
let sites = new Int32Array(0);
let siteValues = new Float64Array(0);
let bounds = new Float64Array(0);

/**
 * One row: for each pixel whose selection is `query`, the exact squared distance to the nearest pixel
 * of the other selection (Felzenszwalb & Huttenlocher's lower envelope of parabolas over the columns
 * whose vertical distance is within `limit`), turned into alpha by `alphaOf`. Pixels with no such
 * column within reach keep their default.
 */
function rowPass(
  selected: Uint8Array,
  offset: number,
  width: number,
  vertical: Int32Array,
  query: 0 | 1,
  limit: number,
  alphaOf: AlphaOfDistance,
  alpha: Uint8Array,
): void {
  if (sites.length < width + 1) {
    sites = new Int32Array(width + 1);
    siteValues = new Float64Array(width + 1);
    bounds = new Float64Array(width + 2);
  }
  const { table, max, compute } = alphaOf;
  const tableSize = table.length;
  let k = -1;
  for (let x = 0; x < width; x++) {
    const g = vertical[x]!;
    if (g > limit) continue;
    const f = g * g;
    if (k < 0) {
      k = 0;
      sites[0] = x;
      siteValues[0] = f;
      bounds[0] = -Infinity;
      continue;
    }
    let s = 0;
    for (;;) {
      const p = sites[k]!;
      s = (f + x * x - (siteValues[k]! + p * p)) / (2 * (x - p));
      if (s > bounds[k]!) break; // bounds[0] = -Infinity stops this at k = 0
      k--;
    }
    k++;
    sites[k] = x;
    siteValues[k] = f;
    bounds[k] = s;
  }
  if (k < 0) return; // no pixel of the other selection within reach of this row
  const kept = k + 1;
  bounds[kept] = Infinity;
  let j = 0;
  for (let x = 0; x < width; x++) {
    if ((selected[offset + x] ? 1 : 0) !== query) continue;
    while (bounds[j + 1]! < x) j++;
    const dx = x - sites[j]!;
    const d2 = dx * dx + siteValues[j]!;
    if (d2 < tableSize) alpha[offset + x] = table[d2]!;
    else if (d2 <= max) alpha[offset + x] = compute(d2);
  }
}
