/**
 * A second look at faces the detector is unsure of: each shown again at the zoom where the detector
 * is surest (LOOK_FACE_PX input pixels wide, in a CELL_PX square of context), four to one detector
 * input (a 2x2 mosaic), so a crowd's unsure faces cost a quarter run each. A face is confirmed when
 * the detector finds, in its own cell, a face with a face's keypoints that is the same face
 * (sameFace); textures that fool the detector at one zoom rarely do at both.
 */
import type { RgbImage } from '../base/types.js';
import { applyAffine } from './affine.js';
import { BLAZEFACE_INPUT_SIZE, BLAZEFACE_OUTPUTS, decodeBlazeFace, weightedNms } from './blazeFace.js';
import { plausibleFace } from './faceShape.js';
import { sameFace } from './mergeDetections.js';
import type { Affine, DetectedFace, TensorRunner } from './types.js';
import { warpAffine } from './warp.js';

/** Cells per side of the mosaic. */
const CELLS = 2;
const CELL_PX = BLAZEFACE_INPUT_SIZE / CELLS;
/** The width a face is shown at: the middle of the detector's sure range, with context around it. */
const LOOK_FACE_PX = 40;

/** Cell input pixels -> photo pixels for a face box shown LOOK_FACE_PX wide in the cell's middle. */
function cellToPhoto(box: DetectedFace['box']): Affine {
  const scale = box.width / LOOK_FACE_PX;
  return [scale, 0, box.x + box.width / 2 - (CELL_PX / 2) * scale, 0, scale, box.y + box.height / 2 - (CELL_PX / 2) * scale];
}

/** Up to CELLS² faces in one detector input; for each, the detections whose centre lies in its cell, in photo pixels. */
async function lookAt(image: RgbImage, faces: readonly DetectedFace[], runner: TensorRunner, minScore: number): Promise<DetectedFace[][]> {
  const size = BLAZEFACE_INPUT_SIZE;
  const input = new Float32Array(size * size * 3).fill(-1); // black, as the letterbox bars
  const maps = faces.map((face) => cellToPhoto(face.box));
  maps.forEach((map, i) => {
    const pixels = warpAffine(image, map, CELL_PX, CELL_PX, { outside: 'black', maxSamples: 3 });
    const [cx, cy] = [(i % CELLS) * CELL_PX, Math.floor(i / CELLS) * CELL_PX];
    for (let y = 0; y < CELL_PX; y++) {
      for (let x = 0; x < CELL_PX * 3; x++) input[((cy + y) * size + cx) * 3 + x] = pixels[y * CELL_PX * 3 + x]! / 127.5 - 1;
    }
  });
  const outputs = await runner.run(input, [1, size, size, 3]);
  const pick = (name: string): Float32Array => {
    const data = outputs[name];
    if (!data) throw new Error(`the face detector returned no output ${name}`);
    return data;
  };
  const found = decodeBlazeFace({ scores: BLAZEFACE_OUTPUTS.scores.map(pick), boxes: BLAZEFACE_OUTPUTS.boxes.map(pick) }, minScore);
  return maps.map((map, i) => {
    const [cx, cy] = [(i % CELLS) * CELL_PX, Math.floor(i / CELLS) * CELL_PX];
    const inCell = found.filter((d) => {
      const [x, y] = [d.box.x + d.box.width / 2 - cx, d.box.y + d.box.height / 2 - cy];
      return x >= 0 && y >= 0 && x < CELL_PX && y < CELL_PX;
    });
    // input -> cell -> photo
    const toPhoto: Affine = [map[0], 0, map[2] - cx * map[0], 0, map[4], map[5] - cy * map[4]];
    return inCell.map((d) => ({
      score: d.score,
      box: { x: d.box.x * toPhoto[0] + toPhoto[2], y: d.box.y * toPhoto[4] + toPhoto[5], width: d.box.width * toPhoto[0], height: d.box.height * toPhoto[4] },
      keypoints: d.keypoints.map((p) => applyAffine(toPhoto, p)),
    }));
  });
}

/**
 * A second look at each face, in order: the face as the second look saw it (its box and keypoints,
 * seen at a better zoom, with the better of the two scores), or undefined where it did not confirm it.
 */
export async function confirmFaces(
  image: RgbImage,
  faces: readonly DetectedFace[],
  runner: TensorRunner,
  minScore: number,
  iouThreshold: number,
): Promise<(DetectedFace | undefined)[]> {
  const confirmed: (DetectedFace | undefined)[] = [];
  for (let start = 0; start < faces.length; start += CELLS * CELLS) {
    const group = faces.slice(start, start + CELLS * CELLS);
    const looks = await lookAt(image, group, runner, minScore);
    group.forEach((face, i) => {
      const again = looks[i]!.filter((d) => sameFace(d.box, face.box, iouThreshold) && plausibleFace(d));
      const best = weightedNms(again, iouThreshold)[0];
      confirmed.push(best && { ...best, score: Math.max(best.score, face.score) });
    });
  }
  return confirmed;
}
