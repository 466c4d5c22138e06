/**
 * `faceparse worker`: takes parse jobs from the Redis queue until SIGTERM or SIGINT, then lets the
 * jobs in hand finish and exits 0 (a second signal stops at once: the jobs in hand go back to the
 * queue when their lock expires). The model is loaded once, before the first job.
 */
import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import type { ModelVariant } from '../base/types.js';
import { optionalFromText, optionFromText } from '../options/checkOption.js';
import {
  DEFAULT_MAX_INPUT_PIXELS,
  DEFAULT_MAX_MODEL_PIXELS,
  defaultSessions,
  maxInputPixelsOption,
  maxModelPixelsOption,
  threadsOption,
  VARIANTS,
  variantOption,
} from '../options/parserOptions.js';
import { addQueueOptions, countFlag, logLine, type QueueFlags } from './queueOptions.js';

interface WorkerFlags extends QueueFlags {
  concurrency: string;
  model?: string;
  variant?: ModelVariant;
  anyModel?: boolean;
  threads?: string;
  device?: 'cpu' | 'cuda';
  spinning: boolean;
  maxPixels?: string;
  maxModelPixels?: string;
  cacheDir?: string;
  endpoint?: string;
  token?: string;
  offline?: boolean;
  lockDuration?: string;
  stalledInterval?: string;
  maxStalled: string;
  allowRoot: string[];
  jobSecretFile?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerWorkerCommand(program: Command): void {
  addQueueOptions(
    program
      .command('worker')
      .description(
        'parse the photos of queued batches (faceparse queue submit) until SIGTERM/SIGINT; run as many as you like, on any machine that sees the same files',
      )
      .option('-c, --concurrency <n>', 'jobs at once in this process (each with its own model session, up to the thread count)', '1')
      .option(
        '-m, --model <id|path>',
        'the model to load and keep (default: the embedded face-parsing-mini); jobs for another model are handed back',
        undefined,
      )
      .addOption(new Option('--variant <variant>', variantOption.description).choices(VARIANTS))
      .option('--any-model', "load the model a job asks for when it is not this worker's own (keeps one extra model loaded)")
      .option('-t, --threads <n>', `${threadsOption.description}; with several workers on one machine give each a share`)
      .addOption(new Option('--device <device>', 'where the model runs').choices(['cpu', 'cuda']).default('cpu'))
      .option('--no-spinning', "let onnxruntime's idle threads sleep between operators (faster when other processes share the cores)")
      .option('--max-pixels <n>', maxInputPixelsOption.description, String(DEFAULT_MAX_INPUT_PIXELS))
      .option('--max-model-pixels <n>', maxModelPixelsOption.description, String(DEFAULT_MAX_MODEL_PIXELS))
      .option('--cache-dir <dir>', 'hub cache (default: HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub)')
      .option('--endpoint <url>', 'hub endpoint (default: HF_ENDPOINT or https://huggingface.co)')
      .option('--token <token>', 'hub token (default: HF_TOKEN)')
      .option('--offline', 'never use the network (also HF_HUB_OFFLINE=1)')
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
    const threads = optionalFromText(threadsOption, flags.threads, '--threads');
    const pool = new ParserPool({
      model: modelRequest(flags.model, flags.variant),
      anyModel: flags.anyModel === true,
      runtime: {
        threads,
        // One model session per job in hand (up to the thread count), as parse runs a folder: jobs
        // then overlap on the model instead of queueing for one session.
        sessions: defaultSessions(concurrency, threads ?? availableParallelism(), flags.device),
        device: flags.device,
        spinning: flags.spinning,
        maxInputPixels: optionalFromText(maxInputPixelsOption, flags.maxPixels, '--max-pixels'),
        maxModelPixels: optionalFromText(maxModelPixelsOption, flags.maxModelPixels, '--max-model-pixels'),
        cacheDir: flags.cacheDir,
        endpoint: flags.endpoint,
        token: flags.token,
        offline: flags.offline,
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
