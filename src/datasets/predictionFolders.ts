/**
 * Layout (c): a folder of predicted label maps against a folder of ground truth, paired by name, to
 * score any tool's output. An optional folder of photos (same names) feeds the report's gallery.
 */
import { FaceParseError } from '../base/errors.js';
import { isImageFile, listByStem, pairByStem } from './files.js';
import { imageSize } from './pairedFolders.js';
import { isLabelMapFile } from './readLabelMap.js';

export interface PredictionPair {
  id: string;
  prediction: string;
  target: string;
  /** The photo, when a photo folder was given. */
  image?: string;
}

export interface PredictionFoldersOptions {
  /** Photos with the same names, for the gallery; every pair must then have one. */
  imagesDir?: string;
}

export async function openPredictionFolders(predictionDir: string, targetDir: string, options: PredictionFoldersOptions = {}): Promise<PredictionPair[]> {
  const predictions = await listByStem(predictionDir, isLabelMapFile, 'prediction');
  const targets = await listByStem(targetDir, isLabelMapFile, 'ground-truth');
  const pairs = pairByStem(predictions, targets, `predictions in ${predictionDir}`, `ground truths in ${targetDir}`);
  if (options.imagesDir === undefined) return pairs.map(({ id, left, right }) => ({ id, prediction: left, target: right }));
  const images = await listByStem(options.imagesDir, isImageFile, 'image');
  const noImage = pairs.filter(({ id }) => !images.has(id)).map(({ id }) => id);
  if (noImage.length > 0) {
    throw new FaceParseError(
      'DATASET_INVALID',
      `${options.imagesDir}: no photo for ${noImage.length} pairs: ${noImage.slice(0, 10).join(', ')}${noImage.length > 10 ? ' ...' : ''}. ` +
        'Add the photos or leave out the photo folder.',
    );
  }
  return pairs.map(({ id, left, right }) => ({ id, prediction: left, target: right, image: images.get(id) }));
}

/** Throws DATASET_INVALID unless the photo has the label map's size. */
export async function assertImageMatches(imagePath: string, width: number, height: number, mapSource: string): Promise<void> {
  const size = await imageSize(imagePath);
  if (size.width !== width || size.height !== height) {
    throw new FaceParseError(
      'DATASET_INVALID',
      `${mapSource} is ${width}x${height} but its image ${imagePath} is ${size.width}x${size.height}: ` +
        'a label map must label every pixel of its image. Resize one of them or fix the pair.',
    );
  }
}
