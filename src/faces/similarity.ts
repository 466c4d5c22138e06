/**
 * Weighted least-squares similarity transform (rotation, uniform scale, translation) between two
 * point sets: Umeyama (1991) in 2-D, the estimate skimage's SimilarityTransform and facer use to
 * align detected keypoints to a face template.
 */
import type { Affine, Point } from './types.js';

/** The similarity that maps `from` onto `to` with least weighted squared error. */
export function fitSimilarity(from: readonly Point[], to: readonly Point[], weights?: readonly number[]): Affine {
  if (from.length !== to.length || from.length < 2) throw new RangeError('fitSimilarity needs two equally long lists of at least 2 points');
  let total = 0;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < from.length; i++) {
    const w = weights?.[i] ?? 1;
    total += w;
    fx += w * from[i]!.x;
    fy += w * from[i]!.y;
    tx += w * to[i]!.x;
    ty += w * to[i]!.y;
  }
  fx /= total;
  fy /= total;
  tx /= total;
  ty /= total;
  // With complex numbers z = x + iy, the best map is t = s*e^{iθ} (f - f̄) + t̄ with
  // s*e^{iθ} = Σ w (t - t̄) conj(f - f̄) / Σ w |f - f̄|².
  let re = 0;
  let im = 0;
  let norm = 0;
  for (let i = 0; i < from.length; i++) {
    const w = weights?.[i] ?? 1;
    const ax = from[i]!.x - fx;
    const ay = from[i]!.y - fy;
    const bx = to[i]!.x - tx;
    const by = to[i]!.y - ty;
    re += w * (bx * ax + by * ay);
    im += w * (by * ax - bx * ay);
    norm += w * (ax * ax + ay * ay);
  }
  if (norm <= 0) throw new RangeError('fitSimilarity: the source points all coincide');
  const a = re / norm;
  const b = im / norm;
  return [a, -b, tx - (a * fx - b * fy), b, a, ty - (b * fx + a * fy)];
}
