/**
 * The context ladder of one face: the crops ("rungs") the model sees of it. The aligned crop
 * (rung 1) is where the model was trained to find a face's parts; hair, neck, clothes and hats go
 * past it, so wider crops of the same face, at lower zoom (rungs 2 and 3: twice and three times
 * the crop's extent, the same rotation, their centre moved down because a person goes on below
 * the face, not above), give the labels outside it. Where a rung would reach past most of the
 * photo, the photo itself (parsed whole, once for all faces) is the rung instead: a portrait's
 * face at 40% of the frame has rungs 1 and the photo. Where labels still touch the widest rung's
 * edge inside the photo, the photo is added on top (see `touchesEdge`), where the face is large
 * enough in it to be seen (`mayReachPhoto`); else labels fade out at that rung's border.
 *
 * Coordinates: "face units" put the aligned crop at [0, 1]²; each rung maps face units to its own
 * unit square, and its model input is that square at `side` x `side` pixels. The model input
 * side follows the face's pixels, not a fixed size: the crop's extent in photo pixels times
 * FACE_UPSCALE, rounded up to a multiple of 32, clamped to [MIN_FACE_SIDE, the model's input
 * size]; where a photo's faces would cost more than PHOTO_BUDGET single-face parses together, their
 * ladders go lean and then their sides are lowered together (photoInputs). Wider rungs get half the
 * crop's side: they carry hair and clothes, not eyelids.
 * Pure geometry: no model, no platform (it runs in the browser as in Node).
 */
import { affineScale, applyAffine, composeAffine, invertAffine } from './affine.js';
import { alignFace, type FaceAlignment, type FaceTemplate } from './align.js';
import type { Affine, DetectedFace } from './types.js';

/**
 * Smallest model input side of a face's crop. SegFormer's deepest stage sees its input at 1/32: at
 * 64 px that is 2x2 tokens, and the embedded model labelled almost nothing there (on synthetic
 * crowds, crops parsed at 64 px kept 0-22 labelled pixels of a few thousand). Mean F1 on 6 synthetic
 * crowds: 0.474 with a floor of 64, 0.513 with 128, 0.569 with 192 (docs/faces.md).
 */
export const MIN_FACE_SIDE = 192;
/** Smallest input side of a wider rung. */
export const MIN_WIDE_SIDE = 128;
/**
 * The ladder's zoom-outs: rung k spans k times the aligned crop's extent. 3 at most: a model
 * trained on faces zoomed out to 0.35 of the crop (embedded model v2) sees a face at 1/3 of its
 * input; wider context comes from the whole photo.
 */
export const LADDER_ZOOMS: readonly number[] = [1, 2, 3];
/**
 * The zoom-outs where a photo's faces would cost more than PHOTO_BUDGET with the full ladder (groups,
 * crowds): the crop and rung 2. Rung 2 is the one that carries a person's clothes: with rungs 1 and 3
 * alone the suits of the shared graduation photo went unlabelled (rung 3 shows the face at a third of
 * its input, the edge of what the embedded model was trained on). With one face, rung 3 still helps the
 * in-the-wild scenes (all three rungs: 0.9734 / 0.7371 pixel accuracy / mean F1; rungs 1 and 3: 0.9693 / 0.7239).
 */
export const LEAN_ZOOMS: readonly number[] = [1, 2];
/**
 * A face whose crop spans fewer photo pixels than this gets its crop alone: past its crop, its hair
 * and clothes are a few pixels, and wider rungs squeezed to small inputs cost crowds mean F1.
 */
export const WIDE_MIN_EXTENT = 100;
/** How far down (in crop heights per unit of zoom beyond 1) a wider rung's centre moves: rung 2 spans -0.25..1.75, rung 3 -0.5..2.5. */
export const LADDER_SHIFT_DOWN = 0.25;
/** A rung reaching this share of the photo's longer side is replaced by the whole photo. */
export const WHOLE_PHOTO_REACH = 0.9;

export interface Rung {
  /** 'crop': an affine crop of the photo; 'photo': the whole photo, shared by every face. */
  kind: 'crop' | 'photo';
  /** Zoom-out against the aligned crop (1 for the crop itself); for 'photo' the photo's extent in crops. */
  zoom: number;
  /** Face units -> this rung's unit square. */
  fromFace: Affine;
  /** The model input: photo <-> input pixels, width x height. */
  alignment: FaceAlignment;
}

export interface Ladder {
  /** The aligned crop at the face's model input size (what the JSON's transform and crop describe). */
  crop: FaceAlignment;
  /** Photo -> face units. */
  photoToFace: Affine;
  /** Face units -> photo. */
  faceToPhoto: Affine;
  /** The crop's extent in photo pixels (the side of the aligned square). */
  extent: number;
  /** Widest last. */
  rungs: Rung[];
}

