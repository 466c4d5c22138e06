/** The faces option: auto on both sides of its rule, on, off, no face, results and outputs. */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceParser } from '../../src/node/faceParser.js';
import { FaceParseError } from '../../src/base/errors.js';
import { applyAffine, invertAffine } from '../../src/faces/affine.js';
import { DEFAULT_FACE_TEMPLATE } from '../../src/faces/align.js';
import { decideFaces, FACE_CROP_MIN_IOU } from '../../src/faces/facesMode.js';
import type { Affine, DetectedFace, TensorRunner } from '../../src/faces/types.js';
import { decodeLabelPng } from '../../src/platform/node/render.js';
import { TINY_MODEL } from '../helpers/golden.js';

const VAL = resolve('..', 'shared', 'data', 'celebamask-mini', 'val', 'images');
const PHOTOS = resolve('..', 'shared', 'data', 'photos');
const CLI = resolve('dist', 'src', 'cli', 'main.js');

/** A face whose keypoints sit where the template puts them in a crop placed by `cropToPhoto`. */
function faceAt(cropToPhoto: Affine, score = 0.9, boxWidth = 100): DetectedFace {
  const keypoints = DEFAULT_FACE_TEMPLATE.points.map((p) => applyAffine(cropToPhoto, { x: p.x * 512, y: p.y * 512 }));
  return { score, box: { x: keypoints[2]!.x - boxWidth / 2, y: keypoints[2]!.y - boxWidth / 2, width: boxWidth, height: boxWidth }, keypoints };
}

describe('the auto rule', () => {
  const input = { width: 512, height: 512 };

  it('a photo that is the aligned crop (IoU 1) is parsed whole; the same face at a third of the photo is parsed per face', () => {
    const whole = decideFaces('auto', [faceAt([1, 0, 0, 0, 1, 0])], 0.5, 512, 512, input);
    expect(whole.cropIoU).toBeCloseTo(1, 6);
    expect(whole.wholePhoto).toBe(true);
    const small = decideFaces('auto', [faceAt([1 / 3, 0, 100, 0, 1 / 3, 100])], 0.5, 512, 512, input);
    expect(small.cropIoU).toBeCloseTo(1 / 9, 3);
    expect(small.wholePhoto).toBe(false);
    expect(small.faces).toHaveLength(1);
    expect(decideFaces('on', [faceAt([1, 0, 0, 0, 1, 0])], 0.5, 512, 512, input).wholePhoto).toBe(false);
  });

  it('both sides of the IoU threshold: a crop shrunk about the centre until the IoU crosses FACE_CROP_MIN_IOU', () => {
    const centred = (s: number): Affine => [s, 0, 256 * (1 - s), 0, s, 256 * (1 - s)]; // IoU = s^2
    const above = Math.sqrt(FACE_CROP_MIN_IOU) + 0.01;
    const below = Math.sqrt(FACE_CROP_MIN_IOU) - 0.01;
    expect(decideFaces('auto', [faceAt(centred(above))], 0.5, 512, 512, input).wholePhoto).toBe(true);
    expect(decideFaces('auto', [faceAt(centred(below))], 0.5, 512, 512, input).wholePhoto).toBe(false);
    // Rotated by 30 degrees about the photo centre, the crop's corners leave the photo: IoU below 1.
    const r = Math.PI / 6;
    const rotated: Affine = [
      Math.cos(r),
      -Math.sin(r),
      256 - 256 * Math.cos(r) + 256 * Math.sin(r),
      Math.sin(r),
      Math.cos(r),
      256 - 256 * Math.sin(r) - 256 * Math.cos(r),
    ];
    const iou = decideFaces('auto', [faceAt(rotated)], 0.5, 512, 512, input).cropIoU;
    expect(iou).toBeGreaterThan(0.5);
    expect(iou).toBeLessThan(0.8);
  });

  it('a second face over half the width of the first makes it a group photo; a small one behind does not', () => {
    const main = faceAt([1, 0, 0, 0, 1, 0], 0.9, 200);
    const big = faceAt([0.5, 0, 0, 0, 0.5, 0], 0.8, 120);
    const small = faceAt([0.3, 0, 0, 0, 0.3, 0], 0.8, 90);
    expect(decideFaces('auto', [main, big], 0.5, 512, 512, input).wholePhoto).toBe(false);
    expect(decideFaces('auto', [main, small], 0.5, 512, 512, input).wholePhoto).toBe(true);
  });

  it('an unsure face (score 0.3-0.5) that fills the frame is still a face crop; nothing at all is not', () => {
    expect(decideFaces('auto', [faceAt([1, 0, 0, 0, 1, 0], 0.45)], 0.5, 512, 512, input)).toMatchObject({ wholePhoto: true, faces: [] });
    expect(decideFaces('auto', [faceAt([1, 0, 0, 0, 1, 0], 0.2)], 0.5, 512, 512, input).wholePhoto).toBe(false);
    expect(decideFaces('auto', [], 0.5, 512, 512, input)).toEqual({ wholePhoto: false, faces: [], cropIoU: 0 });
  });
});

