/**
 * Where predictions come from: a folder of label maps (any tool's output), or a model run on a
 * dataset's photos. Both give EvalSamples whose predictions use the ground truth's class ids.
 */
import { FaceParseError } from '../base/errors.js';
import type { ImageInput } from '../base/types.js';
import { isIdentityMapping, labelMapping } from '../datasets/labelSets.js';
import { assertImageMatches, type PredictionPair } from '../datasets/predictionFolders.js';
import { readLabelMap } from '../datasets/readLabelMap.js';
import type { Dataset } from '../datasets/types.js';
import { assertLabelRange, type LabelMap } from '../metrics/labelMap.js';
import { remapLabelData } from '../metrics/mergeSides.js';
import type { EvalSample } from './types.js';

/**
 * Maps a prediction in `from` ids to `to` ids (by class name). Ids are checked against `from` here
 * unless nothing is remapped and both sets have the same size: then the scoring's own check (against
 * `to`) is the same check, and one pass over the pixels is saved.
 */
function toTargetIds(map: LabelMap, from: readonly string[], to: readonly string[], mapping: Uint8Array | undefined, source: string): LabelMap {
  if (mapping || from.length !== to.length) assertLabelRange(map, from.length, source);
  return mapping ? { ...map, mask: remapLabelData(map.mask, mapping) } : map;
}

export interface PredictionFolderOptions {
  /** Class names of the ground truth, in id order. */
  labels: readonly string[];
  /** Class names of the predictions in their id order, when it differs (matched by name). Default: labels. */
  predictionLabels?: readonly string[];
}

export function predictionFolderSamples(pairs: readonly PredictionPair[], options: PredictionFolderOptions): EvalSample[] {
  const from = options.predictionLabels ?? options.labels;
  const mapping = labelMapping(from, options.labels);
  const remap = isIdentityMapping(mapping, from.length) ? undefined : mapping;
  return pairs.map((pair) => ({
    id: pair.id,
    predictionSource: pair.prediction,
    targetSource: pair.target,
    loadPrediction: async () => toTargetIds(await readLabelMap(pair.prediction), from, options.labels, remap, pair.prediction),
    loadTarget: async () => {
      const target = await readLabelMap(pair.target);
      if (pair.image) await assertImageMatches(pair.image, target.width, target.height, pair.target);
      return target;
    },
    loadPhoto: pair.image ? async () => pair.image! : undefined,
  }));
}

/** What a model returns for one photo (the fields of FaceParser's result that scoring needs). */
export interface Prediction {
  /** Class names of the model, in id order. */
  labels: readonly string[];
  /** width * height class ids. */
  categoryMask: Uint8Array;
  width: number;
  height: number;
}

export type Predictor = (image: ImageInput) => Promise<Prediction>;

/** The dataset's samples with predictions from `predict`, mapped onto the dataset's ids by class name. */
export function modelSamples(dataset: Dataset, predict: Predictor): EvalSample[] {
  let cached: { key: string; mapping: Uint8Array | undefined } | undefined;
  const mappingFor = (modelLabels: readonly string[]) => {
    const key = modelLabels.join('\u0000');
    if (cached?.key !== key) {
      const mapping = labelMapping(modelLabels, dataset.labels);
      cached = { key, mapping: isIdentityMapping(mapping, modelLabels.length) ? undefined : mapping };
    }
    return cached.mapping;
  };
  return dataset.samples.map((sample) => ({
    id: sample.id,
    predictionSource: `model output for ${sample.imagePath}`,
    targetSource: sample.targetSource,
    loadPrediction: async () => {
      const result = await predict(await sample.loadImage());
      if (result.categoryMask.length !== result.width * result.height) {
        throw new FaceParseError(
          'INVALID_ARGUMENT',
          `the model returned a ${result.categoryMask.length}-pixel mask for a ${result.width}x${result.height} result.`,
        );
      }
      const map = { width: result.width, height: result.height, mask: result.categoryMask };
      return toTargetIds(map, result.labels, dataset.labels, mappingFor(result.labels), `model output for ${sample.imagePath}`);
    },
    loadTarget: () => sample.loadTarget(),
    loadPhoto: () => sample.loadImage(),
  }));
}
