/** LiveSmoother: probabilities averaged over frames, the label map from the shared upsample + arg-max. */
import { describe, expect, it } from 'vitest';
import { upsampleArgmax } from '../../src/postprocess/upsampleArgmax.js';
import type { WebParseResult } from '../../src/web/result.js';
import { FrameRateMeter, LiveSmoother } from '../../src/web/live.js';

/** A frame of 2 classes on a 2x2 logit grid, upsampled to 4x4. */
function frame(logits: number[]): WebParseResult {
  return { logits: { data: Float32Array.from(logits), classes: 2, height: 2, width: 2 }, width: 4, height: 4 } as unknown as WebParseResult;
}

describe('LiveSmoother', () => {
  it('with weight 1, each frame is its own arg-max', () => {
    const smoother = new LiveSmoother({ weight: 1 });
    const a = [5, 5, -5, -5, 0, 0, 0, 0]; // class 0 on top, class 1 below
    smoother.push(frame(a));
    const b = [-5, -5, -5, -5, 0, 0, 0, 0]; // class 1 everywhere
    expect(Array.from(smoother.push(frame(b)))).toEqual(Array.from(upsampleArgmax(Float32Array.from(b), 2, 2, 2, 4, 4)));
  });

  it('with weight 0.5, one flickering frame does not flip a confident pixel', () => {
    const smoother = new LiveSmoother({ weight: 0.5 });
    const steady = [4, 4, 4, 4, 0, 0, 0, 0]; // class 0, p = 0.982
    const flicker = [-1, -1, -1, -1, 0, 0, 0, 0]; // class 1, p = 0.731
    smoother.push(frame(steady));
    expect(new Set(smoother.push(frame(flicker)))).toEqual(new Set([0])); // average p(class 0) = 0.62
    expect(new Set(smoother.push(frame(flicker)))).toEqual(new Set([1])); // 0.62 -> 0.44: it follows a lasting change
  });

  it('starts over when the logit grid changes shape, and refuses results without logits', () => {
    const smoother = new LiveSmoother({ weight: 0.1 });
    smoother.push(frame([4, 4, 4, 4, 0, 0, 0, 0]));
    const other = { logits: { data: Float32Array.from([-4, 0]), classes: 2, height: 1, width: 1 }, width: 2, height: 2 } as unknown as WebParseResult;
    expect(Array.from(smoother.push(other))).toEqual([1, 1, 1, 1]);
    expect(() => smoother.push({ logits: undefined, width: 1, height: 1 } as unknown as WebParseResult)).toThrow(/keepLogits/);
    expect(() => new LiveSmoother({ weight: 0 })).toThrow(/weight/);
  });

  it('face-by-face frames (no whole-frame logits): a label changes once two frames in a row agree', () => {
    const faces = (labels: number[]) => ({ parsedAs: 'faces', categoryMask: Uint8Array.from(labels), width: 2, height: 2 }) as unknown as WebParseResult;
    const smoother = new LiveSmoother({ weight: 0.5 });
    expect(Array.from(smoother.push(faces([1, 1, 0, 0])))).toEqual([1, 1, 0, 0]);
    expect(Array.from(smoother.push(faces([1, 2, 0, 0])))).toEqual([1, 1, 0, 0]); // one frame of 2: ignored
    expect(Array.from(smoother.push(faces([1, 1, 0, 3])))).toEqual([1, 1, 0, 0]);
    expect(Array.from(smoother.push(faces([1, 1, 0, 3])))).toEqual([1, 1, 0, 3]); // two frames of 3: shown
    // A whole-frame result after face frames starts over (and the other way round).
    const whole = frame([5, 5, -5, -5, 0, 0, 0, 0]);
    expect(Array.from(smoother.push(whole))).toEqual(Array.from(upsampleArgmax(Float32Array.from([5, 5, -5, -5, 0, 0, 0, 0]), 2, 2, 2, 4, 4)));
    expect(Array.from(smoother.push(faces([2, 2, 2, 2])))).toEqual([2, 2, 2, 2]);
    // weight 1: no smoothing.
    const raw = new LiveSmoother({ weight: 1 });
    raw.push(faces([1, 1, 1, 1]));
    expect(Array.from(raw.push(faces([0, 1, 1, 1])))).toEqual([0, 1, 1, 1]);
  });
});

describe('FrameRateMeter', () => {
  it('measures over about the last second, and frames slower than a second still give their rate', () => {
    const meter = new FrameRateMeter();
    expect(meter.frame(0)).toBeUndefined(); // one frame: no rate yet
    expect(meter.frame(2000)).toBeCloseTo(0.5, 6); // one frame every 2 s: 0.5, not 0
    expect(meter.frame(4500)).toBeCloseTo(1 / 2.5, 6);
    meter.reset();
    let rate: number | undefined;
    for (let t = 0; t <= 3000; t += 100) rate = meter.frame(t); // 10 frames a second
    expect(rate).toBeCloseTo(10, 6);
    expect(meter.frame(6000)).toBeCloseTo(1 / 3, 6); // a stall of 3 s: the rate of that last frame
  });
});
