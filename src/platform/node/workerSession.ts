/**
 * A SegmentationSession whose model runs on its own thread (inferenceWorker.ts): the session, its
 * native memory and its calls live apart from the main thread, which goes on with the pipeline's
 * other stages (decode, resize, upsample + arg-max, encoding) of other photos, and a pool of
 * sessions (FaceParserOptions.sessions) is a pool of threads. (Measured with onnxruntime-node 1.30:
 * its `run` does not hold the event loop even in-process; the gaps seen in the loop come from its
 * spinning threads taking the cores, which `spinning: false` or 1-thread sessions avoid.)
 * Errors keep their FaceParseError code across the thread boundary.
 */
// First: onnxruntime's telemetry is switched off before the native library loads (see telemetry.ts).
import './telemetry.js';
import { FaceParseError } from '../../base/errors.js';
import type { Logits } from '../../base/types.js';
import type { SegmentationSession, SessionOptions } from '../types.js';
import { startThread } from './threadScript.js';
import type { WorkerReply, WorkerRequest } from './workerProtocol.js';

function toError(reply: Extract<WorkerReply, { kind: 'error' }>): Error {
  return reply.code ? new FaceParseError(reply.code, reply.message) : new Error(reply.message);
}

export async function createWorkerSession(modelPath: string, options: SessionOptions): Promise<SegmentationSession> {
  const worker = startThread('inferenceWorker.js', { workerData: { modelPath, options } });
  const pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failed: Error | undefined;

  // An idle worker must not keep the process alive (a script that forgets close() still exits);
  // one with runs in flight must, or a pending parse would be dropped at exit.
  const updateRef = () => (pending.size > 0 ? worker.ref() : worker.unref());

  const ready = new Promise<Extract<WorkerReply, { kind: 'ready' }>>((resolve, reject) => {
    pending.set(0, { resolve: (reply) => resolve(reply as Extract<WorkerReply, { kind: 'ready' }>), reject });
  });
  worker.on('message', (reply: WorkerReply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    updateRef();
    if (reply.kind === 'error') waiter.reject(toError(reply));
    else waiter.resolve(reply);
  });
  const failAll = (error: Error) => {
    failed = error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on('error', (error) =>
    failAll(new FaceParseError('MODEL_INVALID', `the inference thread for ${modelPath} failed: ${error.message}`, { cause: error })),
  );
  worker.on('exit', (code) => {
    if (pending.size > 0) failAll(new FaceParseError('MODEL_INVALID', `the inference thread for ${modelPath} stopped (exit code ${code}) with runs pending`));
  });

  const request = (message: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> => {
    if (failed) return Promise.reject(failed);
    return new Promise((resolve, reject) => {
      pending.set(message.id, { resolve, reject });
      updateRef();
      worker.postMessage(message, transfer);
    });
  };

  let meta: Extract<WorkerReply, { kind: 'ready' }>;
  try {
    meta = await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  updateRef();

  return {
    modelPath,
    inputName: meta.inputName,
    outputName: meta.outputName,
    inputType: meta.inputType,
    device: meta.device,
    async run(pixelValues, batch, height, width): Promise<Logits> {
      // Copied, not transferred: the caller may still use its pixel values (the flip pass mirrors them).
      const reply = await request({ kind: 'run', id: nextId++, pixelValues, batch, height, width });
      return (reply as Extract<WorkerReply, { kind: 'logits' }>).logits;
    },
    async release() {
      if (failed) {
        await worker.terminate();
        return;
      }
      await request({ kind: 'release', id: nextId++ });
      await worker.terminate();
    },
  };
}
