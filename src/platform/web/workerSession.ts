/**
 * The page's side of the inference worker: a SegmentationSession (the platform seam's interface:
 * float32 pixel values in, float32 logits out) whose model runs in a Web Worker. Runs go one at a
 * time (an onnxruntime session runs one call at a time); a worker that fails to load or dies
 * rejects every pending call with a message that says why.
 */
import { FaceParseError } from '../../base/errors.js';
import type { Device, Logits } from '../../base/types.js';
import type { SegmentationSession } from '../types.js';
import { listenForReplies, type Pending } from './workerRpc.js';
import type { CreateReply, RunReply, WebDevice, WorkerRequest } from './workerProtocol.js';

export interface WorkerSessionOptions {
  /** URL of the worker script (faceparse.worker.js beside the bundle). */
  workerUrl: string | URL;
  /** Folder of onnxruntime-web's .mjs/.wasm files, ending in '/'. */
  ortBaseUrl: string;
  model: Uint8Array;
  modelName: string;
  numLabels: number;
  device: WebDevice;
  threads: number;
}

export class WorkerSession implements SegmentationSession {
  readonly info: CreateReply;
  readonly modelPath: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputType: 'float32' | 'float16';
  /**
   * The seam's Device names Node's devices (cpu, cuda), so a browser session reports 'cpu' here;
   * `backend` says where it really runs (wasm, or webgpu).
   */
  readonly device: Device = 'cpu';
  readonly backend: WebDevice;
  /** Milliseconds inside onnxruntime's session.run, for the last run. */
  lastRunMs = 0;
  readonly #worker: Worker;
  readonly #pending: Map<number, Pending>;
  #nextId: number;
  #runs: Promise<unknown> = Promise.resolve();

  private constructor(worker: Worker, pending: Map<number, Pending>, nextId: number, info: CreateReply, modelPath: string) {
    this.#worker = worker;
    this.#pending = pending;
    this.#nextId = nextId;
    this.info = info;
    this.modelPath = modelPath;
    this.inputName = info.inputName;
    this.outputName = info.outputName;
    this.inputType = info.inputType;
    this.backend = info.device;
  }

  static async create(options: WorkerSessionOptions): Promise<WorkerSession> {
    let worker: Worker;
    try {
      worker = new Worker(options.workerUrl, { type: 'module', name: 'faceparse-inference' });
    } catch (error) {
      throw new FaceParseError(
        'DEVICE_UNAVAILABLE',
        `could not start the inference worker ${String(options.workerUrl)} (${(error as Error).message}); serve faceparse.worker.js beside faceparse.js from the same origin`,
        { cause: error },
      );
    }
    const pending = new Map<number, Pending>();
    listenForReplies(worker, pending, {
      onError: (event) =>
        `the inference worker failed (${event.message || 'it could not load'}); check that faceparse.worker.js and the ort-*.mjs/.wasm files are served beside faceparse.js`,
      onMessageError: 'the inference worker sent a message the page could not read',
    });
    const request: WorkerRequest = {
      type: 'create',
      id: 0,
      model: options.model,
      modelName: options.modelName,
      numLabels: options.numLabels,
      device: options.device,
      threads: options.threads,
      ortBaseUrl: options.ortBaseUrl,
    };
    const info = new Promise<CreateReply>((resolve, reject) => pending.set(0, { resolve: resolve as (v: unknown) => void, reject }));
    worker.postMessage(request, [options.model.buffer]);
    try {
      return new WorkerSession(worker, pending, 1, await info, options.modelName);
    } catch (error) {
      worker.terminate();
      throw error;
    }
  }

  #call<T>(request: WorkerRequest, transfer: Transferable[] = []): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(request.id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage(request, transfer);
    });
  }

  /**
   * Runs the model on `batch` images of height x width (NCHW float32). The pixel values are copied
   * to the worker, not transferred: the pipeline may still read them (the flip pass mirrors them).
   */
  run(pixelValues: Float32Array, batch: number, height: number, width: number): Promise<Logits> {
    const job = this.#runs.then(async () => {
      const reply = await this.#call<RunReply>({ type: 'run', id: this.#nextId++, pixelValues, dims: [batch, 3, height, width] });
      this.lastRunMs = reply.runMs;
      const [b, classes, h, w] = reply.dims;
      return { data: reply.logits, batch: b, classes, height: h, width: w };
    });
    this.#runs = job.catch(() => undefined);
    return job;
  }

  async release(): Promise<void> {
    await this.#runs;
    try {
      await this.#call<null>({ type: 'release', id: this.#nextId++ });
    } finally {
      this.#worker.terminate();
    }
  }
}
