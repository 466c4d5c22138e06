/**
 * One box per face from the detections of every view (letterbox and tile levels). Within a level the
 * tiles see a face at one zoom, so MediaPipe's weighted NMS (IoU) merges their copies. Across levels
 * the same face comes out with boxes of different size and offset (a 4 px face in the letterbox is
 * a rough guess, the same face at 20 px in a tile a good one), often under the IoU threshold; so two
 * detections are one face also when each one's centre lies in the other's box (at sizes within
 * MAX_SIZE_RATIO). A merged face takes the best score of its copies, and the box and keypoints of
 * the copy seen best (score, less where its view saw the face tiny), averaged with the copies that
 * agree with it by IoU.
 */
import { iou } from './blazeFace.js';
import type { Box, DetectedFace } from './types.js';

/** A detection, how many detector-input pixels wide its view saw it, and which level of views. */
export interface ViewDetection {
  face: DetectedFace;
  inputWidth: number;
  /** Copies from one level are merged by IoU only (MediaPipe's rule), from two levels also by centres. */
  level: number;
}

/** Copies of one face differ in size by less than this (measured: under 1.4x across levels). */
const MAX_SIZE_RATIO = 2;
/** Input width from which the detector's box and keypoints are as good as they get. */
const SHARP_INPUT_PX = 24;

function contains(box: Box, x: number, y: number): boolean {
  return x >= box.x && x <= box.x + box.width && y >= box.y && y <= box.y + box.height;
}

/** Whether two detections from views at different zooms are copies of one face. */
export function sameFace(a: Box, b: Box, iouThreshold: number): boolean {
  if (iou(a, b) >= iouThreshold) return true;
  const ratio = Math.max(a.width, b.width) / Math.max(1e-9, Math.min(a.width, b.width));
  if (!(ratio <= MAX_SIZE_RATIO)) return false;
  return contains(a, b.x + b.width / 2, b.y + b.height / 2) && contains(b, a.x + a.width / 2, a.y + a.height / 2);
}

/** How much a copy counts: its score, less where its view saw the face tiny. */
function weight(d: ViewDetection): number {
  return d.face.score * Math.min(1, d.inputWidth / SHARP_INPUT_PX) ** 2;
}

/** The faces of all views, each once, best score first. */
export function mergeAcrossViews(detections: readonly ViewDetection[], iouThreshold: number): DetectedFace[] {
  const remaining = [...detections].sort((a, b) => weight(b) - weight(a));
  const merged: DetectedFace[] = [];
  while (remaining.length > 0) {
    const best = remaining.shift()!;
    const cluster = [best];
    for (let i = remaining.length - 1; i >= 0; i--) {
      const other = remaining[i]!;
      const same = other.level === best.level ? iou(best.face.box, other.face.box) >= iouThreshold : sameFace(best.face.box, other.face.box, iouThreshold);
      if (same) cluster.push(...remaining.splice(i, 1));
    }
    let total = 0;
    const box = { x: 0, y: 0, width: 0, height: 0 };
    const keypoints = best.face.keypoints.map(() => ({ x: 0, y: 0 }));
    // The box and keypoints: the mean of the copies that agree with the best one (by IoU, as
    // MediaPipe's NMS); a rough copy that only shares the centre adds its score, not its box.
    for (const d of cluster.filter((c) => iou(c.face.box, best.face.box) >= iouThreshold)) {
      const w = Math.max(weight(d), 1e-12);
      total += w;
      box.x += d.face.box.x * w;
      box.y += d.face.box.y * w;
      box.width += d.face.box.width * w;
      box.height += d.face.box.height * w;
      d.face.keypoints.forEach((p, k) => {
        keypoints[k]!.x += p.x * w;
        keypoints[k]!.y += p.y * w;
      });
    }
    for (const p of keypoints) {
      p.x /= total;
      p.y /= total;
    }
    merged.push({
      score: Math.max(...cluster.map((d) => d.face.score)),
      box: { x: box.x / total, y: box.y / total, width: box.width / total, height: box.height / total },
      keypoints,
    });
  }
  return merged.sort((a, b) => b.score - a.score);
}
