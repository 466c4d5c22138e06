/**
 * Per-class summary of a category mask: pixel count, share and bounding box of every class, in one
 * pass over the mask. Pure (no Node APIs) and JSON-friendly.
 */
import { runEnd, wordView } from '../base/maskRuns.js';

export { runEnd, wordView };
import { FaceParseError } from '../base/errors.js';

/** Inclusive pixel box: columns x .. x + width - 1, rows y .. y + height - 1. */
export interface BoundingBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ClassSummary {
  /** Class id (the mask value). */
  id: number;
  /** The model's name for the class; `unknown_<id>` for ids past the label set. */
  label: string;
  /** Pixels of this class. */
  pixels: number;
  /** pixels / totalPixels, 0..1. */
  share: number;
  /** Smallest box holding every pixel of the class; null when the class is absent. */
  bbox: BoundingBox | null;
}

export interface LabelSummary {
  width: number;
  height: number;
  totalPixels: number;
  /** One entry per label name, in id order, absent classes included (pixels 0, bbox null). */
  classes: ClassSummary[];
  /** Ids found in the mask that have no label name (e.g. 255 "ignore"), ascending; usually empty. */
  unknown: ClassSummary[];
}

/**
 * Counts, shares and bounding boxes of every class in one pass over the mask.
 * The pass walks runs of equal ids along each row, so per pixel it only compares with the run's id;
 * the per-class bookkeeping happens once per run.
 */
export function summarizeLabels(mask: Uint8Array, width: number, height: number, labelNames: readonly string[]): LabelSummary {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new FaceParseError('INVALID_ARGUMENT', `summarizeLabels: width and height must be positive integers; got ${String(width)}x${String(height)}`);
  }
  if (!(mask instanceof Uint8Array) || mask.length !== width * height) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `summarizeLabels: mask must be a Uint8Array of width*height = ${width * height} class ids; ` +
        `got ${mask instanceof Uint8Array ? mask.length + ' values' : typeof mask}`,
    );
  }
  if (!Array.isArray(labelNames) || labelNames.length > 256) {
    throw new FaceParseError('INVALID_ARGUMENT', 'summarizeLabels: labelNames must be an array of at most 256 class names (index = class id)');
  }

  const counts = new Float64Array(256);
  const minX = new Int32Array(256).fill(width);
  const maxX = new Int32Array(256).fill(-1);
  const minY = new Int32Array(256).fill(height);
  const maxY = new Int32Array(256).fill(-1);

  const words = wordView(mask);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const end = row + width;
    let start = row;
    while (start < end) {
      const id = mask[start];
      const i = runEnd(mask, words, start, end, id);
      // Run [start, i) of class `id`.
      counts[id] += i - start;
      const x0 = start - row;
      const x1 = i - 1 - row;
      if (x0 < minX[id]) minX[id] = x0;
      if (x1 > maxX[id]) maxX[id] = x1;
      if (y < minY[id]) minY[id] = y;
      maxY[id] = y;
      start = i;
    }
  }

  const total = width * height;
  const entry = (id: number, label: string): ClassSummary => {
    const pixels = counts[id];
    return {
      id,
      label,
      pixels,
      share: pixels / total,
      bbox: pixels > 0 ? { x: minX[id], y: minY[id], width: maxX[id] - minX[id] + 1, height: maxY[id] - minY[id] + 1 } : null,
    };
  };
  const classes = labelNames.map((label, id) => entry(id, String(label)));
  const unknown: ClassSummary[] = [];
  for (let id = labelNames.length; id < 256; id++) {
    if (counts[id] > 0) unknown.push(entry(id, `unknown_${id}`));
  }
  return { width, height, totalPixels: total, classes, unknown };
}
