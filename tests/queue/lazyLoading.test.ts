/** The queue commands load bullmq, ioredis and the pipeline only when they run: their help loads no native code. */
import { describe, expect, it } from 'vitest';
import { canReadMaps, nativeLibrariesOf } from '../helpers/nativeLibraries.js';

describe.skipIf(!canReadMaps)('queue commands load native code only when used', () => {
  it.each([
    ['queue', '--help'],
    ['queue', 'submit', '--help'],
    ['worker', '--help'],
  ])('faceparse %s %s loads neither libvips nor onnxruntime', (...args) => {
    const run = nativeLibrariesOf(['dist/src/cli/main.js', ...args]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Usage: faceparse');
    expect(run.libraries).toEqual([]);
  });
});
