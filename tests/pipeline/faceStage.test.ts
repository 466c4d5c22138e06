/**
 * The face stage: each face's context ladder through the model in byte-bounded batches of one
 * input size, with the whole photo's test-time augmentation, fused and pasted so that labels
 * follow the person past the crop and stop where the person does.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAffine } from '../../src/faces/affine.js';
import { DEFAULT_FACE_TEMPLATE } from '../../src/faces/align.js';
import { LEAN_ZOOMS, MIN_FACE_SIDE, MIN_WIDE_SIDE, PHOTO_BUDGET, photoInputs, planLadder, WIDE_MIN_EXTENT } from '../../src/faces/ladder.js';
import type { Affine, DetectedFace } from '../../src/faces/types.js';
import { cropCutShare } from '../../src/metrics/cropCut.js';
import { parseFaces, type FaceStageSetup } from '../../src/pipeline/faceStage.js';
import type { ModelRun } from '../../src/pipeline/tta.js';
import { readPreprocessorConfig } from '../../src/platform/node/modelConfig.js';
import { normalizationTables } from '../../src/models/segformer/preprocess.js';
import { mirrorClassTable } from '../../src/postprocess/flip.js';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';
import { createSegmentationSession, type SegmentationSession } from '../../src/platform/node/session.js';
import { TINY_MODEL } from '../helpers/golden.js';

/** A face whose aligned crop is `side` photo pixels wide at (x, y), upright. */
function faceAt(x: number, y: number, side: number): DetectedFace {
  const cropToPhoto: Affine = [side, 0, x, 0, side, y];
  const keypoints = DEFAULT_FACE_TEMPLATE.points.map((p) => applyAffine(cropToPhoto, p));
  return { score: 0.9, box: { x: x + side * 0.3, y: y + side * 0.3, width: side * 0.4, height: side * 0.4 }, keypoints };
}

const setupFor = async (): Promise<FaceStageSetup> => ({
  maxSide: 128,
  classes: 19,
  tables: normalizationTables(await readPreprocessorConfig(join(TINY_MODEL, 'preprocessor_config.json'))),
  mirrorClasses: mirrorClassTable(CELEBAMASK_HQ_LABELS),
});