describe('FaceParser faces modes', () => {
  let parser: FaceParser;
  let calls = 0;
  beforeAll(async () => {
    parser = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 1 });
  });
  afterAll(() => parser?.close());

  const grey = { data: new Uint8Array(300 * 200 * 3).fill(120), width: 300, height: 200 };

  it('a photo with no face: all background, no faces, a note; not an error', async () => {
    for (const faces of ['auto', 'on'] as const) {
      const result = await parser.parse(grey, { faces });
      expect(result.parsedAs).toBe('faces');
      expect(result.faces).toEqual([]);
      expect(result.categoryMask.every((v) => v === 0)).toBe(true);
      expect(result.note).toMatch(/no face found/);
      expect(result.toJSON()).toMatchObject({ parsedAs: 'faces', faces: [], note: expect.stringMatching(/no face/) });
      expect(result.confidenceMask().every((v) => v === 1)).toBe(true);
    }
    const off = await parser.parse(grey, { faces: 'off' });
    expect(off.parsedAs).toBe('photo');
    expect(off.toJSON()).not.toHaveProperty('faces');
  });

  it('rejects an unknown mode with a clear error', async () => {
    await expect(parser.parse(grey, { faces: 'maybe' as 'on' })).rejects.toThrow(FaceParseError);
    await expect(parser.parse(grey, { faces: 'maybe' as 'on' })).rejects.toThrow(/auto.*on.*off/);
  });

  it('uses the detector given to create() (the platform seam), and not at all with faces off', async () => {
    const blank: TensorRunner = {
      run: async () => {
        calls++;
        return {
          'Identity:0': new Float32Array(512).fill(-20),
          'Identity_1:0': new Float32Array(384).fill(-20),
          'Identity_2:0': new Float32Array(512 * 16),
          'Identity_3:0': new Float32Array(384 * 16),
        };
      },
    };
    const seam = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 1, detector: blank });
    await seam.parse(grey, { faces: 'off' });
    expect(calls).toBe(0);
    expect((await seam.parse(grey)).faces).toEqual([]);
    expect(calls).toBeGreaterThan(0);
    await seam.close();
  });

  describe.skipIf(!existsSync(VAL) || !existsSync(PHOTOS))(
    `on real photos${existsSync(VAL) && existsSync(PHOTOS) ? '' : ' (skipped: ../shared is absent)'}`,
    () => {
      it('auto: an aligned CelebA-HQ crop is parsed whole, exactly as faces off; a portrait face by face', async () => {
        const crop = join(VAL, readdirSync(VAL).sort()[0]!);
        const auto = await parser.parse(crop);
        expect(auto.parsedAs).toBe('photo');
        expect(auto.categoryMask).toEqual((await parser.parse(crop, { faces: 'off' })).categoryMask);
        const portrait = await parser.parse(join(PHOTOS, 'pexels-ingrid-santana-2100063.jpg'));
        expect(portrait.parsedAs).toBe('faces');
        expect(portrait.faces).toHaveLength(1);
      });

      it('auto: a photo parsed whole still lists its faces, each with its crop and the whole parse seen through it', async () => {
        const crop = join(VAL, readdirSync(VAL).sort()[0]!);
        const auto = await parser.parse(crop);
        expect(auto.parsedAs).toBe('photo');
        expect(auto.faces).toHaveLength(1);
        const json = auto.toJSON();
        expect(json.faces).toHaveLength(1);
        const side = Math.max(...Object.values(parser.inputSizeFor(auto.width, auto.height)));
        expect(json.faces![0]).toMatchObject({ index: 0, crop: { width: side, height: side } });
        expect(json.faces![0]!.transform).toHaveLength(6);
        // The face's crop labels are the photo's labels at the same points (bilinear logits: a few boundary pixels differ).
        const face = auto.faces[0]!;
        const labels = face.labelMap();
        const toPhoto = invertAffine(face.transform);
        let inside = 0;
        let same = 0;
        for (let y = 0; y < face.cropHeight; y += 4) {
          for (let x = 0; x < face.cropWidth; x += 4) {
            const p = applyAffine(toPhoto, { x: x + 0.5, y: y + 0.5 });
            if (p.x < 0 || p.y < 0 || p.x >= auto.width || p.y >= auto.height) continue;
            inside++;
            same += Number(labels[y * face.cropWidth + x] === auto.categoryMask[Math.floor(p.y) * auto.width + Math.floor(p.x)]);
          }
        }
        expect(inside).toBeGreaterThan(100);
        expect(same / inside).toBeGreaterThan(0.97);
        // One face: every labelled pixel is its own, and only those.
        for (let i = 0; i < auto.categoryMask.length; i++) expect(auto.instanceMask![i]).toBe(auto.categoryMask[i] === 0 ? 0 : 1);
        expect(face.pixels).toBe(auto.categoryMask.filter((c) => c !== 0).length);
      });

      it('three faces: one result each, the instance map on the labelled pixels, flip and scales per face', async () => {
        const photo = join(PHOTOS, 'pakutaso-graduation-three-faces.jpg');
        const result = await parser.parse(photo, { faces: 'on' });
        expect(result.faces).toHaveLength(3);
        const inst = result.instanceMask!;
        expect(new Set(inst)).toEqual(new Set([0, 1, 2, 3]));
        for (let i = 0; i < inst.length; i++) if (inst[i] === 0) expect(result.categoryMask[i]).toBe(0);
        const counted = [0, 0, 0];
        for (const v of inst) if (v) counted[v - 1]!++;
        expect(result.faces.map((f) => f.pixels)).toEqual(counted);
        const face = result.faces[0]!;
        // The tiny model's input is 128: three faces over PHOTO_BUDGET even with lean ladders, but no
        // crop goes under MIN_FACE_SIDE (capped at the model's input), so all three are parsed at 128.
        expect(face.labelMap()).toHaveLength(128 * 128);
        expect(face.toJSON()).toMatchObject({ index: 0, crop: { width: 128, height: 128 } });
        expect(face.toJSON().transform).toHaveLength(6);
        const flipped = await parser.parse(photo, { faces: 'on', flip: true });
        const scaled = await parser.parse(photo, { faces: 'on', scales: [0.75, 1] });
        expect(flipped.categoryMask).not.toEqual(result.categoryMask);
        expect(scaled.categoryMask).not.toEqual(result.categoryMask);
        // the instance map marks the labelled pixels: the person, not the crop's rectangle
        for (const r of [result, flipped, scaled]) expect(r.instanceMask!.map((v) => (v ? 1 : 0))).toEqual(r.categoryMask.map((v) => (v ? 1 : 0)));
      });

      it('faceparse parse --outputs faces,json,overlay writes each crop and its labels, lists the faces and says so', () => {
        expect(existsSync(CLI), 'build first: npm run build').toBe(true);
        const out = mkdtempSync(join(tmpdir(), 'faceparse-faces-'));
        const run = spawnSync(
          process.execPath,
          [
            CLI,
            'parse',
            join(PHOTOS, 'pakutaso-graduation-three-faces.jpg'),
            '--model',
            TINY_MODEL,
            '--out',
            out,
            '--outputs',
            'faces,json,overlay',
            '--threads',
            '1',
          ],
          {
            encoding: 'utf8',
            env: { ...process.env, CI: '1' },
          },
        );
        expect(run.status).toBe(0);
        expect(run.stderr).toMatch(/3 faces/);
        const stem = 'pakutaso-graduation-three-faces';
        expect(readdirSync(out).sort()).toEqual([
          `${stem}.face0.labels.png`,
          `${stem}.face0.png`,
          `${stem}.face1.labels.png`,
          `${stem}.face1.png`,
          `${stem}.face2.labels.png`,
          `${stem}.face2.png`,
          `${stem}.json`,
          `${stem}.overlay.png`,
        ]);
        const json = JSON.parse(readFileSync(join(out, `${stem}.json`), 'utf8'));
        expect(json.parsedAs).toBe('faces');
        expect(json.faces).toHaveLength(3);
        expect(Object.keys(json.faces[0]).sort()).toEqual(['box', 'crop', 'index', 'keypoints', 'pixels', 'score', 'transform']);
        return decodeLabelPng(join(out, `${stem}.face0.labels.png`)).then((labels) => expect([labels.width, labels.height]).toEqual([128, 128]));
      });
    },
  );
});

describe('a platform without a face detector', () => {
  it("parses the whole photo with faces 'auto' and refuses faces 'on' with what to pass", async () => {
    const node = await FaceParser.create({ model: TINY_MODEL, variant: 'fp32', threads: 1 });
    const { createFaceDetector: _unused, ...platform } = node.platform;
    const bare = FaceParser.fromLoaded({
      platform,
      labels: [...node.labels],
      preprocessor: node.preprocessor,
      sessions: [await node.platform.createSession(join(TINY_MODEL, 'onnx', 'model.onnx'), { numLabels: node.labels.length, threads: 1 })],
      model: node.model,
      variant: node.variant,
    });
    const photo = { data: new Uint8Array(64 * 48 * 3).fill(90), width: 64, height: 48 };
    const auto = await bare.parse(photo);
    expect(auto.parsedAs).toBe('photo');
    expect(auto.categoryMask).toEqual((await node.parse(photo, { faces: 'off' })).categoryMask);
    await expect(bare.parse(photo, { faces: 'on' })).rejects.toThrow(/no face detector.*detector/);
    await bare.close();
    await node.close();
  });
});
