/**
 * The Node platform: fs, sharp (libvips) and onnxruntime-node, each loaded on first use, so that
 * importing the pipeline loads no native code until a photo is decoded or a model is started.
 */
import type { ImageInput, RgbImage } from '../../base/types.js';
import type { DecodeOptions } from '../../image/raw.js';
import type { Platform, SegmentationSession, SessionOptions } from '../types.js';
import { createBandPool } from './bandPool.js';
import { nodeCodec } from './codec.js';

export interface NodeSessionOptions extends SessionOptions {
  /**
   * Run the model on its own thread (default true), so decoding and post-processing of other photos
   * overlap it; false runs it on the calling thread.
   */
  inferenceThread?: boolean;
}

export const nodePlatform: Platform & { createSession(modelPath: string, options: NodeSessionOptions): Promise<SegmentationSession> } = {
  name: 'node',
  async decodeImage(input, options) {
    const { decodeImage } = await import('./decode.js');
    return decodeImage(input, options);
  },
  async createSession(modelPath, options: NodeSessionOptions) {
    const { inferenceThread = true, ...sessionOptions } = options;
    if (!inferenceThread) {
      const { createSegmentationSession } = await import('./session.js');
      return createSegmentationSession(modelPath, sessionOptions);
    }
    const { createWorkerSession } = await import('./workerSession.js');
    return createWorkerSession(modelPath, sessionOptions);
  },
  codec: nodeCodec,
  // One pool for the process, its threads started on the first large photo.
  parallel: createBandPool(),
};

/** Decode a photo as the pipeline does (see decode.ts); sharp is loaded on the first call. */
export function decodeImage(input: ImageInput, options?: DecodeOptions): Promise<RgbImage> {
  return nodePlatform.decodeImage(input, options);
}
