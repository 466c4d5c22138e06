/**
 * Test-time augmentation around the model, the one implementation for whole photos and for the
 * crops of the face stage: flip (the mirror image's logits, sides swapped back, averaged in) and
 * multi-scale (every scale's logits resized to the scale-1 grid and averaged).
 * The passes are independent, so they are all sent to the model queue at once (a pool of sessions
 * runs them side by side); they are combined in a fixed order, so the result does not depend on
 * which finished first. A whole photo is a batch of one, so each of its passes gives what a single
 * parse gives, also for int8 models whose activation scales depend on the whole batch; the face
 * stage sends batches of same-size crops, which its ModelRun may split (runOneByOne).
 */
import type { Logits } from '../base/types.js';
import { mergeMirrored, mirrorPlanes } from '../postprocess/flip.js';
import { addResized } from '../postprocess/multiscale.js';

/** One model pass: NCHW float32 pixel values of `batch` images in, their logits out. */
export type ModelRun = (pixelValues: Float32Array, batch: number, height: number, width: number) => Promise<Logits>;

export interface TtaOptions {
  flip?: boolean;
}

/** `batch` images of height x width, NCHW. */
export interface BatchInput {
  data: Float32Array;
  batch: number;
  height: number;
  width: number;
}

/** A batch at the model's scale-1 size and the same batch at each other scale of multi-scale TTA. */
export interface TtaInput extends BatchInput {
  otherScales: readonly BatchInput[];
}

/**
 * `batch` images through `run` one at a time, their logits concatenated as one batch run would
 * give them: for models whose batch size is fixed, and int8 models whose activation scales would
 * otherwise depend on the other images of the batch.
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

/** One pass of a batch; with flip, each image merged with its mirror image's pass. */
async function pass(run: ModelRun, input: BatchInput, flip: boolean, mirrorClasses: Int32Array): Promise<Logits> {
  const { data, batch, height, width } = input;
  if (!flip) return run(data, batch, height, width);
  const [logits, mirrored] = await Promise.all([run(data, batch, height, width), run(mirrorPlanes(data, 3 * batch, height, width), batch, height, width)]);
  const per = logits.classes * logits.height * logits.width;
  const merged = new Float32Array(logits.data.length);
  for (let i = 0; i < batch; i++) {
    const range = [i * per, (i + 1) * per] as const;
    merged.set(mergeMirrored(logits.data.subarray(...range), mirrored.data.subarray(...range), mirrorClasses, logits.height, logits.width), i * per);
  }
  return { ...logits, data: merged };
}

/** The logits of a batch with its test-time augmentation applied (none: one plain pass). */
export async function runWithTta(run: ModelRun, input: TtaInput, options: TtaOptions, mirrorClasses: Int32Array): Promise<Logits> {
  const flip = options.flip === true;
  const [logits, ...others] = await Promise.all([
    pass(run, input, flip, mirrorClasses),
    ...input.otherScales.map((scaled) => pass(run, scaled, flip, mirrorClasses)),
  ]);
  if (others.length === 0) return logits!;
  const { classes, height, width, batch } = logits!;
  const per = classes * height * width;
  const sum = Float32Array.from(logits!.data);
  for (const other of others) {
    const otherPer = other.classes * other.height * other.width;
    for (let i = 0; i < batch; i++) {
      addResized(
        sum.subarray(i * per, (i + 1) * per),
        other.data.subarray(i * otherPer, (i + 1) * otherPer),
        classes,
        other.height,
        other.width,
        height,
        width,
      );
    }
  }
  const passes = others.length + 1;
  for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / passes;
  return { ...logits!, data: sum };
}
