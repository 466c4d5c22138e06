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
import { cappedThreads, defaultSessions } from '../options/parserOptions.js';
import { checkParserOptions, type FaceParserOptions } from '../pipeline/options.js';

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
  checkParserOptions(options);
  const cores = availableParallelism();
  const sessionCount = options.sessions ?? 1;
  // More threads than cores only add contention and memory: capped (src/options/parserOptions.ts).
  const asked = cappedThreads(options.threads, cores);
  // Several sessions share the cores: each gets its part of the thread count (at least one).
  const threads = sessionCount === 1 ? asked : Math.max(1, Math.floor((asked ?? cores) / sessionCount));
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
  // once more per session. Only when the caller left `sessions` to us and there are threads to share;
  // how many is the one default of src/options (a folder: as many runs as threads).
  const folderCount = defaultSessions(Number.POSITIVE_INFINITY, asked ?? cores, options.device);
  const folderSessions =
    options.sessions === undefined && folderCount > 1
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
