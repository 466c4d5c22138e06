/**
 * Per-face parsing of one photo, the stages after detection: align and warp each face, run the
 * model (parseFaceCrops), paste the logits back (pasteLogits), and wrap it all for ParseResult.
 */
import type { RgbImage } from '../base/types.js';
import { FaceResult, type FacesInit } from './faceResult.js';
import { parseFaceCrops, type FaceCropOptions, type FaceCropSetup, type ModelRun } from './parseFaceCrops.js';
import { pasteLogits, pasteSoftmax } from './paste.js';
import type { DetectedFace } from './types.js';

export const NO_FACE_NOTE = 'no face found: every pixel is background (parse with faces: "off" to label the whole photo anyway)';

export async function parseFacesOfPhoto(
  image: RgbImage,
  detected: readonly DetectedFace[],
  run: ModelRun,
  setup: FaceCropSetup & FaceCropOptions,
): Promise<{ faces: FacesInit & { categoryMask: Uint8Array }; timings: { warp: number; inference: number; paste: number } }> {
  // Runs overlap (flip's mirrored pass, batches and scales are sent at once, for a pool of
  // sessions): inference is the time during which at least one run was in flight. The sum of the
  // runs' durations is larger than the stage itself, and made warp (stage - inference) negative.
  let inference = 0;
  let inFlight = 0;
  let since = 0;
  const timedRun: ModelRun = async (pixels, batch, h, w) => {
    if (inFlight++ === 0) since = performance.now();
    try {
      return await run(pixels, batch, h, w);
    } finally {
      if (--inFlight === 0) inference += performance.now() - since;
    }
  };
  const t0 = performance.now();
  const logits = await parseFaceCrops(image, detected, timedRun, setup, setup);
  const t1 = performance.now();
  const { categoryMask, instanceMask } = pasteLogits(logits, image.width, image.height);
  const pixels = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < instanceMask.length; i++) if (instanceMask[i] !== 0) pixels[instanceMask[i]! - 1]!++;
  const faces = logits.map(
    (l, index) => new FaceResult({ index, score: detected[index]!.score, box: detected[index]!.box, keypoints: detected[index]!.keypoints, logits: l, pixels: pixels[index]! }),
  );
  const t2 = performance.now();
  return {
    faces: {
      categoryMask,
      faces,
      instanceMask,
      softmax: (ids) => pasteSoftmax(logits, instanceMask, image.width, image.height, ids),
      ...(faces.length === 0 ? { note: NO_FACE_NOTE } : {}),
    },
    timings: { warp: t1 - t0 - inference, inference, paste: t2 - t1 },
  };
}
