/**
 * Live video: class probabilities smoothed over frames, so masks do not flicker. Each frame's
 * low-resolution logits become softmax probabilities, blended into a running average
 * (`avg = (1 - weight) * avg + weight * p`), and the label map is the fused upsample + arg-max of
 * the average (bilinear upsampling of probabilities, the same arg-max code as every parse).
 */
import { FaceParseError } from '../base/errors.js';
import { upsampleArgmax } from '../postprocess/upsampleArgmax.js';
import type { WebParseResult } from './result.js';

export interface LiveSmootherOptions {
  /** Weight of the newest frame, 0 < weight <= 1. 1 = no smoothing. Default 0.5. */
  weight?: number;
}

export class LiveSmoother {
  readonly weight: number;
  #average: Float32Array | undefined;
  #shape = '';

  constructor(options: LiveSmootherOptions = {}) {
    const weight = options.weight ?? 0.5;
    if (!(weight > 0 && weight <= 1)) throw new FaceParseError('INVALID_ARGUMENT', `LiveSmoother weight must be in (0, 1]; got ${String(weight)}`);
    this.weight = weight;
  }

  /** Forget the past frames (e.g. when the camera or the model changes). */
  reset(): void {
    this.#average = undefined;
  }

  /** Blend this frame in and return the smoothed label map at the frame's size. */
  push(result: WebParseResult): Uint8Array {
    const logits = result.logits;
    if (!logits) throw new FaceParseError('INVALID_ARGUMENT', 'LiveSmoother needs results parsed with keepLogits (the default)');
    const { data, classes, height, width } = logits;
    const plane = height * width;
    const shape = `${classes}x${height}x${width}`;
    if (shape !== this.#shape) {
      this.#average = undefined;
      this.#shape = shape;
    }
    const probabilities = softmaxPlanes(data, classes, plane);
    if (!this.#average) this.#average = probabilities;
    else {
      const w = this.weight;
      const average = this.#average;
      for (let i = 0; i < average.length; i++) average[i] = average[i]! + w * (probabilities[i]! - average[i]!);
    }
    return upsampleArgmax(this.#average, classes, height, width, result.height, result.width);
  }
}

/** Softmax over classes at each position of C planes. */
function softmaxPlanes(logits: Float32Array, classes: number, plane: number): Float32Array {
  const out = new Float32Array(classes * plane);
  for (let p = 0; p < plane; p++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[c * plane + p]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp(logits[c * plane + p]! - max);
      out[c * plane + p] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c++) out[c * plane + p] = out[c * plane + p]! / sum;
  }
  return out;
}
