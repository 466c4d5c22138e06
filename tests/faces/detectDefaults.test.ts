/**
 * The detector's defaults, pinned by what they do: weighted NMS merges detections that overlap by
 * IoU >= 0.3 (MediaPipe's value for this model) and keeps those below as separate faces; scores
 * below 0.5 are dropped. A scripted detector (a TensorRunner giving chosen raw outputs) makes
 * boxes of known overlap, so the checks need no model and no photo; the same detector behind a
 * FaceParser checks that the parser applies the same defaults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weightedNms } from '../../src/faces/blazeFace.js';
import { detectFaces } from '../../src/faces/detectFaces.js';
import type { DetectedFace, TensorRunner } from '../../src/faces/types.js';
import { FaceParser } from '../../src/node/faceParser.js';
import { TINY_MODEL } from '../helpers/golden.js';

/** A box of side 40 centred at (cx, cy) in the detector's 256 x 256 input, with its score logit. */
interface Box {
  cx: number;
  cy: number;
  logit: number;
}

const KEYPOINTS: ReadonlyArray<readonly [number, number]> = [
  [-8, -6],
  [8, -6],
  [0, 2],
  [0, 10],
  [-18, -2],
  [18, -2],
];

/** A detector whose first anchors report `boxes` (anchor 0 of head 0 is centred at (8, 8)); the rest see nothing. */
function scriptedDetector(boxes: readonly Box[]): TensorRunner {
  return {
    run: async () => {
      const scores = new Float32Array(512).fill(-20);
      const raw = new Float32Array(512 * 16);
      boxes.forEach((b, i) => {
        // Anchors 0 and 1 share the cell centred at (8, 8); others are further along the row.
        const anchorX = (Math.floor(i / 2) + 0.5) * 16;
        const anchorY = 8;
        scores[i] = b.logit;
        raw.set([b.cx - anchorX, b.cy - anchorY, 40, 40], i * 16);
        // Keypoints of an upright face: eyes, nose tip, mouth, ears (BlazeFace's order).
        KEYPOINTS.forEach(([dx, dy], k) => raw.set([b.cx + dx - anchorX, b.cy + dy - anchorY], i * 16 + 4 + 2 * k));
      });
      return { 'Identity:0': scores, 'Identity_1:0': new Float32Array(384).fill(-20), 'Identity_2:0': raw, 'Identity_3:0': new Float32Array(384 * 16) };
    },
  };
}

/** A 256 x 256 photo: the letterbox is the identity, so photo pixels are detector pixels and no tiles run. */
const PHOTO = { data: new Uint8Array(256 * 256 * 3).fill(128), width: 256, height: 256 };

// Two boxes of side 40 shifted by dx overlap by IoU (40 - dx) / (40 + dx).
const IOU_0_333 = 20; // just over 0.3: merged
const IOU_0_28 = 22.5; // just under 0.3: two faces

describe('detector defaults', () => {
  it('weightedNms merges at IoU >= 0.3 by default', () => {
    const face = (x: number): DetectedFace => ({ score: 0.9, box: { x, y: 0, width: 40, height: 40 }, keypoints: [] });
    expect(weightedNms([face(0), face(IOU_0_333)])).toHaveLength(1);
    expect(weightedNms([face(0), face(IOU_0_28)])).toHaveLength(2);
  });

  it('detectFaces: overlaps just over 0.3 are one face, just under are two; scores under 0.5 are dropped', async () => {
    const merged = await detectFaces(
      PHOTO,
      scriptedDetector([
        { cx: 100, cy: 100, logit: 4 },
        { cx: 100 + IOU_0_333, cy: 100, logit: 3 },
      ]),
    );
    expect(merged).toHaveLength(1);
    const apart = await detectFaces(
      PHOTO,
      scriptedDetector([
        { cx: 100, cy: 100, logit: 4 },
        { cx: 100 + IOU_0_28, cy: 100, logit: 3 },
      ]),
    );
    expect(apart).toHaveLength(2);
    // sigmoid(0.05) > 0.5 > sigmoid(-0.05)
    const scores = await detectFaces(
      PHOTO,
      scriptedDetector([
        { cx: 60, cy: 60, logit: 0.05 },
        { cx: 180, cy: 180, logit: -0.05 },
      ]),
    );
    // The face that scores just over 0.5 gets a second look (secondLook.ts), which this scripted
    // detector answers as it answers every view, so its box may move by a few pixels.
    expect(scores).toHaveLength(1);
    expect(Math.abs(scores[0]!.box.x + 20 - 60)).toBeLessThan(6);
    // The defaults are only defaults: a caller's threshold is used.
    const strict = await detectFaces(
      PHOTO,
      scriptedDetector([
        { cx: 100, cy: 100, logit: 4 },
        { cx: 100 + IOU_0_333, cy: 100, logit: 3 },
      ]),
      { iouThreshold: 0.5 },
    );
    expect(strict).toHaveLength(2);
  });

  describe('behind a FaceParser (faces on)', () => {
    let merged: FaceParser;
    let apart: FaceParser;
    beforeAll(async () => {
      merged = await FaceParser.create({
        model: TINY_MODEL,
        variant: 'fp32',
        threads: 1,
        inferenceThread: false,
        detector: scriptedDetector([
          { cx: 100, cy: 100, logit: 4 },
          { cx: 100 + IOU_0_333, cy: 100, logit: 3 },
        ]),
      });
      apart = await FaceParser.create({
        model: TINY_MODEL,
        variant: 'fp32',
        threads: 1,
        inferenceThread: false,
        detector: scriptedDetector([
          { cx: 100, cy: 100, logit: 4 },
          { cx: 100 + IOU_0_28, cy: 100, logit: 3 },
        ]),
      });
    });
    afterAll(async () => {
      await merged?.close();
      await apart?.close();
    });

    it('uses the same defaults', async () => {
      expect((await merged.parse(PHOTO, { faces: 'on' })).faces).toHaveLength(1);
      expect((await apart.parse(PHOTO, { faces: 'on' })).faces).toHaveLength(2);
    });
  });
});
