/**
 * The state of a batch, counted job by job from the ids its record holds (so a job retried,
 * stalled and recovered, or retried by hand is still one job), with the failures' messages and,
 * when asked, each finished job's summary.
 */
import type { Job, Queue } from 'bullmq';
import type { BatchRecord, BatchStore } from './batches.js';
import type { ParseJobResult } from './jobSchema.js';

export type JobOutcome = 'waiting' | 'active' | 'completed' | 'failed' | 'missing';

export interface BatchStatus {
  batch: string;
  name: string;
  created: string;
  out: string;
  model: string;
  total: number;
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  /** Jobs gone from Redis (removed by hand): neither done nor to be done. */
  missing: number;
  failures: Array<{ input: string; error: string }>;
  /** Inputs refused at submit (they are not among `total`). */
  skipped: Array<{ input: string; error: string }>;
  /** With `results`: the return value of every completed job, in input order. */
  results?: ParseJobResult[];
}

/** BullMQ's states folded into what a user asks: is it done, being done, or still to do? */
export function outcomeOf(state: string): JobOutcome {
  if (state === 'completed' || state === 'failed' || state === 'active') return state;
  if (state === 'unknown') return 'missing';
  return 'waiting'; // waiting, delayed (back-off or handed back), prioritized, waiting-children
}

/** Reads many jobs' states at once (ioredis pipelines the calls). */
export async function statesOf(queue: Queue, ids: readonly string[]): Promise<JobOutcome[]> {
  const out: JobOutcome[] = new Array(ids.length);
  const CHUNK = 1000;
  for (let start = 0; start < ids.length; start += CHUNK) {
    const states = await Promise.all(ids.slice(start, start + CHUNK).map((id) => queue.getJobState(id)));
    states.forEach((s, i) => (out[start + i] = outcomeOf(s)));
  }
  return out;
}

async function jobsOf(queue: Queue, ids: readonly string[]): Promise<Array<Job | undefined>> {
  return Promise.all(ids.map((id) => queue.getJob(id)));
}

export interface JobStates {
  ids: string[];
  outcomes: JobOutcome[];
}

/** Every job's outcome (the cheap part of a status: no job data read). */
export async function jobStates(queue: Queue, store: BatchStore, batch: string): Promise<JobStates> {
  const ids = await store.jobIds(batch);
  return { ids, outcomes: await statesOf(queue, ids) };
}

/** The failure message of a failed job, as the worker gave it. */
export function failureOf(job: Job | undefined, id: string): { input: string; error: string } {
  const input = (job?.data as { input?: string } | undefined)?.input ?? id;
  return { input, error: job?.failedReason || 'failed (no reason recorded)' };
}

export async function batchStatus(queue: Queue, store: BatchStore, record: BatchRecord, options: { results?: boolean } = {}): Promise<BatchStatus> {
  const { ids, outcomes } = await jobStates(queue, store, record.id);
  const count = (o: JobOutcome) => outcomes.filter((x) => x === o).length;
  const failedIds = ids.filter((_, i) => outcomes[i] === 'failed');
  const failures = (await jobsOf(queue, failedIds)).map((job, i) => failureOf(job, failedIds[i]!));
  const status: BatchStatus = {
    batch: record.id,
    name: record.name,
    created: new Date(record.created).toISOString(),
    out: record.out,
    model: record.model,
    total: ids.length,
    waiting: count('waiting'),
    active: count('active'),
    completed: count('completed'),
    failed: failedIds.length,
    missing: count('missing'),
    failures,
    skipped: record.skipped,
  };
  if (options.results) {
    const doneIds = ids.filter((_, i) => outcomes[i] === 'completed');
    status.results = (await jobsOf(queue, doneIds)).flatMap((job) => (job?.returnvalue ? [job.returnvalue as ParseJobResult] : []));
  }
  return status;
}

/** True once no job is waiting or active. */
export function finished(status: Pick<BatchStatus, 'waiting' | 'active'>): boolean {
  return status.waiting === 0 && status.active === 0;
}
