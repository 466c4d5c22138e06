/** Finds which layout a dataset folder has and opens it. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FaceParseError } from '../base/errors.js';
import { CELEBAMASK_HQ_ANNOTATIONS, CELEBAMASK_HQ_IMAGES, openCelebAMaskHq } from './celebamaskHq.js';
import { openPairedFolders } from './pairedFolders.js';
import type { Dataset } from './types.js';

export interface OpenDatasetOptions {
  /**
   * Paired folders: the sub-folder `<dir>/<split>/` (default: `<dir>` itself when it has images/ and
   * masks/, else `<dir>/val/`). CelebAMask-HQ: train, val or test (default: all).
   */
  split?: string;
  /** Class names of paired-folder masks in id order (default CelebAMask-HQ). */
  labels?: readonly string[];
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function isPaired(dir: string): Promise<boolean> {
  return (await isDir(join(dir, 'images'))) && (await isDir(join(dir, 'masks')));
}

export async function openDataset(dir: string, options: OpenDatasetOptions = {}): Promise<Dataset> {
  const { split, labels } = options;
  if (!(await isDir(dir))) {
    throw new FaceParseError('DATASET_INVALID', `${dir}: no such folder. Give the dataset's folder.`);
  }
  if ((await isDir(join(dir, CELEBAMASK_HQ_IMAGES))) && (await isDir(join(dir, CELEBAMASK_HQ_ANNOTATIONS)))) {
    return openCelebAMaskHq(dir, { split });
  }
  if (split !== undefined) {
    if (await isPaired(join(dir, split))) return openPairedFolders(join(dir, split), { labels });
    throw new FaceParseError('DATASET_INVALID', `${join(dir, split)}: expected images/ and masks/ folders for split "${split}". Check the split name.`);
  }
  if (await isPaired(dir)) return openPairedFolders(dir, { labels });
  if (await isPaired(join(dir, 'val'))) return openPairedFolders(join(dir, 'val'), { labels });
  throw new FaceParseError(
    'DATASET_INVALID',
    `${dir}: not a known dataset layout. Expected images/ + masks/ (or <split>/images/ + <split>/masks/), ` +
      `or the CelebAMask-HQ release (${CELEBAMASK_HQ_IMAGES}/ + ${CELEBAMASK_HQ_ANNOTATIONS}/).`,
  );
}
