/**
 * Find every face in a photo with BlazeFace back-256, each once.
 *
 * Views (detectorViews.ts): the whole photo letterboxed into 256x256, then, where it can matter,
 * levels of overlapping tiles each 2.5x finer, down to the zoom at which a 12 px face is 18-20
 * input pixels. A finer level runs only while the faces found so far include one near the current level's
 * floor (under NEAR_FLOOR_INPUT_PX), or none at all: a hint of more faces below it. So a portrait
 * costs one detector run and a crowd of small faces a few dozen (at most 1 + MAX_TILE_RUNS).
 * Detections are mapped into photo pixels, merged within each level by weighted NMS and across
 * levels by mergeAcrossViews (mergeDetections.ts); those whose keypoints are not laid out as a
 * face's are dropped (faceShape.ts), and unsure ones are kept only if a second look at a better
 * zoom finds them again (secondLook.ts).
 */
import type { RgbImage } from '../base/types.js';
import { applyAffine } from './affine.js';
import { BLAZEFACE_INPUT_SIZE, BLAZEFACE_OUTPUTS, decodeBlazeFace, weightedNms } from './blazeFace.js';
import { letterboxView, levelTiles, tileLevels, viewScale, type DetectorView } from './detectorViews.js';
import { plausibleFace } from './faceShape.js';
import { mergeAcrossViews, type ViewDetection } from './mergeDetections.js';
import { confirmFaces } from './secondLook.js';
import type { Box, DetectedFace, TensorRunner } from './types.js';
import { warpAffine } from './warp.js';

/** Lowest detector score kept by default (MediaPipe's face detection default); FaceParser's faces 'auto' rule reads it too. */
export const DEFAULT_MIN_FACE_SCORE = 0.5;

export interface DetectOptions {
  /** Lowest detector score kept, 0..1. Default DEFAULT_MIN_FACE_SCORE, 0.5 (MediaPipe's face detection default). */
  minScore?: number;
  /** IoU at which detections are merged by weighted NMS. Default 0.3 (MediaPipe's). */
  iouThreshold?: number;
  /** Run the tile levels for small faces where they can matter. Default true. */
  smallFaces?: boolean;
  /**
   * Drop boxes whose keypoints are not laid out as a face's and look again at unsure ones (default
   * true). false returns every merged detection, for measuring the checks.
   */
  checkShape?: boolean;
}

/**
 * A face under this many input pixels of a level is near the detector's floor, which suggests
 * more faces below it (a crowd), so the next finer level runs.
 */
export const NEAR_FLOOR_INPUT_PX = 20;
const DETECTOR_SAMPLES = 3;
/** MediaPipe's default score: from here on a detection counts as a face (and is checked as one). */
const SURE_SCORE = 0.5;
/**
 * Faces scoring under this get a second look (secondLook.ts): 5% of the true faces, most wrong boxes.
 * So do the candidates under SURE_SCORE that a caller asks for (FaceParser: down to 0.3, hints for
 * the auto rule): a face half hidden behind another head scores 0.3-0.5, and a second look that sees
 * it at 0.5 or more makes it a face (in the shared group photo, the woman behind the front row).
 */
export const LOOK_AGAIN_BELOW = 0.75;
/** The score a second look must give the same face to confirm it: evidence, not a detection of its own. */
const CONFIRM_SCORE = 0.35;
/** A tile level keeps faces up to this many times the coarser view's near-floor size. */
const LEVEL_LARGEST_FACE = 2;

/** NHWC float32 in [-1, 1], as BlazeFace expects. */
function viewInput(image: RgbImage, view: DetectorView): Float32Array {
  const size = BLAZEFACE_INPUT_SIZE;
  // 3x3 samples per input pixel: detection scores on the shared photos are the same as with 8x8
  // (within 0.01), at a seventh of the cost on a 4000 px photo.
  const pixels = warpAffine(image, view.toPhoto, size, size, { outside: 'black', maxSamples: DETECTOR_SAMPLES });
  const input = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) input[i] = pixels[i]! / 127.5 - 1;
  return input;
}

function toPhoto(face: DetectedFace, view: DetectorView): DetectedFace {
  const [s, , tx, , , ty] = view.toPhoto; // views are scale + offset only
  const box: Box = { x: face.box.x * s + tx, y: face.box.y * s + ty, width: face.box.width * s, height: face.box.height * s };
  return { score: face.score, box, keypoints: face.keypoints.map((p) => applyAffine(view.toPhoto, p)) };
}

/**
 * A tile sees part of a face at its inner borders; such a detection is incomplete and is left to
 * the neighbouring tile (or the letterbox) that sees the face whole.
 */
