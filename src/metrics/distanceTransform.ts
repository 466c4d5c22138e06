/**
 * Exact Euclidean distance transforms (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled
 * Functions", 2012): separable, a column pass then a row pass that takes the lower envelope of
 * parabolas. All distances here are squared and integer-valued, so results are exact.
 */

/** Scratch for envelopes: grown on demand, shared by all calls (single-threaded). */
let envelopeSites = new Float64Array(0);
let envelopeValues = new Float64Array(0);
let envelopeBounds = new Float64Array(0);
let rowPositions = new Int32Array(0);
let rowValues = new Float64Array(0);
let siteX = new Int32Array(0);
let rowStart = new Int32Array(0);
let rowBegins = new Int32Array(0);
let rowPointers = new Int32Array(0);
let rowEnds = new Int32Array(0);

function ensureEnvelopeScratch(n: number): void {
  if (envelopeSites.length >= n + 1) return;
  const size = Math.max(n + 1, envelopeSites.length * 2);
  envelopeSites = new Float64Array(size);
  envelopeValues = new Float64Array(size);
  envelopeBounds = new Float64Array(size + 1);
  rowPositions = new Int32Array(size);
  rowValues = new Float64Array(size);
}

/**
 * Builds the lower envelope of the parabolas (x - positions[i])^2 + values[i], i < count, with
 * positions strictly ascending. Returns the number of parabolas kept; they are in envelopeSites/Values,
 * parabola k being lowest on [envelopeBounds[k], envelopeBounds[k + 1]].
 */
function buildEnvelope(positions: Int32Array, values: Float64Array, count: number): number {
  const v = envelopeSites;
  const fv = envelopeValues;
  const z = envelopeBounds;
  let k = 0;
  v[0] = positions[0];
  fv[0] = values[0];
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let i = 1; i < count; i++) {
    const q = positions[i];
    const fq = values[i];
    let s = 0;
    for (;;) {
      const p = v[k];
      s = (fq + q * q - (fv[k] + p * p)) / (2 * (q - p));
      if (s > z[k]) break; // z[0] = -Infinity stops this at k = 0
      k--;
    }
    k++;
    v[k] = q;
    fv[k] = fq;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  return k + 1;
}

/**
 * Squared Euclidean distance from every pixel to the nearest site (a non-zero entry of `sites`),
 * exact; Infinity everywhere when there is no site.
 */
export function squaredDistanceTransform(sites: ArrayLike<number>, width: number, height: number): Float64Array {
  const size = width * height;
  const result = new Float64Array(size);
  // Column pass: distance to the nearest site in the same column (two sweeps).
  for (let x = 0; x < width; x++) {
    let last = -Infinity;
    for (let y = 0; y < height; y++) {
      const i = y * width + x;
      if (sites[i]) last = y;
      result[i] = y - last;
    }
    let next = Infinity;
    for (let y = height - 1; y >= 0; y--) {
      const i = y * width + x;
      if (sites[i]) next = y;
      const d = Math.min(result[i], next - y);
      result[i] = d * d;
    }
  }
  // Row pass: lower envelope over the columns with a finite vertical distance.
  ensureEnvelopeScratch(width);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    let count = 0;
    for (let x = 0; x < width; x++) {
      const value = result[base + x];
      if (value !== Infinity) {
        rowPositions[count] = x;
        rowValues[count] = value;
        count++;
      }
    }
    if (count === 0) continue; // no site anywhere: the row stays Infinity
    const kept = buildEnvelope(rowPositions, rowValues, count);
    let k = 0;
    for (let x = 0; x < width; x++) {
      while (k + 1 < kept && envelopeBounds[k + 1] < x) k++;
      const dx = x - envelopeSites[k];
      result[base + x] = dx * dx + envelopeValues[k];
    }
  }
  return result;
}

/** The largest integer squared distance d2 with sqrt(d2) < tolerance: "d < tolerance" as an integer test. */
export function squaredDistanceBelow(tolerance: number): number {
  if (!(tolerance > 0)) return -1;
  let bound = Math.ceil(tolerance * tolerance) + 1;
  while (bound >= 0 && Math.sqrt(bound) >= tolerance) bound--;
  return bound;
}

