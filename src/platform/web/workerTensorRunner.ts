/**
 * The page's side of the tensor worker (tensorWorker.ts): a TensorRunner (src/faces/types.ts)
 * whose model runs in a Web Worker, one call at a time. A worker that fails to load or dies
 * rejects every pending call with a message that says why.
 */
import { FaceParseError } from '../../base/errors.js';
import type { TensorRunner } from '../../faces/types.js';
import { listenForReplies, type Pending } from './workerRpc.js';
import type { TensorRunReply, TensorWorkerRequest } from './tensorWorkerProtocol.js';

export interface WorkerTensorRunnerOptions {
  /** URL of the worker script (faceparse.tensor-worker.js beside the bundle). */
  workerUrl: string | URL;
  /** Folder of onnxruntime-web's .mjs/.wasm files, ending in '/'. */
  ortBaseUrl: string;
  model: Uint8Array;
  modelName: string;
  threads: number;
}

export async function createWorkerTensorRunner(options: WorkerTensorRunnerOptions): Promise<TensorRunner> {
  let worker: Worker;
  try {
    worker = new Worker(options.workerUrl, { type: 'module', name: 'faceparse-tensor' });
  } catch (error) {
    throw new FaceParseError(
      'DEVICE_UNAVAILABLE',
      `could not start the worker ${String(options.workerUrl)} (${(error as Error).message}); serve it beside faceparse.js from the same origin, or parse with faces: 'off'`,
      { cause: error },
    );
  }
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let runs: Promise<unknown> = Promise.resolve();
  listenForReplies(worker, pending, {
    onError: (event) =>
      `the worker for ${options.modelName} failed (${event.message || 'it could not load'}); check that ${String(options.workerUrl)} and the ort-*.mjs/.wasm files are served beside faceparse.js`,
    onMessageError: 'the tensor worker sent a message the page could not read',
  });
  const call = <T>(request: TensorWorkerRequest, transfer: Transferable[] = []) =>
    new Promise<T>((resolve, reject) => {
      pending.set(request.id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage(request, transfer);
    });
  try {
    await call<null>(
      { type: 'create', id: nextId++, model: options.model, modelName: options.modelName, threads: options.threads, ortBaseUrl: options.ortBaseUrl },
      [options.model.buffer],
    );
  } catch (error) {
    worker.terminate();
    throw error;
  }
  return {
    run(input, dims) {
      const job = runs.then(() => call<TensorRunReply>({ type: 'run', id: nextId++, input, dims: [...dims] }));
      runs = job.catch(() => undefined);
      return job;
    },
    async release() {
      await runs;
      try {
        await call<null>({ type: 'release', id: nextId++ });
      } finally {
        worker.terminate();
      }
    },
  };
}
