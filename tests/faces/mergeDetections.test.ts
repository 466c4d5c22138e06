/**
 * One box per face across the detector's views: copies of a face from the letterbox and a tile
 * level (different sizes and offsets, under the IoU threshold) become one; neighbouring faces of a
 * crowd stay apart.
 */
import { describe, expect, it } from 'vitest';
import { iou, weightedNms } from '../../src/faces/blazeFace.js';
import { mergeAcrossViews, sameFace } from '../../src/faces/mergeDetections.js';
import type { DetectedFace } from '../../src/faces/types.js';

function detection(x: number, y: number, width: number, score: number): DetectedFace {
  const keypoints = Array.from({ length: 6 }, (_, k) => ({ x: x + (k / 6) * width, y: y + width / 2 }));
  return { score, box: { x, y, width, height: width }, keypoints };
}

describe('mergeAcrossViews', () => {
  // The crowd photo's back-row face (about x 643, y 145): the letterbox saw it 18 input px wide and
  // guessed a box nearly twice the tile level's, which saw it 48 px wide.
  const letterbox = detection(596, 100, 90, 0.7);
  const tile = detection(618, 112, 48, 0.85);

  it('merges copies of one face from two levels that IoU alone leaves apart', () => {
    expect(iou(letterbox.box, tile.box)).toBeLessThan(0.3);
    expect(weightedNms([letterbox, tile], 0.3)).toHaveLength(2); // MediaPipe's NMS: two boxes
    expect(sameFace(letterbox.box, tile.box, 0.3)).toBe(true);
    const merged = mergeAcrossViews(
      [
        { face: letterbox, inputWidth: 18, level: 0 },
        { face: tile, inputWidth: 48, level: 1 },
      ],
      0.3,
    );
    expect(merged).toHaveLength(1);
    // The tile's copy (seen sharper) decides the box; the best score is kept.
    expect(Math.abs(merged[0]!.box.x - tile.box.x)).toBeLessThan(4);
    expect(merged[0]!.box.width).toBeLessThan(60);
    expect(merged[0]!.score).toBe(0.85);
  });

  it('merges copies in any order, whichever comes first', () => {
    const a = mergeAcrossViews(
      [
        { face: tile, inputWidth: 48, level: 1 },
        { face: letterbox, inputWidth: 18, level: 0 },
      ],
      0.3,
    );
    const b = mergeAcrossViews(
      [
        { face: letterbox, inputWidth: 18, level: 0 },
        { face: tile, inputWidth: 48, level: 1 },
      ],
      0.3,
    );
    expect(a).toEqual(b);
  });

  it('within one level, IoU alone decides (MediaPipe): the same two boxes from one view stay two', () => {
    expect(
      mergeAcrossViews(
        [
          { face: letterbox, inputWidth: 18, level: 0 },
          { face: tile, inputWidth: 48, level: 0 },
        ],
        0.3,
      ),
    ).toHaveLength(2);
  });

  it('keeps neighbours of a crowd apart, also touching ones', () => {
    const row = [0, 1, 2, 3].map((i) => ({ face: detection(100 + 16 * i, 50, 16, 0.8), inputWidth: 16, level: i % 2 }));
    expect(mergeAcrossViews(row, 0.3)).toHaveLength(4);
  });

  it('keeps a face and a much larger box around it apart (a face in front of a face is two)', () => {
    const small = detection(100, 100, 20, 0.9);
    const large = detection(85, 80, 60, 0.9);
    expect(sameFace(small.box, large.box, 0.3)).toBe(false);
    expect(
      mergeAcrossViews(
        [
          { face: small, inputWidth: 20, level: 1 },
          { face: large, inputWidth: 60, level: 0 },
        ],
        0.3,
      ),
    ).toHaveLength(2);
  });
});