/**
 * A face's crop is parsed at up to this many times its photo pixels: models trained on 512 px
 * crops lose detail on small inputs (the embedded model before v2: mean F1 on the in-the-wild
 * scenes 0.70 with every crop at 512, 0.55 at the crops' own 128-256), so a 128 px crop is parsed at 512.
 */
export const FACE_UPSCALE = 4;
/** What the faces of one photo may cost together, in single-face parses at the model's input size (crowds: a few, not one per face). */
export const PHOTO_BUDGET = 4;
/** A wider rung's side against the crop's. */
const WIDE_SIDE = 0.5;

/** Model input side for `pixels` photo pixels: rounded up to a multiple of 32, clamped to [min, max]. */
export function inputSideFor(pixels: number, max: number, min = MIN_FACE_SIDE): number {
  const lo = Math.min(min, max);
  return Math.min(max, Math.max(lo, Math.ceil(pixels / 32) * 32));
}

/** The model inputs of one face: its crop's side and its ladder's zoom-outs. */
export interface FaceInputs {
  side: number;
  zooms: readonly number[];
}

/** A wider rung's input side for a crop of `side`: half of it, at least MIN_WIDE_SIDE. */
function wideSide(side: number): number {
  return Math.min(side, Math.max(MIN_WIDE_SIDE, Math.ceil((side * WIDE_SIDE) / 32) * 32));
}

/** Model inputs of a ladder, in single-face parses at `maxSide` (the crop's side, and each wider rung's). */
function ladderCost({ side, zooms }: FaceInputs, maxSide: number): number {
  return (side * side + (zooms.length - 1) * wideSide(side) ** 2) / (maxSide * maxSide);
}

/**
 * The model inputs of a photo's faces (`extents`: each crop's extent in photo pixels). Each face's
 * own: a side of FACE_UPSCALE x its pixels and the full ladder (the crop alone under
 * WIDE_MIN_EXTENT). Where together they would cost more than PHOTO_BUDGET single-face parses, the
 * ladders go lean (LEAN_ZOOMS), and if that is not enough every side is lowered by one factor,
 * never below MIN_FACE_SIDE.
 */
export function photoInputs(extents: readonly number[], maxSide: number): FaceInputs[] {
  const sides = extents.map((extent) => inputSideFor(FACE_UPSCALE * extent, maxSide));
  const plan = (zooms: readonly number[]): FaceInputs[] => sides.map((side, i) => ({ side, zooms: extents[i]! < WIDE_MIN_EXTENT ? [1] : zooms }));
  const cost = (inputs: FaceInputs[]) => inputs.reduce((sum, face) => sum + ladderCost(face, maxSide), 0);
  const full = plan(LADDER_ZOOMS);
  if (cost(full) <= PHOTO_BUDGET) return full;
  const lean = plan(LEAN_ZOOMS);
  const leanCost = cost(lean);
  if (leanCost <= PHOTO_BUDGET) return lean;
  const factor = Math.sqrt(PHOTO_BUDGET / leanCost);
  const floor = Math.min(MIN_FACE_SIDE, maxSide);
  return lean.map((face) => ({ ...face, side: Math.max(floor, Math.floor((face.side * factor) / 32) * 32) }));
}

/** A face's crop extent in photo pixels (the side of its aligned square). */
export function faceExtent(face: DetectedFace, template?: FaceTemplate): number {
  return 1 / affineScale(alignFace(face, 1, 1, template).photoToCrop);
}

/** The unit square of a rung of `zoom` about the crop's centre, moved down: face units -> rung units. */
function rungFromFace(zoom: number): Affine {
  const left = 0.5 - zoom / 2;
  const top = 0.5 + (zoom - 1) * LADDER_SHIFT_DOWN - zoom / 2;
  return [1 / zoom, 0, -left / zoom, 0, 1 / zoom, -top / zoom];
}

/** Rung units -> input pixels of a side x side (or width x height) input. */
function unitToPixels(width: number, height: number): Affine {
  return [width, 0, 0, 0, height, 0];
}

/** The whole photo as a rung: its model input keeps the photo's aspect, the longer side `side`. */
export function photoRung(photoToFace: Affine, photoWidth: number, photoHeight: number, side: number): Rung {
  const long = Math.max(photoWidth, photoHeight);
  const width = Math.max(32, Math.round((side * photoWidth) / long / 32) * 32 || 32);
  const height = Math.max(32, Math.round((side * photoHeight) / long / 32) * 32 || 32);
  const photoToUnit: Affine = [1 / photoWidth, 0, 0, 0, 1 / photoHeight, 0];
  const photoToCrop = composeAffine(unitToPixels(width, height), photoToUnit);
  const faceToPhoto = invertAffine(photoToFace);
  return {
    kind: 'photo',
    zoom: long / (1 / affineScale(photoToFace)),
    fromFace: composeAffine(photoToUnit, faceToPhoto),
    alignment: { photoToCrop, cropToPhoto: invertAffine(photoToCrop), width, height },
  };
}

