/** Checks on label maps (one class id per pixel, row-major) before they are scored. */
import { FaceParseError } from '../base/errors.js';
import type { LabelMap } from '../base/types.js';

/** The project's decoded label map: `mask[y * width + x]` is the class id of pixel (x, y). */
export type { LabelMap };

/**
 * Class ids in `data` that are not valid for a label set of `numClasses` classes (ids 0..numClasses-1),
 * with their pixel counts; `ignoreIndex` pixels are allowed whatever their value.
 */
export function outOfRangeIds(data: Uint8Array, numClasses: number, ignoreIndex?: number): Array<{ id: number; pixels: number }> {
  const histogram = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) histogram[data[i]]++;
  const bad: Array<{ id: number; pixels: number }> = [];
  for (let id = numClasses; id < 256; id++) {
    if (histogram[id] > 0 && id !== ignoreIndex) bad.push({ id, pixels: histogram[id] });
  }
  return bad;
}

/** Throws DATASET_INVALID when a label map holds ids outside the label set. `source` names the file or input. */
export function assertLabelRange(map: LabelMap, numClasses: number, source: string, ignoreIndex?: number): void {
  const bad = outOfRangeIds(map.mask, numClasses, ignoreIndex);
  if (bad.length === 0) return;
  const list = bad.map(({ id, pixels }) => `${id} (${pixels} px)`).join(', ');
  throw new FaceParseError(
    'DATASET_INVALID',
    `${source}: class ids ${list} are out of range: the label set has ${numClasses} classes (ids 0..${numClasses - 1})` +
      `${ignoreIndex === undefined ? '' : ` plus ignore index ${ignoreIndex}`}. ` +
      'Check that the mask uses this label set (set the label names to match), or pass the id as the ignore index.',
  );
}

/** Throws DATASET_INVALID unless two label maps have the same size. */
export function assertSameSize(a: LabelMap, b: LabelMap, aName: string, bName: string): void {
  if (a.width === b.width && a.height === b.height && a.mask.length === b.mask.length) return;
  throw new FaceParseError(
    'DATASET_INVALID',
    `${aName} is ${a.width}x${a.height} but ${bName} is ${b.width}x${b.height}: ` +
      'a prediction and its ground truth must have the same size. Resize the prediction to the ground truth (nearest neighbour) or fix the pair.',
  );
}
