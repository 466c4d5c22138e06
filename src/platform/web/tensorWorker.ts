/**
 * The tensor worker: one onnxruntime-web (wasm) session over a model with one float32 input and
 * float32 outputs, here the BlazeFace face detector. A worker of its own rather than a second
 * session in the inference worker: onnxruntime-web's thread count is global to its module, and
 * the detector must not wait behind (or slow) the segmentation model's runs.
 */
/// <reference lib="webworker" />
import type * as Ort from 'onnxruntime-web';
import { serveRequests } from './workerRpc.js';
import { FaceParseError } from '../../base/errors.js';
import type { TensorCreateRequest, TensorRunReply, TensorRunRequest, TensorWorkerRequest } from './tensorWorkerProtocol.js';

type OrtModule = typeof Ort;

let session: Ort.InferenceSession | undefined;
let ort: OrtModule | undefined;
let modelName = 'model';

async function create(request: TensorCreateRequest): Promise<null> {
  modelName = request.modelName;
  const module = (await import(/* @vite-ignore */ request.ortBaseUrl + 'ort.wasm.min.mjs')) as OrtModule & { default?: OrtModule };
  ort = module.InferenceSession ? module : module.default!;
  ort.env.wasm.wasmPaths = request.ortBaseUrl;
  // Threads need SharedArrayBuffer, which only a cross-origin isolated page (COOP + COEP) has.
  ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.max(1, request.threads) : 1;
  ort.env.logLevel = 'error';
  try {
    // logSeverityLevel 3: the export carries unused initializers that onnxruntime warns about on every load (as in Node).
    session = await ort.InferenceSession.create(request.model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  } catch (error) {
    throw new FaceParseError(
      'MODEL_INVALID',
      `${modelName} is not a loadable ONNX model (${String((error as Error).message ?? error).split('\n')[0]}); parse with faces: 'off'`,
    );
  }
  return null;
}

async function run(request: TensorRunRequest): Promise<{ value: TensorRunReply; transfer: Transferable[] }> {
  if (!session || !ort) throw new FaceParseError('CLOSED', `the tensor worker has no model (${modelName}); create a new FaceParser`);
  const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', request.input, request.dims) });
  const value: TensorRunReply = {};
  for (const [name, tensor] of Object.entries(result)) {
    if (tensor.type !== 'float32') throw new FaceParseError('MODEL_INVALID', `${modelName} returned ${tensor.type} output ${name}; expected float32`);
    value[name] = tensor.data as Float32Array;
  }
  return { value, transfer: Object.values(value).map((data) => data.buffer) };
}

serveRequests<TensorWorkerRequest>(async (request) => {
  if (request.type === 'create') return { value: await create(request) };
  if (request.type === 'run') return run(request);
  await session?.release();
  session = undefined;
  return { value: null };
});