/**
 * The ladder of one face in a photo. `maxSide` is the model's input size (the preprocessor's),
 * the largest side any rung gets; `inputs` the crop's side and the zoom-outs (photoInputs; default
 * the face's own, as for a photo of one face).
 */
export function planLadder(face: DetectedFace, photoWidth: number, photoHeight: number, maxSide: number, inputs?: FaceInputs, template?: FaceTemplate): Ladder {
  const unit = alignFace(face, 1, 1, template); // photo -> face units
  const photoToFace = unit.photoToCrop;
  const faceToPhoto = unit.cropToPhoto;
  const extent = 1 / affineScale(photoToFace);
  const { side, zooms } = inputs ?? photoInputs([extent], maxSide)[0]!;
  const wide = wideSide(side);
  const crop = alignFace(face, side, side, template);
  const rungs: Rung[] = [];
  const long = Math.max(photoWidth, photoHeight);
  for (const zoom of zooms) {
    if (zoom > 1 && zoom * extent >= WHOLE_PHOTO_REACH * long) {
      rungs.push(photoRung(photoToFace, photoWidth, photoHeight, wholePhotoSide(photoWidth, photoHeight, maxSide)));
      break;
    }
    const fromFace = rungFromFace(zoom);
    const photoToCrop = composeAffine(unitToPixels(wide, wide), composeAffine(fromFace, photoToFace));
    rungs.push({
      kind: 'crop',
      zoom,
      fromFace,
      alignment: zoom === 1 ? crop : { photoToCrop, cropToPhoto: invertAffine(photoToCrop), width: wide, height: wide },
    });
  }
  return { crop, photoToFace, faceToPhoto, extent, rungs };
}

/** The longer side of the whole-photo rung's input: the photo's, rounded up to 32, at most the model's input size. */
export function wholePhotoSide(photoWidth: number, photoHeight: number, maxSide: number): number {
  return inputSideFor(Math.max(photoWidth, photoHeight), maxSide);
}

/** True when the ladder's widest rung is the whole photo. */
export function reachesPhoto(ladder: Ladder): boolean {
  return ladder.rungs[ladder.rungs.length - 1]!.kind === 'photo';
}

/**
 * The photo goes on top of a face's ladder only where the face is at least this share of the
 * photo's longer side (its crop's extent): a model sees a face zoomed out to about a third at
 * most (v2 trains down to 0.35), so a crowd's 60 px face learns nothing from the whole photo.
 */
export const PHOTO_RUNG_MIN_SHARE = 0.25;

/** True when the photo may go on top of this ladder (see PHOTO_RUNG_MIN_SHARE). */
export function mayReachPhoto(ladder: Ladder, photoWidth: number, photoHeight: number): boolean {
  return ladder.extent >= PHOTO_RUNG_MIN_SHARE * Math.max(photoWidth, photoHeight);
}

/** Share of labelled (not background) points along a crop rung's border band at or above which the photo is added on top. */
export const TOUCH_SHARE = 0.04;
/** The border band: grid points within this share of the rung's side from its edge. */
const BAND = 0.04;

/**
 * True when non-background labels touch the rung's edge inside the photo: among the rung's logit
 * grid points in the border band that lie in the photo, the share whose arg-max is not class 0
 * is at least TOUCH_SHARE. `logits` is classes x lh x lw for this rung.
 */
export function touchesEdge(
  rung: Rung,
  logits: { data: Float32Array; classes: number; height: number; width: number },
  photoWidth: number,
  photoHeight: number,
): boolean {
  if (rung.kind === 'photo') return false;
  const { data, classes, height: lh, width: lw } = logits;
  const plane = lh * lw;
  const toPhoto = rung.alignment.cropToPhoto;
  const gx = rung.alignment.width / lw;
  const gy = rung.alignment.height / lh;
  const band = Math.max(1, Math.round(BAND * Math.max(lw, lh)));
  let inside = 0;
  let labelled = 0;
  for (let y = 0; y < lh; y++) {
    for (let x = 0; x < lw; x++) {
      if (x >= band && x < lw - band && y >= band && y < lh - band) continue;
      const p = applyAffine(toPhoto, { x: (x + 0.5) * gx, y: (y + 0.5) * gy });
      if (p.x < 0 || p.y < 0 || p.x >= photoWidth || p.y >= photoHeight) continue;
      inside++;
      const o = y * lw + x;
      const bg = data[o]!;
      for (let c = 1; c < classes; c++) {
        if (data[c * plane + o]! > bg) {
          labelled++;
          break;
        }
      }
    }
  }
  return inside > 0 && labelled / inside >= TOUCH_SHARE;
}
