/**
 * Test-time augmentation around the model: flip (the mirror image's logits, sides swapped back,
 * averaged in) and multi-scale (every scale's logits resized to the scale-1 grid and averaged).
 * The passes are independent, so they are all sent to the model queue at once (a pool of sessions
 * runs them side by side); they are combined in a fixed order, so the result does not depend on
 * which finished first. Each pass runs on its own, not as a batch, so that it gives what a single
 * parse gives, also for int8 models whose activation scales depend on the whole batch.
 */
import type { Logits } from '../base/types.js';
import type { ModelInput } from '../models/segformer/preprocess.js';
import { mergeMirrored, mirrorPlanes } from '../postprocess/flip.js';
import { addResized } from '../postprocess/multiscale.js';
import type { PreparedInput } from './prepare.js';

/** One model pass: NCHW float32 pixel values of `batch` images in, their logits out. */
export type ModelRun = (pixelValues: Float32Array, batch: number, height: number, width: number) => Promise<Logits>;

export interface TtaOptions {
  flip?: boolean;
}

/** One input's pass; with flip, merged with its mirror image's pass. */
async function pass(run: ModelRun, input: ModelInput, flip: boolean, mirrorClasses: Int32Array): Promise<Logits> {
  const { data, height, width } = input;
  if (!flip) return run(data, 1, height, width);
  const [logits, mirrored] = await Promise.all([run(data, 1, height, width), run(mirrorPlanes(data, 3, height, width), 1, height, width)]);
  return { ...logits, data: mergeMirrored(logits.data, mirrored.data, mirrorClasses, logits.height, logits.width) };
}

/** The logits of a prepared photo with its test-time augmentation applied (none: one plain pass). */
export async function runWithTta(run: ModelRun, input: PreparedInput, options: TtaOptions, mirrorClasses: Int32Array): Promise<Logits> {
  const flip = options.flip === true;
  const [logits, ...others] = await Promise.all([pass(run, input, flip, mirrorClasses), ...input.otherScales.map((scaled) => pass(run, scaled, flip, mirrorClasses))]);
  if (others.length === 0) return logits!;
  const sum = Float32Array.from(logits!.data);
  for (const other of others) addResized(sum, other.data, other.classes, other.height, other.width, logits!.height, logits!.width);
  const passes = others.length + 1;
  for (let i = 0; i < sum.length; i++) sum[i] = sum[i]! / passes;
  return { ...logits!, data: sum };
}
