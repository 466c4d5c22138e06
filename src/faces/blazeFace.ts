/**
 * BlazeFace "back" (256x256, full-range-ish) decoding, as MediaPipe's TensorsToDetections and
 * NonMaxSuppression calculators do it for this model:
 * - SSD anchors of face_detection_back: strides 16, 32, 32, 32 on a 256 input, 2 anchors per
 *   layer and cell, fixed anchor size 1: 16x16x2 = 512 anchors then 8x8x6 = 384, centres at
 *   (cell + 0.5) / cells;
 * - 16 raw numbers per anchor: box centre offset x, y, width, height, then 6 keypoints (x, y),
 *   all in input pixels relative to the anchor centre; scores are logits (sigmoid, clipped to ±100);
 * - weighted non-maximum suppression: detections overlapping the best remaining one by IoU >= 0.3
 *   are averaged into it, weighted by score (MediaPipe's WEIGHTED overlap type, as in
 *   keijiro's Postprocess2).
 * Outputs here are in the 256x256 input's pixels; detectFaces maps them into the photo.
 */
import type { DetectedFace, Point } from './types.js';

export const BLAZEFACE_INPUT_SIZE = 256;
export const BLAZEFACE_INPUT_NAME = 'input:0';
/** Output names of the keijiro ONNX export: scores 512, scores 384, boxes 512x16, boxes 384x16. */
export const BLAZEFACE_OUTPUTS = { scores: ['Identity:0', 'Identity_1:0'], boxes: ['Identity_2:0', 'Identity_3:0'] } as const;

/** [cells per row, anchors per cell] of the two output heads. */
const HEADS: ReadonlyArray<readonly [number, number]> = [
  [16, 2],
  [8, 6],
];

export interface RawDetections {
  scores: readonly Float32Array[];
  boxes: readonly Float32Array[];
}

/** Anchor centres (x, y in 0..1), 896 pairs, in the order of the concatenated outputs. */
export function blazeFaceAnchors(): Float32Array {
  const anchors: number[] = [];
  for (const [cells, perCell] of HEADS) {
    for (let y = 0; y < cells; y++) {
      for (let x = 0; x < cells; x++) {
        for (let a = 0; a < perCell; a++) anchors.push((x + 0.5) / cells, (y + 0.5) / cells);
      }
    }
  }
  return Float32Array.from(anchors);
}

const ANCHORS = blazeFaceAnchors();

/** Every anchor whose score passes `minScore`, decoded into input pixels (not yet suppressed). */
export function decodeBlazeFace(raw: RawDetections, minScore: number): DetectedFace[] {
  const size = BLAZEFACE_INPUT_SIZE;
  const faces: DetectedFace[] = [];
  let anchor = 0;
  for (let head = 0; head < HEADS.length; head++) {
    const scores = raw.scores[head]!;
    const boxes = raw.boxes[head]!;
    for (let i = 0; i < scores.length; i++, anchor++) {
      const logit = Math.max(-100, Math.min(100, scores[i]!));
      const score = 1 / (1 + Math.exp(-logit));
      if (score < minScore) continue;
      const ax = ANCHORS[2 * anchor]! * size;
      const ay = ANCHORS[2 * anchor + 1]! * size;
      const r = boxes.subarray(i * 16, i * 16 + 16);
      const cx = ax + r[0]!;
      const cy = ay + r[1]!;
      const w = r[2]!;
      const h = r[3]!;
      const keypoints: Point[] = [];
      for (let k = 0; k < 6; k++) keypoints.push({ x: ax + r[4 + 2 * k]!, y: ay + r[5 + 2 * k]! });
      faces.push({ score, box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h }, keypoints });
    }
  }
  return faces;
}

export function iou(a: DetectedFace['box'], b: DetectedFace['box']): number {
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  const inner = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  const union = a.width * a.height + b.width * b.height - inner;
  return union > 0 ? inner / union : 0;
}

/** MediaPipe's weighted NMS: returns blended faces, best score first. */
export function weightedNms(candidates: readonly DetectedFace[], iouThreshold = 0.3): DetectedFace[] {
  const remaining = [...candidates].sort((a, b) => b.score - a.score);
  const kept: DetectedFace[] = [];
  while (remaining.length > 0) {
    const best = remaining[0]!;
    // best always joins its own cluster, so the loop ends even for a degenerate (zero-area) box
    const cluster: DetectedFace[] = [best];
    const rest: DetectedFace[] = [];
    for (let i = 1; i < remaining.length; i++) (iou(best.box, remaining[i]!.box) >= iouThreshold ? cluster : rest).push(remaining[i]!);
    remaining.length = 0;
    remaining.push(...rest);
    let total = 0;
    let x0 = 0;
    let y0 = 0;
    let x1 = 0;
    let y1 = 0;
    const keypoints = best.keypoints.map(() => ({ x: 0, y: 0 }));
    for (const face of cluster) {
      const w = face.score;
      total += w;
      x0 += face.box.x * w;
      y0 += face.box.y * w;
      x1 += (face.box.x + face.box.width) * w;
      y1 += (face.box.y + face.box.height) * w;
      face.keypoints.forEach((p, k) => {
        keypoints[k]!.x += p.x * w;
        keypoints[k]!.y += p.y * w;
      });
    }
    if (!(total > 0)) continue; // scores are sigmoids (> 0); guards the division all the same
    for (const p of keypoints) {
      p.x /= total;
      p.y /= total;
    }
    kept.push({
      score: best.score,
      box: { x: x0 / total, y: y0 / total, width: (x1 - x0) / total, height: (y1 - y0) / total },
      keypoints,
    });
  }
  return kept;
}
