/** Starting the project's own worker threads (the inference thread, the band threads) from the built files. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running `name` (a file of this folder). From the TypeScript sources (vitest) a
 * thread cannot load .ts, so the compiled file that `npm run build` writes is used (npm test builds
 * first). The thread inherits the process's execArgv but --input-type, which a file entry refuses
 * (scripts run with `node --input-type=module -e`).
 */
export function startThread(name: string, options: WorkerOptions = {}): Worker {
  let url = new URL(`./${name}`, import.meta.url);
  if (!existsSync(fileURLToPath(url))) url = new URL(`../../../dist/src/platform/node/${name}`, import.meta.url);
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
  return new Worker(url, { ...options, execArgv });
}
