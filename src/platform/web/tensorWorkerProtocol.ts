/** Messages between the page and the tensor worker (src/platform/web/tensorWorker.ts) that runs the face detector. */
import type { FaceParseErrorCode } from '../../base/errors.js';

export interface TensorCreateRequest {
  type: 'create';
  id: number;
  /** The ONNX file (transferred). */
  model: Uint8Array;
  /** Name for messages (its URL). */
  modelName: string;
  threads: number;
  /** Folder URL of onnxruntime-web's .mjs/.wasm files, ending in '/'. */
  ortBaseUrl: string;
}

export interface TensorRunRequest {
  type: 'run';
  id: number;
  /** The one float32 input (copied: the caller may still read it). */
  input: Float32Array;
  dims: number[];
}

export interface TensorReleaseRequest {
  type: 'release';
  id: number;
}

export type TensorWorkerRequest = TensorCreateRequest | TensorRunRequest | TensorReleaseRequest;

/** Every float32 output by name (transferred). */
export type TensorRunReply = Record<string, Float32Array>;

export type TensorWorkerReply =
  | { id: number; ok: true; value: TensorRunReply | null }
  | { id: number; ok: false; error: { code: FaceParseErrorCode; message: string } };
