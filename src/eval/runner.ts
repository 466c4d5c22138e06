/**
 * The evaluation loop: streams samples one at a time (the next one loads while the current one is
 * scored), accumulates the set's confusion matrix and boundary F1, keeps per-image scores and the
 * N worst images, and stops at the first bad sample unless asked to skip and list them.
 */
import { FaceParseError, isInputError } from '../base/errors.js';
import { BoundaryF1 } from '../metrics/boundaryF1.js';
import { ConfusionMatrix } from '../metrics/confusionMatrix.js';
import { assertLabelRange, assertSameSize, type LabelMap } from '../metrics/labelMap.js';
import { mergeSides, remapLabelData } from '../metrics/mergeSides.js';
import { meanF1, meanIoU, pixelAccuracy } from '../metrics/scores.js';
import { summarizeView } from './summary.js';
import type { EvalOptions, EvalResult, EvalSample, ImageScores, WorstImage } from './types.js';

type Loaded = { ok: true; prediction: LabelMap; target: LabelMap } | { ok: false; error: unknown };

/** Never rejects, so a prefetched sample that fails cannot become an unhandled rejection. */
async function load(sample: EvalSample): Promise<Loaded> {
  try {
    const [prediction, target] = await Promise.all([sample.loadPrediction(), sample.loadTarget()]);
    return { ok: true, prediction, target };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Errors about one sample's data, which --skip-bad may pass over; anything else always stops the run. */
export function isBadDataError(error: unknown): boolean {
  return isInputError(error) || (error instanceof FaceParseError && error.code === 'DATASET_INVALID');
}

/**
 * Names taken for the background class (any case). The training pipeline keeps the same list
 * (training/faceparse_train/labels.py, BACKGROUND_NAMES); tests/eval/runner.test.ts fails if the two differ.
 */
export const BACKGROUND_NAMES: ReadonlySet<string> = new Set(['background', 'bg', 'none', '_background_']);

/** The background class: the first named as one in BACKGROUND_NAMES, else class 0. */
export function defaultBackgroundIndex(labels: readonly string[]): number {
  const i = labels.findIndex((name) => BACKGROUND_NAMES.has(name.toLowerCase()));
  return i < 0 ? 0 : i;
}

function validateOptions(options: EvalOptions): void {
  const { labels, worst = 0, backgroundIndex } = options;
  if (labels.length < 1 || labels.length > 256) {
    throw new FaceParseError('INVALID_ARGUMENT', `labels must name 1 to 256 classes, got ${labels.length}.`);
  }
  if (!Number.isInteger(worst) || worst < 0) {
    throw new FaceParseError('INVALID_ARGUMENT', `worst must be a whole number >= 0, got ${worst}.`);
  }
  if (backgroundIndex !== undefined && (!Number.isInteger(backgroundIndex) || backgroundIndex < 0 || backgroundIndex >= labels.length)) {
    throw new FaceParseError('INVALID_ARGUMENT', `backgroundIndex must be a class id 0..${labels.length - 1}, got ${backgroundIndex}.`);
  }
}

export async function evaluate(samples: readonly EvalSample[], options: EvalOptions): Promise<EvalResult> {
  validateOptions(options);
  const { labels, ignoreIndex, toleranceFraction, tolerancePixels, worst = 0, worstBy = 'meanF1', skipBad = false } = options;
  const numClasses = labels.length;
  const backgroundIndex = options.backgroundIndex ?? defaultBackgroundIndex(labels);
  const confusion = new ConfusionMatrix(numClasses, { ignoreIndex });
  const boundary = new BoundaryF1({ numClasses, ignoreIndex, toleranceFraction, tolerancePixels });

  // Merged sides: the matrix is derived at the end (merging classes only sums counts); boundary F1
  // needs the merged maps. Void target pixels map to 255 there, apart from every merged class (the
  // prediction keeps the plain mapping: a predicted id equal to the ignore index is still a class).
  const sides = options.mergeSides ? mergeSides(labels) : undefined;
  const sidesTargetMapping = sides && Uint8Array.from(sides.mapping);
  if (sides && sidesTargetMapping && ignoreIndex !== undefined) {
    if (sides.labels.length > 255) {
      throw new FaceParseError('INVALID_ARGUMENT', 'the merged-sides view with an ignore index needs fewer than 256 merged classes.');
    }
    sidesTargetMapping[ignoreIndex] = 255;
  }
  const sidesBoundary =
    sides &&
    new BoundaryF1({
      numClasses: sides.labels.length,
      ignoreIndex: ignoreIndex === undefined ? undefined : 255,
      toleranceFraction,
      tolerancePixels,
    });

  const perImage: ImageScores[] = [];
  const worstImages: WorstImage[] = [];
  const skipped: Array<{ id: string; reason: string }> = [];
  const imageMatrix = new ConfusionMatrix(numClasses, { ignoreIndex });

  let pending = samples.length > 0 ? load(samples[0]) : undefined;
  for (let index = 0; index < samples.length; index++) {
    const sample = samples[index];
    const loaded = await pending!;
    pending = index + 1 < samples.length ? load(samples[index + 1]) : undefined;
    try {
      if (!loaded.ok) throw loaded.error;
      const { prediction, target } = loaded;
      assertSameSize(prediction, target, `prediction ${sample.predictionSource}`, `ground truth ${sample.targetSource}`);
      try {
        imageMatrix.reset().update(prediction.mask, target.mask); // checks the ids on the way
      } catch (error) {
        // say which file holds which ids (these throw), else pass the error on
        assertLabelRange(target, numClasses, sample.targetSource, ignoreIndex);
        assertLabelRange(prediction, numClasses, sample.predictionSource);
        throw error;
      }
      confusion.merge(imageMatrix);
      const imageBoundary = boundary.update(prediction.mask, target.mask, target.width, target.height);
      if (sides && sidesTargetMapping && sidesBoundary) {
        const p = remapLabelData(prediction.mask, sides.mapping);
        const t = remapLabelData(target.mask, sidesTargetMapping);
        sidesBoundary.update(p, t, target.width, target.height);
      }
      const scores: ImageScores = {
        id: sample.id,
        pixelAccuracy: pixelAccuracy(imageMatrix),
        meanIoU: meanIoU(imageMatrix),
        meanF1: meanF1(imageMatrix, { backgroundIndex }),
        boundaryF1: imageBoundary.score,
      };
      perImage.push(scores);
      keepWorst(worstImages, worst, worstBy, { ...scores, prediction, target, loadPhoto: sample.loadPhoto?.bind(sample) });
    } catch (error) {
      if (!skipBad || !isBadDataError(error)) {
        await pending; // let the prefetch settle before leaving
        throw error;
      }
      skipped.push({ id: sample.id, reason: (error as Error).message });
    } finally {
      options.onProgress?.(index + 1, samples.length, sample.id);
    }
  }

  const view = summarizeView(labels, backgroundIndex, confusion, boundary.compute());
  return {
    ...view,
    images: perImage.length,
    skipped,
    tolerance: tolerancePixels !== undefined ? { pixels: tolerancePixels } : { fraction: toleranceFraction ?? 0.0075 },
    perImage,
    worst: worstImages,
    worstBy,
    mergedSides:
      sides && sidesBoundary
        ? summarizeView(
            sides.labels,
            sides.mapping[backgroundIndex],
            confusion.remap(sides.mapping.subarray(0, numClasses), sides.labels.length),
            sidesBoundary.compute(),
          )
        : undefined,
  };
}

/** Inserts into the list of the `limit` lowest-scoring images (worst first); images without a score are not ranked. */
function keepWorst(list: WorstImage[], limit: number, by: EvalResult['worstBy'], candidate: WorstImage): void {
  const score = candidate[by];
  if (limit === 0 || score === null) return;
  let at = list.length;
  while (at > 0 && (list[at - 1][by] as number) > score) at--;
  if (at >= limit) return;
  list.splice(at, 0, candidate);
  if (list.length > limit) list.pop();
}
