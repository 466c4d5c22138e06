/**
 * Names in Redis: the BullMQ queue every faceparse job goes to, and the keys that record a batch
 * (its job ids, so `status` counts exactly those jobs whatever retries and stalls did), all under
 * the `--prefix`. BullMQ's own keys are `<prefix>:parse:*`; ours are `<prefix>:batch:*` and
 * `<prefix>:batches`.
 */
import { randomBytes } from 'node:crypto';
import { FaceParseError } from '../base/errors.js';

/** The BullMQ queue of parse jobs (one for all models: a job names its model, see modelIdentity.ts). */
export const QUEUE_NAME = 'parse';

/** Sorted set of batch ids, scored by creation time. */
export const batchesKey = (prefix: string) => `${prefix}:batches`;
/** Hash: the batch's record (name, created, total, out, model, skipped inputs). */
export const batchKey = (prefix: string, batch: string) => `${prefix}:batch:${batch}`;
/** List: the batch's job ids, in input order. */
export const batchJobsKey = (prefix: string, batch: string) => `${prefix}:batch:${batch}:jobs`;

const BATCH_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** A new batch id: sortable by time, unique enough to never meet another (BullMQ ids may not hold ':'). */
export function newBatchId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Checks a batch id given on the command line (it becomes part of Redis keys). */
export function checkBatchId(batch: string): string {
  if (!BATCH_ID.test(batch))
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `"${batch}" is not a batch id (as printed by faceparse queue submit, e.g. mio3k2x1-9f3a0c1d); faceparse queue list shows them`,
    );
  return batch;
}

/** The job id of the `index`-th photo of a batch. */
export function jobIdOf(batch: string, index: number): string {
  return `${batch}.${index}`;
}
