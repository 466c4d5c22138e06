/**
 * Submitting a batch: the inputs are expanded as `faceparse parse` expands them (files, folders
 * recursively, globs; the same stems, so the outputs land where the CLI puts them), paths become
 * absolute (workers run elsewhere, on a filesystem shared with the submitter), and each photo is
 * one job. Inputs that match nothing (or whose outputs would overwrite an input) are recorded with
 * the batch as skipped.
 */
import { resolve } from 'node:path';
import type { Queue } from 'bullmq';
import { FaceParseError } from '../base/errors.js';
import type { LabelSetName } from '../base/labelSets.js';
import type { RegionSpec } from '../masks/regions.js';
import { expandInputs } from '../node/inputs.js';
import { prepareOutDir, refuseOutputsOnInputs, removeIfUnused } from '../node/outputPlan.js';
import type { OutputKind } from '../outputs/kinds.js';
import type { BatchStore } from './batches.js';
import type { FacesMode } from '../options/parseOptions.js';
import type { ParseJobData } from './jobSchema.js';
import type { ModelRequest } from './modelIdentity.js';
import { describeModel } from './modelIdentity.js';
import { jobIdOf, newBatchId } from './names.js';
import { signJob } from './jobAccess.js';

export interface SubmitOptions {
  inputs: readonly string[];
  out: string;
  outputs: readonly OutputKind[];
  alpha: number;
  model: ModelRequest;
  faces?: FacesMode;
  flip: boolean;
  scales?: readonly number[];
  /** Region masks, their shape and the label set of the outputs (src/cli/regionOptions.ts). */
  regions?: readonly RegionSpec[];
  grow?: number;
  feather?: number;
  labelSet?: LabelSetName;
  name?: string;
  /** Tries per job for errors other than bad input (default 3), `backoffMs` apart, doubling. */
  attempts: number;
  backoffMs: number;
  /** Sign each job (HMAC-SHA256) with this shared secret, for workers started with it. */
  jobSecret?: string;
}

export interface Submitted {
  batch: string;
  total: number;
  /** Said once, no failure (a folder left out of the walk). */
  notes: string[];
  skipped: Array<{ input: string; error: string }>;
}

/** Jobs added per round trip. */
const CHUNK = 500;

export async function submitBatch(queue: Queue, store: BatchStore, options: SubmitOptions): Promise<Submitted> {
  // As `faceparse parse` does: the out folder is checked (and created) first, never walked into, and
  // no output may land on an input.
  const outDir = await prepareOutDir(options.out);
  const expanded = await expandInputs(options.inputs, { skip: [{ dir: outDir.real, why: 'it is the --out folder (its outputs are not parsed again)' }] });
  const planned = await refuseOutputsOnInputs(expanded.files, outDir.real, options.outputs);
  const files = planned.files;
  const skipped = [...expanded.problems, ...planned.problems].map((p) => ({ input: p.input, error: p.message }));
  if (files.length === 0) {
    await removeIfUnused(options.out, outDir);
    throw new FaceParseError('INVALID_ARGUMENT', `nothing to submit: ${skipped.map((s) => s.error).join('; ') || 'no inputs given'}`);
  }
  const batch = newBatchId();
  const out = resolve(options.out);
  const jobOptions = {
    attempts: options.attempts,
    backoff: { type: 'exponential', delay: options.backoffMs },
    // Kept until `faceparse queue clean`: status and retry read them.
    removeOnComplete: false,
    removeOnFail: false,
  } as const;
  for (let start = 0; start < files.length; start += CHUNK) {
    const chunk = files.slice(start, start + CHUNK).map((file, i) => {
      const data: ParseJobData = {
        version: 1,
        batch,
        input: resolve(file.path),
        out,
        stem: file.stem,
        outputs: [...options.outputs],
        alpha: options.alpha,
        model: {
          key: options.model.key,
          ...(options.model.source ? { source: options.model.source } : {}),
          ...(options.model.variant ? { variant: options.model.variant } : {}),
        },
        ...(options.faces ? { faces: options.faces } : {}),
        flip: options.flip,
        ...(options.scales ? { scales: [...options.scales] } : {}),
        ...(options.regions?.length ? { regions: options.regions.map((r) => ({ name: r.name, classes: [...r.classes] })) } : {}),
        ...(options.grow === undefined ? {} : { grow: options.grow }),
        ...(options.feather === undefined ? {} : { feather: options.feather }),
        ...(options.labelSet ? { labelSet: options.labelSet } : {}),
      };
      if (options.jobSecret !== undefined) data.signature = signJob(data, options.jobSecret);
      return { name: 'parse', data, opts: { ...jobOptions, jobId: jobIdOf(batch, start + i) } };
    });
    await store.appendJobIds(
      batch,
      chunk.map((j) => j.opts.jobId),
    );
    await queue.addBulk(chunk);
  }
  await store.save({ id: batch, name: options.name ?? '', created: Date.now(), total: files.length, out, model: describeModel(options.model), skipped });
  return { batch, total: files.length, skipped, notes: expanded.notes };
}
