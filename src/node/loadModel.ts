/**
 * Where the Node FaceParser.create (faceParser.ts) finds its model: a folder, the hub cache or a
 * download (src/hub), its two configs read from disk, and its sessions started on the Node platform.
 * Imported by `create` when it runs, so importing the library loads no native code.
 */
import { availableParallelism } from 'node:os';
import { FaceParseError } from '../base/errors.js';
import { resolveModel } from '../hub/index.js';
import { nodePlatform } from '../platform/node/index.js';
import { readModelConfig, readPreprocessorConfig } from '../platform/node/modelConfig.js';
import type { LoadedModel } from '../pipeline/loadedModel.js';
import type { FaceParserOptions } from '../pipeline/options.js';

export async function loadNodeModel(options: FaceParserOptions): Promise<LoadedModel> {
  const resolved = await resolveModel(options.model, {
    variant: options.variant,
    revision: options.revision,
    cacheDir: options.cacheDir,
    endpoint: options.endpoint,
    token: options.token,
    offline: options.offline,
    onProgress: options.onProgress,
    signal: options.signal,
    fetch: options.fetch,
    network: options.network,
  });
  const config = await readModelConfig(resolved.files.config);
  const preprocessor = await readPreprocessorConfig(resolved.files.preprocessor);
  const sessionCount = options.sessions ?? 1;
  if (!Number.isInteger(sessionCount) || sessionCount < 1 || sessionCount > 64) {
    throw new FaceParseError('INVALID_ARGUMENT', `sessions must be a whole number from 1 to 64; got ${String(options.sessions)}`);
  }
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) {
    throw new FaceParseError('INVALID_ARGUMENT', `threads must be a whole number >= 1; got ${String(options.threads)}`);
  }
  // More threads than cores only add contention and memory (99999 took 3.9 GB and never ended): capped.
  const asked = options.threads === undefined ? undefined : Math.min(options.threads, availableParallelism());
  // Several sessions share the cores: each gets its part of the thread count (at least one).
  const threads = sessionCount === 1 ? asked : Math.max(1, Math.floor((asked ?? availableParallelism()) / sessionCount));
  const start = () =>
    nodePlatform.createSession(resolved.files.onnx, {
      numLabels: config.labels.length,
      threads,
      device: options.device,
      spinning: options.spinning,
      inferenceThread: options.inferenceThread,
    });
  const sessions = [];
  try {
    for (let i = 0; i < sessionCount; i++) sessions.push(await start());
  } catch (error) {
    await Promise.all(sessions.map((s) => s.release()));
    if (error instanceof FaceParseError && error.code === 'MODEL_INVALID' && resolved.id && /not a loadable ONNX model/.test(error.message)) {
      // A cached file may have gone bad since it was checked on download: say how to repair it.
      const revision = resolved.revision && resolved.revision !== 'main' ? ` --revision ${resolved.revision}` : '';
      throw new FaceParseError(
        'MODEL_INVALID',
        `${error.message}; the file is from the hub cache: \`faceparse models pull ${resolved.id}${revision} --variant ${resolved.variant}\` checks the cached files and downloads bad ones again`,
        { cause: error },
      );
    }
    throw error;
  }
  // For folders, several 1-thread sessions kept the cores busier than one many-thread session
  // (bench/throughput.ts: 1.27x the images/s of the bare 2-thread loop on this 2-core machine, the
  // detector included, where one 2-thread session gave 0.85x), at the cost of the model's memory
  // once more per core. Only when the caller left `sessions` to us and there are threads to share.
  const folderCount = Math.min(asked ?? availableParallelism(), availableParallelism(), 8);
  const folderSessions =
    options.sessions === undefined && options.device !== 'cuda' && folderCount > 1
      ? async () => {
          const pool = [];
          try {
            for (let i = 0; i < folderCount; i++) {
              pool.push(
                await nodePlatform.createSession(resolved.files.onnx, {
                  numLabels: config.labels.length,
                  threads: 1,
                  device: options.device,
                  spinning: options.spinning,
                  inferenceThread: options.inferenceThread,
                }),
              );
            }
          } catch (error) {
            await Promise.all(pool.map((s) => s.release()));
            throw error;
          }
          return pool;
        }
      : undefined;
  return {
    platform: options.rowBands === false ? { ...nodePlatform, parallel: undefined } : nodePlatform,
    labels: config.labels,
    preprocessor,
    sessions,
    folderSessions,
    model: resolved.id ?? resolved.dir,
    variant: resolved.variant,
    resolved,
  };
}
