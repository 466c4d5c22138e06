/** The faces of one photo go through the model as one batch, with the results of one at a time. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAffine } from '../../src/faces/affine.js';
import { DEFAULT_FACE_TEMPLATE } from '../../src/faces/align.js';
import { parseFaceCrops, type ModelRun } from '../../src/faces/parseFaceCrops.js';
import { parseFacesOfPhoto } from '../../src/faces/parseFacesOfPhoto.js';
import type { Affine, DetectedFace } from '../../src/faces/types.js';
import { readPreprocessorConfig } from '../../src/platform/node/modelConfig.js';
import { normalizationTables } from '../../src/models/segformer/preprocess.js';
import { mirrorClassTable } from '../../src/postprocess/flip.js';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';
import { createSegmentationSession, type SegmentationSession } from '../../src/platform/node/session.js';
import { TINY_MODEL } from '../helpers/golden.js';

function faceAt(cropToPhoto: Affine): DetectedFace {
  const keypoints = DEFAULT_FACE_TEMPLATE.points.map((p) => applyAffine(cropToPhoto, { x: p.x * 128, y: p.y * 128 }));
  return { score: 0.9, box: { x: 0, y: 0, width: 50, height: 50 }, keypoints };
}

describe('parseFaceCrops', () => {
  let session: SegmentationSession;
  let setup: Parameters<typeof parseFaceCrops>[3];
  beforeAll(async () => {
    session = await createSegmentationSession(join(TINY_MODEL, 'onnx', 'model.onnx'), { numLabels: 19, threads: 1 });
    setup = {
      inputSize: { width: 128, height: 128 },
      tables: normalizationTables(await readPreprocessorConfig(join(TINY_MODEL, 'preprocessor_config.json'))),
      mirrorClasses: mirrorClassTable(CELEBAMASK_HQ_LABELS),
    };
  });
  afterAll(() => session?.release());

  const width = 300;
  const height = 200;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i / 900) | 0) * 11) % 256;
  const image = { data, width, height };
  const faces = [faceAt([0.5, 0, 10, 0, 0.5, 20]), faceAt([0.4, -0.2, 150, 0.2, 0.4, 60]), faceAt([0.8, 0, 120, 0, 0.8, 90])];

  it('one model run for all faces (fp32), logits equal to one run per face, also with flip and scales', async () => {
    const batches: number[] = [];
    const run: ModelRun = (pixels, batch, h, w) => {
      batches.push(batch);
      return session.run(pixels, batch, h, w);
    };
    for (const options of [{}, { flip: true }, { scales: [1, 1.5] }]) {
      batches.length = 0;
      const together = await parseFaceCrops(image, faces, run, setup, options);
      const passes = batches.length;
      expect(batches.every((b) => b === 3)).toBe(true);
      batches.length = 0;
      const apart = await parseFaceCrops(image, faces, run, setup, { ...options, batchSize: 1 });
      expect(batches).toEqual(new Array(passes * 3).fill(1));
      together.forEach((face, i) => {
        expect(face.data).toEqual(apart[i]!.data);
        expect(face.alignment).toEqual(apart[i]!.alignment);
      });
    }
  });

  it('flip and scales change each face: they run per face', async () => {
    const run: ModelRun = (pixels, batch, h, w) => session.run(pixels, batch, h, w);
    const plain = await parseFaceCrops(image, faces, run, setup);
    const flipped = await parseFaceCrops(image, faces, run, setup, { flip: true });
    const scaled = await parseFaceCrops(image, faces, run, setup, { scales: [0.75, 1] });
    for (let i = 0; i < faces.length; i++) {
      expect(flipped[i]!.data).not.toEqual(plain[i]!.data);
      expect(scaled[i]!.data).not.toEqual(plain[i]!.data);
      expect(scaled[i]!.data.length).toBe(plain[i]!.data.length); // averaged on the scale-1 grid
    }
  });
});

describe('parseFacesOfPhoto timings', () => {
  it('count overlapping model runs once: with flip on three faces no stage is negative and inference fits the stage', async () => {
    const width = 240;
    const height = 160;
    const image = { data: new Uint8Array(width * height * 3).fill(90), width, height };
    const faces = [faceAt([0.5, 0, 10, 0, 0.5, 20]), faceAt([0.4, 0, 120, 0, 0.4, 30]), faceAt([0.3, 0, 60, 0, 0.3, 90])];
    // A stand-in model that takes 40 ms a run: the plain and the mirrored pass (and the batches of
    // batchSize 1) are in flight together.
    const run: ModelRun = async (_pixels, batch) => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      return { data: new Float32Array(batch * 19 * 32 * 32), batch, classes: 19, height: 32, width: 32 };
    };
    const setup = {
      inputSize: { width: 128, height: 128 },
      tables: [new Float32Array(256), new Float32Array(256), new Float32Array(256)],
      mirrorClasses: mirrorClassTable(CELEBAMASK_HQ_LABELS),
    };
    for (const options of [{ flip: true }, { flip: true, batchSize: 1 }, { flip: true, scales: [0.75, 1] }]) {
      const t0 = performance.now();
      const { timings } = await parseFacesOfPhoto(image, faces, run, { ...setup, ...options });
      const stage = performance.now() - t0;
      expect(timings.warp, JSON.stringify(options)).toBeGreaterThanOrEqual(0);
      expect(timings.paste).toBeGreaterThanOrEqual(0);
      expect(timings.inference).toBeGreaterThan(0);
      expect(timings.warp + timings.inference + timings.paste).toBeLessThanOrEqual(stage + 1e-6);
    }
  });
});