describe('parseFaces on a model (tiny SegFormer, fp32)', () => {
  let session: SegmentationSession;
  let setup: FaceStageSetup;
  beforeAll(async () => {
    session = await createSegmentationSession(join(TINY_MODEL, 'onnx', 'model.onnx'), { numLabels: 19, threads: 1 });
    setup = await setupFor();
  });
  afterAll(() => session?.release());

  const width = 400;
  const height = 300;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + ((i / 900) | 0) * 11) % 256;
  const image = { data, width, height };
  // Crops of 10, 55 and 100 photo pixels, the model's input up to 320: crops parsed at 192 (the
  // least), 224 (4x 55 px) and 320 (the most); only the last is large enough for wider rungs (160).
  const faces = [faceAt(20, 30, 10), faceAt(200, 40, 55), faceAt(150, 120, 100)];

  it('each face at an input side from its size; batches of one size, bounded by bytes; the same logits however batched, also with flip and scales', async () => {
    const wide = { ...setup, maxSide: 320 };
    const runs: Array<{ batch: number; side: number; bytes: number }> = [];
    const run: ModelRun = async (pixels, batch, h, w) => {
      const logits = await session.run(pixels, batch, h, w);
      runs.push({ batch, side: h === w ? w : -1, bytes: pixels.byteLength + logits.data.byteLength });
      return logits;
    };
    for (const options of [{}, { flip: true }, { scales: [1, 1.5] }]) {
      runs.length = 0;
      const together = await parseFaces(image, faces, run, wide, options);
      const sides = new Set(runs.map((r) => r.side)); // -1: the whole photo, where labels reach a crop's edge
      expect([160, 192, 224, 320].every((side) => sides.has(side))).toBe(true);
      if (options.scales) expect([288, 336].every((side) => sides.has(side))).toBe(true);
      expect(runs.some((r) => r.batch > 1)).toBe(true);
      runs.length = 0;
      // A byte budget of one 192 px crop's input and logits (every scale): every batch holds one.
      const oneCrop = 4 * (3 * 192 * 192 + 19 * 48 * 48) * (options.scales ? 1 + (3 * 288 * 288 + 19 * 72 * 72) / (3 * 192 * 192 + 19 * 48 * 48) : 1);
      const apart = await parseFaces(image, faces, run, wide, { ...options, maxBatchBytes: oneCrop });
      expect(runs.every((r) => r.batch === 1)).toBe(true);
      expect(Array.from(apart.faces.categoryMask)).toEqual(Array.from(together.faces.categoryMask));
      together.faces.faces.forEach((face, i) => {
        expect(face.logits.data).toEqual(apart.faces.faces[i]!.logits.data);
        expect(face.cropWidth).toBe([192, 224, 320][i]);
        expect(face.toJSON().crop).toEqual({ width: face.cropWidth, height: face.cropWidth });
      });
    }
  });

  it('a 30-face crowd: memory bounded by bytes, not faces (issue 30 item 3): no batch over the budget, at most maxBatchesInFlight at once', async () => {
    const crowd = Array.from({ length: 30 }, (_, i) => faceAt(10 + (i % 10) * 38, 10 + Math.floor(i / 10) * 90, 8 + (i % 4) * 2));
    let inFlight = 0;
    let most = 0;
    let largest = 0;
    let faces = 0;
    const run: ModelRun = async (pixels, batch, h, w) => {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        const logits = await session.run(pixels, batch, h, w);
        largest = Math.max(largest, pixels.byteLength + logits.data.byteLength);
        if (w === h && w === 128) faces += batch;
        return logits;
      } finally {
        inFlight--;
      }
    };
    const budget = 1024 * 1024;
    const result = await parseFaces(image, crowd, run, setup, { maxBatchBytes: budget, maxBatchesInFlight: 2 });
    expect(result.faces.faces).toHaveLength(30);
    expect(faces).toBe(30); // every face's crop alone (under WIDE_MIN_EXTENT), at the model's 128 (the floor, capped by it)
    expect(largest).toBeLessThanOrEqual(budget);
    expect(largest).toBeGreaterThan(budget / 2); // batches are filled, not one face each
    expect(most).toBeLessThanOrEqual(2);
  });

  it('flip and scales change each face: they run per crop', async () => {
    const run: ModelRun = (pixels, batch, h, w) => session.run(pixels, batch, h, w);
    const plain = await parseFaces(image, faces, run, setup);
    const flipped = await parseFaces(image, faces, run, setup, { flip: true });
    const scaled = await parseFaces(image, faces, run, setup, { scales: [0.75, 1] });
    for (let i = 0; i < faces.length; i++) {
      expect(flipped.faces.faces[i]!.logits.data).not.toEqual(plain.faces.faces[i]!.logits.data);
      expect(scaled.faces.faces[i]!.logits.data.length).toBe(plain.faces.faces[i]!.logits.data.length); // on the scale-1 grid
      expect(scaled.faces.faces[i]!.logits.data).not.toEqual(plain.faces.faces[i]!.logits.data);
    }
  });
});

/**
 * A model that sees people: class 13 (hair) where its input is bright, background where dark,
 * with a margin that grows with the brightness, at 1/4 of the input like SegFormer.
 */
const brightIsPerson: ModelRun = async (pixels, batch, h, w) => {
  const lh = Math.ceil(h / 4);
  const lw = Math.ceil(w / 4);
  const data = new Float32Array(batch * 19 * lh * lw);
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < lh; y++) {
      for (let x = 0; x < lw; x++) {
        let sum = 0;
        for (let dy = 0; dy < 4; dy++)
          for (let dx = 0; dx < 4; dx++) sum += pixels[b * 3 * h * w + Math.min(h - 1, y * 4 + dy) * w + Math.min(w - 1, x * 4 + dx)]!;
        const v = sum / 16; // normalised red channel: about -2 (black) to 2.2 (white)
        const o = b * 19 * lh * lw + y * lw + x;
        data[o] = -v * 3; // background
        data[o + 13 * lh * lw] = v * 3; // hair
        for (let c = 1; c < 19; c++) if (c !== 13) data[o + c * lh * lw] = -10;
      }
    }
  }
  return { data, batch, classes: 19, height: lh, width: lw };
};

