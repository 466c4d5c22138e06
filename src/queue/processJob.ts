/**
 * One job, as `faceparse parse` does one photo: parse, then write the outputs with the library's
 * writer (temporary file + rename, so a killed worker never leaves half a PNG, and a job run again
 * replaces its own files only). Bad input fails the job at once with the CLI's message (BullMQ's
 * UnrecoverableError: no retries); anything else is thrown as is, and BullMQ retries it with
 * back-off until the job's attempts are spent.
 */
import { hostname } from 'node:os';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { FaceParseError, isInputError } from '../base/errors.js';
import { checkRegionsForModel } from '../masks/regions.js';
import { writeOutputs } from '../node/writeOutputs.js';
import { checkJobData, type ParseJobResult } from './jobSchema.js';
import { checkJobPaths, checkSignature, JobRefused, memoryOutputRecords, ownOutputsOnly, type OutputRecords } from './jobAccess.js';
import { describeModel } from './modelIdentity.js';
import type { ParserPool } from './parserPool.js';

export interface ProcessContext {
  pool: ParserPool;
  /** Real paths of the folders jobs may read and write under (empty: anywhere this user can). */
  roots?: readonly string[];
  /** Shared secret: jobs must carry its HMAC signature. */
  jobSecret?: string;
  /** The hashes of the outputs the workers wrote (the files a job may replace). Default: this process's own, in memory. */
  records?: OutputRecords;
  /** How long a refused job waits before a worker may take it again. */
  refuseDelayMs: number;
  /** Called once per model this worker refused jobs for. */
  onRefuse?: (message: string) => void;
}

export const WORKER_NAME = `${hostname()}:${process.pid}`;

/** Errors that concern the photo (or the job's own options): retrying cannot help. */
function isPermanent(error: unknown): boolean {
  return isInputError(error) || (error instanceof FaceParseError && error.code === 'INVALID_ARGUMENT');
}

export function createProcessor(context: ProcessContext) {
  const refused = new Set<string>();
  const records = context.records ?? memoryOutputRecords();
  return async (job: Job, token?: string): Promise<ParseJobResult> => {
    const checked = checkJobData(job.data);
    if (!checked.ok)
      throw new UnrecoverableError(`job ${job.id} is not a faceparse parse job (${checked.problem}); was it added by another program or a newer faceparse?`);
    const data = checked.data;
    // Whoever can write to Redis can add a job: its signature and paths are checked before anything is read.
    let paths;
    try {
      if (context.jobSecret !== undefined) checkSignature(data, context.jobSecret);
      paths = await checkJobPaths(data, context.roots ?? []);
    } catch (error) {
      if (error instanceof JobRefused) throw new UnrecoverableError(`job ${job.id}: ${error.message}`);
      throw error;
    }
    const parser = await context.pool.forModel(data.model);
    if (!parser) {
      const own = context.pool.options.model;
      const wanted =
        own.key === data.model.key && data.model.variant === undefined ? `${describeModel(data.model)} with its default variant` : describeModel(data.model);
      const flags = `${data.model.source ? `--model ${data.model.source}` : 'no --model (the embedded model)'}${data.model.variant ? ` --variant ${data.model.variant}` : ' and no --variant'}`;
      const message = `refusing jobs for ${wanted}: this worker runs ${describeModel({ key: own.key })}${own.variant ? ` with --variant ${own.variant}` : ''}; start a worker with ${flags}, or one with --any-model`;
      if (!refused.has(message)) context.onRefuse?.(message);
      refused.add(message);
      // Handed back (delayed, not failed, no attempt spent) for a worker that runs that model.
      await job.moveToDelayed(Date.now() + context.refuseDelayMs, token);
      throw new DelayedError();
    }
    const t0 = performance.now();
    let result;
    try {
      // faces as submitted; absent, the pipeline's default ('auto'), as `faceparse parse` does.
      checkRegionsForModel(parser.labels, data.regions ?? [], data.labelSet, '--region');
      result = await parser.parse(paths.input, {
        keepLogits: data.outputs.includes('confidence'),
        flip: data.flip,
        scales: data.scales,
        faces: data.faces,
        labelSet: data.labelSet,
      });
    } catch (error) {
      if (isPermanent(error)) throw new UnrecoverableError((error as Error).message);
      throw error;
    }
    let written;
    try {
      const own = ownOutputsOnly(paths.input, records);
      written = await writeOutputs(result, {
        out: data.out,
        stem: data.stem,
        kinds: data.outputs,
        alpha: data.alpha,
        input: data.input,
        regions: data.regions,
        grow: data.grow,
        feather: data.feather,
        checkTargets: own.checkTargets,
      });
    } catch (error) {
      // A refused or impossible target (a link in the out folder, a file that is not ours) does not change on a retry.
      if (error instanceof JobRefused || (error instanceof FaceParseError && error.code === 'INVALID_ARGUMENT'))
        throw new UnrecoverableError(`job ${job.id}: ${error.message}`);
      throw new Error(`writing the outputs of ${data.input} failed: ${(error as Error).message}`, { cause: error });
    }
    const pixels: Record<string, number> = {};
    for (const c of result.summary().classes) if (c.pixels > 0) pixels[c.label] = c.pixels;
    return {
      input: data.input,
      stem: data.stem,
      files: written.files,
      model: parser.model,
      variant: parser.variant,
      width: result.width,
      height: result.height,
      pixels,
      timings: { ...result.timings, encode: written.encodeMs, total: performance.now() - t0 },
      worker: WORKER_NAME,
    };
  };
}
