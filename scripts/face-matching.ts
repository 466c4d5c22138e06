/**
 * Scoring face detections against true faces, as the crowd checks of issue 31 count them: a box
 * matches a face when the face's centre lies in the box grown by 25% of its width (12.5% each side,
 * the same share of its height above and below), one box per face and one face per box (closest
 * centres first). Faces marked `ignore` (mostly hidden, cut by the border, too unclear to count)
 * neither need a box nor make a box on them wrong.
 */
import type { Box, Point } from '../src/faces/types.js';

export interface TrueFace {
  centre: Point;
  ignore?: boolean;
}

export interface FaceCounts {
  faces: number;
  boxes: number;
  /** Boxes matched to a (counted) face. */
  hits: number;
  /** Counted faces no box matched. */
  misses: number;
  /** Boxes on no face (duplicates of a matched face included). */
  wrong: number;
  /** Boxes on ignored faces: not counted either way. */
  ignored: number;
}

const GROW = 0.25;

function covers(box: Box, p: Point): boolean {
  const gx = (GROW / 2) * box.width;
  const gy = (GROW / 2) * box.height;
  return p.x >= box.x - gx && p.x <= box.x + box.width + gx && p.y >= box.y - gy && p.y <= box.y + box.height + gy;
}

/** Greedy one-to-one matching by centre distance (relative to box width), counted faces first: each box's face index, or -1. */
export function matchFaces(boxes: readonly Box[], faces: readonly TrueFace[]): number[] {
  const pairs: Array<{ b: number; f: number; d: number }> = [];
  boxes.forEach((box, b) =>
    faces.forEach((face, f) => {
      if (!covers(box, face.centre)) return;
      const d = Math.hypot(box.x + box.width / 2 - face.centre.x, box.y + box.height / 2 - face.centre.y) / Math.max(1e-9, box.width);
      // Counted faces claim boxes before ignored ones, so an ignored face never steals a hit.
      pairs.push({ b, f, d: d + (face.ignore ? 1e6 : 0) });
    }),
  );
  pairs.sort((p, q) => p.d - q.d);
  const boxFace = boxes.map(() => -1);
  const faceUsed = new Set<number>();
  for (const { b, f } of pairs) {
    if (boxFace[b] !== -1 || faceUsed.has(f)) continue;
    boxFace[b] = f;
    faceUsed.add(f);
  }
  return boxFace;
}

export function countMatches(boxes: readonly Box[], faces: readonly TrueFace[]): FaceCounts {
  const boxFace = matchFaces(boxes, faces);
  const hits = boxFace.filter((f) => f >= 0 && !faces[f]!.ignore).length;
  const ignored = boxFace.filter((f) => f >= 0 && faces[f]!.ignore).length;
  const counted = faces.filter((f) => !f.ignore).length;
  return { faces: counted, boxes: boxes.length, hits, misses: counted - hits, wrong: boxes.length - hits - ignored, ignored };
}

export function addCounts(a: FaceCounts, b: FaceCounts): FaceCounts {
  return {
    faces: a.faces + b.faces,
    boxes: a.boxes + b.boxes,
    hits: a.hits + b.hits,
    misses: a.misses + b.misses,
    wrong: a.wrong + b.wrong,
    ignored: a.ignored + b.ignored,
  };
}

export const NO_COUNTS: FaceCounts = { faces: 0, boxes: 0, hits: 0, misses: 0, wrong: 0, ignored: 0 };

export function recall(c: FaceCounts): number {
  return c.faces > 0 ? c.hits / c.faces : 1;
}
export function precision(c: FaceCounts): number {
  return c.hits + c.wrong > 0 ? c.hits / (c.hits + c.wrong) : 1;
}
