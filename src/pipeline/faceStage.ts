/**
 * The face stage after detection: each face's context ladder (faces/ladder.ts) through the model,
 * the rungs fused into one logit map per face (faces/fuse.ts), pasted into the photo
 * (faces/paste.ts). Cost follows pixels: each face's model input side comes from its size in the
 * photo, crops of one size go through the model together, and a batch is bounded by bytes (its
 * input and logits), not by a count of faces, with at most `maxBatchesInFlight` batches held at a
 * time, so a crowd's memory stays that of a few single-face parses. Test-time augmentation is the
 * whole photo's (tta.ts), applied per batch. Pure (no platform code): Node and the browser run it.
 */
import type { RgbImage } from '../base/types.js';
import { scaledInputSize } from '../postprocess/multiscale.js';
import type { FaceAlignment, FaceTemplate } from '../faces/align.js';
import { FaceResult } from '../faces/faceResult.js';
import { fuseLadder, rungAgreement, type RungLogits } from '../faces/fuse.js';
import {
  faceExtent,
  mayReachPhoto,
  photoRung,
  photoInputs,
  planLadder,
  reachesPhoto,
  touchesEdge,
  wholePhotoSide,
  type Ladder,
  type Rung,
} from '../faces/ladder.js';
import { warpToModelInput } from '../faces/modelInput.js';
import { pasteLogits, pasteSoftmax, type FaceLogits } from '../faces/paste.js';
import type { DetectedFace } from '../faces/types.js';
import type { FacesInit } from '../faces/faceResult.js';
import { runWithTta, type BatchInput, type ModelRun, type TtaOptions } from './tta.js';

export const NO_FACE_NOTE = 'no face found: every pixel is background (parse with faces: "off" to label the whole photo anyway)';

/** Default bound of one model batch: its input and logits, all scales of test-time augmentation included. */
export const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export interface FaceStageSetup {
  /** The model's own input side (the preprocessor's size): the largest side a rung gets. */
  maxSide: number;
  /** Classes the model outputs (for the byte bound). */
  classes: number;
  /** The preprocessing's per-channel normalisation tables. */
  tables: readonly Float32Array[];
  /** Class each class becomes in a mirror image (flip TTA). */
  mirrorClasses: Int32Array;
  template?: FaceTemplate;
}

export interface FaceStageOptions extends TtaOptions {
  scales?: readonly number[];
  /** Most bytes (input + logits of every TTA pass) per model batch. Default MAX_BATCH_BYTES. */
  maxBatchBytes?: number;
  /** Batches held at once (their inputs, logits and the model's activations). Default 2. */
  maxBatchesInFlight?: number;
}

/** The alignment of the same region at another input size (multi-scale TTA). */
function resized(alignment: FaceAlignment, width: number, height: number): FaceAlignment {
  const sx = width / alignment.width;
  const sy = height / alignment.height;
  const m = alignment.photoToCrop;
  const c = alignment.cropToPhoto;
  return {
    photoToCrop: [m[0] * sx, m[1] * sx, m[2] * sx, m[3] * sy, m[4] * sy, m[5] * sy],
    cropToPhoto: [c[0] / sx, c[1] / sy, c[2], c[3] / sx, c[4] / sy, c[5]],
    width,
    height,
  };
}

interface Job {
  alignment: FaceAlignment;
  done?: RungLogits['data'];
  logits?: { classes: number; height: number; width: number };
}

/** Bytes a batch item costs: its input and logits at every scale. */
function itemBytes(width: number, height: number, classes: number, scales: readonly number[]): number {
  let bytes = 0;
  for (const s of scales) {
    const w = scaledInputSize(width, s);
    const h = scaledInputSize(height, s);
    bytes += 4 * (3 * w * h + classes * Math.ceil(h / 4) * Math.ceil(w / 4));
  }
  return bytes;
}

/**
 * Runs `jobs` through the model: grouped by input size, batches bounded by bytes, at most
 * `inFlight` batches at a time; fills each job's logits.
 */
