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
let verticalDistances = new Int32Array(0);

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
 * Both are pixel indices (y * width + x) of one image; `queries` must be ascending (row-major).
 *
 * The same FH transform, restricted to what the answer needs: sites only contribute where their
 * vertical distance is at most R = floor(sqrt(maxSquared)) (farther ones cannot be within the bound),
 * and the row envelope is evaluated only at query pixels. Every distance up to the bound is exact.
 */
export function countWithinDistance(queries: Int32Array, sites: Int32Array, width: number, maxSquared: number): number {
  if (queries.length === 0 || sites.length === 0 || maxSquared < 0) return 0;
  const reach = Math.floor(Math.sqrt(maxSquared));
  // Bounding boxes: queries farther than the reach from the sites' box cannot match.
  let sx0 = Infinity;
  let sx1 = -Infinity;
  let sy0 = Infinity;
  let sy1 = -Infinity;
  for (let i = 0; i < sites.length; i++) {
    const p = sites[i];
    const y = (p / width) | 0;
    const x = p - y * width;
    if (x < sx0) sx0 = x;
    if (x > sx1) sx1 = x;
    if (y < sy0) sy0 = y;
    if (y > sy1) sy1 = y;
  }
  let qx0 = Infinity;
  let qx1 = -Infinity;
  for (let i = 0; i < queries.length; i++) {
    const x = queries[i] % width;
    if (x < qx0) qx0 = x;
    if (x > qx1) qx1 = x;
  }
  const qy0 = (queries[0] / width) | 0;
  const qy1 = (queries[queries.length - 1] / width) | 0;
  const y0 = Math.max(sy0 - reach, qy0);
  const y1 = Math.min(sy1 + reach, qy1);
  if (Math.max(sx0 - reach, qx0) > Math.min(sx1 + reach, qx1) || y0 > y1) return 0;
  // Columns: the sites' own (queries elsewhere are evaluated on the same envelope); rows: those in reach.
  const gx0 = sx0;
  const regionWidth = sx1 - sx0 + 1;
  const regionHeight = y1 - y0 + 1;
  const size = regionWidth * regionHeight;
  if (verticalDistances.length < size) verticalDistances = new Int32Array(Math.max(size, verticalDistances.length * 2));
  const vertical = verticalDistances;
  const beyond = reach + 1;
  vertical.fill(beyond, 0, size);
  // Column pass, sparse: each site stamps its vertical distance on the rows within reach.
  for (let i = 0; i < sites.length; i++) {
    const p = sites[i];
    const sy = (p / width) | 0;
    const column = p - sy * width - gx0;
    const from = Math.max(y0, sy - reach);
    const to = Math.min(y1, sy + reach);
    for (let y = from; y <= to; y++) {
      const o = (y - y0) * regionWidth + column;
      const d = y > sy ? y - sy : sy - y;
      if (d < vertical[o]) vertical[o] = d;
    }
  }
  ensureEnvelopeScratch(regionWidth);
  let matched = 0;
  let q = 0;
  while (q < queries.length) {
    const y = (queries[q] / width) | 0;
    let rowEnd = q;
    while (rowEnd < queries.length && ((queries[rowEnd] / width) | 0) === y) rowEnd++;
    if (y >= y0 && y <= y1) {
      // Row pass: lower envelope of the columns with a site within reach, evaluated at the queries.
      const base = (y - y0) * regionWidth;
      let count = 0;
      for (let x = 0; x < regionWidth; x++) {
        const d = vertical[base + x];
        if (d !== beyond) {
          rowPositions[count] = x;
          rowValues[count] = d * d;
          count++;
        }
      }
      if (count > 0) {
        const kept = buildEnvelope(rowPositions, rowValues, count);
        let k = 0;
        for (let j = q; j < rowEnd; j++) {
          const x = queries[j] - y * width - gx0;
          while (k + 1 < kept && envelopeBounds[k + 1] < x) k++;
          const dx = x - envelopeSites[k];
          if (dx * dx + envelopeValues[k] <= maxSquared) matched++;
        }
      }
    }
    q = rowEnd;
  }
  return matched;
}
