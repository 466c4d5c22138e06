// Model sources: local folders and Hugging Face hub ids, with the shared hub cache (src/hub).
export {
  resolveModel,
  defaultModelDir,
  modelInfo,
  listModels,
  parseModelId,
  type HubOptions,
  type ResolvedModel,
  type DownloadProgress,
  type ModelInfo,
  type ModelList,
  type ModelId,
} from './hub/index.js';