/**
 * How many `queries` lie within squared distance `maxSquared` (inclusive) of some pixel of `sites`.
 * Both are pixel indices (y * width + x) of one image, ascending (row-major).
 *
 * Exact Euclidean distances by the same separable decomposition as the transform above, taken the
 * other way round and only where the answer needs it: the squared distance from (x, y) to the sites
 * is the minimum over rows y + dy of dy^2 + (x - nearest site of that row)^2. Only rows with
 * |dy| <= R = floor(sqrt(maxSquared)) can be within the bound, so each query looks at 2R + 1 rows
 * (nearest first, stopping at the first hit), and a pointer per row finds the nearest site in that
 * row's ascending run as the queries move right. Cost: about (2R + 1) x (|queries| + |sites|), not
 * the image area; `squaredDistanceTransform` gives the same answers (see the tests).
 */
export function countWithinDistance(queries: Int32Array, sites: Int32Array, width: number, maxSquared: number): number {
  if (queries.length === 0 || sites.length === 0 || maxSquared < 0) return 0;
  const reach = Math.floor(Math.sqrt(maxSquared));
  // Sites by row: rowStart[r - firstRow] .. rowStart[r - firstRow + 1] are row r's, with their x in siteX.
  const firstRow = (sites[0] / width) | 0;
  const lastRow = (sites[sites.length - 1] / width) | 0;
  const rows = lastRow - firstRow + 1;
  if (siteX.length < sites.length) siteX = new Int32Array(Math.max(sites.length, siteX.length * 2));
  if (rowStart.length < rows + 1) rowStart = new Int32Array(Math.max(rows + 1, rowStart.length * 2));
  let row = firstRow;
  rowStart[0] = 0;
  for (let j = 0; j < sites.length; j++) {
    const r = (sites[j] / width) | 0;
    while (row < r) rowStart[++row - firstRow] = j;
    siteX[j] = sites[j] - r * width;
  }
  while (row <= lastRow) rowStart[++row - firstRow] = sites.length;
  // Rows to look at, nearest first: dy = 0, -1, 1, -2, 2, ... Per row: [begin, end) and a moving pointer.
  const span = 2 * reach + 1;
  if (rowBegins.length < span) {
    rowBegins = new Int32Array(span);
    rowPointers = new Int32Array(span);
    rowEnds = new Int32Array(span);
  }
  let matched = 0;
  let q = 0;
  while (q < queries.length) {
    const y = (queries[q] / width) | 0;
    const rowOffset = y * width;
    let rowEnd = q + 1;
    while (rowEnd < queries.length && queries[rowEnd] < rowOffset + width) rowEnd++;
    if (y + reach < firstRow || y - reach > lastRow) {
      q = rowEnd;
      continue;
    }
    for (let k = 0; k < span; k++) {
      const r = y + (k & 1 ? -((k + 1) >> 1) : k >> 1);
      const inside = r >= firstRow && r <= lastRow;
      rowBegins[k] = rowPointers[k] = inside ? rowStart[r - firstRow] : 0;
      rowEnds[k] = inside ? rowStart[r - firstRow + 1] : 0;
    }
    for (let j = q; j < rowEnd; j++) {
      const x = queries[j] - rowOffset;
      for (let k = 0; k < span; k++) {
        const end = rowEnds[k];
        let p = rowPointers[k];
        while (p < end && siteX[p] < x) p++;
        rowPointers[k] = p;
        // nearest site of the row: the first at or right of x, or the last left of it
        let dx = p < end ? siteX[p] - x : Infinity;
        if (p > rowBegins[k] && x - siteX[p - 1] < dx) dx = x - siteX[p - 1];
        const dy = (k + 1) >> 1;
        if (dx * dx + dy * dy <= maxSquared) {
          matched++;
          break;
        }
      }
    }
    q = rowEnd;
  }
  return matched;
}
