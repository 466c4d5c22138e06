/**
 * Live video: label maps that do not flicker, and the frame rate.
 *
 * Frames parsed whole: each frame's low-resolution logits become softmax probabilities, blended
 * into a running average (`avg = (1 - weight) * avg + weight * p`), and the label map is the fused
 * upsample + arg-max of the average (bilinear upsampling of probabilities, the same arg-max code as
 * every parse). Frames parsed face by face have no whole-frame logits (each face has its own crop,
 * and the crops move with the faces), so there a pixel takes a new label once two frames in a row
 * agree on it: a one-frame flicker is ignored, a lasting change shows one frame later.
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
  /** Face-by-face frames: the previous frame's labels and the labels shown. */
  #previous: Uint8Array | undefined;
  #shown: Uint8Array | undefined;

  constructor(options: LiveSmootherOptions = {}) {
    const weight = options.weight ?? 0.5;
    if (!(weight > 0 && weight <= 1)) throw new FaceParseError('INVALID_ARGUMENT', `LiveSmoother weight must be in (0, 1]; got ${String(weight)}`);
    this.weight = weight;
  }

  /** Forget the past frames (e.g. when the camera or the model changes). */
  reset(): void {
    this.#average = undefined;
    this.#previous = undefined;
    this.#shown = undefined;
    this.#shape = '';
  }

  /** Blend this frame in and return the smoothed label map at the frame's size. */
  push(result: WebParseResult): Uint8Array {
    if (result.parsedAs === 'faces') return this.#pushLabels(result);
    const logits = result.logits;
    if (!logits) throw new FaceParseError('INVALID_ARGUMENT', 'LiveSmoother needs results parsed with keepLogits (the default)');
    const { data, classes, height, width } = logits;
    const plane = height * width;
    const shape = `photo ${classes}x${height}x${width}`;
    if (shape !== this.#shape) {
      this.reset();
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

  /** A face-by-face frame: a pixel's label changes once two frames in a row agree on the new one. */
  #pushLabels(result: WebParseResult): Uint8Array {
    const labels = result.categoryMask;
    const shape = `faces ${result.width}x${result.height}`;
    if (shape !== this.#shape) {
      this.reset();
      this.#shape = shape;
    }
    const previous = this.#previous;
    this.#previous = labels;
    if (this.weight === 1 || !previous || !this.#shown) {
      this.#shown = labels.slice();
      return this.#shown.slice();
    }
    const shown = this.#shown;
    for (let i = 0; i < shown.length; i++) if (labels[i] === previous[i]) shown[i] = labels[i]!;
    return shown.slice();
  }
}

/**
 * Frames per second over about the last second, counted from frame to frame. The frame before the
 * window is kept, so that frames slower than a second still give their rate (0.5 for one frame
 * every 2 s) instead of 0. Undefined until two frames have been seen.
 */
export class FrameRateMeter {
  readonly windowMs: number;
  #times: number[] = [];

  constructor(windowMs = 1000) {
    this.windowMs = windowMs;
  }

  /** Counts a frame shown at `now` (ms, e.g. performance.now()) and returns the rate. */
  frame(now: number): number | undefined {
    const times = this.#times;
    times.push(now);
    // Drop the oldest while the one after it is still at least a window old.
    while (times.length > 2 && now - times[1]! >= this.windowMs) times.shift();
    if (times.length < 2) return undefined;
    return ((times.length - 1) * 1000) / (now - times[0]!);
  }

  reset(): void {
    this.#times = [];
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
