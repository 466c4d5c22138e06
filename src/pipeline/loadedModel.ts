/** What a platform's loader hands the pipeline: the model's configs, its running sessions and the platform itself. */
import type { ModelVariant } from '../base/types.js';
import type { ResolvedModel } from '../hub/types.js';
import type { PreprocessorConfig } from '../models/segformer/config.js';
import type { Platform, SegmentationSession } from '../platform/types.js';

export interface LoadedModel {
  platform: Platform;
  /** Class names, index = class id (config.json's id2label). */
  labels: string[];
  preprocessor: PreprocessorConfig;
  sessions: SegmentationSession[];
  /**
   * Sessions for runs of many photos (parseEach, parseBatch), started on the first such run, where
   * the platform finds them faster than `sessions` (Node: one 1-thread session per core).
   */
  folderSessions?: () => Promise<SegmentationSession[]>;
  /** The model id or folder/URL it was loaded from. */
  model: string;
  variant: ModelVariant;
  /** Where the files were found (Node: the hub's ResolvedModel). */
  resolved?: ResolvedModel;
}