async function runJobs(
  image: RgbImage,
  jobs: readonly Job[],
  run: ModelRun,
  setup: FaceStageSetup,
  options: FaceStageOptions,
  clock: { warp: number },
): Promise<void> {
  const scales = options.scales ?? [1];
  const maxBytes = Math.max(1, options.maxBatchBytes ?? MAX_BATCH_BYTES);
  const bySize = new Map<string, Job[]>();
  for (const job of jobs) {
    const key = `${job.alignment.width}x${job.alignment.height}`;
    bySize.set(key, [...(bySize.get(key) ?? []), job]);
  }
  const batches: Job[][] = [];
  for (const group of bySize.values()) {
    const per = itemBytes(group[0]!.alignment.width, group[0]!.alignment.height, setup.classes, scales);
    const size = Math.max(1, Math.floor(maxBytes / per));
    for (let i = 0; i < group.length; i += size) batches.push(group.slice(i, i + size));
  }
  const runBatch = async (batch: Job[]) => {
    const { width, height } = batch[0]!.alignment;
    const inputAt = (w: number, h: number): BatchInput => {
      const t = performance.now();
      const size = 3 * w * h;
      const data = new Float32Array(batch.length * size);
      batch.forEach((job, i) => {
        const alignment = w === width && h === height ? job.alignment : resized(job.alignment, w, h);
        warpToModelInput(image, alignment, setup.tables, data.subarray(i * size, (i + 1) * size));
      });
      clock.warp += performance.now() - t;
      return { data, batch: batch.length, height: h, width: w };
    };
    const others = scales.filter((s) => s !== 1).map((s) => inputAt(scaledInputSize(width, s), scaledInputSize(height, s)));
    const logits = await runWithTta(run, { ...inputAt(width, height), otherScales: others }, options, setup.mirrorClasses);
    const per = logits.classes * logits.height * logits.width;
    batch.forEach((job, i) => {
      job.done = logits.data.slice(i * per, (i + 1) * per);
      job.logits = { classes: logits.classes, height: logits.height, width: logits.width };
    });
  };
  let next = 0;
  const worker = async () => {
    while (next < batches.length) await runBatch(batches[next++]!);
  };
  const inFlight = Math.max(1, Math.min(batches.length, options.maxBatchesInFlight ?? 2));
  await Promise.all(Array.from({ length: inFlight }, worker));
}

function rungLogits(rung: Rung, job: Job): RungLogits {
  return { rung, data: job.done!, ...job.logits! };
}

/**
 * Least agreement of a wider rung with the finer one below it, on the finer one's background and
 * on its person (fuse.ts, rungAgreement), for the wider rung to be used. Only background is
 * checked: a model that calls most of the crop's own background "person" once zoomed out is
 * making hair of walls. Person agreement is no such sign with a model trained zoomed out (the
 * embedded v2): at 0.7 (or even 0.3) it turned the ladder off on most faces of the shared photos
 * and left their crop-cut share at 0.54-0.58, against 0.185 with background 0.3 alone
 * (`node dist/scripts/crop-cut.js` on `faceparse parse ../shared/data/photos`; docs/faces.md).
 */
export const LADDER_MIN_AGREEMENT = { background: 0.3, person: 0 };

/** How many of the ladder's rungs, from the crop up, agree each with the one below. */
function trustedRungs(ladder: Ladder, jobs: readonly Job[], W: number, H: number): number {
  let kept = 1;
  while (kept < ladder.rungs.length) {
    const finer = rungLogits(ladder.rungs[kept - 1]!, jobs[kept - 1]!);
    const wider = rungLogits(ladder.rungs[kept]!, jobs[kept]!);
    const agreement = rungAgreement(finer, wider, ladder.faceToPhoto, W, H);
    if ((agreement.background ?? 1) < LADDER_MIN_AGREEMENT.background || (agreement.person ?? 1) < LADDER_MIN_AGREEMENT.person) break;
    kept++;
  }
  return kept;
}

/** What the stage gives ParseResult, and its timings (ms). */
export interface FaceStageResult {
  faces: FacesInit & { categoryMask: Uint8Array };
  timings: { warp: number; inference: number; paste: number };
}

