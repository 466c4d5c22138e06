/**
 * Models whose preprocessor keeps each photo's own size (`do_resize: false`): the model runs at the
 * photo's size, and multi-scale test-time augmentation scales that size, not the preprocessor's
 * `size` (which such a config still carries and which must be ignored).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceParser } from '../../src/node/faceParser.js';
import { ParseResult } from '../../src/pipeline/result.js';
import { decodeImage } from '../../src/platform/node/decode.js';
import type { PreprocessorConfig } from '../../src/models/segformer/config.js';
import { readPreprocessorConfig } from '../../src/platform/node/modelConfig.js';
import { nodeRenderer } from '../../src/platform/node/render.js';
import { normalizationTables, preprocess } from '../../src/models/segformer/preprocess.js';
import { addResized, scaledInputSize } from '../../src/postprocess/multiscale.js';
import { upsampleArgmax } from '../../src/postprocess/upsampleArgmax.js';
import { createSegmentationSession, type SegmentationSession } from '../../src/platform/node/session.js';
import { TINY_MODEL } from '../helpers/golden.js';

const tmp = mkdtempSync(join(tmpdir(), 'faceparse-native-size-'));
const WIDTH = 75;
const HEIGHT = 58;

/** A copy of the tiny model with its preprocessor config changed. */
function modelWith(name: string, change: Record<string, unknown>): string {
  const dir = join(tmp, name);
  cpSync(TINY_MODEL, dir, { recursive: true });
  const file = join(dir, 'preprocessor_config.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...change }, null, 2));
  return dir;
}

describe('a model that keeps the photo size (do_resize: false)', () => {
  let photo: Buffer;
  let native: FaceParser;
  let session: SegmentationSession;
  let config: PreprocessorConfig;
  /** The model's logits for the photo resized (Pillow's bilinear, as the reference) to `size`. */
  const pass = async (input: Buffer, size: { height: number; width: number }) => {
    const image = await decodeImage(input);
    const x = preprocess(image, { ...config, doResize: true, size }, normalizationTables(config));
    return session.run(x.data, 1, x.height, x.width);
  };
  beforeAll(async () => {
    // Smooth colour ramps with noise: structure the tiny model's logits follow, at an odd size.
    const raw = Buffer.alloc(WIDTH * HEIGHT * 3);
    let seed = 7;
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const i = (y * WIDTH + x) * 3;
        raw[i] = (x * 3 + (seed % 40)) & 255;
        raw[i + 1] = (y * 4 + ((seed >> 8) % 40)) & 255;
        raw[i + 2] = ((x + y) * 2) & 255;
      }
    }
    photo = await sharp(raw, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .png()
      .toBuffer();
    const dir = modelWith('native', { do_resize: false });
    native = await FaceParser.create({ model: dir, variant: 'fp32', threads: 1 });
    config = await readPreprocessorConfig(join(dir, 'preprocessor_config.json'));
    expect(config.doResize).toBe(false);
    session = await createSegmentationSession(join(dir, 'onnx/model.onnx'), { numLabels: native.labels.length, threads: 1 });
  });
  afterAll(async () => {
    await native.close();
    await session.release();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs the model at the photo size: labels at its size, from logits on its 1/4 grid', async () => {
    expect(native.inputSizeFor(WIDTH, HEIGHT)).toEqual({ width: WIDTH, height: HEIGHT });
    const result = await native.parse(photo, { faces: 'off' });
    expect(result.categoryMask.length).toBe(WIDTH * HEIGHT);
    const plain = await pass(photo, { height: HEIGHT, width: WIDTH });
    expect(plain).toMatchObject({ height: Math.ceil(HEIGHT / 4), width: Math.ceil(WIDTH / 4) });
    expect(result.categoryMask).toEqual(upsampleArgmax(plain.data, plain.classes, plain.height, plain.width, HEIGHT, WIDTH));
  });

  it('scales the photo size: the average of the plain pass and a pass at the scaled photo size', async () => {
    const scale = 0.5;
    const size = { height: scaledInputSize(HEIGHT, scale), width: scaledInputSize(WIDTH, scale) };
    expect(size).toEqual({ height: 32, width: 38 }); // 29 is raised to the 32-pixel floor
    const plain = await pass(photo, { height: HEIGHT, width: WIDTH });
    const small = await pass(photo, size);
    expect(small).toMatchObject({ height: 8, width: 10 });
    const mean = Float32Array.from(plain.data);
    addResized(mean, small.data, small.classes, small.height, small.width, plain.height, plain.width);
    for (let i = 0; i < mean.length; i++) mean[i] = mean[i]! / 2;
    const expected = new ParseResult({
      categoryMask: upsampleArgmax(mean, plain.classes, plain.height, plain.width, HEIGHT, WIDTH),
      image: await decodeImage(photo),
      labels: native.labels,
      model: 'expected',
      variant: 'fp32',
      renderer: nodeRenderer,
      timings: { decode: 0, preprocess: 0, inference: 0, postprocess: 0 },
      logits: { ...plain, data: mean },
    });

    const both = await native.parse(photo, { scales: [1, scale], faces: 'off' });
    expect(both.categoryMask).toEqual(expected.categoryMask);
    const [ours, theirs, once] = [both.confidenceMask(), expected.confidenceMask(), (await native.parse(photo, { faces: 'off' })).confidenceMask()];
    let diff = 0;
    let moved = 0;
    for (let i = 0; i < ours.length; i++) {
      diff = Math.max(diff, Math.abs(ours[i]! - theirs[i]!));
      moved = Math.max(moved, Math.abs(ours[i]! - once[i]!));
    }
    expect(diff).toBeLessThan(1e-6);
    expect(moved).toBeGreaterThan(1e-3); // the second pass changed the result
  });
});
