/**
 * The worker loop: a BullMQ Worker over the parse queue with the model loaded once. BullMQ owns
 * the distributed parts: a job's lock is renewed while it runs; if its worker dies (SIGKILL, lost
 * machine), the lock expires and the stalled-job check of any live worker returns the job to the
 * queue (`lockDuration`, `stalledInterval`, `maxStalledCount`); failed attempts come back after an
 * exponential back-off. `close()` stops taking jobs and lets the current ones finish.
 */
import { Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { connectRedis, safeUrl, type QueueTarget } from './connection.js';
import type { ParseJobData, ParseJobResult } from './jobSchema.js';
import { QUEUE_NAME } from './names.js';
import type { ParserPool } from './parserPool.js';
import { createProcessor, WORKER_NAME } from './processJob.js';
import { redisOutputRecords, resolveRoots } from './jobAccess.js';

export const DEFAULT_LOCK_DURATION_MS = 15_000;
export const DEFAULT_STALLED_INTERVAL_MS = 5_000;

export interface WorkerOptions {
  target: QueueTarget;
  pool: ParserPool;
  /** Jobs at once (default 1). The model queue shares them among its sessions. */
  concurrency?: number;
  /** How long a job stays claimed without a lock renewal before it counts as stalled (ms; default 15 000). */
  lockDuration?: number;
  /** How often this worker looks for stalled jobs (ms; default 5 000). */
  stalledInterval?: number;
  /** Times a job may stall (its worker died) and be returned before it fails (default 2). */
  maxStalledCount?: number;
  /** Folders jobs may read and write under, as given (resolved to real paths at start); empty: anywhere. */
  allowRoots?: readonly string[];
  /** Shared secret of signed jobs (`queue submit --job-secret`): unsigned jobs are refused. */
  jobSecret?: string;
  /** How long a job for another model waits before it is offered again (ms; default 2000). */
  refuseDelayMs?: number;
  log: (line: string) => void;
}

export interface RunningWorker {
  /** Stops taking jobs; resolves when the jobs in hand are done (force: at once, they are handed back by the stall check). */
  close(force?: boolean): Promise<void>;
  /** Jobs being processed now. */
  active(): number;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { log } = options;
  const roots = await resolveRoots(options.allowRoots ?? []);
  await options.pool.start();
  const connection = connectRedis(options.target, { role: 'service' });
  const processJob = createProcessor({
    pool: options.pool,
    roots,
    jobSecret: options.jobSecret,
    records: redisOutputRecords(connection, options.target.prefix),
    refuseDelayMs: options.refuseDelayMs ?? 2000,
    onRefuse: (m) => log(`warning: ${m}`),
  });
  let active = 0;
  // Jobs this worker finished whose completion it has not yet seen confirmed. When the connection
  // drops just as a job is marked completed, Redis may have applied it while the reply was lost:
  // BullMQ's retry then finds the job no longer active, and no 'completed' event comes. The job is
  // done once (in Redis, and its outputs), but its ok line would be missing; these are looked up
  // in Redis after connection errors and before the worker stops, and reported as Redis has them.
  const unconfirmed = new Map<string, Job<ParseJobData, ParseJobResult>>();
  const lookups = new Queue<ParseJobData, ParseJobResult>(QUEUE_NAME, { connection, prefix: options.target.prefix });
  const worker = new Worker<ParseJobData, ParseJobResult>(
    QUEUE_NAME,
    async (job, token) => {
      active++;
      try {
        const result = await processJob(job, token);
        if (job.id) unconfirmed.set(job.id, job);
        return result;
      } finally {
        active--;
      }
    },
    {
      connection,
      prefix: options.target.prefix,
      concurrency: options.concurrency ?? 1,
      autorun: false,
      // Shorter than BullMQ's 30 s + 30 s, so a dead worker's job is back within about 20 s; still
      // long enough that a live worker busy on a huge photo (the lock is renewed every 7.5 s) keeps it.
      lockDuration: options.lockDuration ?? DEFAULT_LOCK_DURATION_MS,
      stalledInterval: options.stalledInterval ?? DEFAULT_STALLED_INTERVAL_MS,
      maxStalledCount: options.maxStalledCount ?? 2,
    },
  );
  let lastError = '';
  // Each run of a job (its id and start time) is reported once, whichever of the event and the lookup comes first.
  const reported = new Set<string>();
  const reportOk = (job: Job<ParseJobData, ParseJobResult>, result: ParseJobResult) => {
    const run = `${job.id}@${job.processedOn}`;
    if (reported.has(run)) return;
    reported.add(run);
    if (reported.size > 10_000) reported.delete(reported.values().next().value!);
    log(`ok ${job.data.input} -> ${job.data.out}/${job.data.stem}.* (${Math.round(result.timings.total ?? 0)} ms)`);
  };
  worker.on('completed', (job: Job<ParseJobData, ParseJobResult>, result) => {
    if (job.id) unconfirmed.delete(job.id);
    reportOk(job, result);
  });
  /** Settles the unconfirmed jobs by their state in Redis: completed by this worker -> its ok line; anything else -> left to whoever runs it next. */
  let reconciling: Promise<void> | undefined;
  const reconcile = () =>
    (reconciling ??= (async () => {
      for (const [id, job] of [...unconfirmed]) {
        const fresh = await Job.fromId<ParseJobData, ParseJobResult>(lookups, id).catch(() => null);
        if (fresh === null) continue; // Redis not back yet: tried again on the next error or at the stop
        unconfirmed.delete(id);
        if (!fresh) continue;
        const state = await fresh.getState().catch(() => 'unknown');
        if (state === 'completed' && fresh.returnvalue?.worker === WORKER_NAME && fresh.processedOn === job.processedOn) reportOk(fresh, fresh.returnvalue);
      }
    })().finally(() => (reconciling = undefined)));
  worker.on('failed', (job, error) => {
    if (!job) return;
    const attempts = job.opts.attempts ?? 1;
    const input = (job.data as Partial<ParseJobData>).input ?? job.id;
    if (error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= attempts) log(`failed ${input}: ${error.message}`);
    else log(`error ${input} (attempt ${job.attemptsMade} of ${attempts}, retried after a back-off): ${error.message}`);
  });
  worker.on('stalled', (jobId) => log(`job ${jobId} stalled (its worker stopped renewing its lock): returned to the queue`));
  worker.on('failed', (job) => {
    if (job?.id) unconfirmed.delete(job.id);
  });
  worker.on('error', (error) => {
    if (unconfirmed.size > 0) setTimeout(() => void reconcile().catch(() => undefined), 500).unref();
    // Connection trouble repeats every retry: say it once until it changes.
    if (error.message !== lastError) log(`warning: Redis at ${safeUrl(options.target.url)}: ${error.message} (retrying)`);
    lastError = error.message;
  });
  // Say when the connection drops and comes back (a Redis restart, a failover): jobs wait meanwhile, none is lost.
  let lost = false;
  let stopped = false;
  connection.on('close', () => {
    if (!lost && !stopped) log(`warning: lost the connection to Redis at ${safeUrl(options.target.url)}; reconnecting`);
    lost = true;
  });
  connection.on('ready', () => {
    if (lost) log(`reconnected to Redis at ${safeUrl(options.target.url)}`);
    lost = false;
    lastError = '';
  });
  await worker.waitUntilReady();
  void worker.run().catch((error: Error) => log(`error: the worker loop stopped: ${error.message}`));
  // What the worker trusts is said before "ready": whoever waits for that line has read all of it.
  log(
    roots.length > 0
      ? `jobs may read and write only under ${roots.join(', ')}`
      : 'warning: no --allow-root: jobs may read and write any file this user can; whoever can write to this Redis decides which (see the README, "Trust")',
  );
  if (options.jobSecret === undefined) log('note: no --job-secret: unsigned jobs are taken');
  log(
    `worker ${WORKER_NAME} ready: ${options.pool.describe()}, concurrency ${options.concurrency ?? 1}, queue ${options.target.prefix}:${QUEUE_NAME} at ${safeUrl(options.target.url)}`,
  );
  let closing: Promise<void> | undefined;
  return {
    active: () => active,
    close: async (force = false) => {
      if (force) await worker.close(true);
      else await (closing ??= worker.close());
      await reconcile().catch(() => undefined);
      await lookups.close().catch(() => undefined);
      await options.pool.close();
      stopped = true;
      connection.disconnect();
    },
  };
}
