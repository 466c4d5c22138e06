/** Reading a model folder's config.json and preprocessor_config.json from disk (the parsing is pure: models/segformer/config.ts). */
import { parseModelConfig, parsePreprocessorConfig, type PreprocessorConfig, type SegformerModelConfig } from '../../models/segformer/config.js';
import { readModelJson } from './files.js';

function readJson(path: string, what: string): Promise<unknown> {
  return readModelJson(
    path,
    what,
    `model folder has no ${what} (${path}); a SegFormer model folder needs config.json, preprocessor_config.json and onnx/model.onnx`,
  );
}

export async function readModelConfig(path: string): Promise<SegformerModelConfig> {
  return parseModelConfig(await readJson(path, 'config.json'), path);
}

export async function readPreprocessorConfig(path: string): Promise<PreprocessorConfig> {
  return parsePreprocessorConfig(await readJson(path, 'preprocessor_config.json'), path);
}
