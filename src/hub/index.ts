/** Public API of the model sources: local folders and Hugging Face hub ids with a shared cache. */
export {
  resolveModel,
  defaultModelDir,
  parseModelSource,
  type HubOptions,
  type ResolvedModel,
  type ModelSource,
  type DownloadProgress,
} from './resolve.js';
export { modelInfo, type ModelInfo, type VariantInfo } from './info.js';
export { listModels, type ModelList, type ListedModel, type ListedRevision, type ListedVariant } from './list.js';
export { parseModelId, isCommitHash, type ModelId } from './ids.js';
export { defaultCacheDir, resolveEndpoint, resolveToken, resolveOffline } from './config.js';
export { VARIANT_FILES, VARIANTS, parseVariant } from './files.js';
export { DEFAULT_NETWORK_LIMITS, type NetworkLimits } from './transfer.js';