function wholeInTile(face: DetectedFace, view: DetectorView, width: number, height: number): boolean {
  const { region } = view;
  const margin = 0.1 * face.box.width;
  const left = region.x <= 0 || face.box.x >= region.x - margin;
  const top = region.y <= 0 || face.box.y >= region.y - margin;
  const right = region.x + region.width >= width || face.box.x + face.box.width <= region.x + region.width + margin;
  const bottom = region.y + region.height >= height || face.box.y + face.box.height <= region.y + region.height + margin;
  return left && top && right && bottom;
}

export async function runDetectorView(image: RgbImage, view: DetectorView, runner: TensorRunner, minScore: number): Promise<DetectedFace[]> {
  const size = BLAZEFACE_INPUT_SIZE;
  const outputs = await runner.run(viewInput(image, view), [1, size, size, 3]);
  const pick = (name: string): Float32Array => {
    const data = outputs[name];
    if (!data) throw new Error(`the face detector returned no output ${name}`);
    return data;
  };
  const raw = { scores: BLAZEFACE_OUTPUTS.scores.map(pick), boxes: BLAZEFACE_OUTPUTS.boxes.map(pick) };
  return decodeBlazeFace(raw, minScore)
    .map((face) => toPhoto(face, view))
    .filter((face) => !view.tiled || wholeInTile(face, view, image.width, image.height));
}

/** Every face in the photo, best score first, in photo pixels. */
export async function detectFaces(image: RgbImage, runner: TensorRunner, options: DetectOptions = {}): Promise<DetectedFace[]> {
  const minScore = options.minScore ?? DEFAULT_MIN_FACE_SCORE;
  const iouThreshold = options.iouThreshold ?? 0.3;
  const checkShape = options.checkShape ?? true;
  const { width, height } = image;
  const found: ViewDetection[] = [];
  const facesSoFar = () => mergeAcrossViews(found, iouThreshold).filter((f) => !checkShape || plausibleFace(f));
  /** Runs one level's views; keeps faces up to `largest` photo pixels wide. */
  let level = 0;
  const runLevel = async (views: DetectorView[], largest = Infinity) => {
    const candidates: DetectedFace[] = [];
    for (const view of views) candidates.push(...(await runDetectorView(image, view, runner, minScore)));
    const scale = viewScale(views[0]!);
    for (const face of weightedNms(candidates, iouThreshold)) {
      if (face.box.width <= largest) found.push({ face, inputWidth: face.box.width / scale, level });
    }
    level++;
  };
  const letterbox = letterboxView(width, height);
  await runLevel([letterbox]);
  if (options.smallFaces !== false) {
    let coarser = viewScale(letterbox);
    for (const scale of tileLevels(width, height)) {
      const faces = facesSoFar().filter((f) => f.score >= SURE_SCORE);
      const nearFloor = faces.some((f) => f.box.width / coarser < NEAR_FLOOR_INPUT_PX);
      if (faces.length > 0 && !nearFloor) break;
      // A tile level looks for the faces too small for the coarser view: a big box in an
      // enlarged tile is texture (grass, hair, knit) more often than a face the coarser view missed.
      await runLevel(levelTiles(width, height, scale, coarser), LEVEL_LARGEST_FACE * NEAR_FLOOR_INPUT_PX * coarser);
      coarser = scale;
    }
  }
  if (!checkShape) return facesSoFar();
  const faces: DetectedFace[] = [];
  const unsure: DetectedFace[] = [];
  const hints: DetectedFace[] = [];
  for (const face of facesSoFar()) {
    // A face cut by the photo's border gets no second look (half a face on black is no test).
    const cut = face.box.x < 0 || face.box.y < 0 || face.box.x + face.box.width > width || face.box.y + face.box.height > height;
    if (cut || face.score >= LOOK_AGAIN_BELOW) faces.push(face);
    else (face.score >= SURE_SCORE ? unsure : hints).push(face);
  }
  const looks = await confirmFaces(image, [...unsure, ...hints], runner, CONFIRM_SCORE, iouThreshold);
  // An unsure face the second look did not confirm is dropped; a hint stays what it was, a hint
  // under SURE_SCORE for the caller's own rule (facesMode's auto).
  const confirmed = looks.filter((face) => face !== undefined);
  faces.push(...hints.filter((_, i) => looks[unsure.length + i] === undefined));
  // A second look can move an unsure box onto a face found before (a hand over a mouth, two
  // guesses around one face): one box per face again.
  return mergeAcrossViews(
    [...faces.map((face) => ({ face, inputWidth: Infinity, level: 0 })), ...confirmed.map((face) => ({ face, inputWidth: Infinity, level: 1 }))],
    iouThreshold,
  );
}
