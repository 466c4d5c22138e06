/**
 * `faceparse worker`: takes parse jobs from the Redis queue until SIGTERM or SIGINT, then lets the
 * jobs in hand finish and exits 0 (a second signal stops at once: the jobs in hand go back to the
 * queue when their lock expires). The model is loaded once, before the first job.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { optionalFromText, optionFromText } from '../options/checkOption.js';
import { defaultSessions } from '../options/parserOptions.js';
import { addModelFlags, type ModelFlags, modelFlagOptions } from './modelFlags.js';
import { addQueueOptions, countFlag, logLine, type QueueFlags } from './queueOptions.js';

interface WorkerFlags extends QueueFlags, ModelFlags {
  concurrency: string;
  anyModel?: boolean;
  lockDuration?: string;
  stalledInterval?: string;
  maxStalled: string;
  allowRoot: string[];
  jobSecretFile?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerWorkerCommand(program: Command): void {
  const command = program
    .command('worker')
    .description(
      'parse the photos of queued batches (faceparse queue submit) until SIGTERM/SIGINT; run as many as you like, on any machine that sees the same files',
    )
    .option('-c, --concurrency <n>', 'jobs at once in this process (each with its own model session, up to the thread count)', '1');
  addModelFlags(command, {
    model: 'the model to load and keep (default: the embedded face-parsing-mini); jobs for another model are handed back',
    threadsNote: '; with several workers on one machine give each a share',
    revision: false,
  });
  addQueueOptions(
    command
      .option('--any-model', "load the model a job asks for when it is not this worker's own (keeps one extra model loaded)")
      .option('--lock-duration <ms>', 'a job whose worker stops renewing its lock this long is stalled and returned to the queue (default 15000)')
      .option('--stalled-interval <ms>', 'how often to look for stalled jobs (default 5000)')
      .option('--max-stalled <n>', 'times a job may be returned after stalling before it fails', '2')
      .option(
        '--allow-root <dir>',
        'a folder jobs may read photos from and write outputs to (repeat for several; also FACEPARSE_ALLOW_ROOTS, colon-separated); jobs outside are failed. Without any, jobs may read and write any file this user can',
        collect,
        [],
      )
      .option(
        '--job-secret-file <file>',
        'take only jobs signed with the secret in this file (as queue submit --job-secret-file signs them; also FACEPARSE_JOB_SECRET)',
      ),
  ).action(async (flags: WorkerFlags) => {
    const log = logLine(process.stderr);
    // Signals are caught from the start. While the model loads, a signal is noted and honoured once it
    // has loaded (stopping a native load half-way aborts the process); while connecting, the worker holds
    // no job and just stops.
    let stopRequested: string | undefined;
    let onSignal: (signal: string) => void = (signal) => {
      stopRequested ??= signal;
      log(`${signal} while starting: stopping once the model has loaded`);
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    const [{ queueTarget }, { modelRequest }, { ParserPool }, { startWorker }] = await Promise.all([
      import('../queue/connection.js'),
      import('../queue/modelIdentity.js'),
      import('../queue/parserPool.js'),
      import('../queue/worker.js'),
    ]);
    const target = queueTarget(flags);
    const [{ resolveRoots, rootsFromEnv }, { readJobSecret }] = await Promise.all([import('../queue/jobAccess.js'), import('./jobSecret.js')]);
    // Checked before the model loads: a wrong root is one error line, not a failure after a minute.
    const allowRoots = await resolveRoots([...flags.allowRoot, ...rootsFromEnv(process.env.FACEPARSE_ALLOW_ROOTS)]);
    const jobSecret = readJobSecret(flags.jobSecretFile, process.env.FACEPARSE_JOB_SECRET);
    const concurrency = optionFromText(countFlag(1), flags.concurrency, '--concurrency');
    // The model and its variant are the pool's (a job may ask for another); the rest is how every model runs.
    const { model: _model, variant: _variant, ...runtime } = modelFlagOptions(flags, log);
    const pool = new ParserPool({
      model: modelRequest(flags.model, flags.variant),
      anyModel: flags.anyModel === true,
      runtime: {
        ...runtime,
        // One model session per job in hand (up to the thread count), as parse runs a folder: jobs
        // then overlap on the model instead of queueing for one session.
        sessions: defaultSessions(concurrency, runtime.threads ?? availableParallelism(), runtime.device),
      },
    });
    log(`worker starting: loading ${flags.model ?? 'the embedded model'}${flags.variant ? ` (${flags.variant})` : ''}`);
    await pool.start();
    if (stopRequested) {
      await pool.close();
      log('worker stopped before taking any job');
      return;
    }
    onSignal = (signal) => {
      log(`${signal} while connecting: stopped before taking any job`);
      void pool.close().finally(() => process.exit(0));
    };
    const worker = await startWorker({
      target,
      pool,
      concurrency,
      lockDuration: optionalFromText(countFlag(1), flags.lockDuration, '--lock-duration'),
      stalledInterval: optionalFromText(countFlag(1), flags.stalledInterval, '--stalled-interval'),
      maxStalledCount: optionFromText(countFlag(0), flags.maxStalled, '--max-stalled'),
      allowRoots,
      jobSecret,
      log,
    });
    const signal = await new Promise<string>((resolve) => (onSignal = resolve));
    const forced = new Promise<void>((resolve) => {
      onSignal = (again) => {
        log(`${again} again: stopping now; the jobs in hand return to the queue when their lock expires`);
        void worker.close(true).then(resolve, () => resolve());
      };
    });
    log(`${signal}: finishing ${worker.active()} job${worker.active() === 1 ? '' : 's'} in hand, then stopping (send it again to stop at once)`);
    const graceful = worker.close().catch((error: Error) => log(`warning: closing: ${error.message}`));
    await Promise.race([graceful, forced]);
    log('worker stopped');
    // Anything still holding the event loop (a socket being torn down) must not keep a stopped worker alive.
    setTimeout(() => process.exit(0), 3000).unref();
  });
}
