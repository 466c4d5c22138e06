/**
 * Waiting for a batch: poll its jobs' states, report each job as it finishes, stop when none is
 * waiting or active (or at the deadline). Polling (not events) rides out a Redis restart: the
 * connection retries and the next poll sees whatever happened meanwhile.
 */
import { FaceParseError } from '../base/errors.js';
import type { BatchRecord } from './batches.js';
import type { QueueSession } from './session.js';
import { batchStatus, failureOf, jobStates, type BatchStatus, type JobOutcome } from './status.js';

export interface WaitOptions {
  /** Give up after this long (ms). Default: no limit. */
  timeoutMs?: number;
  /** Between polls (ms). Default 500. */
  pollMs?: number;
  /** A job just finished (or was finished before the wait began). */
  onFinished?: (event: { input: string; outcome: 'completed' | 'failed'; error?: string }) => void;
  /** Counts after each poll. */
  onPoll?: (counts: { total: number; done: number }) => void;
}

export type WaitResult = { timedOut: false; status: BatchStatus } | { timedOut: true; status: BatchStatus };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The promise's value, or undefined once `ms` have passed (a poll stuck on an unreachable Redis). */
async function beforeDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
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
  const reported = new Map<string, JobOutcome>();
  for (;;) {
    const remaining = deadline - Date.now();
    const poll = jobStates(session.queue, session.store, record.id);
    const states = remaining === Infinity ? await poll : await beforeDeadline(poll, remaining);
    if (!states) break;
    const { ids, outcomes } = states;
    let done = 0;
    for (let i = 0; i < ids.length; i++) {
      const outcome = outcomes[i]!;
      const id = ids[i]!;
      if (outcome === 'completed' || outcome === 'failed' || outcome === 'missing') done++;
      // A job retried by hand (failed -> waiting) is reported again when it finishes again.
      if ((outcome === 'completed' || outcome === 'failed') && reported.get(id) !== outcome) {
        const job = await session.queue.getJob(id);
        const failure = failureOf(job, id);
        options.onFinished?.(outcome === 'failed' ? { input: failure.input, outcome, error: failure.error } : { input: failure.input, outcome });
      }
      reported.set(id, outcome);
    }
    options.onPoll?.({ total: ids.length, done });
    if (done === ids.length) return { timedOut: false, status: await batchStatus(session.queue, session.store, record) };
    if (Date.now() >= deadline) break;
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
  const last = await beforeDeadline(batchStatus(session.queue, session.store, record), 5000);
  if (!last) throw new FaceParseError('QUEUE_UNAVAILABLE', `gave up waiting for batch ${record.id}: ${session.where} did not answer before the timeout`);
  return { timedOut: true, status: last };
}
