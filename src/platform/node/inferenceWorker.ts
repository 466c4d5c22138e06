/**
 * The inference thread: owns one onnxruntime-node session and runs it on request, so the main
 * thread only ever decodes, preprocesses, post-processes and encodes (see workerSession.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FaceParseError } from '../../base/errors.js';
import type { SessionOptions } from '../types.js';
import { createSegmentationSession } from './session.js';
import type { WorkerReply, WorkerRequest } from './workerProtocol.js';

const port = parentPort!;
const { modelPath, options } = workerData as { modelPath: string; options: SessionOptions };

function errorReply(id: number, error: unknown): WorkerReply {
  const code = error instanceof FaceParseError ? error.code : undefined;
  return { kind: 'error', id, code, message: error instanceof Error ? error.message : String(error) };
}

try {
  const session = await createSegmentationSession(modelPath, options);
  port.postMessage({
    kind: 'ready',
    id: 0,
    inputName: session.inputName,
    outputName: session.outputName,
    inputType: session.inputType,
    device: session.device,
  } satisfies WorkerReply);
  port.on('message', async (request: WorkerRequest) => {
    if (request.kind === 'release') {
      await session.release();
      port.postMessage({ kind: 'released', id: request.id } satisfies WorkerReply);
      port.close();
      return;
    }
    try {
      const logits = await session.run(request.pixelValues, request.batch, request.height, request.width);
      // The logits are this thread's own copy: hand the buffer over instead of copying it again.
      const data = logits.data.buffer.byteLength === logits.data.byteLength ? logits.data : logits.data.slice();
      port.postMessage({ kind: 'logits', id: request.id, logits: { ...logits, data } } satisfies WorkerReply, [data.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage(errorReply(request.id, error));
    }
  });
} catch (error) {
  port.postMessage(errorReply(0, error));
}
