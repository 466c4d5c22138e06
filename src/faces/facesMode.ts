/**
 * The `faces` option (its modes and default: src/options/parseOptions.ts): whether a photo is parsed whole or face by face.
 *
 * - `off`: the whole photo, exactly the reference pipeline; the detector does not run.
 * - `on`: face by face; no face found -> an all-background map.
 * - `auto` (default): the whole photo when it already is a face crop, else as `on`. A photo is a
 *   face crop when the aligned crop of its best face candidate (detector score >=
 *   FACE_CROP_MIN_SCORE) covers the photo, the intersection over union of the crop's square
 *   (mapped into the photo) and the photo's rectangle being at least FACE_CROP_MIN_IOU, and no
 *   other face found is more than half its width (people behind the subject of a CelebA-HQ crop
 *   are background there). Measured (scripts in scripts/): the 100 aligned CelebAMask-HQ val
 *   images 0.59-0.98 (median 0.91); close portraits of ../shared/data/photos 0.56-0.76; portraits
 *   whose face is a fifth of the frame about 0.2; scenes of 1-3 faces at 20-50% of the short side
 *   at most 0.26.
 */
import { checkOptional } from '../options/checkOption.js';
import { FACES_MODES, type FacesMode, facesOption } from '../options/parseOptions.js';
import type { RgbImage } from '../base/types.js';
import { alignFace, cropCorners, type FaceAlignment } from './align.js';
import { DEFAULT_MIN_FACE_SCORE, type DetectOptions, detectFaces } from './detectFaces.js';
import type { DetectedFace, Point, TensorRunner } from './types.js';

export { FACES_MODES, type FacesMode };

/** IoU at or above which `auto` treats a photo as a face crop. */
export const FACE_CROP_MIN_IOU = 0.5;
/** Other faces up to this share of the best face's box width do not stop `auto` parsing the photo whole. */
export const FACE_CROP_MAX_OTHER_WIDTH = 0.5;
/**
 * Detector score a face-crop candidate needs: below the detection threshold (0.5), because a face
 * that fills the frame is unambiguous even where the detector is unsure (a blindfolded face in
 * CelebA-HQ scores 0.496).
 */
export const FACE_CROP_MIN_SCORE = 0.3;

function polygonArea(points: readonly Point[]): number {
  let area = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    const b = points[(i + 1) % points.length]!;
    area += a.x * b.y - b.x * a.y;
  }
  return Math.abs(area) / 2;
}

/** Sutherland-Hodgman: the polygon clipped to the rectangle [0, width] x [0, height]. */
function clipToRect(polygon: readonly Point[], width: number, height: number): Point[] {
  const edges: Array<[(p: Point) => number, (a: Point, b: Point) => Point]> = [
    [(p) => p.x, (a, b) => ({ x: 0, y: a.y + ((b.y - a.y) * (0 - a.x)) / (b.x - a.x) })],
    [(p) => width - p.x, (a, b) => ({ x: width, y: a.y + ((b.y - a.y) * (width - a.x)) / (b.x - a.x) })],
    [(p) => p.y, (a, b) => ({ x: a.x + ((b.x - a.x) * (0 - a.y)) / (b.y - a.y), y: 0 })],
    [(p) => height - p.y, (a, b) => ({ x: a.x + ((b.x - a.x) * (height - a.y)) / (b.y - a.y), y: height })],
  ];
  let out = [...polygon];
  for (const [inside, cross] of edges) {
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const cur = input[i]!;
      const prev = input[(i + input.length - 1) % input.length]!;
      if (inside(cur) >= 0) {
        if (inside(prev) < 0) out.push(cross(prev, cur));
        out.push(cur);
      } else if (inside(prev) >= 0) {
        out.push(cross(prev, cur));
      }
    }
    if (out.length === 0) break;
  }
  return out;
}

/** IoU of a face's aligned crop (mapped into the photo) and the photo's rectangle. */
export function cropPhotoIoU(alignment: FaceAlignment, width: number, height: number): number {
  const corners = cropCorners(alignment);
  const crop = polygonArea(corners);
  const inner = polygonArea(clipToRect(corners, width, height));
  return inner / (crop + width * height - inner);
}

export interface FacesDecision {
  /** Parse the whole photo (the reference pipeline) rather than face by face. */
  wholePhoto: boolean;
  /** The faces to parse (score >= minScore), best first; empty when none was found. */
  faces: DetectedFace[];
  /** IoU of the best candidate's crop with the photo (the auto rule's measure); 0 without candidates. */
  cropIoU: number;
}

/**
 * Applies the mode to the detector's candidates (found with minScore FACE_CROP_MIN_SCORE or
 * lower, best first). `inputSize` is the model input the crops are aligned to.
 */
export function decideFaces(
  mode: Exclude<FacesMode, 'off'>,
  candidates: readonly DetectedFace[],
  minScore: number,
  width: number,
  height: number,
  inputSize: { width: number; height: number },
): FacesDecision {
  // A detection whose keypoints cannot be aligned (not finite, or all in one point) is no face.
  const usable = candidates.filter(alignable);
  const faces = usable.filter((f) => f.score >= minScore);
  const best = usable[0];
  if (!best || best.score < FACE_CROP_MIN_SCORE) return { wholePhoto: false, faces, cropIoU: 0 };
  const cropIoU = cropPhotoIoU(alignFace(best, inputSize.width, inputSize.height), width, height);
  const alone = faces.every((f) => f === best || f.box.width <= FACE_CROP_MAX_OTHER_WIDTH * best.box.width);
  return { wholePhoto: mode === 'auto' && alone && cropIoU >= FACE_CROP_MIN_IOU, faces, cropIoU };
}

/** Throws INVALID_ARGUMENT unless `mode` is undefined or one of FACES_MODES (the option's schema, src/options). */
export function checkFacesMode(mode: unknown): void {
  checkOptional(facesOption, mode, 'faces');
}

/** True when the face's keypoints give an alignment: finite and not all at one point. */
export function alignable(face: DetectedFace): boolean {
  const points = face.keypoints;
  if (!points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))) return false;
  return points.some((p) => Math.hypot(p.x - points[0]!.x, p.y - points[0]!.y) > 1e-3);
}

/**
 * Detection as a parse does it: the detector's candidates down to FACE_CROP_MIN_SCORE (the auto
 * rule's hints; detectFaces gives those under its sure score a second look), then the mode applied,
 * faces being the candidates at `detection.minScore` (DEFAULT_MIN_FACE_SCORE) or more.
 */
export async function detectForMode(
  mode: Exclude<FacesMode, 'off'>,
  image: RgbImage,
  runner: TensorRunner,
  detection: DetectOptions,
  inputSize: { width: number; height: number },
): Promise<FacesDecision> {
  const minScore = detection.minScore ?? DEFAULT_MIN_FACE_SCORE;
  const candidates = await detectFaces(image, runner, { ...detection, minScore: Math.min(minScore, FACE_CROP_MIN_SCORE) });
  return decideFaces(mode, candidates, minScore, image.width, image.height, inputSize);
}
