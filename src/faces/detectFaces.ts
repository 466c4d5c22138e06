/**
 * Find every face in a photo with BlazeFace back-256.
 *
 * First pass: the whole photo letterboxed into 256x256 (one area-averaged resampling, black
 * bars). The detector finds faces down to about 11 input pixels (the crowd photo of
 * ../shared/data/photos: 16 faces of 11-42 px), so in a large group photo smaller faces are
 * missed. Second pass, only where it can matter (the letterbox shrinks the photo by more than 2x,
 * and the first pass found no face, or one near that floor, a hint of more below it): overlapping
 * square tiles at twice the first pass's zoom (see `tileViews`); it finds one more face in the
 * crowd photo. Candidates of every view are mapped into photo pixels and merged by one weighted
 * NMS. Photos whose faces are all bigger than that never pay for the second pass (6-9 detector runs).
 */
import type { RgbImage } from '../base/types.js';
import { applyAffine } from './affine.js';
import { BLAZEFACE_INPUT_SIZE, BLAZEFACE_OUTPUTS, decodeBlazeFace, weightedNms } from './blazeFace.js';
import type { Affine, Box, DetectedFace, TensorRunner } from './types.js';
import { warpAffine } from './warp.js';

export interface DetectOptions {
  /** Lowest detector score kept, 0..1. Default 0.5 (MediaPipe's face detection default). */
  minScore?: number;
  /** IoU at which detections are merged by weighted NMS. Default 0.3 (MediaPipe's). */
  iouThreshold?: number;
  /** Run the tiled second pass for small faces in large photos where it can matter. Default true. */
  smallFaces?: boolean;
}

/**
 * A face whose box is under this many detector-input pixels in the first pass is near the
 * detector's floor, which suggests more faces below it (a crowd), so the tiled pass runs.
 */
export const SMALL_FACE_INPUT_PX = 14;
const DETECTOR_SAMPLES = 3;
/** Zoom of the tiled pass relative to the letterbox. */
const TILE_ZOOM = 2;
/** Neighbouring tiles overlap by this share of a tile, so every face up to that size lies whole in one. */
const TILE_OVERLAP = 0.35;

/** One detector input: a square view of the photo and the map from its 256 grid into the photo. */
export interface DetectorView {
  /** Detector input coordinates -> photo coordinates. */
  toPhoto: Affine;
  /** The part of the photo it covers, for the tile-border filter (the whole photo for the letterbox). */
  region: Box;
  tiled: boolean;
}

/** The whole photo, scaled to fit 256x256 and centred, black bars around it. */
export function letterboxView(width: number, height: number): DetectorView {
  const size = BLAZEFACE_INPUT_SIZE;
  const scale = Math.max(width, height) / size; // photo pixels per input pixel
  const ox = (size - width / scale) / 2;
  const oy = (size - height / scale) / 2;
  return { toPhoto: [scale, 0, -ox * scale, 0, scale, -oy * scale], region: { x: 0, y: 0, width, height }, tiled: false };
}

/** Overlapping square tiles of side long/TILE_ZOOM covering the photo (none when the photo is small). */
export function tileViews(width: number, height: number): DetectorView[] {
  const side = Math.max(width, height) / TILE_ZOOM;
  if (side < BLAZEFACE_INPUT_SIZE) return []; // the tiles would only magnify: nothing new to find
  const starts = (length: number): number[] => {
    if (length <= side) return [(length - side) / 2];
    const count = Math.ceil((length - side) / (side * (1 - TILE_OVERLAP))) + 1;
    const step = (length - side) / (count - 1);
    return Array.from({ length: count }, (_, i) => i * step);
  };
  const scale = side / BLAZEFACE_INPUT_SIZE;
  const views: DetectorView[] = [];
  for (const y of starts(height)) {
    for (const x of starts(width)) {
      views.push({ toPhoto: [scale, 0, x, 0, scale, y], region: { x, y, width: side, height: side }, tiled: true });
    }
  }
  return views;
}

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
  const minScore = options.minScore ?? 0.5;
  const iouThreshold = options.iouThreshold ?? 0.3;
  const first = letterboxView(image.width, image.height);
  const candidates = await runDetectorView(image, first, runner, minScore);
  const faces = weightedNms(candidates, iouThreshold);
  const inputPx = 1 / first.toPhoto[0]; // detector-input pixels per photo pixel
  const smallest = Math.min(...faces.map((f) => f.box.width * inputPx));
  const tiles = options.smallFaces === false ? [] : tileViews(image.width, image.height);
  if (tiles.length === 0 || (faces.length > 0 && smallest >= SMALL_FACE_INPUT_PX)) return faces;
  for (const view of tiles) candidates.push(...(await runDetectorView(image, view, runner, minScore)));
  return weightedNms(candidates, iouThreshold);
}