/** Parses the detected faces of a photo with their ladders and pastes them back. */
export async function parseFaces(
  image: RgbImage,
  detected: readonly DetectedFace[],
  run: ModelRun,
  setup: FaceStageSetup,
  options: FaceStageOptions = {},
): Promise<FaceStageResult> {
  // Warping is synchronous and runs between model runs; the rest of the stage's wall time is the model's.
  const clock = { warp: 0 };
  const { width: W, height: H } = image;
  const t0 = performance.now();
  const inputs = photoInputs(
    detected.map((face) => faceExtent(face, setup.template)),
    setup.maxSide,
  );
  const ladders: Ladder[] = detected.map((face, i) => planLadder(face, W, H, setup.maxSide, inputs[i], setup.template));
  // The whole photo is one rung shared by every face that reaches it (the same alignment for all).
  const photoSide = wholePhotoSide(W, H, setup.maxSide);
  let photoJob: Job | undefined;
  const photoJobFor = (rung: Rung) => (photoJob ??= { alignment: rung.alignment });
  const jobs = ladders.map((ladder) => ladder.rungs.map((rung) => (rung.kind === 'photo' ? photoJobFor(rung) : { alignment: rung.alignment })));
  await runJobs(image, [...new Set(jobs.flat())], run, setup, options, clock);
  // A rung that disagrees with the finer one on what that one sees is not trusted, nor any wider.
  ladders.forEach((ladder, i) => {
    const kept = trustedRungs(ladder, jobs[i]!, W, H);
    ladder.rungs.length = kept;
    jobs[i]!.length = kept;
  });
  // Labels that still touch the widest crop's edge inside the photo: the photo goes on top.
  const grow = ladders.filter(
    (ladder, i) =>
      !reachesPhoto(ladder) && mayReachPhoto(ladder, W, H) && touchesEdge(ladder.rungs.at(-1)!, rungLogits(ladder.rungs.at(-1)!, jobs[i]!.at(-1)!), W, H),
  );
  if (grow.length > 0) {
    const added = grow.map((ladder) => photoRung(ladder.photoToFace, W, H, photoSide));
    const job = photoJobFor(added[0]!);
    if (!job.done) await runJobs(image, [job], run, setup, options, clock);
    grow.forEach((ladder, i) => {
      const index = ladders.indexOf(ladder);
      ladder.rungs.push(added[i]!);
      jobs[index]!.push(job);
      const kept = trustedRungs(ladder, jobs[index]!, W, H);
      ladder.rungs.length = kept;
      jobs[index]!.length = kept;
    });
  }
  const t1 = performance.now();
  const fused: FaceLogits[] = ladders.map((ladder, i) =>
    fuseLadder(
      ladder,
      ladder.rungs.map((rung, k) => rungLogits(rung, jobs[i]![k]!)),
      W,
      H,
    ),
  );
  const { categoryMask, instanceMask: owner } = pasteLogits(fused, W, H);
  // Each face owns its canvas where its labels won; the instance map shows the person, not the canvas.
  const instanceMask = owner.map((face, i) => (categoryMask[i] === 0 ? 0 : face));
  const pixels = new Array<number>(fused.length).fill(0);
  for (let i = 0; i < instanceMask.length; i++) if (instanceMask[i] !== 0) pixels[instanceMask[i]! - 1]!++;
  const faces = ladders.map((ladder, index) => {
    const crop = jobs[index]![0]!;
    return new FaceResult({
      index,
      score: detected[index]!.score,
      box: detected[index]!.box,
      keypoints: detected[index]!.keypoints,
      logits: { data: crop.done!, ...crop.logits!, alignment: ladder.crop },
      pasted: fused[index]!,
      pixels: pixels[index]!,
    });
  });
  const t2 = performance.now();
  return {
    faces: {
      categoryMask,
      faces,
      instanceMask,
      softmax: (ids) => pasteSoftmax(fused, owner, W, H, ids),
      ...(faces.length === 0 ? { note: NO_FACE_NOTE } : {}),
    },
    timings: { warp: clock.warp, inference: t1 - t0 - clock.warp, paste: t2 - t1 },
  };
}
