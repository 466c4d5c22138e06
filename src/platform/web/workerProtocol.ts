/** Messages between the page and the inference worker (src/platform/web/inferenceWorker.ts). */
import type { FaceParseErrorCode } from '../../base/errors.js';

/** Where inference runs: WebAssembly on the CPU, or WebGPU (falls back to wasm when no adapter exists). */
export type WebDevice = 'wasm' | 'webgpu';

export interface CreateRequest {
  type: 'create';
  id: number;
  /** The ONNX file (transferred). */
  model: Uint8Array;
  /** Name for messages (its URL). */
  modelName: string;
  numLabels: number;
  device: WebDevice;
  threads: number;
  /** Folder URL of onnxruntime-web's .mjs/.wasm files, ending in '/'. */
  ortBaseUrl: string;
}

export interface RunRequest {
  type: 'run';
  id: number;
  /** NCHW float32 pixel values (transferred). */
  pixelValues: Float32Array;
  dims: [number, number, number, number];
}

export interface ReleaseRequest {
  type: 'release';
  id: number;
}

export type WorkerRequest = CreateRequest | RunRequest | ReleaseRequest;

export interface CreateReply {
  inputName: string;
  outputName: string;
  inputType: 'float32' | 'float16';
  /** The device in use: 'wasm' when WebGPU was asked for but is not available. */
  device: WebDevice;
  /** Why WebGPU was not used, when it was asked for. */
  fallbackReason?: string;
  threads: number;
}

export interface RunReply {
  /** classes x h x w float32 logits (transferred). */
  logits: Float32Array;
  dims: [number, number, number, number];
  /** Milliseconds inside session.run. */
  runMs: number;
}

export type WorkerReply =
  | { id: number; ok: true; value: CreateReply | RunReply | null }
  | { id: number; ok: false; error: { code: FaceParseErrorCode; message: string } };
