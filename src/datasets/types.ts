import type { ImageInput } from '../base/types.js';
import type { LabelMap } from '../metrics/labelMap.js';

/** One photo with its ground truth. Nothing is read until a load function is called. */
export interface DatasetSample {
  id: string;
  /** The photo's file. */
  imagePath: string;
  /** The ground truth's file or files, for messages. */
  targetSource: string;
  /** The photo as a model should see it: the file, or pixels when the layout resizes it to the ground truth. */
  loadImage(): Promise<ImageInput>;
  /** The ground truth, decoded and checked against the photo's size. Class ids are not range-checked here. */
  loadTarget(): Promise<LabelMap>;
}

export type DatasetLayout = 'paired-folders' | 'celebamask-hq';

export interface Dataset {
  layout: DatasetLayout;
  /** The folder the samples come from. */
  root: string;
  /** Class names of the ground truth, in id order. */
  labels: readonly string[];
  samples: DatasetSample[];
}
