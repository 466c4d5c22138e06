/**
 * The browser's model loader: fetch a model folder (URL, hub id or picked folder; Cache Storage
 * first), check its configs with the shared parsers, start the worker session, and hand the
 * pipeline a LoadedModel (what Node's loader, src/node/loadModel.ts, hands it).
 */
import type { ModelVariant } from '../../base/types.js';
import { parseModelConfig, parsePreprocessorConfig } from '../../models/segformer/config.js';
import type { LoadedModel } from '../../pipeline/loadedModel.js';
import type { WebPlatform } from './index.js';
import { fetchModelFiles, type LocalModelFolder, type WebModelSourceOptions } from './modelSource.js';
import type { WorkerSession } from './workerSession.js';

export interface WebLoadedModel extends LoadedModel {
  platform: WebPlatform;
  sessions: WorkerSession[];
}

export async function loadWebModel(
  platform: WebPlatform,
  source: string | LocalModelFolder,
  options: WebModelSourceOptions & { variant?: ModelVariant },
): Promise<WebLoadedModel> {
  const files = await fetchModelFiles(source, options);
  const config = parseModelConfig(files.config, files.baseUrl + 'config.json');
  const preprocessor = parsePreprocessorConfig(files.preprocessor, files.baseUrl + 'preprocessor_config.json');
  const session = await platform.createSessionFromBytes(files.onnx, `${files.baseUrl} (${files.variant})`, config.labels.length);
  return { platform, labels: config.labels, preprocessor, sessions: [session], model: files.id ?? files.baseUrl, variant: files.variant };
}
