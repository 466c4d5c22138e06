/**
 * The detector's views of a photo: 256x256 inputs that each show the photo, or a square of it, at one
 * zoom. BlazeFace back-256 finds faces from about 12 to about 150 of its input pixels, surely from
 * about 16-20: on synthetic crowds (make-crowds.ts, faces 12-22 px) tiles at one zoom found 83% of
 * the faces 12-16 input px wide, 96% of those 16-20 and all wider ones. So the letterbox (the whole
 * photo in one input) finds the big faces, and levels of overlapping tiles, each 2.5x the zoom of
 * the one before, the smaller ones, down to a finest zoom at which a face of MIN_FACE_PX photo
 * pixels spans COMFORT_INPUT_PX input pixels (1.67x enlarged: finer only blurs, and textures start
 * to look like faces).
 */
import { BLAZEFACE_INPUT_SIZE } from './blazeFace.js';
import type { Affine, Box } from './types.js';

/** The smallest face, in photo pixels, the tile levels are made to find. */
export const MIN_FACE_PX = 12;
/**
 * Input pixels from which the detector finds nearly every face (see above). 16 found 94.2% of the
 * 13-18 px faces of 960x640 crowds of 38, 20 found 96.3% (`scripts/detector-counts.ts`).
 */
export const COMFORT_INPUT_PX = 20;
/** Zoom from one level to the next: well inside the detector's range of sizes (about 10x). */
export const LEVEL_ZOOM = 2.5;
/**
 * Most detector runs of one photo's tile levels. A level that would take more is made coarser to
 * fit: a 960x640 photo gets 6 + 35 tile runs (its 12 px faces at 18 input px), a 4000 px photo
 * 9 + 36 (faces down to about 40 px).
 */
export const MAX_TILE_RUNS = 48;

/** One detector input: a square view of the photo and the map from its 256 grid into the photo. */
export interface DetectorView {
  /** Detector input coordinates -> photo coordinates (scale and offset only). */
  toPhoto: Affine;
  /** The part of the photo it covers, for the tile-border filter (the whole photo for the letterbox). */
  region: Box;
  tiled: boolean;
}

/** Photo pixels per detector-input pixel of a view. */
export function viewScale(view: DetectorView): number {
  return view.toPhoto[0];
}

/** The whole photo, scaled to fit 256x256 and centred, black bars around it. */
export function letterboxView(width: number, height: number): DetectorView {
  const size = BLAZEFACE_INPUT_SIZE;
  const scale = Math.max(width, height) / size; // photo pixels per input pixel
  const ox = (size - width / scale) / 2;
  const oy = (size - height / scale) / 2;
  return { toPhoto: [scale, 0, -ox * scale, 0, scale, -oy * scale], region: { x: 0, y: 0, width, height }, tiled: false };
}

/**
 * Square tiles at `scale` photo pixels per input pixel covering the photo, neighbours overlapping by
 * at least `overlap` photo pixels, so that every face up to that size lies whole in one tile.
 */
export function tileViews(width: number, height: number, scale: number, overlap: number): DetectorView[] {
  const side = BLAZEFACE_INPUT_SIZE * scale;
  const stride = Math.max(side / 2, side - overlap);
  const starts = (length: number): number[] => {
    if (length <= side) return [(length - side) / 2];
    const count = Math.ceil((length - side) / stride) + 1;
    const step = (length - side) / (count - 1);
    return Array.from({ length: count }, (_, i) => i * step);
  };
  const views: DetectorView[] = [];
  for (const y of starts(height)) {
    for (const x of starts(width)) views.push({ toPhoto: [scale, 0, x, 0, scale, y], region: { x, y, width: side, height: side }, tiled: true });
  }
  return views;
}

/**
 * Tiles of one level: at `scale`, overlapping by the largest face the coarser view leaves to this
 * level (one it sees under COMFORT_INPUT_PX, with a margin), so every such face lies whole in a tile.
 */
export function levelTiles(width: number, height: number, scale: number, coarserScale: number): DetectorView[] {
  return tileViews(width, height, scale, 1.2 * COMFORT_INPUT_PX * coarserScale);
}

/**
 * The tile levels of a photo, coarse to fine, as photo pixels per input pixel: each LEVEL_ZOOM finer
 * than the one before, the last at MIN_FACE_PX / COMFORT_INPUT_PX, or coarser where the runs would
 * pass MAX_TILE_RUNS. None for a photo whose letterbox already shows 12 px faces comfortably.
 */
export function tileLevels(width: number, height: number): number[] {
  const letterbox = Math.max(width, height) / BLAZEFACE_INPUT_SIZE;
  const finest = MIN_FACE_PX / COMFORT_INPUT_PX;
  const levels: number[] = [];
  for (let scale = letterbox / LEVEL_ZOOM; ; scale /= LEVEL_ZOOM) {
    const last = scale <= finest * 1.15; // not a level of its own for a last step under 15%
    levels.push(Math.max(scale, finest));
    if (last) break;
  }
  if (letterbox <= finest * 1.15) return [];
  // Within the budget: make the finest levels coarser until the runs fit.
  const runs = () => levels.reduce((n, s, i) => n + levelTiles(width, height, s, i === 0 ? letterbox : levels[i - 1]!).length, 0);
  while (levels.length > 0 && runs() > MAX_TILE_RUNS) {
    const last = levels.length - 1;
    const coarser = last === 0 ? letterbox : levels[last - 1]!;
    const next = levels[last]! * 1.1;
    if (next >= coarser / 1.5) levels.pop();
    else levels[last] = next;
  }
  return levels;
}
