/**
 * The model stage of per-face parsing: every face's aligned crop through the model, with flip and
 * multi-scale test-time augmentation done per face, as the whole-photo path does per photo.
 * Faces go through the model in batches of `batchSize` (all at once by default).
 */
import { mergeMirrored, mirrorPlanes } from '../postprocess/flip.js';
import { addResized, scaledInputSize } from '../postprocess/multiscale.js';
import type { RgbImage } from '../base/types.js';
import type { Logits } from '../base/types.js';
import { alignFace, type FaceAlignment, type FaceTemplate } from './align.js';
import { warpToModelInput } from './modelInput.js';
import type { FaceLogits } from './paste.js';
import type { DetectedFace } from './types.js';

/** Runs the segmentation model on `batch` NCHW images of height x width. */
export type ModelRun = (pixelValues: Float32Array, batch: number, height: number, width: number) => Promise<Logits>;

export interface FaceCropSetup {
  /** The model input size at scale 1. */
  inputSize: { width: number; height: number };
  /** The preprocessing's per-channel normalisation tables. */
  tables: readonly Float32Array[];
  /** Class each class becomes in a mirror image (flip TTA). */
  mirrorClasses: Int32Array;
  template?: FaceTemplate;
}

export interface FaceCropOptions {
  flip?: boolean;
  scales?: readonly number[];
  /** Most faces per model run. Default: all faces of the photo in one batch. */
  batchSize?: number;
}

/**
 * `batch` images through `run` one at a time, their logits concatenated as one batch run would
 * give them: the fallback for models whose batch size is fixed.
 */
export async function runOneByOne(run: ModelRun, pixelValues: Float32Array, batch: number, height: number, width: number): Promise<Logits> {
  const size = 3 * height * width;
  const parts = await Promise.all(Array.from({ length: batch }, (_, i) => run(pixelValues.subarray(i * size, (i + 1) * size), 1, height, width)));
  const first = parts[0]!;
  const per = first.data.length;
  const data = new Float32Array(per * batch);
  parts.forEach((p, i) => data.set(p.data, i * per));
  return { ...first, batch, data };
}

/**
 * Runs `alignments` (all of one size) through the model in batches of `batchSize`, the batches
 * (and the mirrored passes of flip) sent at once so that a pool of sessions runs them side by
 * side; returns one logits array per face, in order.
 */
async function runAligned(image: RgbImage, alignments: readonly FaceAlignment[], setup: FaceCropSetup, run: ModelRun, flip: boolean, batchSize: number) {
  const { width, height } = alignments[0]!;
  const size = 3 * width * height;
  const groups: FaceAlignment[][] = [];
  for (let start = 0; start < alignments.length; start += batchSize) groups.push(alignments.slice(start, start + batchSize));
  const perGroup = await Promise.all(
    groups.map(async (group) => {
      const input = new Float32Array(group.length * size);
      group.forEach((alignment, i) => warpToModelInput(image, alignment, setup.tables, input.subarray(i * size, (i + 1) * size)));
      const [logits, mirrored] = await Promise.all([
        run(input, group.length, height, width),
        flip ? run(mirrorPlanes(input, 3 * group.length, height, width), group.length, height, width) : undefined,
      ]);
      const per = logits.classes * logits.height * logits.width;
      return group.map((_, i) => {
        let data: Float32Array = logits.data.slice(i * per, (i + 1) * per);
        if (mirrored) data = mergeMirrored(data, mirrored.data.subarray(i * per, (i + 1) * per), setup.mirrorClasses, logits.height, logits.width);
        return { data, classes: logits.classes, height: logits.height, width: logits.width };
      });
    }),
  );
  return perGroup.flat();
}

/** Each face's logits on the scale-1 grid of its aligned crop, with the crop's alignment. */
export async function parseFaceCrops(image: RgbImage, faces: readonly DetectedFace[], run: ModelRun, setup: FaceCropSetup, options: FaceCropOptions = {}): Promise<FaceLogits[]> {
  if (faces.length === 0) return [];
  const { width, height } = setup.inputSize;
  const batchSize = Math.max(1, options.batchSize ?? faces.length);
  const flip = options.flip === true;
  const alignments = faces.map((face) => alignFace(face, width, height, setup.template));
  const base = await runAligned(image, alignments, setup, run, flip, batchSize);
  const others = (options.scales ?? [1]).filter((s) => s !== 1);
  if (others.length > 0) {
    const sums = base.map((b) => Float32Array.from(b.data));
    for (const scale of others) {
      const w = scaledInputSize(width, scale);
      const h = scaledInputSize(height, scale);
      const scaled = await runAligned(image, faces.map((face) => alignFace(face, w, h, setup.template)), setup, run, flip, batchSize);
      scaled.forEach((pass, i) => addResized(sums[i]!, pass.data, pass.classes, pass.height, pass.width, base[i]!.height, base[i]!.width));
    }
    const passes = others.length + 1;
    sums.forEach((sum, i) => {
      for (let j = 0; j < sum.length; j++) sum[j] = sum[j]! / passes;
      base[i]!.data = sum;
    });
  }
  return base.map((b, i) => ({ ...b, alignment: alignments[i]! }));
}
