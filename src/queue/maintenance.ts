/** `queue list`, `queue retry` and `queue clean`: batches as a whole. */
import { FaceParseError } from '../base/errors.js';
import type { BatchRecord } from './batches.js';
import type { QueueSession } from './session.js';
import { batchStatus, jobStates, type BatchStatus } from './status.js';

/** Every batch's status (counts, not results), oldest first. */
export async function listBatches(session: QueueSession): Promise<BatchStatus[]> {
  const ids = await session.store.list();
  const out: BatchStatus[] = [];
  for (const id of ids) {
    const record = await session.store.get(id);
    if (record) out.push(await batchStatus(session.queue, session.store, record));
  }
  return out;
}

/** Puts the batch's failed jobs back in the queue with their attempts renewed; returns how many. */
export async function retryFailed(session: QueueSession, record: BatchRecord): Promise<number> {
  const { ids, outcomes } = await jobStates(session.queue, session.store, record.id);
  let retried = 0;
  for (let i = 0; i < ids.length; i++) {
    if (outcomes[i] !== 'failed') continue;
    const job = await session.queue.getJob(ids[i]!);
    if (!job) continue;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    retried++;
  }
  return retried;
}

/**
 * Removes a batch: its jobs (results and failures) and its record. Outputs on disk stay. A batch
 * with jobs still to do is removed only with `force` (its waiting jobs are dropped; a job running
 * now finishes but is not recorded).
 */
export async function cleanBatch(
  session: QueueSession,
  record: BatchRecord,
  options: { force?: boolean } = {},
): Promise<{ removed: number; unfinished: number }> {
  const { ids, outcomes } = await jobStates(session.queue, session.store, record.id);
  const unfinished = outcomes.filter((o) => o === 'waiting' || o === 'active').length;
  if (unfinished > 0 && !options.force) {
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `batch ${record.id} still has ${unfinished} job${unfinished === 1 ? '' : 's'} to do; wait for it (faceparse queue wait ${record.id}) or pass --force to drop them`,
    );
  }
  let removed = 0;
  for (let i = 0; i < ids.length; i++) {
    if (outcomes[i] === 'missing') continue;
    try {
      removed += await session.queue.remove(ids[i]!);
    } catch {
      // A job locked by a worker right now cannot be removed; it ends unrecorded once the batch is gone.
    }
  }
  await session.store.remove(record.id);
  return { removed, unfinished };
}