describe('parseFaces: whole people', () => {
  // A person (a bright disc, r = 150) whose face crop (120 px: large enough for the photo rung) is inside it, on a dark photo.
  const width = 420;
  const height = 360;
  const cx = 200;
  const cy = 190;
  const radius = 150;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) < radius;
      data.fill(inside ? 230 : 20, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  // A second bright blob that touches nothing: not the person.
  for (let y = 10; y < 40; y++) for (let x = 370; x < 410; x++) data.fill(230, (y * width + x) * 3, (y * width + x) * 3 + 3);
  const image = { data, width, height };
  const face = faceAt(cx - 60, cy - 100, 120);

  it('labels continue past the crop as far as the person goes and stop there; detached blobs stay background', async () => {
    const setup = await setupFor();
    const { faces } = await parseFaces(image, [face], brightIsPerson, setup);
    const mask = faces.categoryMask;
    let wrong = 0;
    let person = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        if (Math.abs(d - radius) < 6) continue; // the outline itself, at logit resolution
        const expected = d < radius ? 13 : 0;
        if (d < radius) person++;
        if (mask[y * width + x] !== expected) wrong++;
      }
    }
    expect(wrong / person).toBeLessThan(0.01);
    expect(mask[25 * width + 390]).toBe(0); // the detached blob
    const json = faces.faces[0]!.toJSON();
    // The crop's own rectangle and the 1.25x one lie inside the person: nothing is cut there (a
    // crop-only paste scores 1 on the first); wider ones cross the person's real outline.
    const score = cropCutShare(mask, width, height, json);
    expect(score.perRectangle[0]).toBeLessThan(0.02);
    expect(score.perRectangle[1]).toBeLessThan(0.02);
  });

  it('the ladder: the crop, then wider rungs of the same face; the photo where a rung would cover most of it', () => {
    const mid = planLadder(faceAt(50, 50, 110), width, height, 512);
    expect(mid.rungs.map((r) => r.kind)).toEqual(['crop', 'crop', 'crop']);
    expect(mid.rungs.map((r) => r.alignment.width)).toEqual([448, 224, 224]); // 4x 110 px rounded up to 32; the wider at half
    const small = planLadder(faceAt(50, 50, 60), width, height, 512);
    expect(small.rungs.map((r) => r.alignment.width)).toEqual([256]); // under WIDE_MIN_EXTENT: the crop alone
    const big = planLadder(faceAt(100, 80, 250), width, height, 512);
    expect(big.rungs.map((r) => r.kind)).toEqual(['crop', 'photo']);
    expect(big.crop.width).toBe(512);
  });

  it('cost follows pixels: small faces get small inputs and their crop alone; the faces of a crowd together cost at most PHOTO_BUDGET single-face parses', () => {
    const own = photoInputs([10, 60, 200], 512);
    expect(own.map((f) => f.side)).toEqual([MIN_FACE_SIDE, 256, 512]);
    expect(own.map((f) => f.zooms)).toEqual([[1], [1], [1, 2, 3]]); // 10 and 60 px crops are under WIDE_MIN_EXTENT
    const cost = (inputs: ReturnType<typeof photoInputs>) =>
      inputs.reduce((sum, { side, zooms }) => sum + (side * side + (zooms.length - 1) * Math.max(MIN_WIDE_SIDE, side / 2) ** 2) / 512 ** 2, 0);
    // Four 100 px crops (416 px inputs): the full ladders would cost 4.17 parses, the lean ones 3.41, so the
    // sides stay their own (neither lowered nor raised to fill the budget).
    const four = photoInputs(new Array<number>(4).fill(WIDE_MIN_EXTENT), 512);
    expect(four.map((f) => [f.side, f.zooms])).toEqual(new Array(4).fill([416, LEAN_ZOOMS]));
    const group = photoInputs(new Array<number>(12).fill(WIDE_MIN_EXTENT), 512);
    expect(group.every((f) => f.zooms === LEAN_ZOOMS)).toBe(true); // over budget: lean ladders first, then lower sides
    expect(cost(group)).toBeLessThanOrEqual(PHOTO_BUDGET);
    expect(group[0]!.side).toBeLessThan(400);
    expect(group[0]!.side).toBeGreaterThanOrEqual(MIN_FACE_SIDE);
    // The floor wins over the budget: a crowd of tiny faces is never parsed under MIN_FACE_SIDE.
    expect(photoInputs(new Array<number>(60).fill(30), 512).every((f) => f.side === MIN_FACE_SIDE && f.zooms.length === 1)).toBe(true);
  });
});
