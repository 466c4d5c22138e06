/**
 * The inference worker: one onnxruntime-web session per worker, so the model runs off the page's
 * main thread and the page never freezes. onnxruntime-web is imported at run time from the folder
 * the page names (its .mjs/.wasm files sit beside the faceparse bundle) and never bundled: its
 * thread workers load its own .mjs, which must not be a bundle that touches `document`.
 * The wasm build is `ort.wasm.min.mjs` (the plain 14 MB .wasm); WebGPU needs `ort.webgpu.min.mjs`
 * (the 28 MB JSEP .wasm), loaded only when asked for.
 */
/// <reference lib="webworker" />
import type * as Ort from 'onnxruntime-web';
import { serveRequests } from './workerRpc.js';
import { FaceParseError } from '../../base/errors.js';
import { checkModelIo, type ModelIo, type TensorMetadata } from '../../models/segformer/modelIo.js';
import { float16ToFloat32, float32ToFloat16 } from '../../base/float16.js';
import type { CreateReply, CreateRequest, RunReply, RunRequest, WebDevice, WorkerRequest } from './workerProtocol.js';

type OrtModule = typeof Ort;

let session: Ort.InferenceSession | undefined;
let ort: OrtModule | undefined;
let io: ModelIo | undefined;
let modelName = 'model';
let numLabels = 0;

async function importOrt(baseUrl: string, device: WebDevice): Promise<OrtModule> {
  const file = device === 'webgpu' ? 'ort.webgpu.min.mjs' : 'ort.wasm.min.mjs';
  const module = (await import(/* @vite-ignore */ baseUrl + file)) as OrtModule & { default?: OrtModule };
  return module.InferenceSession ? module : module.default!;
}

/** Why WebGPU cannot run here, or undefined when an adapter exists. */
async function webgpuProblem(): Promise<string | undefined> {
  const gpu = (self.navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return 'this browser has no WebGPU (navigator.gpu is missing)';
  try {
    const adapter = await gpu.requestAdapter();
    return adapter ? undefined : 'no WebGPU adapter is available (no GPU, or WebGPU is disabled)';
  } catch (error) {
    return `requesting a WebGPU adapter failed (${(error as Error).message})`;
  }
}

async function startSession(request: CreateRequest, device: WebDevice, threads: number): Promise<Ort.InferenceSession> {
  ort = await importOrt(request.ortBaseUrl, device);
  ort.env.wasm.wasmPaths = request.ortBaseUrl;
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  return ort.InferenceSession.create(request.model, {
    executionProviders: [device === 'webgpu' ? 'webgpu' : 'wasm'],
    graphOptimizationLevel: 'all',
  });
}

async function create(request: CreateRequest): Promise<CreateReply> {
  modelName = request.modelName;
  numLabels = request.numLabels;
  // Threads need SharedArrayBuffer, which only a cross-origin isolated page (COOP + COEP) has.
  const threads = self.crossOriginIsolated ? Math.max(1, request.threads) : 1;
  let device = request.device;
  let fallbackReason: string | undefined;
  if (device === 'webgpu') {
    fallbackReason = await webgpuProblem();
    if (fallbackReason) device = 'wasm';
  }
  try {
    session = await startSession(request, device, threads);
  } catch (error) {
    if (device !== 'webgpu') {
      throw new FaceParseError('MODEL_INVALID', `${modelName} is not a loadable ONNX model (${String((error as Error).message ?? error).split('\n')[0]})`);
    }
    fallbackReason = `WebGPU could not start the model (${String((error as Error).message ?? error).split('\n')[0]})`;
    device = 'wasm';
    session = await startSession(request, device, threads);
  }
  try {
    io = checkModelIo(session.inputMetadata as readonly TensorMetadata[], session.outputMetadata as readonly TensorMetadata[], numLabels, modelName);
  } catch (error) {
    await session.release();
    session = undefined;
    throw error;
  }
  return { ...io, device, threads, ...(fallbackReason ? { fallbackReason } : {}) };
}

async function run(request: RunRequest): Promise<{ value: RunReply; transfer: Transferable[] }> {
  if (!session || !ort || !io) throw new FaceParseError('CLOSED', 'the inference worker has no model; create a new FaceParser');
  const { dims } = request;
  const tensor =
    io.inputType === 'float16' ? new ort.Tensor('float16', float32ToFloat16(request.pixelValues), dims) : new ort.Tensor('float32', request.pixelValues, dims);
  const t0 = performance.now();
  const result = await session.run({ [io.inputName]: tensor });
  const runMs = performance.now() - t0;
  const out = result[io.outputName]!;
  const outDims = out.dims as readonly number[];
  if (outDims.length !== 4 || outDims[1] !== numLabels) {
    throw new FaceParseError('MODEL_INVALID', `${modelName} returned logits of shape [${outDims.join(', ')}]; expected [${dims[0]}, ${numLabels}, h, w]`);
  }
  const logits = out.type === 'float16' ? float16ToFloat32(out.data as Uint16Array) : (out.data as Float32Array);
  for (const name of Object.keys(result)) if (name !== io.outputName) result[name]!.dispose();
  return { value: { logits, dims: [outDims[0]!, outDims[1]!, outDims[2]!, outDims[3]!], runMs }, transfer: [logits.buffer] };
}

serveRequests<WorkerRequest>(async (request) => {
  if (request.type === 'create') return { value: await create(request) };
  if (request.type === 'run') return run(request);
  await session?.release();
  session = undefined;
  return { value: null };
});
