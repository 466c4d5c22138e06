/** Messages between the main thread and the inference thread (inferenceWorker.ts). */
import type { FaceParseErrorCode } from '../../base/errors.js';
import type { Device, Logits } from '../../base/types.js';

export type WorkerRequest =
  | { kind: 'run'; id: number; pixelValues: Float32Array; batch: number; height: number; width: number }
  | { kind: 'release'; id: number };

export type WorkerReply =
  | { kind: 'ready'; id: 0; inputName: string; outputName: string; inputType: 'float32' | 'float16'; device: Device }
  | { kind: 'logits'; id: number; logits: Logits }
  | { kind: 'released'; id: number }
  | { kind: 'error'; id: number; code?: FaceParseErrorCode; message: string };
