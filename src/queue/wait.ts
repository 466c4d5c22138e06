/**
 * Waiting for a batch: poll its jobs' states, report each job as it finishes, stop when none is
 * waiting or active (or at the deadline). Polling (not events) rides out a Redis restart: the
 * connection retries and the next poll sees whatever happened meanwhile. Each poll reads only the
 * jobs not finished yet; when none is left, one full pass makes sure (a failed job retried by hand
 * meanwhile is waited for again).
 */
import { FaceParseError } from '../base/errors.js';
import type { BatchRecord } from './batches.js';
import type { QueueSession } from './session.js';
import { batchStatus, failureOf, statesOf, type BatchStatus, type JobOutcome } from './status.js';

export interface WaitOptions {
  /** Give up after this long (ms). Default: no limit. */
  timeoutMs?: number;
  /** Between polls (ms). Default 500. */
  pollMs?: number;
  /** A job just finished (or was finished before the wait began). */
  onFinished?: (event: { input: string; outcome: 'completed' | 'failed'; error?: string }) => void;
}

export interface WaitResult {
  timedOut: boolean;
  status: BatchStatus;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isDone = (o: JobOutcome | undefined) => o === 'completed' || o === 'failed' || o === 'missing';

/** The promise's value, or undefined once `ms` have passed (a poll stuck on an unreachable Redis). */
async function beforeDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  if (ms === Infinity) return promise;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, ms))));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function waitForBatch(session: QueueSession, record: BatchRecord, options: WaitOptions = {}): Promise<WaitResult> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const pollMs = options.pollMs ?? 500;
  const ids = await session.store.jobIds(record.id);
  const last = new Map<string, JobOutcome>();
  let pending = ids;

  /** Reads the states of `which`, reports the newly finished; false at the deadline. */
  const poll = async (which: readonly string[]): Promise<boolean> => {
    const outcomes = await beforeDeadline(statesOf(session.queue, which), deadline - Date.now());
    if (!outcomes) return false;
    for (let i = 0; i < which.length; i++) {
      const id = which[i]!;
      const outcome = outcomes[i]!;
      if ((outcome === 'completed' || outcome === 'failed') && last.get(id) !== outcome) {
        const failure = failureOf(await session.queue.getJob(id), id);
        options.onFinished?.(outcome === 'failed' ? { input: failure.input, outcome, error: failure.error } : { input: failure.input, outcome });
      }
      last.set(id, outcome);
    }
    return true;
  };

  let timedOut = false;
  for (;;) {
    if (!(await poll(pending))) {
      timedOut = true;
      break;
    }
    pending = pending.filter((id) => !isDone(last.get(id)));
    if (pending.length === 0) {
      if (!(await poll(ids))) {
        timedOut = true;
        break;
      }
      pending = ids.filter((id) => !isDone(last.get(id)));
      if (pending.length === 0) break;
    }
    if (Date.now() >= deadline) {
      timedOut = true;
      break;
    }
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
  const status = await beforeDeadline(batchStatus(session.queue, session.store, record), timedOut ? 5000 : Infinity);
  if (!status) throw new FaceParseError('QUEUE_UNAVAILABLE', `gave up waiting for batch ${record.id}: ${session.where} did not answer before the timeout`);
  return { timedOut, status };
}
